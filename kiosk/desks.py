"""Check-in desks: named devices the organiser enables (staffed desks or self check-in tablets),
and the one-time links that turn another device into one."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import clean

log = logging.getLogger("kiosk.desks")

#: Desk modes: staffed (search, walk-ins, undo) or self check-in (scan only).
DESK = "desk"
SELF = "self"
MODES = (DESK, SELF)
#: The desk name recorded when the organiser checks someone in without a named desk.
ORGANISER_DESK = "Orga"
#: How long a one-time desk link stays valid.
LINK_HOURS = 12
#: Longest desk name kept.
MAX_NAME_LENGTH = 40

#: Seconds a desk may wait for the laptop's answer to a scan (the setting's bounds).
TIMEOUT_RANGE = (1, 15)

#: Codes of DeskError.
INVALID = "desk_invalid"
LINK_INVALID = "link_invalid"


class DeskError(KioskError):
    """A desk could not be made, found or joined; ``code`` says why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def clean_name(name: str) -> str:
    """A desk name as stored: cleaned and short."""
    return clean(name, max_length=MAX_NAME_LENGTH)


def add(db: Database, name: str, mode: str = DESK, *, event: Event | None = None) -> dict[str, Any]:
    """Create a named desk of ``event`` (else the current one), or return that event's desk
    with this name, its mode updated. A removed desk's id is never given again."""
    name = clean_name(name)
    if not name or mode not in MODES:
        raise DeskError(INVALID, "A desk needs a name and a known mode.")
    try:
        event_id = (event or events.current(db)).id
    except events.EventError as exc:
        raise DeskError(INVALID, "A desk belongs to an event: create one first.") from exc
    with kdb.transaction(db):
        row = kdb.one(db, "SELECT id FROM desks WHERE event_id = ? AND name = ?", [event_id, name])
        if row:
            db.execute("UPDATE desks SET mode = ? WHERE id = ?", [mode, row["id"]])
            desk_id = row["id"]
        else:
            desk_id = (
                db["desks"]
                .insert({"event_id": event_id, "name": name, "mode": mode, "created_at": kdb.now()})
                .last_pk
            )
    return get(db, desk_id)


def get(db: Database, desk_id: int) -> dict[str, Any]:
    """The desk with this id."""
    row = kdb.one(db, "SELECT * FROM desks WHERE id = ?", [desk_id])
    if row is None:
        raise DeskError(INVALID, "No such desk.")
    return row


def current(db: Database, desk_id: int, name: str) -> dict[str, Any] | None:
    """The desk a browser signed in as, while it exists under that name (the organiser may
    remove or rename it); read on every desk request, so kept a moment (``kdb.recent``)."""
    row = kdb.recent(
        db,
        ("desk", desk_id),
        lambda: kdb.one(db, "SELECT id, event_id, name, mode FROM desks WHERE id = ?", [desk_id]),
    )
    return row if row is not None and row["name"] == name else None


def for_event(db: Database, event: Event) -> list[dict[str, Any]]:
    """Every desk with how many it checked in for this event and when it last did."""
    return kdb.rows(
        db,
        """SELECT d.*, count(l.id) AS checkins, max(l.at) AS last_at FROM desks d
        LEFT JOIN attendee_log l ON l.desk = d.name AND l.event_id = d.event_id
            AND l.action = 'checked_in'
        WHERE d.event_id = ?
        GROUP BY d.id ORDER BY d.name""",
        [event.id],
    )


def remove(db: Database, desk_id: int) -> None:
    """Disable a desk: its devices lose access at their next request."""
    with kdb.transaction(db):
        db.execute("DELETE FROM desks WHERE id = ?", [desk_id])


def new_link(db: Database, desk_id: int) -> str:
    """A one-time token that turns the device opening it into this desk; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    expires = _iso(datetime.now(UTC) + timedelta(hours=LINK_HOURS))
    with kdb.transaction(db):
        get(db, desk_id)
        db.execute(
            "UPDATE desks SET link_digest = ?, link_expires_at = ? WHERE id = ?",
            [_digest(token), expires, desk_id],
        )
    return token


def use_link(db: Database, token: str) -> dict[str, Any]:
    """The desk a one-time link belongs to; the link is used up."""
    digest = _digest(token)
    with kdb.transaction(db):
        row = kdb.one(db, "SELECT * FROM desks WHERE link_digest = ?", [digest])
        if (
            row is None
            or not hmac.compare_digest(row["link_digest"], digest)
            or row["link_expires_at"] < _iso(datetime.now(UTC))
        ):
            log.info("denied link_invalid: desk link")
            raise DeskError(LINK_INVALID, "This desk link is unknown, used or expired.")
        db.execute(
            "UPDATE desks SET link_digest = NULL, link_expires_at = NULL WHERE id = ?",
            [row["id"]],
        )
    return get(db, row["id"])


def set_offline(db: Database, event: Event, *, timeout_seconds: int, offline_list: bool) -> Event:
    """The organiser's choice for when the laptop cannot be reached: how long a scan waits
    before the desk keeps it, and whether desks hold the offline list."""
    low, high = TIMEOUT_RANGE
    if not low <= timeout_seconds <= high:
        raise DeskError(INVALID, f"The wait for the laptop is {low} to {high} seconds.")
    return events.update_settings(
        db,
        event.id,
        {"desk_timeout_seconds": timeout_seconds, "desk_offline_list": bool(offline_list)},
    )


def offline_list(db: Database, event: Event) -> list[dict[str, str]]:
    """What a desk keeps when the organiser allows it: name, organisation and badge code of each
    registered person, nothing else; empty when the setting is off."""
    if not event.settings.get("desk_offline_list"):
        return []
    return kdb.rows(
        db,
        """SELECT code, trim(first_name || ' ' || coalesce(last_name, '')) AS name,
        coalesce(organisation, '') AS organisation FROM attendees
        WHERE event_id = ? AND status != 'cancelled' ORDER BY last_name, first_name""",
        [event.id],
    )
