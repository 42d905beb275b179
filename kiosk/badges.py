"""Badges: layouts as data, text that fits, QR codes, PDF rendering, the print log, printing."""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import json
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import threading
import time
import unicodedata
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup
from sqlite_utils import Database

from kiosk import attendees as kattendees
from kiosk import db as kdb
from kiosk import events as kevents
from kiosk import resource_dir
from kiosk.errors import KioskError
from kiosk.events import Event

log = logging.getLogger("kiosk.badges")

#: The file in badges/ that holds every layout's geometry.
LAYOUTS_FILE = "layouts.json"
#: Layout used until the organiser chooses another one.
DEFAULT_LAYOUT = "avery-l4785"
#: At most this many interest tags go on a badge.
MAX_TAGS = 3
#: Millimetres per typographic point.
PT = 25.4 / 72
#: Calibration offsets beyond this (mm) are refused: the sheet would be misprinted anyway.
MAX_OFFSET_MM = 10.0
#: Seconds ``lp`` may take to accept a job.
PRINT_TIMEOUT_S = 30
#: Seconds ``lpstat`` may take to list the printers.
LPSTAT_TIMEOUT_S = 3
#: Batches up to this size render in the calling process; larger ones use worker processes.
PARALLEL_MIN_BADGES = 240
#: Worker processes for large batches (each holds its own WeasyPrint, ~150 MB).
MAX_WORKERS = 4
#: Badges per unit of work in a batch (at least): progress moves on after each one.
CHUNK_BADGES = 100
#: Units of work per worker process in a parallel batch.
RUNS_PER_WORKER = 2
#: Largest uploaded logo (pixels on the long side) kept after re-encoding.
LOGO_MAX_PX = 1200
#: Folder in the data folder for generated batch PDFs and the event logos.
OUTPUT_FOLDER = "badges"

#: QR error correction M (15 %) and one fixed mask: searching the best of eight masks costs
#: 2-10 ms per code, a fixed one ~1 ms, and scanners read either equally well.
QR_MASK_PATTERN = 4

#: The band colour by organisation type; an event's ``type_colours`` setting overrides these.
DEFAULT_TYPE_COLOURS: dict[str, str] = {
    "Betrieb": "#1f5fa8",
    "Schule": "#2e7d32",
    "Schulamt": "#00695c",
    "Jobcenter": "#b3261e",
    "Agentur für Arbeit": "#c2410c",
    "Kammer": "#6a1b9a",
    "Freier Träger": "#ad1457",
    "Jugendprojekt": "#8d6e00",
    "Kommune": "#455a64",
    "Hochschule": "#283593",
    "Sonstige": "#5f6368",
}
#: Colours for types nobody configured (e.g. from an imported file), chosen by the type's name.
FALLBACK_COLOURS = ("#37474f", "#4e342e", "#1b5e20", "#0d47a1", "#880e4f", "#4a148c", "#004d40")
#: The band when an attendee has no organisation type.
NO_TYPE_COLOUR = "#9aa1ad"
INK = "#1d2433"
WHITE = "#ffffff"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

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


class BadgeError(KioskError):
    """A badge could not be made or printed; ``code`` says why."""


