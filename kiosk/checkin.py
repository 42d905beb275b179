"""Check-in: scan, undo, check-out, walk-ins, the desks, and the figures the organiser watches."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData
from kiosk.errors import KioskError
from kiosk.text import clean

log = logging.getLogger("kiosk.checkin")

#: Codes of CheckinError, the stable part tests and the desk rely on.
UNKNOWN_CODE = "unknown_code"
ALREADY_CHECKED_IN = "already_checked_in"
OTHER_EVENT = "other_event"
CANCELLED = "cancelled"
NOT_CHECKED_IN = "not_checked_in"
ALREADY_CHECKED_OUT = "already_checked_out"
REASON_MISSING = "reason_missing"
NOT_FOUND = "not_found"
ALREADY_REGISTERED = "already_registered"
STATION_INVALID = "station_invalid"
LINK_INVALID = "link_invalid"
PRINT_FAILED = "print_failed"

#: What the desk counts as "just arrived".
RECENT_MINUTES = 15
#: The live counters are computed at most this often per event (20 desks poll every 2 s).
COUNTER_CACHE_SECONDS = 1.0
#: The station name used when the organiser checks someone in without a named desk.
DEFAULT_STATION = "Orga"
#: How long a one-time desk link stays valid.
DESK_LINK_HOURS = 12
#: Longest desk name and undo reason kept.
MAX_STATION_LENGTH = 40
MAX_REASON_LENGTH = 200
#: Desk modes: staffed (search, walk-ins, undo) or self check-in (scan only).
DESK = "desk"
SELF = "self"
MODES = (DESK, SELF)
#: Bars in the arrivals chart are this many minutes wide.
CHART_BUCKET_MINUTES = 15


class CheckinError(KioskError):
    """A check-in (or undo, check-out, walk-in, desk link) was refused; ``code`` says why."""

    def __init__(
        self, code: str, message: str = "", attendee: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message)
        self.attendee = attendee


@dataclass(frozen=True)
class Checkin:
    """A check-in that this call made: who, when, where, and whether it was a re-entry."""

    attendee: dict[str, Any]
    at: str
    station: str
    again: bool = False


def _deny(code: str, message: str, attendee: dict[str, Any] | None, station: str) -> CheckinError:
    """Log a denial (ids only, never names) and build the error to raise."""
    log.info(
        "denied %s: attendee=%s station=%r",
        code,
        attendee["id"] if attendee else "-",
        station,
    )
    return CheckinError(code, message, attendee)


def _attendee_in_event(
    db: Database, event: events.Event, attendee_id: int, station: str
) -> dict[str, Any]:
    try:
        attendee = attendees.get(db, attendee_id)
    except attendees.AttendeeError:
        raise _deny(NOT_FOUND, "No such attendee.", None, station) from None
    if attendee["event_id"] != event.id:
        raise _deny(OTHER_EVENT, "This badge belongs to another event.", attendee, station)
    return attendee


def _record_checkin(
    db: Database, event: events.Event, attendee: dict[str, Any], station: str, stamp: str
) -> bool | None:
    """Write the check-in if the row is unchanged: False arrival, True re-entry, None changed."""
    if attendee["event_id"] != event.id:
        raise _deny(OTHER_EVENT, "This badge belongs to another event.", attendee, station)
    if attendee["status"] == "cancelled":
        raise _deny(CANCELLED, "This registration was cancelled.", attendee, station)
    if attendee["checked_in_at"] is None:
        done = db.execute(
            """UPDATE attendees SET checked_in_at = ?, checked_in_station = ?,
            checked_out_at = NULL WHERE id = ? AND checked_in_at IS NULL AND status = ?""",
            [stamp, station, attendee["id"], attendee["status"]],
        ).rowcount
        return False if done else None
    if attendee.get("checked_out_at") is None:
        raise _deny(ALREADY_CHECKED_IN, "Already checked in.", attendee, station)
    # Back after a check-out: the first arrival stays what the figures count.
    done = db.execute(
        """UPDATE attendees SET checked_out_at = NULL
        WHERE id = ? AND checked_in_at = ? AND checked_out_at IS NOT NULL""",
        [attendee["id"], attendee["checked_in_at"]],
    ).rowcount
    return True if done else None


def _check_in(
    db: Database,
    event: events.Event,
    attendee: dict[str, Any],
    *,
    station: str,
    at: str | None,
    how: str,
) -> Checkin:
    """One write transaction; the conditional UPDATE makes two desks at once give one check-in."""
    stamp = at or kdb.now()
    with kdb.transaction(db, attendees_only=True):
        again = _record_checkin(db, event, attendee, station, stamp)
        if again is None:
            # The row changed since it was read: decide again on what is stored now.
            attendee = attendees.get(db, attendee["id"])
            again = _record_checkin(db, event, attendee, station, stamp)
            assert again is not None  # inside the write lock nothing else can change it
        attendees.log(
            db,
            event.id,
            attendee["id"],
            "checked_in",
            station=station,
            detail={"how": how, **({"again": True} if again else {})},
        )
    _changed()
    log.debug("checked in: attendee=%s station=%r", attendee["id"], station)
    if again:
        updated = {**attendee, "checked_out_at": None}
        return Checkin(updated, attendee["checked_in_at"], station, True)
    updated = {
        **attendee,
        "checked_in_at": stamp,
        "checked_in_station": station,
        "checked_out_at": None,
    }
    return Checkin(updated, stamp, station, False)


def check_in(
    db: Database,
    event: events.Event,
    attendee_id: int,
    *,
    station: str = DEFAULT_STATION,
    at: str | None = None,
    how: str = "scan",
) -> Checkin:
    """Check an attendee in, once: a second call (any desk) raises ``already_checked_in``."""
    try:
        attendee = attendees.get(db, attendee_id)
    except attendees.AttendeeError:
        raise _deny(NOT_FOUND, "No such attendee.", None, station) from None
    return _check_in(db, event, attendee, station=station, at=at, how=how)


def scan(
    db: Database,
    event: events.Event,
    text: str,
    *,
    station: str = DEFAULT_STATION,
    at: str | None = None,
) -> Checkin:
    """Check in whoever's badge code is in ``text`` (bare code, badge URL, QWERTZ-mangled URL)."""
    code = attendees.find_code(text)
    attendee = attendees.by_code(db, code) if code else None
    if attendee is None:
        # The code (public, printed on the badge) may be logged; the raw input may be a name.
        log.info("denied unknown_code: code=%s length=%d station=%r", code, len(text), station)
        raise CheckinError(UNKNOWN_CODE, "No attendee has this badge code.")
    return _check_in(db, event, attendee, station=station, at=at, how="scan")


