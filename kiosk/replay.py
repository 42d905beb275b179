"""Scans a desk kept while the laptop was unreachable, replayed when it answers again: each at
the time it was scanned, each once (by its nonce), one check-in per person at the earliest time."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, checkin, events
from kiosk import db as kdb
from kiosk.errors import KioskError

log = logging.getLogger("kiosk.replay")

#: Outcomes besides the codes of ``checkin.CheckinError``.
STORED = "stored"  # checked in now, at the time of the scan
EARLIER = "earlier"  # already checked in (another desk, later): the earlier scan's time counts
INVALID = "invalid"  # not a scan this desk could have kept
#: Outcomes that need no follow-up by the helper.
DONE = frozenset({STORED, checkin.ALREADY_RECORDED})

#: Most scans one replay takes (a desk keeps far fewer in an outage; the rest comes next time).
MAX_SCANS = 500
#: Oldest scan replayed: older ones are recorded as made this long ago (a day of event).
MAX_AGE = timedelta(hours=24)
#: What a nonce looks like (the desk makes 32 hex digits; a little room for other clients).
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
#: Longest scanned text kept for a replay (a badge URL fits many times).
MAX_TEXT = 200
#: Characters of an unknown scan shown back to the helper.
MAX_SHOWN = 40


#: A pause after each replayed scan: live scans at other desks get the server in between.
PAUSE_SECONDS = 0.002
#: Seconds a desk waits before it offers its scans again while another desk's replay runs.
RETRY_AFTER_SECONDS = 1
BUSY = "replay_busy"
# One replay at a time: twenty desks coming back at once take turns, and the scans at the
# desks (which must stay fast) compete with one replay, not twenty.
_one_at_a_time = threading.Lock()

#: Notes kept per desk for the other desk of a conflict, until its next poll takes them.
MAX_NEWS = 50
_news: dict[str, list[dict[str, str]]] = {}
_news_lock = threading.Lock()


class ReplayError(KioskError):
    """A replay was not taken now; ``code`` says why (``replay_busy``: offer it again soon)."""


@dataclass(frozen=True)
class Replayed:
    """What became of one kept scan: its outcome, whom it was about, when it was scanned."""

    nonce: str
    outcome: str
    at: str
    attendee: dict[str, Any] | None = None
    other_desk: str = ""
    other_at: str = ""
    text: str = ""  # what was scanned, for an unknown code (the helper looks it up)

    @property
    def done(self) -> bool:
        """True when the helper needs to do nothing more about this scan."""
        return self.outcome in DONE


@dataclass
class Report:
    """A replay's answers, in the order the desk kept the scans."""

    results: list[Replayed] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Scans now recorded (this time or by an earlier replay of the same scan)."""
        return sum(r.done for r in self.results)

    @property
    def follow_up(self) -> list[Replayed]:
        """Scans the helper should look at: unknown badges, people checked in elsewhere."""
        return [r for r in self.results if not r.done and r.outcome != INVALID]

    @property
    def finished(self) -> list[str]:
        """Nonces the desk may forget: every answer is final, only malformed ones aside."""
        return [r.nonce for r in self.results if r.nonce]


def valid_nonce(value: str | None) -> str | None:
    """A scan nonce as sent by a desk, or None when it does not look like one."""
    return value if value and NONCE_RE.match(value) else None


def scan_time(age_ms: Any, now: datetime | None = None) -> str:
    """When a scan was made, from how long ago the desk says it was (its own clock measured
    both ends, so a desk whose clock is wrong still gives the right time here)."""
    now = now or datetime.now(UTC)
    try:
        age = timedelta(milliseconds=max(0, int(age_ms)))
    except (TypeError, ValueError, OverflowError):
        age = timedelta(0)
    return (now - min(age, MAX_AGE)).isoformat(timespec="milliseconds")


def replay(
    db: Database,
    event: events.Event,
    scans: list[Any],
    *,
    desk: str,
    now: datetime | None = None,
) -> Report:
    """Replay the scans a desk kept, in order; each is one transaction of its own. While
    another desk's replay runs this raises ``replay_busy`` at once (the desk tries again)."""
    if not _one_at_a_time.acquire(blocking=False):
        raise ReplayError(BUSY, "Another desk is replaying its scans.")
    report = Report()
    try:
        for scan in scans[:MAX_SCANS]:
            report.results.append(_one(db, event, scan, desk=desk, now=now))
            time.sleep(PAUSE_SECONDS)
    finally:
        _one_at_a_time.release()
    log.info(
        "replayed %d scans from desk %r: %d recorded", len(report.results), desk, report.stored
    )
    for r in report.results:
        if r.outcome in (EARLIER, checkin.ALREADY_CHECKED_IN) and r.other_desk not in ("", desk):
            _tell(r.other_desk, r, desk)
    return report