# -- layouts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """One page/sheet/label geometry from badges/layouts.json; lengths in mm."""

    name: str
    title: str
    kind: str
    page_w: float
    page_h: float
    badge_w: float
    badge_h: float
    columns: int
    rows: int
    left: float
    top: float
    gap_x: float
    gap_y: float
    radius: float
    inset_x: float
    inset_y: float
    cut_marks: bool
    source: str

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def portrait(self) -> bool:
        return self.badge_h > self.badge_w

    def slot(self, index: int) -> tuple[int, int]:
        """(column, row) of the ``index``-th badge on a page, filled row by row."""
        return index % self.columns, index // self.columns

    def slot_origin(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm) of the ``index``-th badge on a page."""
        col, row = self.slot(index)
        return (
            self.left + col * (self.badge_w + self.gap_x),
            self.top + row * (self.badge_h + self.gap_y),
        )

    def describe(self) -> str:
        """The badge size, '80 × 50 mm' (the UI adds the words around it)."""
        return f"{_num(self.badge_w)} × {_num(self.badge_h)} mm"


def _num(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@functools.cache
def layouts() -> dict[str, Layout]:
    """Every layout, by name, as the table in badges/layouts.json defines them."""
    raw = json.loads((resource_dir("badges") / LAYOUTS_FILE).read_text(encoding="utf-8"))
    found = {}
    for name, spec in raw.items():
        if name.startswith("_"):
            continue
        found[name] = Layout(
            name=name,
            title=spec["title"],
            kind=spec["kind"],
            page_w=float(spec["page"][0]),
            page_h=float(spec["page"][1]),
            badge_w=float(spec["badge"][0]),
            badge_h=float(spec["badge"][1]),
            columns=int(spec["columns"]),
            rows=int(spec["rows"]),
            left=float(spec["left"]),
            top=float(spec["top"]),
            gap_x=float(spec["gap_x"]),
            gap_y=float(spec["gap_y"]),
            radius=float(spec["radius"]),
            inset_x=float(spec["inset_x"]),
            inset_y=float(spec["inset_y"]),
            cut_marks=bool(spec["cut_marks"]),
            source=spec.get("source", ""),
        )
    return found


def get_layout(name: str | None) -> Layout:
    """The layout called ``name`` (the default one for None or '')."""
    try:
        return layouts()[name or DEFAULT_LAYOUT]
    except KeyError:
        known = ", ".join(layouts())
        raise BadgeError(
            "unknown_layout", f"Unknown badge layout '{name}'. Known: {known}"
        ) from None


# -- settings (app-wide: they belong to this laptop and its printers) ---------------------------


@dataclass(frozen=True)
class PrintSettings:
    """What the organiser chose: layouts for batches and single badges, printers, calibration."""

    layout: str = DEFAULT_LAYOUT
    single_layout: str = ""
    printer: str = ""
    single_printer: str = ""
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def single(self) -> str:
        """The layout for single badges (walk-ins, reprints): its own, else the batch layout."""
        return self.single_layout or self.layout

    @property
    def desk_printer(self) -> str:
        """The CUPS printer for single badges: its own, else the batch printer ('' = none)."""
        return self.single_printer or self.printer

    def printers(self) -> list[str]:
        """The printers calibration is kept for: '' (the PDF printed from the browser) and the
        chosen printers for batches and single badges."""
        return list(dict.fromkeys(["", *(p for p in (self.printer, self.single_printer) if p)]))

    def offset(self, printer: str) -> tuple[float, float]:
        """Calibration (x, y) in mm for ``printer`` ('' = printing the PDF from the browser)."""
        entry = self.calibration.get(printer) or {}
        return float(entry.get("x", 0.0)), float(entry.get("y", 0.0))


_SETTING = "badges"


def print_settings(db: Database) -> PrintSettings:
    """The stored print settings (defaults where nothing is stored)."""
    stored = kdb.get_setting(db, _SETTING, {}) or {}
    known = {k: v for k, v in stored.items() if k in PrintSettings.__dataclass_fields__}
    settings = PrintSettings(**known)
    if settings.layout not in layouts():
        settings = replace(settings, layout=DEFAULT_LAYOUT)
    if settings.single_layout and settings.single_layout not in layouts():
        settings = replace(settings, single_layout="")
    return settings


_PRINTER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{0,127}$")


def save_print_settings(
    db: Database,
    *,
    layout: str | None = None,
    single_layout: str | None = None,
    printer: str | None = None,
    single_printer: str | None = None,
) -> PrintSettings:
    """Change some print settings; layouts must exist and printer names be CUPS-like."""
    changes: dict[str, Any] = {}
    if layout is not None:
        changes["layout"] = get_layout(layout).name
    if single_layout is not None:
        changes["single_layout"] = get_layout(single_layout).name if single_layout else ""
    for key, value in (("printer", printer), ("single_printer", single_printer)):
        if value is not None:
            value = value.strip()
            if not _PRINTER_NAME.match(value):
                raise BadgeError("bad_printer", f"Not a printer name: {value!r}")
            changes[key] = value
    with kdb.transaction(db):
        updated = replace(print_settings(db), **changes)
        _store(db, updated)
    return updated


def save_calibration(db: Database, printer: str, x: float, y: float) -> PrintSettings:
    """Store the offset (mm, right and down are positive) that corrects ``printer``'s shift."""
    for value in (x, y):
        if not math.isfinite(value) or abs(value) > MAX_OFFSET_MM:
            raise BadgeError("bad_offset", f"Offsets must be between ±{MAX_OFFSET_MM:g} mm.")
    if not _PRINTER_NAME.match(printer):
        raise BadgeError("bad_printer", f"Not a printer name: {printer!r}")
    with kdb.transaction(db):
        current = print_settings(db)
        calibration = {**current.calibration, printer: {"x": round(x, 2), "y": round(y, 2)}}
        updated = replace(current, calibration=calibration)
        _store(db, updated)
    return updated


def _store(db: Database, settings: PrintSettings) -> None:
    kdb.set_setting(
        db,
        _SETTING,
        {
            "layout": settings.layout,
            "single_layout": settings.single_layout,
            "printer": settings.printer,
            "single_printer": settings.single_printer,
            "calibration": settings.calibration,
        },
    )


# -- colours -----------------------------------------------------------------------------------


def valid_colour(value: str) -> bool:
    """True for '#rrggbb' (the only form that reaches a stylesheet)."""
    return bool(_HEX_COLOUR.match(value or ""))


def type_colours(event: Event) -> dict[str, str]:
    """The band colour of every organisation type for ``event``: defaults, then its settings."""
    custom = event.settings.get("type_colours") or {}
    merged = dict(DEFAULT_TYPE_COLOURS)
    merged.update({str(k): v for k, v in custom.items() if valid_colour(v)})
    return merged


def colour_for(organisation_type: str, colours: dict[str, str]) -> str:
    """The band colour for a type: configured, else one chosen steadily by the type's name."""
    if not organisation_type:
        return NO_TYPE_COLOUR
    if organisation_type in colours:
        return colours[organisation_type]
    folded = {k.casefold(): v for k, v in colours.items()}
    if organisation_type.casefold() in folded:
        return folded[organisation_type.casefold()]
    index = zlib.crc32(organisation_type.casefold().encode("utf-8")) % len(FALLBACK_COLOURS)
    return FALLBACK_COLOURS[index]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(background: str) -> str:
    """White or ink, whichever contrasts more with ``background`` (WCAG formula)."""
    lum = _luminance(background)
    on_white = 1.05 / (lum + 0.05)
    on_ink = (lum + 0.05) / (_luminance(INK) + 0.05)
    return WHITE if on_white >= on_ink else INK


def update_type_colours(db: Database, event: Event, colours: dict[str, str]) -> Event:
    """Store an event's band colours; only '#rrggbb' values for non-empty type names."""
    cleaned = {}
    for name, colour in colours.items():
        name = (name or "").strip()[:60]
        if not name:
            continue
        if not valid_colour(colour):
            raise BadgeError("bad_colour", f"Not a colour (#rrggbb): {colour!r}")
        if DEFAULT_TYPE_COLOURS.get(name, "").lower() != colour.lower():
            cleaned[name] = colour.lower()
    return kevents.update_settings(db, event.id, {"type_colours": cleaned})


# -- measuring and fitting text ----------------------------------------------------------------


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