def undo(
    db: Database, event: events.Event, attendee_id: int, *, reason: str, station: str
) -> dict[str, Any]:
    """Take back a check-in made by mistake; the reason goes into the attendee's log."""
    reason = clean(reason, max_length=MAX_REASON_LENGTH)
    with kdb.transaction(db, attendees_only=True):
        attendee = _attendee_in_event(db, event, attendee_id, station)
        if not reason:
            raise _deny(REASON_MISSING, "Undoing a check-in needs a reason.", attendee, station)
        if attendee["checked_in_at"] is None:
            raise _deny(NOT_CHECKED_IN, "Not checked in.", attendee, station)
        db.execute(
            """UPDATE attendees SET checked_in_at = NULL, checked_in_station = NULL,
            checked_out_at = NULL WHERE id = ?""",
            [attendee_id],
        )
        attendees.log(
            db,
            event.id,
            attendee_id,
            "checkin_undone",
            station=station,
            detail={"reason": reason, "was": attendee["checked_in_at"]},
        )
    _changed()
    return attendees.get(db, attendee_id)


def check_out(
    db: Database, event: events.Event, attendee_id: int, *, station: str
) -> dict[str, Any]:
    """Record that an attendee left; they still count as arrived, and may come back."""
    with kdb.transaction(db, attendees_only=True):
        attendee = _attendee_in_event(db, event, attendee_id, station)
        if attendee["checked_in_at"] is None:
            raise _deny(NOT_CHECKED_IN, "Not checked in.", attendee, station)
        if attendee.get("checked_out_at"):
            raise _deny(ALREADY_CHECKED_OUT, "Already checked out.", attendee, station)
        db.execute("UPDATE attendees SET checked_out_at = ? WHERE id = ?", [kdb.now(), attendee_id])
        attendees.log(db, event.id, attendee_id, "checked_out", station=station)
    _changed()
    return attendees.get(db, attendee_id)


def walk_in(
    db: Database,
    event: events.Event,
    data: AttendeeData,
    *,
    station: str,
    allow_duplicate: bool = False,
) -> Checkin:
    """Register someone who came without registering, and check them in at once.

    A form without a name or with a broken e-mail raises ``attendees.AttendeeError``.
    """
    data = data.cleaned()
    attendees.validate(data)
    with kdb.transaction(db, attendees_only=True):
        duplicate = attendees.find_duplicate(db, event.id, data)
        if duplicate is not None and not allow_duplicate:
            raise _deny(ALREADY_REGISTERED, "Already registered.", duplicate, station)
        attendee = attendees.create(db, event, data, how="walk-in", station=station)
        return check_in(db, event, attendee["id"], station=station, how="walk-in")