def _tell(other_desk: str, conflict: Replayed, desk: str) -> None:
    """Keep a note for the other desk of a conflict: it hears of it at its next poll."""
    assert conflict.attendee is not None
    note = {
        "name": conflict.attendee["name"],
        "desk": desk,
        "scanned_at": conflict.at,
        "checked_in_at": min(conflict.at, conflict.other_at or conflict.at),
    }
    with _news_lock:
        _news.setdefault(other_desk, []).append(note)
        del _news[other_desk][:-MAX_NEWS]


def news_for(desk: str) -> list[dict[str, str]]:
    """The notes about conflicts another desk found with this desk's check-ins; taken once."""
    if desk not in _news:  # read without the lock: the common case, nothing to tell
        return []
    with _news_lock:
        return _news.pop(desk, [])


def _one(
    db: Database, event: events.Event, scan: Any, *, desk: str, now: datetime | None
) -> Replayed:
    if not isinstance(scan, dict):
        return Replayed("", INVALID, "")
    nonce = str(scan.get("nonce") or "")
    if not NONCE_RE.match(nonce):
        return Replayed("", INVALID, "")
    at = scan_time(scan.get("age"), now)
    try:
        if scan.get("attendee") is not None:
            done = checkin.check_in(
                db, event, int(scan["attendee"]), desk=desk, at=at, how="replay", nonce=nonce
            )
        else:
            text = str(scan.get("code") or "")[:MAX_TEXT]
            done = checkin.scan(db, event, text, desk=desk, at=at, nonce=nonce, how="replay")
    except (TypeError, ValueError):
        return Replayed(nonce, INVALID, at)
    except checkin.CheckinError as exc:
        if exc.code == checkin.ALREADY_CHECKED_IN and exc.attendee:
            return _earliest(db, event, exc.attendee, desk=desk, at=at, nonce=nonce)
        text = "" if exc.attendee else str(scan.get("code") or "")[:MAX_SHOWN]
        return Replayed(nonce, exc.code, at, exc.attendee, text=text)
    return Replayed(nonce, STORED, at, done.attendee)


def _earliest(
    db: Database, event: events.Event, attendee: dict[str, Any], *, desk: str, at: str, nonce: str
) -> Replayed:
    """A person already checked in: one check-in stays, at the earlier of the two times."""
    was, was_desk = attendee["checked_in_at"], attendee["checked_in_desk"] or ""
    if at >= was:
        return Replayed(nonce, checkin.ALREADY_CHECKED_IN, at, attendee, was_desk, was)
    with kdb.transaction(db, attendees_only=True):
        if checkin.recorded(db, nonce):
            return Replayed(nonce, checkin.ALREADY_RECORDED, at, attendee)
        moved = db.execute(
            """UPDATE attendees SET checked_in_at = ?, checked_in_desk = ?
            WHERE id = ? AND checked_in_at = ?""",
            [at, desk, attendee["id"], was],
        ).rowcount
        if not moved:  # changed meanwhile (an undo, another replay): tell the helper as it is
            current = attendees.get(db, attendee["id"])
            return Replayed(
                nonce,
                checkin.ALREADY_CHECKED_IN,
                at,
                current,
                current["checked_in_desk"] or "",
                current["checked_in_at"] or "",
            )
        attendees.log(
            db,
            event.id,
            attendee["id"],
            "checkin_earlier",
            desk=desk,
            detail={"was": was, "was_desk": was_desk},
            at=at,
            nonce=nonce,
        )
    updated = {**attendee, "checked_in_at": at, "checked_in_desk": desk}
    return Replayed(nonce, EARLIER, at, updated, was_desk, was)
