"""What each badge prints, fitted to its design, and what every badge of a sheet shares."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk import qr
from kiosk.badges.colours import colour_for, text_colour_on
from kiosk.badges.design import Design, design_for
from kiosk.badges.fitting import PT, Box, Fitted, Tags, fit_tags, fit_text, used_height
from kiosk.badges.logo import png_size
from kiosk.badges.paper import Layout
from kiosk.events import Event


def badge_url(public_url: str, code: str) -> str:
    """The URL a badge's QR code opens: PUBLIC_URL/b/CODE."""
    return f"{public_url.rstrip('/')}/b/{code}"


def qr_text(public_url: str, code: str) -> str:
    """The badge URL as the QR code holds it: scheme and host in capitals (they ignore case)
    so almost all of it fits QR's compact alphanumeric mode; the path stays as it is."""
    parts = urlsplit(badge_url(public_url, code))
    rest = badge_url(public_url, code)[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{rest}"


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
        px_w, px_h = png_size(logo)
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
        used = used_height(first_fit, design.first) + used_height(last_fit, design.last)
        names_top += max(0.0, (design.names.h - used) / 2)
    tags, org_fit, role_fit = _fit_details(design, organisation, role, attendee.get("interests"))
    # The details are placed one by one (nested flow costs time in big batches); the tags
    # line sits at the bottom of its area, so it lines up on every badge.
    org_top = design.details.y
    role_top = org_top + (used_height(org_fit, design.organisation) + design.gap if org_fit else 0)
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
        "qr": qr.png_data_uri(qr_text(public_url, attendee["code"])),
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
    room -= used_height(org_fit, design.organisation) + (design.gap if org_fit else 0)
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
