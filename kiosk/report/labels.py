"""The network picture's names: how wide a text is, how a long name wraps, and where each
label goes so that no two labels overlap, no label covers a circle, and all stay inside.

Each label's box is estimated from its characters (the wider of the fonts the picture asks
for), and each line is drawn to exactly that length. The biggest groups are labelled first;
the places tried are rings around the label's circle, the nearest first: the first place
beside the circle (level with it, or centred over or under it) with no other circle nearer
wins; else the nearest free place on the rings, else the nearest free spot anywhere, those
two joined to their circle by a thin line. When some label finds no room, all are placed
again a little smaller.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kiosk.report.layout import Box, Node, Obstacles

#: Label font size bounds (at the reference width): the size is chosen so the labels fit.
FONT_MAX, FONT_MIN = 12.5, 9.0
#: Share of the picture the labels may take together, when choosing their font size.
LABEL_AREA_SHARE = 0.3
#: Font size step tried downwards when some label finds no free place.
FONT_STEP = 0.5
#: Height of a label line, padding left and right, and the first baseline below the box's top,
#: in em.
LINE_EM, PAD_EM, BASELINE_EM = 1.25, 0.25, 0.95
#: Least space between two label boxes, and between a label and a circle.
LABEL_GAP, CIRCLE_GAP = 2.0, 1.5
#: Rings of places tried around a circle before searching the whole picture, how far apart
#: they are (em), and the angles tried in each (degrees, clockwise from the right: y is down).
LABEL_RINGS = 8
RING_STEP_EM = 0.6
LABEL_ANGLES = (0, 180, -90, 90, -30, 30, 150, -150, -60, 60, 120, -120)
#: Grid step (em) of the search over the whole picture.
SEARCH_STEP_EM = 1.0
#: A label further than this (em) from its circle gets a thin line to it; so does one above or
#: below its circle unless the circle is over (or under) the middle of it, not within this
#: share of the label's width from either end.
LEADER_FROM_EM = 0.9
BESIDE_MIDDLE = 0.2
#: Characters per label line by number of groups drawn (a name wraps onto a second line; the
#: tooltip has it whole), and the fewest a line is cut to when space runs out.
LINE_CHARS = ((15, 30), (35, 26), (60, 22))
MIN_LINE_CHARS = 8
ELLIPSIS = "…"

#: Character widths in em: the wider of Noto Sans and Arial/Helvetica, rounded up. A label's
#: box is made from them, and each line of text is drawn to exactly its estimated length
#: (SVG textLength), so a label fills its box in whichever of the fonts the laptop has.
CHAR_EM = {
    width: chars
    for width, chars in (
        (0.25, "'"),
        (0.3, " !,.:;ijl"),
        (0.35, "()-I[]`f"),
        (0.4, "/\\t{}"),
        (0.45, '"r'),
        (0.5, "Jcsz"),
        (0.55, "kvxy–"),
        (0.6, "$*+0123456789<=>?L^_ae|~€"),
        (0.65, "#FTZbdghnopquß"),
        (0.7, "ABEKPSVXY"),
        (0.75, "&CDHRU"),
        (0.8, "GNOQw"),
        (0.9, "%"),
        (0.95, "MWm"),
        (1.0, "…—"),
        (1.05, "@"),
    )
}
_WIDTHS = {char: width for width, chars in CHAR_EM.items() for char in chars}
#: Letters of other scripts (Cyrillic, Greek, Arabic …) that have no Latin base letter.
EM_OTHER = 0.75
#: Wide (East Asian) characters.
EM_WIDE = 1.0


@dataclass
class Label:
    """A group's name as drawn: its lines, its box, and whether a line joins it to its circle."""

    node: Node
    lines: list[str]
    box: Box
    leader: bool


# -- text -------------------------------------------------------------------------------------


def char_em(char: str) -> float:
    """A character's width in em, estimated on the wide side."""
    width = _WIDTHS.get(char)
    if width is not None:
        return width
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return EM_WIDE
    base = unicodedata.normalize("NFD", char)[0]
    if base != char and base in _WIDTHS:
        return _WIDTHS[base]
    return EM_OTHER


def text_em(text: str) -> float:
    """A text's width in em, estimated on the wide side."""
    return sum(char_em(c) for c in text)


