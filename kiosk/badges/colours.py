"""Band colours by organisation type, so people spot at a glance who is from where."""

from __future__ import annotations

import re
import zlib
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events as kevents
from kiosk.badges.errors import BadgeError
from kiosk.events import Event

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