def set_consent_at_desk(
    db: Database, event: events.Event, attendee_id: int, given: bool, *, station: str
) -> dict[str, Any]:
    """Record the networking consent the attendee gave or refused at the desk."""
    _attendee_in_event(db, event, attendee_id, station)
    return attendees.set_consent(db, attendee_id, "matchmaking", given, how="desk", station=station)


def describe(exc: CheckinError) -> str:
    """A one-line English explanation of a refusal, for the command line."""
    a = exc.attendee or {}
    if exc.code == ALREADY_CHECKED_IN:
        at = kdb.local_time(a["checked_in_at"], "%H:%M")
        return f"Already checked in: {a['name']}, at {at} at desk '{a['checked_in_station']}'."
    if exc.code == CANCELLED:
        return f"Registration cancelled: {a['name']}."
    if exc.code == OTHER_EVENT:
        return "This badge belongs to another event."
    if exc.code == UNKNOWN_CODE:
        return "Unknown badge code: no attendee has it."
    return str(exc)


def check_attendee(db: Database, event: events.Event, attendee_id: int) -> dict[str, Any]:
    """The attendee, when they belong to this event (else ``not_found`` / ``other_event``)."""
    return _attendee_in_event(db, event, attendee_id, "")


def desk_printer(db: Database) -> str:
    """The CUPS printer for single badges, or "" (then the desk opens the PDF instead)."""
    from kiosk import badges

    return badges.print_settings(db).desk_printer


def print_badge(
    db: Database, event: events.Event, attendee_id: int, *, public_url: str, station: str
) -> None:
    """Print one attendee's badge on the desk printer now (the print is recorded)."""
    from kiosk import badges

    try:
        badges.single_badge_pdf(
            db,
            event,
            attendee_id,
            public_url=public_url,
            how=f"desk {station}",
            printer=desk_printer(db),
        )
    except badges.BadgeError as exc:
        log.warning("badge print failed: attendee=%s code=%s", attendee_id, exc.code)
        raise CheckinError(PRINT_FAILED, str(exc)) from exc


def print_after_check_in(
    db: Database,
    event: events.Event,
    done: Checkin,
    *,
    walk_in: bool,
    public_url: str,
    station: str,
) -> bool:
    """Print the badge of whom a check-in let in: a walk-in's always, an arrival's when the
    event prints on arrival and the badge is not printed yet. True when printing started."""
    wanted = walk_in or (
        event.settings.get("print_on_arrival") and not badge_printed(done.attendee)
    )
    return bool(wanted) and print_in_background(
        db, event, done.attendee["id"], public_url=public_url, station=station
    )


def print_in_background(
    db: Database, event: events.Event, attendee_id: int, *, public_url: str, station: str
) -> bool:
    """Start printing a badge without holding up the desk; False when no printer is set."""
    if not desk_printer(db):
        return False
    database = db.conn.execute("PRAGMA database_list").fetchone()[2]

    def job() -> None:
        conn = kdb.connect(database)
        try:
            print_badge(conn, event, attendee_id, public_url=public_url, station=station)
        except CheckinError:
            pass  # logged by print_badge; the desk still shows "not printed yet"
        except Exception:
            log.exception("badge print crashed: attendee=%s", attendee_id)
        finally:
            conn.close()

    threading.Thread(target=job, name=f"print-{attendee_id}", daemon=True).start()
    return True


def private_link(public_url: str, attendee: dict[str, Any]) -> str:
    """The attendee's private page, to be handed over only to them (a QR on the desk screen)."""
    return f"{public_url.rstrip('/')}/me/{attendee['secret']}"


def badge_printed(attendee: dict[str, Any]) -> bool:
    """True when the attendee's badge was printed at least once."""
    return bool(attendee.get("badge_printed_at"))


# -- figures -----------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def counters(db: Database, event: events.Event, now: datetime | None = None) -> dict[str, int]:
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
_writes = [0]  # bumped by every check-in change made in this process


def _changed() -> None:
    with _counter_lock:
        _writes[0] += 1


def live_counters(db: Database, event: events.Event) -> dict[str, int]:
    """``counters`` for the polling desks: one query a second at most, fresh after any check-in."""
    key = (db.conn.execute("PRAGMA database_list").fetchone()[2], event.id)
    now = time.monotonic()
    with _counter_lock:
        cached = _counter_cache.get(key)
        if cached and cached[0] == _writes[0] and now - cached[1] < COUNTER_CACHE_SECONDS:
            return cached[2]
        generation = _writes[0]
    value = counters(db, event)
    with _counter_lock:
        _counter_cache[key] = (generation, now, value)
    return value