# -- the badge's geometry ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    """A box on the badge, mm from its top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Design:
    """Where everything goes on one badge of a layout, and the largest font sizes.

    The names sit in ``names``; organisation, project/role and tags flow in ``details``,
    so a one-line organisation leaves its room to a longer project line.
    """

    orientation: str
    width: float
    height: float
    radius: float
    head: Rect
    names: Rect
    first: Box
    last: Box
    details: Rect
    organisation: Box
    role: Box
    tags: Box
    gap: float
    qr: Rect
    band: Rect
    band_radius: tuple[float, float, float, float]
    band_pt: float
    band_pad: float
    event_pt: float
    centred: bool

    def boxes(self) -> dict[str, Rect]:
        """The areas of a badge, by name (tests check they never overlap)."""
        return {
            "head": self.head,
            "names": self.names,
            "details": self.details,
            "qr": self.qr,
            "band": self.band,
        }


def design_for(layout: Layout) -> Design:
    """The badge geometry for a layout: landscape cards put the QR code bottom right,
    portrait ones (A6) centre everything; sizes grow with the badge."""
    if layout.portrait:
        return _portrait_design(layout)
    return _landscape_design(layout)


#: Below this share of its usual size the QR code moves up beside the names (flat labels).
QR_SHRINK_LIMIT = 0.9
#: A QR code smaller than this (mm) is hard to scan from a lanyard at arm's length.
QR_MIN_MM = 18.0


def _landscape_design(layout: Layout) -> Design:
    w, h = layout.badge_w, layout.badge_h
    s = min(h / 50, 1.25)  # every size below was drawn for an 80 x 50 mm badge
    pad_x = max(layout.inset_x + 1.5, 4.0 * s, layout.radius * 0.9)
    pad_y = max(layout.inset_y + 1.2, 3.0 * s)
    inner = w - 2 * pad_x
    head = Rect(pad_x, pad_y, inner, 3.4 * s)
    names = Rect(pad_x, head.bottom + 1.2 * s, inner, 18.0 * s)
    band_h = 6.6 * s
    band = Rect(layout.inset_x, h - layout.inset_y - band_h, 0, band_h)
    gap = 2.5 * s
    qr_side = min(0.44 * h, 0.3 * w)
    if h - pad_y - names.bottom - 0.8 * s >= max(qr_side * QR_SHRINK_LIMIT, QR_MIN_MM):
        qr_side = min(qr_side, h - pad_y - names.bottom - 0.8 * s)
    else:  # a flat label: the code stands beside the names, as tall as it can
        qr_side = min(0.6 * h, 0.3 * w, h - pad_y - names.y)
        names = replace(names, w=inner - qr_side - gap)
    qr = Rect(w - pad_x - qr_side, h - pad_y - qr_side, qr_side, qr_side)
    band = replace(band, w=qr.x - gap - band.x)
    details = Rect(pad_x, names.bottom + 0.8 * s, qr.x - gap - pad_x, 0)
    details = replace(details, h=band.y - 1.2 * s - details.y)
    return Design(
        orientation="landscape",
        width=w,
        height=h,
        radius=layout.radius,
        head=head,
        names=names,
        first=Box(names.w, 11.0 * s, 28 * s, 12 * s, bold=True, line_height=1.1),
        last=Box(names.w, 6.4 * s, 15 * s, 8 * s, line_height=1.1, one_line_down_to=0.8),
        details=details,
        organisation=Box(
            details.w, 10.5 * s, 10 * s, 5.5 * s, bold=True, line_height=1.12, one_line_down_to=0.85
        ),
        role=Box(details.w, 4.2 * s, 8.5 * s, 5.5 * s, line_height=1.12, one_line_down_to=0.85),
        tags=Box(details.w, 3.6 * s, 6.4 * s, 6.4 * s, single_line=True, line_height=1.2),
        gap=0.7 * s,
        qr=qr,
        band=band,
        band_radius=_band_radius(layout, band),
        band_pt=7.5 * s,
        band_pad=max(pad_x - band.x, 2.0 * s),
        event_pt=6.5 * s,
        centred=False,
    )


def _portrait_design(layout: Layout) -> Design:
    w, h = layout.badge_w, layout.badge_h
    k = w / 105  # drawn for A6 portrait
    pad_x = max(layout.inset_x + 2, 8 * k)
    pad_y = max(layout.inset_y + 2, 7 * k)
    inner = w - 2 * pad_x
    head = Rect(pad_x, pad_y, inner, 15 * k)
    names = Rect(pad_x, head.bottom + 5 * k, inner, 35 * k)
    band_h = 13 * k
    band = Rect(layout.inset_x, h - layout.inset_y - band_h, w - 2 * layout.inset_x, band_h)
    details = Rect(pad_x, names.bottom + 3 * k, inner, 31 * k)
    qr_side = min(36 * k, band.y - 4 * k - (details.bottom + 3 * k))
    qr = Rect((w - qr_side) / 2, band.y - 4 * k - qr_side, qr_side, qr_side)
    return Design(
        orientation="portrait",
        width=w,
        height=h,
        radius=layout.radius,
        head=head,
        names=names,
        first=Box(inner, 22 * k, 46 * k, 18 * k, bold=True, line_height=1.08),
        last=Box(inner, 12 * k, 26 * k, 12 * k, line_height=1.1, one_line_down_to=0.8),
        details=details,
        organisation=Box(
            inner, 17 * k, 15 * k, 8 * k, bold=True, line_height=1.12, one_line_down_to=0.85
        ),
        role=Box(inner, 9 * k, 12 * k, 7 * k, line_height=1.12, one_line_down_to=0.85),
        tags=Box(inner, 7 * k, 10 * k, 10 * k, single_line=True, line_height=1.2),
        gap=1.6 * k,
        qr=qr,
        band=band,
        band_radius=_band_radius(layout, band),
        band_pt=12 * k,
        band_pad=pad_x,
        event_pt=10 * k,
        centred=True,
    )


