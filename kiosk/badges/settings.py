"""Print settings (layouts, printers, calibration): app-wide, they belong to this laptop."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.badges.cups import valid_printer_name
from kiosk.badges.errors import BadgeError
from kiosk.badges.paper import DEFAULT_LAYOUT, DEFAULT_SINGLE_LAYOUT, get_layout, layouts

#: Calibration offsets beyond this (mm) are refused: the sheet would be misprinted anyway.
MAX_OFFSET_MM = 10.0


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
        """The layout for single badges (walk-ins, reprints), chosen once: its own, else the
        batch layout when that holds one badge per page, else an A6 badge card."""
        if self.single_layout:
            return self.single_layout
        return self.layout if get_layout(self.layout).single else DEFAULT_SINGLE_LAYOUT

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
    known = layouts()
    if settings.single_layout and (
        settings.single_layout not in known or not known[settings.single_layout].single
    ):
        settings = replace(settings, single_layout="")
    return settings


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
    if single_layout:
        chosen = get_layout(single_layout)
        if not chosen.single:
            raise BadgeError(
                "not_single",
                f"'{chosen.name}' prints several badges per page; a single badge needs a label "
                "printer's label or a badge card.",
            )
        changes["single_layout"] = chosen.name
    elif single_layout is not None:
        changes["single_layout"] = ""
    for key, value in (("printer", printer), ("single_printer", single_printer)):
        if value is not None:
            value = value.strip()
            if not valid_printer_name(value):
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
    if not valid_printer_name(printer):
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
