"""The print log: which badges were printed, and which were only made into a PDF, when and how.

Making a PDF is not printing: a print is recorded when kiosk sent the badge to a printer or the
organiser confirmed that a PDF was printed. "Only new ones" means badges never printed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import attendees as kattendees
from kiosk import db as kdb
from kiosk.badges.errors import BadgeError
from kiosk.events import Event

log = logging.getLogger("kiosk.badges")

#: A print log row made by printing (or the organiser confirming a print) …
PRINT = "print"
#: … and one made by creating a PDF, which may or may not have been printed.
PDF = "pdf"
#: How many recent PDF batches the badge page lists for confirming.
RECENT_BATCHES = 5
_BATCH_ID = re.compile(r"^[0-9a-f]{32}$")


def record_prints(
    db: Database, attendee_ids: Iterable[int], *, how: str, layout: str, batch: str = ""
) -> None:
    """Note that these badges were printed: one log row each, and when and how often."""
    ids = _record(
        db,
        attendee_ids,
        PRINT,
        "UPDATE attendees SET badge_printed_at = ?, "
        "badge_print_count = coalesce(badge_print_count, 0) + 1 WHERE id = ?",
        how=how,
        layout=layout,
        batch=batch,
    )
    log.info("badges printed: %d (%s, %s)", len(ids), how, layout)


def record_pdfs(
    db: Database, attendee_ids: Iterable[int], *, how: str, layout: str, batch: str = ""
) -> None:
    """Note that a PDF of these badges was made (not that they were printed)."""
    ids = _record(
        db,
        attendee_ids,
        PDF,
        "UPDATE attendees SET badge_pdf_at = ? WHERE id = ?",
        how=how,
        layout=layout,
        batch=batch,
    )
    log.info("badge PDF made: %d (%s, %s)", len(ids), how, layout)


def _record(
    db: Database,
    attendee_ids: Iterable[int],
    kind: str,
    update: str,
    *,
    how: str,
    layout: str,
    batch: str,
) -> list[int]:
    """One log row of ``kind`` per badge, and ``update`` (stamp, id) on each attendee."""
    stamp = kdb.now()
    ids = list(attendee_ids)
    with kdb.transaction(db):
        db["badge_prints"].insert_all(
            [
                {"attendee_id": i, "at": stamp, "how": how, "layout": layout}
                | {"kind": kind, "batch": batch}
                for i in ids
            ]
        )
        db.conn.executemany(update, [(stamp, i) for i in ids])
    return ids


def confirm_batch_printed(db: Database, event: Event, batch: str) -> int:
    """The organiser printed a batch's PDF: its badges count as printed (once per batch).
    Returns how many were recorded; BadgeError('not_found') for an unknown batch."""
    if not _BATCH_ID.match(batch or ""):
        raise BadgeError("not_found", "No such batch.")
    with kdb.transaction(db):
        rows = kdb.rows(
            db,
            """SELECT p.attendee_id, p.layout, p.kind FROM badge_prints p
            JOIN attendees a ON a.id = p.attendee_id
            WHERE p.batch = ? AND a.event_id = ?""",
            [batch, event.id],
        )
        if not rows:
            raise BadgeError("not_found", "No such batch.")
        if any(r["kind"] == PRINT for r in rows):
            return 0  # confirmed (or printed) already: a second click changes nothing
        ids = [r["attendee_id"] for r in rows]
        record_prints(db, ids, how="pdf, confirmed", layout=rows[0]["layout"], batch=batch)
    return len(ids)


def confirm_printed(
    db: Database, event: Event, attendee_id: int, *, how: str = "pdf, confirmed"
) -> None:
    """Someone printed one attendee's badge from its PDF (the organiser, a desk): it counts
    as printed."""
    try:
        attendee = kattendees.in_event(db, event.id, attendee_id)
    except kattendees.AttendeeError:
        raise BadgeError("not_found", "No such attendee in this event.") from None
    layout = kdb.one(
        db,
        "SELECT layout FROM badge_prints WHERE attendee_id = ? AND kind = ? "
        "ORDER BY id DESC LIMIT 1",
        [attendee["id"], PDF],
    )
    record_prints(db, [attendee["id"]], how=how, layout=(layout or {}).get("layout", ""))


def pdf_batches(db: Database, event: Event, limit: int = RECENT_BATCHES) -> list[dict[str, Any]]:
    """The latest PDF batches still holding badges never printed, newest first: batch id,
    when, and how many of its badges are not printed yet."""
    return kdb.rows(
        db,
        """SELECT p.batch, min(p.at) AS at,
                  sum(p.kind = 'pdf' AND coalesce(a.badge_print_count, 0) = 0) AS count
        FROM badge_prints p JOIN attendees a ON a.id = p.attendee_id
        WHERE a.event_id = ? AND p.batch != '' AND a.status != 'cancelled'
        GROUP BY p.batch HAVING count > 0 AND sum(p.kind = 'print') = 0
        ORDER BY min(p.id) DESC LIMIT ?""",
        [event.id, limit],
    )


def print_log(db: Database, attendee_id: int) -> list[dict[str, Any]]:
    """When, how and on which layout one attendee's badge was printed (or made a PDF of),
    oldest first."""
    return kdb.rows(
        db, "SELECT * FROM badge_prints WHERE attendee_id = ? ORDER BY id", [attendee_id]
    )


def for_batch(db: Database, event: Event, *, only_new: bool = False) -> list[dict[str, Any]]:
    """The attendees a batch prints, by last name: all, or only those never printed."""
    people = kattendees.list_for_event(db, event.id)
    if only_new:
        people = [p for p in people if not p.get("badge_print_count")]
    return people


def counts(db: Database, event: Event) -> dict[str, int]:
    """How many badges an event needs: all attendees, printed, not printed yet, and of those
    how many have a PDF made that nobody confirmed as printed."""
    row = kdb.one(
        db,
        """SELECT count(*) AS total, sum(coalesce(badge_print_count, 0) > 0) AS printed,
                  sum(coalesce(badge_print_count, 0) = 0 AND badge_pdf_at IS NOT NULL) AS pdf
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [event.id],
    ) or {"total": 0, "printed": 0, "pdf": 0}
    total, printed = row["total"] or 0, row["printed"] or 0
    return {"total": total, "printed": printed, "new": total - printed, "pdf": row["pdf"] or 0}