#: Corner radius (mm) of a band that stops short of the badge's edges.
BAND_INSET_RADIUS = 1.2


def _band_radius(layout: Layout, band: Rect) -> tuple[float, float, float, float]:
    """Corners (top-left, top-right, bottom-right, bottom-left) of the band: following the
    label's rounded corners where it touches them, softly rounded where it is inset."""
    if layout.inset_x or layout.inset_y:
        return (BAND_INSET_RADIUS,) * 4
    right = layout.radius if band.right >= layout.badge_w - 0.01 else 0.0
    return (0.0, 0.0, right, layout.radius)


def _used_height(fitted: Fitted, box: Box) -> float:
    """Millimetres a fitted text takes up."""
    return fitted.lines * fitted.size * box.line_height * PT


# -- QR codes ----------------------------------------------------------------------------------


def badge_url(public_url: str, code: str) -> str:
    """The URL a badge's QR code opens: PUBLIC_URL/b/CODE."""
    return f"{public_url.rstrip('/')}/b/{code}"


def qr_text(public_url: str, code: str) -> str:
    """The badge URL as the QR code holds it: scheme and host in capitals (they ignore case)
    so almost all of it fits QR's compact alphanumeric mode; the path stays as it is."""
    parts = urlsplit(badge_url(public_url, code))
    rest = badge_url(public_url, code)[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{rest}"


#: Modules of white around the code, as the QR standard asks.
QR_QUIET_ZONE = 4


def qr_png(text: str) -> bytes:
    """A QR code as a PNG with one pixel per module (the PDF scales it without smoothing)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=1,
        border=QR_QUIET_ZONE,
        mask_pattern=QR_MASK_PATTERN,
    )
    code.add_data(text)
    code.make(fit=True)
    return _grey_png(code.get_matrix())


def _grey_png(matrix: list[list[bool]]) -> bytes:
    size = len(matrix)
    raw = b"".join(b"\x00" + bytes(0 if dark else 255 for dark in row) for row in matrix)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# -- logo --------------------------------------------------------------------------------------


def data_dir_of(db: Database) -> Path:
    """The data folder: where the database file lives (everything kiosk writes goes there)."""
    row = kdb.one(db, "PRAGMA database_list")
    return Path(row["file"]).parent if row and row.get("file") else Path.cwd()


def output_dir(db: Database) -> Path:
    """The folder for batch PDFs and logos inside the data folder (created on demand)."""
    folder = data_dir_of(db) / OUTPUT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logo_path(db: Database, event: Event) -> Path | None:
    """The event's uploaded logo file, if there is one."""
    name = event.settings.get("badge_logo") or ""
    if not name:
        return None
    path = data_dir_of(db) / OUTPUT_FOLDER / Path(name).name
    return path if path.is_file() else None


def save_logo(db: Database, event: Event, data: bytes) -> Path:
    """Store an uploaded logo (PNG/JPEG/GIF/WebP) re-encoded as PNG in the data folder."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise BadgeError("bad_logo", "The logo must be a PNG, JPEG, GIF or WebP image.")
            image.load()
            image = image.convert("RGBA")
            image.thumbnail((LOGO_MAX_PX, LOGO_MAX_PX))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadgeError("bad_logo", "This file is not an image kiosk can read.") from exc
    name = f"logo-{event.id}-{uuid.uuid4().hex[:8]}.png"
    path = output_dir(db) / name
    path.write_bytes(out.getvalue())
    old = logo_path(db, event)
    kevents.update_settings(db, event.id, {"badge_logo": name})
    if old is not None:
        old.unlink(missing_ok=True)
    return path


def remove_logo(db: Database, event: Event) -> None:
    """Forget the event's logo and delete its file."""
    old = logo_path(db, event)
    kevents.update_settings(db, event.id, {"badge_logo": ""})
    if old is not None:
        old.unlink(missing_ok=True)


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


# -- preparing badges --------------------------------------------------------------------------


@dataclass(frozen=True)
class Logo:
    """The logo as a badge shows it: where to load it from and its size on the badge (mm)."""

    url: str
    width: float
    height: float


@dataclass(frozen=True)
class Sheet:
    """What is the same on every badge of one rendering."""

    layout: Layout
    design: Design
    event_name: Fitted
    logo: Logo | None
    offset: tuple[float, float] = (0.0, 0.0)
    outlines: bool = False


def make_sheet(
    event: Event,
    layout: Layout,
    *,
    logo: Path | None = None,
    logo_url: str | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    outlines: bool = False,
) -> Sheet:
    """The shared part of a rendering: geometry, the event's name fitted to the header, logo."""
    design = design_for(layout)
    shown_logo = None
    head = design.head
    if logo is not None:
        px_w, px_h = _png_size(logo)
        height = head.h if not design.centred else head.h * 0.7
        width = min(height * px_w / max(px_h, 1), head.w * (0.35 if not design.centred else 0.8))
        height = min(height, width * px_h / max(px_w, 1))
        shown_logo = Logo(logo_url or logo.resolve().as_uri(), width, height)
    text_w = head.w - (shown_logo.width + 2 if shown_logo and not design.centred else 0)
    event_box = Box(
        max(text_w, 5), head.h, design.event_pt, design.event_pt * 0.8, single_line=True
    )
    return Sheet(
        layout=layout,
        design=design,
        event_name=fit_text(event.name, event_box),
        logo=shown_logo,
        offset=offset,
        outlines=outlines,
    )


def badge_fields(
    attendee: dict[str, Any], design: Design, public_url: str, colours: dict[str, str]
) -> dict[str, Any]:
    """Everything one badge prints, fitted to its boxes; plain values (workers get these)."""
    first = attendee.get("first_name") or ""
    last = attendee.get("last_name") or ""
    if not first:  # a single name goes where the first name usually is, large
        first, last = last, ""
    organisation = attendee.get("organisation") or ""
    role = " · ".join(p for p in (attendee.get("project") or "", attendee.get("role") or "") if p)
    org_type = attendee.get("organisation_type") or ""
    band_colour = colour_for(org_type, colours)
    band_box = Box(
        max(design.band.w - 2 * design.band_pad, 5),
        design.band.h,
        design.band_pt,
        design.band_pt * 0.7,
        bold=True,
        single_line=True,
    )
    first_fit = fit_text(first, design.first)
    last_fit = fit_text(last, design.last)
    names_top = design.names.y
    if design.centred:  # portrait badges centre the names in their area
        used = _used_height(first_fit, design.first) + _used_height(last_fit, design.last)
        names_top += max(0.0, (design.names.h - used) / 2)
    tags, org_fit, role_fit = _fit_details(design, organisation, role, attendee.get("interests"))
    # The details are placed one by one (nested flow costs time in big batches); the tags
    # line sits at the bottom of its area, so it lines up on every badge.
    org_top = design.details.y
    role_top = org_top + (_used_height(org_fit, design.organisation) + design.gap if org_fit else 0)
    tags_top = design.details.bottom - design.tags.height
    return {
        "code": attendee["code"],
        "first": first_fit,
        "last": last_fit,
        "top": {
            "names": names_top,
            "organisation": org_top,
            "role": role_top,
            "tags": tags_top,
        },
        "organisation": org_fit,
        "role": role_fit,
        "tags": tags,
        "band": fit_text(org_type.upper(), band_box),
        "band_bg": band_colour,
        "band_fg": text_colour_on(band_colour),
        "qr": _data_uri(qr_png(qr_text(public_url, attendee["code"]))),
        "rtl": {
            "first": _is_rtl(first),
            "last": _is_rtl(last),
            "organisation": _is_rtl(organisation),
        },
    }


def _fit_details(
    design: Design, organisation: str, role: str, interests: Sequence[str] | None
) -> tuple[Tags, Fitted, Fitted]:
    """Share the details area: the organisation first (it says who someone is), then the
    project/role line; tags only while they leave the organisation whole."""
    tags = fit_tags(interests or [], design.tags)
    role_line = design.role.min_pt * design.role.line_height * PT if role else 0.0
    while True:
        room = design.details.h - (design.tags.height + design.gap if tags.items else 0)
        org_room = min(design.organisation.height, room - (role_line + design.gap if role else 0))
        org_fit = fit_text(organisation, replace(design.organisation, height=org_room))
        if org_fit.text == " ".join(organisation.split()) or not tags.items:
            break
        tags = Tags((), tags.size)  # no room for tags: the organisation matters more
    room -= _used_height(org_fit, design.organisation) + (design.gap if org_fit else 0)
    role_fit = fit_text(role, replace(design.role, height=max(room, role_line)))
    return tags, org_fit, role_fit


_RTL_CLASSES = frozenset({"R", "AL"})


def _is_rtl(text: str) -> bool:
    """True when the first strong character of ``text`` is right-to-left (Arabic, Hebrew)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in _RTL_CLASSES:
            return True
        if direction == "L":
            return False
    return False


# -- HTML and PDF ------------------------------------------------------------------------------


@functools.cache
def _env() -> jinja2.Environment:
    """The badge templates' own Jinja environment: autoescape on, undefined values fail."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("badges"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def badge_css() -> str:
    """The badge stylesheet (typography and colours; geometry comes with each rendering)."""
    return (resource_dir("badges") / "badge.css").read_text(encoding="utf-8")


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _pages(
    items: Sequence[dict[str, Any] | None], per_page: int
) -> list[list[tuple[int, dict[str, Any]]]]:
    pages = []
    for start in range(0, len(items), per_page):
        chunk = items[start : start + per_page]
        pages.append([(i, b) for i, b in enumerate(chunk) if b is not None])
    return pages


class StyleClasses:
    """Turns the styles that vary from badge to badge (font sizes, colours, places) into
    classes: one stylesheet parses much faster than thousands of style attributes."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, declarations: str) -> str:
        name = self.names.get(declarations)
        if name is None:
            name = self.names[declarations] = f"k{len(self.names)}"
        return name

    def css(self, scope: str = "") -> Markup:
        """The collected classes as CSS rules (values are numbers and checked colours)."""
        return Markup("\n".join(f"{scope}.{n} {{ {d} }}" for d, n in self.names.items()))


def render_html(sheet: Sheet, badges: Sequence[dict[str, Any] | None], *, title: str = "") -> str:
    """The printable HTML for ``badges`` (None leaves a position empty) on ``sheet``'s layout."""
    layout = sheet.layout
    columns = sorted({layout.slot_origin(i)[0] for i in range(layout.columns)})
    rows = sorted({layout.slot_origin(i * layout.columns)[1] for i in range(layout.rows)})
    return (
        _env()
        .get_template("sheet.html")
        .render(
            sheet=sheet,
            layout=layout,
            d=sheet.design,
            pages=_pages(badges, layout.per_page),
            columns=columns,
            rows=rows,
            mm=_mm,
            cls=StyleClasses(),
            title=title or sheet.event_name.text,
        )
    )


def preview_html(sheet: Sheet, badges: Sequence[dict[str, Any]]) -> Markup:
    """Badges as HTML for the organiser's browser, with the same template and stylesheet."""
    html = (
        _env()
        .get_template("preview.html")
        .render(
            sheet=sheet,
            d=sheet.design,
            badges=badges,
            mm=_mm,
            cls=StyleClasses(),
            css=Markup(badge_css()),
        )
    )
    return Markup(html)


class LocalFetcher:
    """Resolves a badge's images and stylesheets from this laptop only: data: URIs and files
    inside the allowed folders; anything else (http, other files) is refused."""

    # WeasyPrint asks this when fetching fails: a refused asset is skipped, not fatal.
    _fail_on_errors = False

    def __init__(self, allowed: Iterable[Path]) -> None:
        self.allowed = [p.resolve() for p in allowed]

    def __call__(self, url: str) -> Any:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            header, _, payload = url.partition(",")
            mime = header[5:].split(";")[0] or "text/plain"
            body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload)
            return _response(url, body, mime)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.allowed) and path.is_file():
                return _response(url, path.read_bytes(), "")
        log.warning("badge asset refused: %s", url[:80])
        raise ValueError(f"Only local files and data: URIs are allowed, not {url[:80]}")


