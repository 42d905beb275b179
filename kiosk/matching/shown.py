"""Suggestions as they are shown to a person (their page, the desk's card, the printed slip),
remembered once per pair: the report counts a contact made with someone suggested before."""

from __future__ import annotations

import threading
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.matching.current import suggestions_for
from kiosk.matching.suggestions import DESK_SIZE, PLAN_SIZE, Suggestion

# Pairs this process has written already: a phone polls its list every 30 s, and a write per
# poll would queue behind the desks for nothing. Bounded: cleared when it grows too big.
_noted: set[tuple[str, int, int]] = set()
_noted_lock = threading.Lock()
MAX_NOTED = 200_000


def to_show(db: Database, attendee: dict[str, Any], n: int = PLAN_SIZE) -> list[Suggestion]:
    """The attendee's suggestions as shown to them ([] without consent or when cancelled),
    noting whom they were shown and when it was first."""
    found = suggestions_for(db, attendee, n)
    if found:
        _note(db, attendee, found)
    return found


def _note(db: Database, attendee: dict[str, Any], found: list[Suggestion]) -> None:
    key = kdb.database_file(db)
    with _noted_lock:
        new = [s for s in found if (key, attendee["id"], s.attendee_id) not in _noted]
    if not new:
        return
    stamp = kdb.now()
    with kdb.transaction(db, attendees_only=True):
        db.conn.executemany(
            "INSERT OR IGNORE INTO suggestions_shown (attendee_id, other_id, event_id, first_at) "
            "VALUES (?, ?, ?, ?)",
            [(attendee["id"], s.attendee_id, attendee["event_id"], stamp) for s in new],
        )
    with _noted_lock:
        if len(_noted) > MAX_NOTED:
            _noted.clear()
        _noted.update((key, attendee["id"], s.attendee_id) for s in new)


def top_for_print(
    db: Database,
    attendee: dict[str, Any],
    n: int = DESK_SIZE,
    lang: str = "de",
    address: str = "Sie",
) -> list[str]:
    """Plain text lines for a check-in slip: who, from where, why ([] without consent or when
    the registration was cancelled)."""
    lines = []
    for k, s in enumerate(to_show(db, attendee, n), start=1):
        where = f" ({s.organisation})" if s.organisation else ""
        lines.append(f"{k}. {s.name}{where}: {s.reason_text(lang, address)}")
    return lines
