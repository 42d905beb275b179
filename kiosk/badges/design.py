"""Where everything goes on one badge of a layout: landscape cards and portrait A6 differ."""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.badges.fitting import Box
from kiosk.badges.paper import Layout


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