def shorten(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` characters with an ellipsis."""
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip(" -–,;:/&") + ELLIPSIS


def label_lines(name: str, limit: int) -> list[str]:
    """A name on one line, or on two split at a space or hyphen near the middle, each at most
    ``limit`` characters (the rest cut with an ellipsis)."""
    name = " ".join(name.split())
    if len(name) <= limit:
        return [name]
    splits = [i + 1 for i, c in enumerate(name[:-1]) if c == " " or (c in "-–/" and i > 0)]
    best = min(splits, key=lambda i: (max(len(name[:i].rstrip()), len(name[i:])), i), default=0)
    if not best or len(name[:best].rstrip()) > limit:
        return [shorten(name, limit)]
    return [name[:best].rstrip(), shorten(name[best:].lstrip(), limit)]


def line_chars(count: int) -> int:
    """Characters per label line when ``count`` groups are drawn."""
    return next((chars for up_to, chars in LINE_CHARS if count <= up_to), LINE_CHARS[-1][1])


def box_em(lines: list[str]) -> tuple[float, float]:
    """A label box's width and height in em."""
    return max(text_em(line) for line in lines) + 2 * PAD_EM, LINE_EM * len(lines)


# -- places -----------------------------------------------------------------------------------


def _font_size(texts: Iterable[list[str]], area: Box, scale: float) -> float:
    """The largest font (within bounds) at which the labels take at most their share."""
    need = sum(w * h for w, h in map(box_em, texts)) or 1.0
    size = math.sqrt(LABEL_AREA_SHARE * area.width * area.height / need)
    # In tenths, as the SVG writes it: each line's length is computed from the size written.
    return math.floor(10 * min(FONT_MAX * scale, max(FONT_MIN * scale, size))) / 10


def _around(node: Node, w: float, h: float, font: float) -> Iterator[Box]:
    """Boxes of size w×h around ``node``, ring by ring outwards, the preferred sides first."""
    for ring in range(LABEL_RINGS):
        d = node.r + CIRCLE_GAP + 0.5 + ring * RING_STEP_EM * font
        for degrees in LABEL_ANGLES:
            cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
            # Out along the angle by d plus half the box's extent that way: the box clears
            # the circle and sits beside it, above it or below it.
            cx, cy = node.x + cos * (d + w / 2), node.y + sin * (d + h / 2)
            yield Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _anywhere(node: Node, w: float, h: float, area: Box, step: float) -> Iterator[Box]:
    """Boxes over the whole picture, the nearest to ``node`` first (the last resort)."""
    columns = int((area.width - w) / step) + 1
    rows = int((area.height - h) / step) + 1
    spots = sorted(
        (
            (area.x0 + i * step + w / 2 - node.x) ** 2 + (area.y0 + j * step + h / 2 - node.y) ** 2,
            i,
            j,
        )
        for i in range(max(columns, 0))
        for j in range(max(rows, 0))
    )
    for _, i, j in spots:
        x, y = area.x0 + i * step, area.y0 + j * step
        yield Box(x, y, x + w, y + h)


def _gap(box: Box, node: Node) -> float:
    """How far the box is from the node's circle."""
    px, py = box.nearest(node.x, node.y)
    return math.hypot(px - node.x, py - node.y) - node.r


def _beside(box: Box, node: Node, font: float) -> bool:
    """True when a reader pairs the label with the circle without a line: close to it, and
    level with it (beside) or with the circle over or under the label's middle."""
    middle = BESIDE_MIDDLE * box.width
    return _gap(box, node) <= LEADER_FROM_EM * font and (
        (box.y0 <= node.y + node.r / 2 and box.y1 >= node.y - node.r / 2)
        or (box.x0 + middle <= node.x <= box.x1 - middle)
    )


def _own(box: Box, node: Node, nodes: list[Node]) -> bool:
    """True when no other circle is nearer to the box than its own."""
    mine = _gap(box, node)
    return all(_gap(box, other) > mine for other in nodes if other is not node)


def _try(nodes: list[Node], texts: dict[str, list[str]], area: Box, font: float) -> list[Label]:
    """Labels at this font size, biggest groups first; stops at the first that finds no room.

    A label goes, in this order: beside its circle where no other circle is nearer; further
    out on the rings; anywhere. Unless beside its circle, it gets a line to it.
    """
    taken = Obstacles(cell=4 * font)
    for node in nodes:
        taken.add_circle(node)
    placed: list[Label] = []
    for node in nodes:
        lines = texts[node.name]
        w_em, h_em = box_em(lines)
        w, h = w_em * font, h_em * font

        def fits(box: Box) -> bool:
            return box.inside(area) and taken.free(box, LABEL_GAP, CIRCLE_GAP)

        box, leader = None, True
        for candidate in filter(fits, _around(node, w, h, font)):
            if _beside(candidate, node, font) and _own(candidate, node, nodes):
                box, leader = candidate, False
                break
            box = box or candidate
        if box is None:
            box = next(filter(fits, _anywhere(node, w, h, area, SEARCH_STEP_EM * font)), None)
        if box is None:
            return placed
        placed.append(Label(node, lines, box, leader=leader))
        taken.add_box(box)
    return placed


def place(nodes: list[Node], area: Box, scale: float) -> tuple[list[Label], float]:
    """A label for every circle, none overlapping another or any circle, all inside ``area``,
    at the largest font that lets them all fit; returns the labels and the font size."""
    limit = line_chars(len(nodes))
    texts = {n.name: label_lines(n.name, limit) for n in nodes}
    font = _font_size(texts.values(), area, scale)
    while True:
        labels = _try(nodes, texts, area, font)
        if len(labels) == len(nodes):
            return labels, font
        if font - FONT_STEP >= FONT_MIN * scale:
            font -= FONT_STEP
        elif limit > MIN_LINE_CHARS:
            # No room even at the smallest size: shorter lines (the tooltips keep the names).
            limit = max(MIN_LINE_CHARS, limit - 4)
            texts = {n.name: label_lines(n.name, limit) for n in nodes}
        else:
            # Never overlap: the biggest groups keep their names, the rest have tooltips only.
            return labels, font