def _response(url: str, body: bytes | str, mime: str) -> Any:
    """What WeasyPrint expects from a fetcher: a response object (70+) or a dict (older)."""
    try:
        from weasyprint.urls import URLFetcherResponse
    except ImportError:
        return {"string": body, "mime_type": mime or None, "redirected_url": url}
    return URLFetcherResponse(url, body, {"Content-Type": mime} if mime else {})


def html_to_pdf(
    html: str, *, allowed: Iterable[Path] = (), stylesheets: Sequence[str] = ()
) -> bytes:
    """The one place that makes a PDF: HTML (from our templates) through WeasyPrint, with
    assets resolved locally — never over the network."""
    document = _render_document(html, allowed=allowed, stylesheets=stylesheets)
    return document.write_pdf()


def _render_document(
    html: str, *, allowed: Iterable[Path] = (), stylesheets: Sequence[str] = ()
) -> Any:
    import weasyprint

    fetcher = LocalFetcher([resource_dir("badges"), *allowed])
    sheets = [_stylesheet(css) for css in stylesheets]
    return weasyprint.HTML(
        string=html, base_url=resource_dir("badges").as_uri() + "/", url_fetcher=fetcher
    ).render(stylesheets=sheets)


@functools.lru_cache(maxsize=4)
def _stylesheet(css: str) -> Any:
    import weasyprint

    return weasyprint.CSS(string=css)


