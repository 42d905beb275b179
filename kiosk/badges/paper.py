"""Page, sheet and label geometries from badges/layouts.json: layouts are data, not code."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from kiosk import resource_dir
from kiosk.badges.errors import BadgeError

#: The file in badges/ that holds every layout's geometry.
LAYOUTS_FILE = "layouts.json"
#: Layout used until the organiser chooses another one.
DEFAULT_LAYOUT = "avery-l4785"
#: Layout for one badge at a time (walk-ins, reprints) until the organiser chooses a label
#: printer's: an A6 badge card, printable on any printer, never a label of an A4 sheet.
DEFAULT_SINGLE_LAYOUT = "a6"


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
    def single(self) -> bool:
        """One badge per page: a label printer's label or a badge card (A6), which suits a
        single badge; a sheet would print one label and waste the rest."""
        return self.per_page == 1

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


def single_layouts() -> list[Layout]:
    """The layouts a single badge can be printed on (label printers, badge cards)."""
    return [layout for layout in layouts().values() if layout.single]


def get_layout(name: str | None) -> Layout:
    """The layout called ``name`` (the default one for None or '')."""
    try:
        return layouts()[name or DEFAULT_LAYOUT]
    except KeyError:
        known = ", ".join(layouts())
        raise BadgeError(
            "unknown_layout", f"Unknown badge layout '{name}'. Known: {known}"
        ) from None
