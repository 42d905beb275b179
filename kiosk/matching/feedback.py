"""Feedback on suggestions ("met", "not a fit"), which the next plan takes into account."""

from __future__ import annotations

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.matching.errors import MatchingError

#: Feedback an attendee can give on a suggestion.
VERDICTS = ("met", "not_a_fit")


def record_feedback(
    db: Database, event: Event, attendee_id: int, other_id: int, verdict: str
) -> None:
    """Store "met" or "not a fit" for one suggestion; the latest verdict on a pair counts."""
    if verdict not in VERDICTS:
        raise MatchingError("bad_verdict", f"Unknown feedback: {verdict}")
    with kdb.transaction(db):
        found = kdb.rows(
            db,
            "SELECT id FROM attendees WHERE event_id = ? AND id IN (?, ?)",
            [event.id, attendee_id, other_id],
        )
        if attendee_id == other_id or len(found) != 2:
            raise MatchingError("not_found", "No such suggestion at this event.")
        db.execute(
            "DELETE FROM suggestion_feedback WHERE attendee_id = ? AND other_id = ?",
            [attendee_id, other_id],
        )
        db["suggestion_feedback"].insert(
            {
                "event_id": event.id,
                "attendee_id": attendee_id,
                "other_id": other_id,
                "verdict": verdict,
                "created_at": kdb.now(),
            }
        )


def feedback_of(db: Database, attendee_id: int) -> dict[int, str]:
    """The attendee's verdicts: other attendee id -> "met" / "not_a_fit"."""
    return {
        r["other_id"]: r["verdict"]
        for r in kdb.rows(
            db,
            "SELECT other_id, verdict FROM suggestion_feedback WHERE attendee_id = ?",
            [attendee_id],
        )
    }