# -- rendering many badges ---------------------------------------------------------------------


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker process needs to render a run of badges (plain, picklable values)."""

    event: Event
    layout: str
    attendees: tuple[dict[str, Any], ...]
    public_url: str
    colours: dict[str, str]
    logo: str
    offset: tuple[float, float]
    skip: int = 0
    outlines: bool = False


def _public_fields(attendee: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "code",
        "first_name",
        "last_name",
        "organisation",
        "organisation_type",
        "project",
        "role",
    )
    return {
        **{k: attendee.get(k) or "" for k in keys},
        "interests": list(attendee.get("interests") or []),
    }


def _render_job(job: RenderJob) -> Any:
    layout = get_layout(job.layout)
    logo = Path(job.logo) if job.logo else None
    sheet = make_sheet(job.event, layout, logo=logo, offset=job.offset, outlines=job.outlines)
    items: list[dict[str, Any] | None] = [None] * job.skip
    items += [badge_fields(a, sheet.design, job.public_url, job.colours) for a in job.attendees]
    html = render_html(sheet, items)
    allowed = [logo.parent] if logo else []
    return _render_document(html, allowed=allowed, stylesheets=[badge_css()])


def _render_job_pdf(job: RenderJob) -> bytes:
    """Worker entry point: one run of badges as PDF bytes."""
    return _render_job(job).write_pdf()


def render_pdf(
    event: Event,
    people: Sequence[dict[str, Any]],
    layout: Layout,
    *,
    public_url: str,
    logo: Path | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    skip: int = 0,
    outlines: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> bytes:
    """Badges for ``people`` as one PDF; large batches are split over worker processes."""
    if not people and not outlines:
        raise BadgeError("nothing_to_print", "There are no badges to print.")
    skip = max(0, min(skip, layout.per_page - 1))
    base = RenderJob(
        event=event,
        layout=layout.name,
        attendees=(),
        public_url=public_url,
        colours=type_colours(event),
        logo=str(logo) if logo else "",
        offset=offset,
        outlines=outlines,
    )
    total = len(people)
    workers = _worker_count(total) if workers is None else workers
    # Runs of whole pages: in one process they only pace the progress; over workers each
    # worker gets a few, so a slow one does not hold up the end.
    per_run = CHUNK_BADGES if workers <= 1 else -(-total // (workers * RUNS_PER_WORKER))
    chunk = max(1, -(-max(per_run, CHUNK_BADGES) // layout.per_page)) * layout.per_page
    runs: list[RenderJob] = []
    rest = [_public_fields(p) for p in people]
    first = chunk - skip
    runs.append(replace(base, attendees=tuple(rest[:first]), skip=skip))
    for start in range(first, len(rest), chunk):
        runs.append(replace(base, attendees=tuple(rest[start : start + chunk])))
    if workers > 1 and len(runs) > 1:
        return _render_parallel(runs, workers, total, progress)
    pdfs = []
    done = 0
    for run in runs:  # one run at a time: only one run's layout is ever held in memory
        pdfs.append(_render_job_pdf(run))
        done += len(run.attendees)
        if progress:
            progress(done, total)
    return pdfs[0] if len(pdfs) == 1 else _merge(pdfs)


def _worker_count(total: int) -> int:
    """Worker processes for a batch: none for small ones, else one per core (at most
    MAX_WORKERS); KIOSK_BADGE_WORKERS overrides (e.g. 1 on a laptop short of memory)."""
    if total < PARALLEL_MIN_BADGES:
        return 1
    configured = os.environ.get("KIOSK_BADGE_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _pool_context() -> Any:
    """How worker processes start: a fork of this process when nothing else runs in it
    (the command line: WeasyPrint is already loaded), a fork of a preloaded server process
    when threads run (the web server), a fresh interpreter where fork is not available."""
    import multiprocessing
    import sys

    if sys.platform != "linux":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        import weasyprint  # noqa: F401  (loaded once here, shared by the forked workers)

        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kiosk.badges", "weasyprint"])
    return context


def _render_parallel(
    runs: list[RenderJob], workers: int, total: int, progress: Progress | None
) -> bytes:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: list[bytes | None] = [None] * len(runs)
    done = 0
    pool = ProcessPoolExecutor(max_workers=min(workers, len(runs)), mp_context=_pool_context())
    with pool:
        futures = {pool.submit(_render_job_pdf, run): i for i, run in enumerate(runs)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            done += len(runs[index].attendees)
            if progress:
                progress(done, total)
    return _merge([pdf for pdf in results if pdf is not None])


def _merge(pdfs: Sequence[bytes]) -> bytes:
    """One PDF of several, in order."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- the print log -----------------------------------------------------------------------------


