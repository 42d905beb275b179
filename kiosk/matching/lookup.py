"""Which attendee a command means, by e-mail, badge code or name, so that `kiosk suggest` takes what
the organiser knows; an attendees concern, kept apart so that it can move there on its own."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.matching.errors import MatchingError
from kiosk.text import clean, fold


def find_attendee(db: Database, event: Event, person: str) -> dict[str, Any]:
    """The attendee meant by an e-mail, a badge code (or badge URL) or a name."""
    from kiosk import attendees

    text = clean(person)
    if not text:
        raise MatchingError("unknown_person", "Whom? Give an e-mail, a badge code or a name.")
    if "@" in text:
        row = kdb.one(
            db,
            "SELECT id FROM attendees "
            "WHERE event_id = ? AND lower(email) = ? AND status != 'cancelled'",
            [event.id, text.lower()],
        )
        if row:
            return attendees.get(db, row["id"])
    code = attendees.find_code(text)
    if code:
        found = attendees.by_code(db, code)
        if found and found["event_id"] == event.id:
            return found
    matches = attendees.list_for_event(db, event.id, query=text)
    exact = [a for a in matches if fold(a["name"]) == fold(text)]
    matches = exact or matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise MatchingError("unknown_person", f"Nobody at '{event.slug}' matches '{text}'.")
    names = "; ".join(f"{a['name']} ({a['organisation']}, {a['code']})" for a in matches[:5])
    raise MatchingError("ambiguous_person", f"{len(matches)} people match '{text}': {names}")
