"""The network picture: organisations (or projects) as circles sized by attendees, contacts
between them as lines, laid out force-directed by networkx and written as SVG here, with
labels placed so that no two overlap and nothing leaves the picture.

No plotting library: the layout gives coordinates, and a small writer turns circles, lines
and labelled boxes into SVG text (every name escaped), the same for the organiser's page and
the PDF report. The same input always gives the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from sqlite_utils import Database

from kiosk.events import Event
from kiosk.report import labels as klabels
from kiosk.report import layout
from kiosk.report.figures import GROUPINGS, ReportError
from kiosk.report.figures import figures as event_figures
from kiosk.report.labels import Label
from kiosk.report.layout import Box, Link, Node
from kiosk.text import fold

#: At most this many groups are drawn: more names than this cannot be read on one page.
MAX_NODES = 60
#: Default size of the picture (viewBox units; a page or the report scales it).
WIDTH, HEIGHT = 720, 540
#: The width the font and circle sizes are meant for; other widths scale them.
REFERENCE_WIDTH = 720
#: Circle radius of the smallest and the biggest group (at the reference width) …
NODE_R_MIN, NODE_R_MAX = 4.0, 20.0
#: … and the share of the picture all circles may cover: many groups get smaller circles,
#: the biggest never smaller than NODE_R_LEAST_MAX.
NODE_AREA_SHARE = 0.07
NODE_R_LEAST_MAX = 6.0
#: Line width for one contact and for the most contacts between two groups.
EDGE_MIN, EDGE_MAX = 1.2, 7.0
#: The widest line is drawn for at least this many contacts: where pairs met once or twice,
#: their lines stay thin instead of all being drawn as the strongest.
EDGE_FULL_AT = 10
#: Room at the bottom for the note on groups left out, its font size and its baseline (above
#: the bottom, as a share of that room).
NOTE_HEIGHT, NOTE_FONT, NOTE_BASELINE = 22.0, 10.0, 0.3
#: Line widths: the white ring round a circle, a leader line; corner radius of a label box.
RING_WIDTH, LEADER_WIDTH, LABEL_RADIUS = 1.2, 0.7, 2.0
FONT_FAMILY = "'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
INK = "#1d2433"
MUTED = "#5b6475"
NODE_FILL = "#1f5fa8"
EDGE_COLOUR = "#b4c1d9"
LEADER_COLOUR = "#2b3345"

TEXTS = {
    "de": {
        "title": "Netzwerk: {n} Gruppen, {e} Verbindungen",
        "left_out": "{shown} von {total} gezeigt – {left} kleinere nicht gezeigt",
        "empty": "Noch keine Daten für das Netzwerkbild",
        "node": "{name}: {n} Teilnehmende",
        "edge": "{a} – {b}: {n} Kontakte",
    },
    "en": {
        "title": "Network: {n} groups, {e} connections",
        "left_out": "{shown} of {total} shown – {left} smaller ones left out",
        "empty": "No data for the network picture yet",
        "node": "{name}: {n} attendees",
        "edge": "{a} – {b}: {n} contacts",
    },
}


# -- choosing -------------------------------------------------------------------------------


def _clean(name: Any) -> str:
    return " ".join(str(name or "").split())


def _choose(nodes: Iterable[Mapping[str, Any]], max_nodes: int) -> tuple[list[Node], int]:
    """The biggest ``max_nodes`` groups (equal ones by name), and how many there were."""
    merged: dict[str, Node] = {}
    for item in nodes:
        name = _clean(item.get("name"))
        if name:
            node = merged.setdefault(name, Node(name, 0))
            node.attendees += int(item.get("attendees") or 0)
    ranked = sorted(merged.values(), key=lambda n: (-n.attendees, fold(n.name), n.name))
    return ranked[:max_nodes], len(ranked)


def _links(edges: Iterable[Mapping[str, Any]], chosen: dict[str, Node]) -> list[Link]:
    """Contacts between two drawn groups, summed per pair, in a fixed order."""
    summed: dict[tuple[str, str], int] = {}
    for item in edges:
        a, b = _clean(item.get("a")), _clean(item.get("b"))
        count = int(item.get("contacts") or 0)
        if a in chosen and b in chosen and a != b and count > 0:
            key = (min(a, b), max(a, b))
            summed[key] = summed.get(key, 0) + count
    return [Link(chosen[a], chosen[b], n) for (a, b), n in sorted(summed.items())]


def _radii(nodes: list[Node], area: Box, scale: float) -> None:
    """Circle sizes by attendees (area grows with people); smaller when there are many."""
    biggest = max(n.attendees for n in nodes) or 1
    fits = math.sqrt(NODE_AREA_SHARE * area.width * area.height / (math.pi * len(nodes)))
    r_max = max(NODE_R_LEAST_MAX * scale, min(NODE_R_MAX * scale, fits))
    r_min = NODE_R_MIN * scale
    for n in nodes:
        n.r = r_min + (r_max - r_min) * math.sqrt(n.attendees / biggest)


# -- SVG ---------------------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate as short text: one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _value(value: Any) -> str:
    return _num(value) if isinstance(value, float) else str(value)


def _el(tag: str, content: str | None = None, **attributes: Any) -> str:
    """One SVG element; attribute names in Python spelling (``stroke_width`` → stroke-width,
    a trailing underscore dropped), every value quoted and escaped, ``content`` already SVG."""
    attrs = "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(_value(v))}"
        for name, v in attributes.items()
    )
    return f"<{tag}{attrs}/>" if content is None else f"<{tag}{attrs}>{content}</{tag}>"


def _title(text: str) -> str:
    return _el("title", escape(text))


def _edge_width(link: Link, heaviest: int, scale: float) -> float:
    strength = math.sqrt((link.contacts - 1) / (heaviest - 1))
    return scale * (EDGE_MIN + (EDGE_MAX - EDGE_MIN) * strength)


def _edges_svg(links: list[Link], words: dict[str, str], scale: float, tooltips: bool) -> str:
    """The contact lines, thin ones first so the strong are drawn on top: one line each with
    its tooltip, or (for print) one path per line width — a thousand lines are drawn as a
    few paths, many times faster in a PDF."""
    heaviest = max([EDGE_FULL_AT, *(link.contacts for link in links)])
    ordered = sorted(links, key=lambda k: (k.contacts, k.a.name, k.b.name))
    if tooltips:
        lines = [
            _el(
                "line",
                _title(words["edge"].format(a=k.a.name, b=k.b.name, n=k.contacts)),
                x1=k.a.x,
                y1=k.a.y,
                x2=k.b.x,
                y2=k.b.y,
                stroke_width=_edge_width(k, heaviest, scale),
            )
            for k in ordered
        ]
    else:
        by_width: dict[str, list[str]] = {}
        for k in ordered:
            segment = f"M{_num(k.a.x)} {_num(k.a.y)}L{_num(k.b.x)} {_num(k.b.y)}"
            by_width.setdefault(_num(_edge_width(k, heaviest, scale)), []).append(segment)
        lines = [
            _el("path", d="".join(segments), stroke_width=width, fill="none")
            for width, segments in by_width.items()
        ]
    return _el("g", "".join(lines), class_="edges", stroke=EDGE_COLOUR, stroke_linecap="round")


def _leaders_svg(labels: list[Label], scale: float) -> str:
    """Thin lines from a circle to its label where the label had to go further away."""
    lines = []
    for label in labels:
        if label.leader:
            n = label.node
            lx, ly = label.box.nearest(n.x, n.y)
            dist = math.hypot(lx - n.x, ly - n.y) or 1.0
            sx, sy = n.x + (lx - n.x) * n.r / dist, n.y + (ly - n.y) * n.r / dist
            lines.append(_el("line", x1=sx, y1=sy, x2=lx, y2=ly))
    return _el(
        "g",
        "".join(lines),
        class_="leaders",
        stroke=LEADER_COLOUR,
        stroke_width=LEADER_WIDTH * scale,
    )


def _nodes_svg(nodes: list[Node], words: dict[str, str], scale: float, tooltips: bool) -> str:
    circles = [
        _el(
            "circle",
            _title(words["node"].format(name=n.name, n=n.attendees)) if tooltips else None,
            cx=n.x,
            cy=n.y,
            r=n.r,
        )
        for n in nodes
    ]
    return _el(
        "g",
        "".join(circles),
        class_="nodes",
        fill=NODE_FILL,
        stroke="#ffffff",
        stroke_width=RING_WIDTH * scale,
    )


def _labels_svg(labels: list[Label], font: float, scale: float, tooltips: bool) -> str:
    """Each label: a white box (it stays readable over the lines under it) with the name's
    lines in it, and the whole name as a tooltip."""
    items = []
    for label in labels:
        box = label.box
        rect = _el(
            "rect",
            class_="label-box",
            x=box.x0,
            y=box.y0,
            width=box.width,
            height=box.height,
            rx=LABEL_RADIUS * scale,
            fill="#ffffff",
        )
        x = box.x0 + klabels.PAD_EM * font
        spans = "".join(
            _el(
                "tspan",
                escape(line),
                x=x,
                y=box.y0 + (klabels.BASELINE_EM + klabels.LINE_EM * i) * font,
                textLength=klabels.text_em(line) * font,
                lengthAdjust="spacingAndGlyphs",
            )
            for i, line in enumerate(label.lines)
        )
        text = _el("text", spans, class_="label-text")
        tip = _title(label.node.name) if tooltips else ""
        items.append(_el("g", tip + rect + text, class_="label"))
    return _el("g", "".join(items), class_="labels", font_size=font, fill=INK)


def _document(width: float, height: float, title: str, parts: list[str]) -> str:
    return _el(
        "svg",
        "\n" + "\n".join([_title(title), *parts]) + "\n",
        xmlns="http://www.w3.org/2000/svg",
        class_="network",
        viewBox=f"0 0 {_num(float(width))} {_num(float(height))}",
        width=float(width),
        height=float(height),
        role="img",
        aria_label=title,
        font_family=FONT_FAMILY,
    )


def network_svg(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    *,
    width: float = WIDTH,
    height: float = HEIGHT,
    max_nodes: int = MAX_NODES,
    lang: str = "de",
    tooltips: bool = True,
) -> str:
    """The network as an SVG document: ``nodes`` are {"name", "attendees"}, ``edges`` are
    {"a", "b", "contacts"}; the ``max_nodes`` biggest groups are drawn, the rest counted.

    ``tooltips``: every circle, label and line says what it is on hover (for a page); without
    them (for print) the lines are drawn as a few paths.
    """
    words = TEXTS.get(lang, TEXTS["de"])
    chosen, total = _choose(nodes, max_nodes)
    left_out = total - len(chosen)
    scale = width / REFERENCE_WIDTH
    note_height = NOTE_HEIGHT * scale if left_out else 0.0
    area = Box(0.0, 0.0, float(width), float(height) - note_height)
    links = _links(edges, {n.name: n for n in chosen})
    title = words["title"].format(n=len(chosen), e=len(links))
    if not chosen:
        empty = _el(
            "text",
            escape(words["empty"]),
            x=width / 2,
            y=height / 2,
            text_anchor="middle",
            font_size=klabels.FONT_MAX * scale,
            fill=MUTED,
        )
        return _document(width, height, title, [empty])
    _radii(chosen, area, scale)
    layout.place(chosen, links, area)
    labels, font = klabels.place(chosen, area, scale)
    parts = [
        _edges_svg(links, words, scale, tooltips),
        _leaders_svg(labels, scale),
        _nodes_svg(chosen, words, scale, tooltips),
        _labels_svg(labels, font, scale, tooltips),
    ]
    if left_out:
        note = words["left_out"].format(shown=len(chosen), total=total, left=left_out)
        parts.append(
            _el(
                "text",
                escape(note),
                class_="note",
                x=width / 2,
                y=height - note_height * NOTE_BASELINE,
                text_anchor="middle",
                font_size=NOTE_FONT * scale,
                fill=MUTED,
            )
        )
    return _document(width, height, title, parts)


def picture(
    db_or_figures: Database | Mapping[str, Any],
    event: Event,
    by: str = "organisation",
    *,
    width: float = WIDTH,
    height: float = HEIGHT,
    lang: str = "de",
) -> str:
    """The organiser's network picture of ``event`` as SVG: groups by organisation or project,
    from the report's figures (given, or read from the database)."""
    if by not in GROUPINGS:
        raise ReportError("bad_grouping", f"Group by organisation or project, not {by}.")
    found = (
        db_or_figures if isinstance(db_or_figures, Mapping) else event_figures(db_or_figures, event)
    )
    network = found["network"][by]
    return network_svg(network["nodes"], network["edges"], width=width, height=height, lang=lang)