def record_prints(db: Database, attendee_ids: Iterable[int], *, how: str, layout: str) -> None:
    """Note that these badges were printed: one log row each, and when and how often."""
    stamp = kdb.now()
    ids = list(attendee_ids)
    with kdb.transaction(db):
        db["badge_prints"].insert_all(
            [{"attendee_id": i, "at": stamp, "how": how, "layout": layout} for i in ids]
        )
        db.conn.executemany(
            "UPDATE attendees SET badge_printed_at = ?, "
            "badge_print_count = coalesce(badge_print_count, 0) + 1 WHERE id = ?",
            [(stamp, i) for i in ids],
        )
    log.info("badges printed: %d (%s, %s)", len(ids), how, layout)


def print_log(db: Database, attendee_id: int) -> list[dict[str, Any]]:
    """When, how and on which layout one attendee's badge was printed, oldest first."""
    return kdb.rows(
        db, "SELECT * FROM badge_prints WHERE attendee_id = ? ORDER BY id", [attendee_id]
    )


def for_batch(db: Database, event: Event, *, only_new: bool = False) -> list[dict[str, Any]]:
    """The attendees a batch prints, by last name: all, or only those without a printed badge."""
    people = kattendees.list_for_event(db, event.id)
    if only_new:
        people = [p for p in people if not p.get("badge_print_count")]
    return people


