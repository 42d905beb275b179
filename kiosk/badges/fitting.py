"""Text that fits its box on a badge, measured with the fonts' own widths before rendering."""

from __future__ import annotations

import functools
import io
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: At most this many interest tags go on a badge.
MAX_TAGS = 3
#: Millimetres per typographic point.
PT = 25.4 / 72

#: Fonts for measuring text, in the order the badge stylesheet names its families.
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
    Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts",
)
_FONT_FILES = {
    False: ("NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "DejaVuSans.ttf", "arial.ttf"),
    True: ("NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf", "DejaVuSans-Bold.ttf", "arialbd.ttf"),
}
#: Width of a character no measuring font knows, in em (wide, to stay on the safe side).
UNKNOWN_ADVANCE_EM = 1.0
#: Measured widths are stretched by this much: shaping, kerning and hinting may differ a little.
WIDTH_SAFETY = 1.06
ELLIPSIS = "…"


class _FontMetrics:
    """Advance widths of characters in em, from the first font (in CSS order) that has them."""

    def __init__(self, bold: bool) -> None:
        self.fonts = [f for f in (_load_font(n) for n in _FONT_FILES[bold]) if f is not None]
        self.cache: dict[str, float] = {}

    def advance(self, char: str) -> float:
        width = self.cache.get(char)
        if width is None:
            width = self._lookup(char)
            self.cache[char] = width
        return width

    def _lookup(self, char: str) -> float:
        if unicodedata.combining(char) or char in "\u200c\u200d":
            return 0.0
        code = ord(char)
        for cmap, widths, upm in self.fonts:
            glyph = cmap.get(code)
            if glyph is not None:
                return widths[glyph][0] / upm
        return UNKNOWN_ADVANCE_EM

    def width_em(self, text: str) -> float:
        return sum(self.advance(c) for c in text) * WIDTH_SAFETY


@functools.cache
def _load_font(filename: str) -> tuple[dict[int, str], Any, int] | None:
    for folder in _FONT_DIRS:
        path = folder / filename
        if path.is_file():
            from fontTools.ttLib import TTFont

            # Read into memory: the measuring tables stay, no file handle is kept open.
            font = TTFont(io.BytesIO(path.read_bytes()), lazy=True)
            try:
                return font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm
            finally:
                font.close()
    return None


@functools.cache
def _metrics(bold: bool) -> _FontMetrics:
    return _FontMetrics(bold)


@dataclass(frozen=True)
class Box:
    """Where a text goes: its size in mm, font sizes allowed (pt), weight, line height."""

    width: float
    height: float
    max_pt: float
    min_pt: float
    bold: bool = False
    line_height: float = 1.15
    single_line: bool = False
    #: Shrink down to this share of max_pt to stay on one line before wrapping.
    one_line_down_to: float = 1.0


@dataclass(frozen=True)
class Fitted:
    """A text as it will print: possibly shortened, at a font size that fits its box."""

    text: str
    size: float
    lines: int

    def __bool__(self) -> bool:
        return bool(self.text)


#: Font sizes are tried in steps of this many points.
SIZE_STEP_PT = 0.5
_HYPHEN_SPLIT = re.compile(r"(?<=-)(?=[^\d\s-])")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The unbreakable pieces of ``text`` and whether a space follows each (breaks go between)."""
    out: list[tuple[str, bool]] = []
    for word in text.split(" "):
        if not word:
            continue
        parts = _HYPHEN_SPLIT.split(word)
        out.extend((part, False) for part in parts[:-1])
        out.append((parts[-1], True))
    return out


def _wrap(text: str, width_em: float, metrics: _FontMetrics, limit: int) -> list[str]:
    """Greedy line breaking as a browser does it (spaces, after hyphens, else anywhere);
    stops once there are more than ``limit`` lines (the text does not fit anyway)."""
    lines: list[str] = []
    line, used, space_before = "", 0.0, False
    space = metrics.advance(" ") * WIDTH_SAFETY
    for piece, space_after in _pieces(text):
        w = metrics.width_em(piece)
        gap = space if (line and space_before) else 0.0
        if line and used + gap + w <= width_em:
            line += (" " if space_before else "") + piece
            used += gap + w
        else:
            if line:
                lines.append(line)
            line, used = "", 0.0
            for char in piece:  # a piece wider than the line breaks anywhere
                advance = metrics.advance(char) * WIDTH_SAFETY
                if line and used + advance > width_em:
                    lines.append(line)
                    line, used = "", 0.0
                    if len(lines) > limit:
                        return lines
                line += char
                used += advance
        space_before = space_after
        if len(lines) > limit:
            return lines
    if line:
        lines.append(line)
    return lines


def _longest_prefix(text: str, width_em: float, metrics: _FontMetrics) -> int:
    total = 0.0
    for i, char in enumerate(text):
        total += metrics.advance(char) * WIDTH_SAFETY
        if total > width_em:
            return max(i, 1)
    return len(text)


def fit_text(text: str, box: Box) -> Fitted:
    """The largest font size at which ``text`` fits ``box``; shortened with '…' if even the
    smallest size cannot hold it (a 5,000-character name must not take over a badge)."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not text:
        return Fitted("", box.max_pt, 0)
    metrics = _metrics(box.bold)
    total_em = metrics.width_em(text)
    one_line = max(box.min_pt, box.max_pt * box.one_line_down_to)
    if one_line < box.max_pt and box.max_pt * box.line_height * PT <= box.height + 1e-6:
        # A short text that only just overflows reads better a little smaller on one line.
        fits_at = box.width / (total_em * PT) if total_em else box.max_pt
        if fits_at >= one_line:
            size = min(box.max_pt, math.floor(fits_at / SIZE_STEP_PT) * SIZE_STEP_PT)
            if size >= one_line:
                return Fitted(text, size, 1)
    size = box.max_pt
    while True:
        line_mm = size * box.line_height * PT
        max_lines = 1 if box.single_line else max(1, int((box.height + 1e-6) // line_mm))
        width_em = box.width / (size * PT)
        at_min = size <= box.min_pt + 1e-9
        if total_em <= width_em * max_lines or at_min:  # else it cannot fit: skip the wrap
            lines = _wrap(text, width_em, metrics, max_lines)
            if len(lines) <= max_lines:
                return Fitted(text, size, len(lines))
            if at_min:
                return Fitted(_shorten(lines, max_lines, width_em, metrics), size, max_lines)
        size = max(size - SIZE_STEP_PT, box.min_pt)


def _shorten(lines: list[str], max_lines: int, width_em: float, metrics: _FontMetrics) -> str:
    kept = lines[:max_lines]
    last = kept[-1]
    while last and metrics.width_em(last + ELLIPSIS) > width_em:
        last = last[:-1]
    kept[-1] = last.rstrip(" -") + ELLIPSIS
    return " ".join(kept)


@dataclass(frozen=True)
class Tags:
    """The interest tags that fit on one line, and their font size."""

    items: tuple[str, ...]
    size: float

    @property
    def text(self) -> str:
        """The tags as one line of text (one text run per badge keeps batches fast)."""
        return TAG_SEPARATOR.join(self.items)


#: Between two tags on a badge.
TAG_SEPARATOR = " · "
#: One tag is never longer than this many characters.
TAG_MAX_CHARS = 28


def fit_tags(values: Sequence[str], box: Box) -> Tags:
    """As many of the first ``MAX_TAGS`` tags as fit on one line of ``box``."""
    metrics = _metrics(box.bold)
    size = box.max_pt
    width_em = box.width / (size * PT)
    kept: list[str] = []
    for raw in list(values)[:MAX_TAGS]:
        tag = " ".join(str(raw).split())
        if len(tag) > TAG_MAX_CHARS:
            tag = tag[: TAG_MAX_CHARS - 1].rstrip() + ELLIPSIS
        if not tag:
            continue
        if metrics.width_em(TAG_SEPARATOR.join([*kept, tag])) > width_em:
            if not kept:
                room = width_em - metrics.width_em(ELLIPSIS)
                cut = _longest_prefix(tag, max(room, 0.5), metrics)
                kept.append(tag[:cut].rstrip() + ELLIPSIS)
            break
        kept.append(tag)
    return Tags(tuple(kept), size)


def used_height(fitted: Fitted, box: Box) -> float:
    """Millimetres a fitted text takes up in ``box``."""
    return fitted.lines * fitted.size * box.line_height * PT
