"""The print log: which badges were printed, when and how, so a batch can print only new ones."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import attendees as kattendees
from kiosk import db as kdb
from kiosk.events import Event

log = logging.getLogger("kiosk.badges")


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