def arrivals_over_time(
    db: Database, event: events.Event, bucket_minutes: int = CHART_BUCKET_MINUTES
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


def by_organisation_type(db: Database, event: events.Event) -> list[dict[str, Any]]:
    """Registered and arrived per organisation type, biggest first."""
    return kdb.rows(
        db,
        """SELECT organisation_type AS type, count(*) AS registered,
        count(checked_in_at) AS arrived FROM attendees
        WHERE event_id = ? AND status != 'cancelled'
        GROUP BY organisation_type ORDER BY registered DESC, organisation_type""",
        [event.id],
    )


def not_arrived(db: Database, event: events.Event) -> list[dict[str, Any]]:
    """Registered attendees who have not checked in yet."""
    return [
        a
        for a in attendees.list_for_event(db, event.id)
        if a["checked_in_at"] is None and a["status"] != "cancelled"
    ]


# -- desks -------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def station_name(name: str) -> str:
    """A desk name as stored: cleaned and short."""
    return clean(name, max_length=MAX_STATION_LENGTH)


def add_station(db: Database, name: str, mode: str = DESK) -> dict[str, Any]:
    """Create a named desk (or return the one with that name, its mode updated)."""
    name = station_name(name)
    if not name or mode not in MODES:
        raise CheckinError(STATION_INVALID, "A desk needs a name and a known mode.")
    with kdb.transaction(db):
        row = kdb.one(db, "SELECT id FROM stations WHERE name = ?", [name])
        if row:
            db.execute("UPDATE stations SET mode = ? WHERE id = ?", [mode, row["id"]])
            station_id = row["id"]
        else:
            station_id = (
                db["stations"].insert({"name": name, "mode": mode, "created_at": kdb.now()}).last_pk
            )
    return station(db, station_id)


def station(db: Database, station_id: int) -> dict[str, Any]:
    """The desk with this id."""
    row = kdb.one(db, "SELECT * FROM stations WHERE id = ?", [station_id])
    if row is None:
        raise CheckinError(STATION_INVALID, "No such desk.")
    return row


def current_station(db: Database, station_id: int, name: str) -> dict[str, Any] | None:
    """The desk a browser signed in as, while it exists under that name (the organiser may
    remove or rename it); read on every desk request, so kept a moment (``kdb.recent``)."""
    row = kdb.recent(
        db,
        ("station", station_id),
        lambda: kdb.one(db, "SELECT id, name, mode FROM stations WHERE id = ?", [station_id]),
    )
    return row if row is not None and row["name"] == name else None


def stations(db: Database, event: events.Event) -> list[dict[str, Any]]:
    """Every desk with how many it checked in for this event and when it last did."""
    return kdb.rows(
        db,
        """SELECT s.*, count(l.id) AS checkins, max(l.at) AS last_at FROM stations s
        LEFT JOIN attendee_log l ON l.station = s.name AND l.event_id = ?
            AND l.action = 'checked_in'
        GROUP BY s.id ORDER BY s.name""",
        [event.id],
    )


def remove_station(db: Database, station_id: int) -> None:
    """Disable a desk: its devices lose access at their next request."""
    with kdb.transaction(db):
        db.execute("DELETE FROM stations WHERE id = ?", [station_id])


def new_station_link(db: Database, station_id: int) -> str:
    """A one-time token that turns the device opening it into this desk; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    expires = _iso(datetime.now(UTC) + timedelta(hours=DESK_LINK_HOURS))
    with kdb.transaction(db):
        station(db, station_id)
        db.execute(
            "UPDATE stations SET link_digest = ?, link_expires_at = ? WHERE id = ?",
            [_digest(token), expires, station_id],
        )
    return token


def use_station_link(db: Database, token: str) -> dict[str, Any]:
    """The desk a one-time link belongs to; the link is used up."""
    digest = _digest(token)
    with kdb.transaction(db):
        row = kdb.one(db, "SELECT * FROM stations WHERE link_digest = ?", [digest])
        if (
            row is None
            or not hmac.compare_digest(row["link_digest"], digest)
            or row["link_expires_at"] < _iso(datetime.now(UTC))
        ):
            log.info("denied link_invalid: desk link")
            raise CheckinError(LINK_INVALID, "This desk link is unknown, used or expired.")
        db.execute(
            "UPDATE stations SET link_digest = NULL, link_expires_at = NULL WHERE id = ?",
            [row["id"]],
        )
    return station(db, row["id"])
