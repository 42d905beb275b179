"""The figures the organiser and the desks watch: who has arrived, when, from which kind of
organisation, and who is still missing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.text import fold

#: What the desk counts as "just arrived".
RECENT_MINUTES = 15
#: The live counters are computed at most this often per event (20 desks poll every 2 s).
COUNTER_CACHE_SECONDS = 1.0
#: Bars in the arrivals chart are this many minutes wide.
CHART_BUCKET_MINUTES = 15


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def counters(db: Database, event: Event, now: datetime | None = None) -> dict[str, int]:
    """Arrived, registered, still here and arrived in the last minutes, for the live counters."""
    since = _iso((now or datetime.now(UTC)) - timedelta(minutes=RECENT_MINUTES))
    row = kdb.one(
        db,
        """SELECT count(*) AS registered, count(checked_in_at) AS arrived,
        count(checked_in_at) - count(checked_out_at) AS here,
        sum(checked_in_at >= ?) AS recent
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [since, event.id],
    )
    assert row is not None
    return {k: row[k] or 0 for k in ("registered", "arrived", "here", "recent")}


_counter_cache: dict[tuple[str, int], tuple[int, float, dict[str, int]]] = {}
_counter_lock = threading.Lock()


def live_counters(db: Database, event: Event) -> dict[str, int]:
    """``counters`` for the polling desks: one query a second at most, fresh after any write
    of this process (a check-in, an undo, a walk-in, an import)."""
    key = (kdb.database_file(db), event.id)
    now = time.monotonic()
    generation = kdb.write_generation()
    with _counter_lock:
        cached = _counter_cache.get(key)
        if cached and cached[0] == generation and now - cached[1] < COUNTER_CACHE_SECONDS:
            return cached[2]
    value = counters(db, event)
    with _counter_lock:
        _counter_cache[key] = (generation, now, value)
    return value


def after_checkin(db: Database, event: Event, *, again: bool = False) -> dict[str, int]:
    """The counters a desk shows with the card of a check-in it just made: the kept figures
    moved by that one arrival, without a query on the scan's path (a rush brings hundreds a
    minute). Another desk's arrival may be missing for up to ``COUNTER_CACHE_SECONDS``."""
    key = (kdb.database_file(db), event.id)
    now = time.monotonic()
    with _counter_lock:
        cached = _counter_cache.get(key)
        if cached and now - cached[1] < COUNTER_CACHE_SECONDS:
            value = dict(cached[2])
            value["here"] += 1
            if not again:
                value["arrived"] += 1
                value["recent"] += 1
            _counter_cache[key] = (kdb.write_generation(), cached[1], value)
            return value
    return live_counters(db, event)


def over_time(
    db: Database, event: Event, bucket_minutes: int = CHART_BUCKET_MINUTES
) -> list[dict[str, Any]]:
    """Arrivals per time slot (UTC), from the first arrival to the last, empty slots included."""
    stamps = [
        datetime.fromisoformat(r["checked_in_at"])
        for r in kdb.rows(
            db,
            """SELECT checked_in_at FROM attendees WHERE event_id = ?
            AND checked_in_at IS NOT NULL AND status != 'cancelled' ORDER BY checked_in_at""",
            [event.id],
        )
    ]
    if not stamps:
        return []
    width = timedelta(minutes=bucket_minutes)

    def slot(moment: datetime) -> datetime:
        base = moment.replace(second=0, microsecond=0)
        return base - timedelta(minutes=base.minute % bucket_minutes)

    first, last = slot(stamps[0]), slot(stamps[-1])
    buckets: dict[datetime, int] = {}
    moment = first
    while moment <= last:
        buckets[moment] = 0
        moment += width
    for s in stamps:
        buckets[slot(s)] += 1
    return [{"start": k, "count": v} for k, v in buckets.items()]


def by_organisation_type(db: Database, event: Event) -> list[dict[str, Any]]:
    """Registered and arrived per organisation type, biggest first."""
    return kdb.rows(
        db,
        """SELECT organisation_type AS type, count(*) AS registered,
        count(checked_in_at) AS arrived FROM attendees
        WHERE event_id = ? AND status != 'cancelled'
        GROUP BY organisation_type ORDER BY registered DESC, organisation_type""",
        [event.id],
    )


#: The dashboard names this many of those still missing (the attendee list finds the rest).
MISSING_SHOWN = 200


def not_arrived(db: Database, event: Event, limit: int = MISSING_SHOWN) -> list[dict[str, Any]]:
    """Registered attendees who have not checked in yet, by name: ``limit`` of them."""
    # In the index's order (cheap while the dashboard polls a 10,000-person fair), then
    # sorted as people read names: all of them at an event of a few hundred.
    found = kdb.rows(
        db,
        """SELECT id, trim(first_name || ' ' || last_name) AS name, first_name, last_name,
        organisation, attendance FROM attendees
        WHERE event_id = ? AND checked_in_at IS NULL AND status != 'cancelled'
        ORDER BY event_id, last_name LIMIT ?""",
        [event.id, limit],
    )
    return sorted(found, key=lambda r: (fold(r["last_name"]), fold(r["first_name"]), r["id"]))


def stamp(db: Database, event: Event) -> str:
    """A short text that changes whenever who has arrived changes (a check-in, an undo, a
    registration added or cancelled): the dashboard's lists are rendered again only then."""
    row = kdb.one(
        db,
        """SELECT count(*) AS n, count(checked_in_at) AS arrived,
        total(CASE WHEN checked_in_at IS NOT NULL THEN id END) AS ids,
        coalesce(max(checked_in_at), '') AS last, total(id) AS everyone
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [event.id],
    )
    assert row is not None
    return f"{row['n']}-{row['arrived']}-{int(row['ids'])}-{int(row['everyone'])}-{row['last']}"


#: A desk offers the private QR again for so many of its latest check-ins …
RECENT_AT_DESK_COUNT = 5
#: … made within so many minutes (the person is still at the desk, or just walked off).
RECENT_AT_DESK_MINUTES = 10


def recent_at_desk(
    db: Database,
    event: Event,
    desk: str,
    *,
    limit: int = RECENT_AT_DESK_COUNT,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The people this desk checked in lately (newest first, at most ``limit``, within
    RECENT_AT_DESK_MINUTES): whose private QR the desk may show once more."""
    since = _iso((now or datetime.now(UTC)) - timedelta(minutes=RECENT_AT_DESK_MINUTES))
    rows = kdb.rows(
        db,
        """SELECT id, first_name, last_name, checked_in_at FROM attendees
        WHERE event_id = ? AND checked_in_at >= ? AND checked_in_desk = ?
        AND status != 'cancelled' ORDER BY checked_in_at DESC LIMIT ?""",
        [event.id, since, desk, limit],
    )
    for row in rows:
        row["name"] = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
    return rows


def checked_in_at_desk_lately(
    db: Database, event: Event, attendee_id: int, desk: str, *, now: datetime | None = None
) -> bool:
    """True when this desk checked the attendee in within RECENT_AT_DESK_MINUTES."""
    since = _iso((now or datetime.now(UTC)) - timedelta(minutes=RECENT_AT_DESK_MINUTES))
    row = kdb.one(
        db,
        """SELECT 1 AS yes FROM attendees WHERE id = ? AND event_id = ?
        AND checked_in_at >= ? AND checked_in_desk = ?""",
        [attendee_id, event.id, since, desk],
    )
    return row is not None