def counts(db: Database, event: Event) -> dict[str, int]:
    """How many badges an event needs: all attendees, already printed, not printed yet."""
    row = kdb.one(
        db,
        """SELECT count(*) AS total, sum(coalesce(badge_print_count, 0) > 0) AS printed
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [event.id],
    ) or {"total": 0, "printed": 0}
    total, printed = row["total"] or 0, row["printed"] or 0
    return {"total": total, "printed": printed, "new": total - printed}


# -- one badge, a batch, printing --------------------------------------------------------------


def single_badge_pdf(
    db: Database,
    event: Event,
    attendee_id: int,
    *,
    public_url: str,
    how: str,
    layout: str | None = None,
    printer: str = "",
) -> bytes:
    """One attendee's badge as a PDF (walk-in, reprint), sent to ``printer`` if one is named;
    the print is recorded only once the PDF is made and, with a printer, accepted by it."""
    try:
        attendee = kattendees.get(db, attendee_id)
    except kattendees.AttendeeError:
        raise BadgeError("not_found", "No such attendee.") from None
    if attendee["event_id"] != event.id:
        raise BadgeError("not_found", "No such attendee in this event.")
    settings = print_settings(db)
    chosen = get_layout(layout or settings.single)
    pdf = render_pdf(
        event,
        [attendee],
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=settings.offset(settings.desk_printer),
        workers=1,
    )
    if printer:
        print_pdf(pdf, printer)
    record_prints(db, [attendee_id], how=how, layout=chosen.name)
    return pdf


def batch_pdf(
    db: Database,
    event: Event,
    *,
    public_url: str,
    layout: str | None = None,
    only_new: bool = False,
    how: str = "batch",
    printer: str | None = None,
    send: bool = False,
    save_to: Path | None = None,
    skip: int = 0,
    record: bool = True,
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[bytes, int]:
    """The badges of an event (all, or only those not printed yet) as one PDF, and how many.

    ``printer`` (default: the configured one) decides the calibration offsets; with ``send`` the
    PDF goes to it, after it is written to ``save_to`` (kept even if the printer refuses it).
    The print log records the badges once the PDF is made and, when sent, the
    printer accepted it — unless ``record`` is False (a look before printing).
    """
    settings = print_settings(db)
    chosen = get_layout(layout or settings.layout)
    people = for_batch(db, event, only_new=only_new)
    if not people:
        reason = "All badges are printed already." if only_new else "No attendees yet."
        raise BadgeError("nothing_to_print", reason)
    target_printer = settings.printer if printer is None else printer
    pdf = render_pdf(
        event,
        people,
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=settings.offset(target_printer),
        skip=skip,
        progress=progress,
        workers=workers,
    )
    if save_to is not None:
        save_to.write_bytes(pdf)
    if send and target_printer:
        print_pdf(pdf, target_printer)
        how = f"lp:{target_printer}"
    if record:
        record_prints(db, [p["id"] for p in people], how=how, layout=chosen.name)
    return pdf, len(people)


def test_sheet_pdf(
    db: Database, event: Event, *, public_url: str, layout: str | None = None, printer: str = ""
) -> bytes:
    """A sheet to check the calibration: every position outlined, with a sample badge."""
    chosen = get_layout(layout or print_settings(db).layout)
    people = kattendees.list_for_event(db, event.id)[: chosen.per_page] or [_SAMPLE]
    return render_pdf(
        event,
        people,
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=print_settings(db).offset(printer),
        outlines=True,
        workers=1,
    )


_SAMPLE: dict[str, Any] = {
    "id": 0,
    "code": "0123456789ABCDEFGHIJ",
    "first_name": "Maximilian",
    "last_name": "Becker-Lüdenscheidt",
    "organisation": "Verkehrsbetriebe Nordhessen GmbH",
    "organisation_type": "Betrieb",
    "project": "Stadtnetz Ausbildung",
    "role": "Ausbildungsleitung",
    "interests": ["Berufsorientierung", "Azubi-Sharing", "Mentoring"],
}


def sample_attendees(db: Database, event: Event, limit: int) -> list[dict[str, Any]]:
    """Attendees to preview badges with: the event's first ones, else a made-up person."""
    return kattendees.list_for_event(db, event.id)[:limit] or [dict(_SAMPLE)]


def organisation_types(db: Database, event: Event) -> list[str]:
    """The organisation types the event's attendees have, most common first."""
    found = kdb.rows(
        db,
        """SELECT organisation_type AS t, count(*) AS n FROM attendees
        WHERE event_id = ? AND organisation_type != '' GROUP BY organisation_type
        ORDER BY n DESC, organisation_type""",
        [event.id],
    )
    return [r["t"] for r in found]


def colour_rows(db: Database, event: Event) -> list[dict[str, Any]]:
    """Every type the organiser may colour: the event's own first, then the usual ones."""
    colours = type_colours(event)
    names = list(dict.fromkeys([*organisation_types(db, event), *colours]))
    rows = []
    for name in names:
        colour = colour_for(name, colours)
        rows.append({"type": name, "colour": colour, "text": text_colour_on(colour)})
    return rows


def available_printers() -> list[str]:
    """The CUPS printers this laptop knows (``lpstat -e``); empty without CUPS."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        result = subprocess.run(
            [lpstat, "-e"], capture_output=True, text=True, timeout=LPSTAT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = [line.strip() for line in result.stdout.splitlines()]
    return [n for n in names if n and _PRINTER_NAME.match(n)]


def print_pdf(pdf: bytes, printer: str) -> None:
    """Send a PDF to a CUPS printer with ``lp -d PRINTER``; BadgeError('print_failed') if not."""
    if not printer or not _PRINTER_NAME.match(printer):
        raise BadgeError("print_failed", f"Not a printer name: {printer!r}")
    lp = shutil.which("lp")
    if lp is None:
        raise BadgeError(
            "print_failed", "Cannot print directly: the 'lp' command (CUPS) is not installed."
        )
    try:
        result = subprocess.run(
            [lp, "-d", printer, "-t", "kiosk badges", "-"],
            input=pdf,
            capture_output=True,
            timeout=PRINT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BadgeError(
            "print_failed", f"Printer '{printer}' did not accept the job: {exc}"
        ) from exc
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1] if reason else f"lp exited with {result.returncode}"
        raise BadgeError("print_failed", f"Printer '{printer}' did not accept the job: {detail}")
    log.info("badge PDF sent to printer %s (%d bytes)", printer, len(pdf))


# -- batches in the background (for the organiser's page) --------------------------------------


@dataclass
class BatchJob:
    """A batch being rendered in the background; the page polls it."""

    id: str
    event_id: int
    total: int = 0
    done: int = 0
    status: str = "running"  # running, done, failed
    path: str = ""
    count: int = 0
    printer: str = ""
    error: str = ""
    code: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


_jobs: dict[str, BatchJob] = {}
_jobs_lock = threading.Lock()
#: Finished jobs are forgotten after this many seconds (their PDFs stay in the data folder).
JOB_KEEP_S = 6 * 3600


def start_batch(
    database: str | Path,
    event: Event,
    *,
    public_url: str,
    layout: str | None = None,
    only_new: bool = False,
    skip: int = 0,
) -> BatchJob:
    """Render a batch in a background thread, writing the PDF into the data folder; when a
    CUPS printer is configured the PDF goes straight to it."""
    db = kdb.connect(database)
    try:
        waiting = counts(db, event)["new" if only_new else "total"]
    finally:
        db.close()
    if not waiting:
        reason = "All badges are printed already." if only_new else "No attendees yet."
        raise BadgeError("nothing_to_print", reason)
    job = BatchJob(id=uuid.uuid4().hex, event_id=event.id, total=waiting)
    with _jobs_lock:
        now = time.monotonic()
        for key in [k for k, j in _jobs.items() if now - j.started > JOB_KEEP_S]:
            del _jobs[key]
        _jobs[job.id] = job
    thread = threading.Thread(
        target=_run_batch,
        args=(job, str(database), event, public_url, layout, only_new, skip),
        name=f"badges-{job.id[:8]}",
        daemon=True,
    )
    thread.start()
    return job


def get_job(job_id: str) -> BatchJob | None:
    """A background batch by id (None when unknown or forgotten)."""
    with _jobs_lock:
        return _jobs.get(job_id)


def _run_batch(
    job: BatchJob,
    database: str,
    event: Event,
    public_url: str,
    layout: str | None,
    only_new: bool,
    skip: int,
) -> None:
    db = kdb.connect(database)
    try:
        printer = print_settings(db).printer
        job.total = len(for_batch(db, event, only_new=only_new))

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = output_dir(db) / f"badges-{event.slug}-{stamp}-{job.id[:6]}.pdf"
        job.path = str(path)
        _, job.count = batch_pdf(
            db,
            event,
            public_url=public_url,
            layout=layout,
            only_new=only_new,
            send=True,
            save_to=path,
            skip=skip,
            progress=progress,
        )
        job.printer = printer
        job.status = "done"
    except BadgeError as exc:
        job.error, job.code, job.status = str(exc), exc.code, "failed"
        log.warning("badge batch %s failed: %s", job.id[:8], exc.code)
    except Exception as exc:  # the page must learn that it failed, whatever the reason
        job.error, job.code, job.status = f"{type(exc).__name__}: {exc}", "error", "failed"
        log.exception("badge batch %s failed", job.id[:8])
    finally:
        with contextlib.suppress(Exception):
            db.close()
