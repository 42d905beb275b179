"""Check-in: scan, undo, check-out, walk-ins, consent at the desk, and the badge printed on
arrival. One rule per outcome, each a defined answer: a second scan is never a second row."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import arrivals, attendees, desks, events
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
PRINT_FAILED = "print_failed"
#: The scan with this nonce was recorded before (a desk replaying what it kept).
ALREADY_RECORDED = "already_recorded"

#: Minutes after a check-in in which its desk may show the person's private QR again (the same
#: window as the desk's "QR nochmal zeigen" list).
PRIVATE_QR_MINUTES = arrivals.RECENT_AT_DESK_MINUTES

#: Longest undo reason kept.
MAX_REASON_LENGTH = 200


class CheckinError(KioskError):
    """A check-in (or undo, check-out, walk-in) was refused; ``code`` says why."""

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
    desk: str
    again: bool = False


def _deny(code: str, message: str, attendee: dict[str, Any] | None, desk: str) -> CheckinError:
    """Log a denial (ids only, never names) and build the error to raise."""
    log.info(
        "denied %s: attendee=%s desk=%r",
        code,
        attendee["id"] if attendee else "-",
        desk,
    )
    return CheckinError(code, message, attendee)


def _attendee_in_event(
    db: Database, event: events.Event, attendee_id: int, desk: str
) -> dict[str, Any]:
    try:
        attendee = attendees.get(db, attendee_id)
    except attendees.AttendeeError:
        raise _deny(NOT_FOUND, "No such attendee.", None, desk) from None
    if attendee["event_id"] != event.id:
        raise _deny(OTHER_EVENT, "This badge belongs to another event.", attendee, desk)
    return attendee


def _record_checkin(
    db: Database, event: events.Event, attendee: dict[str, Any], desk: str, stamp: str
) -> bool | None:
    """Write the check-in if the row is unchanged: False arrival, True re-entry, None changed."""
    if attendee["event_id"] != event.id:
        raise _deny(OTHER_EVENT, "This badge belongs to another event.", attendee, desk)
    if attendee["status"] == "cancelled":
        raise _deny(CANCELLED, "This registration was cancelled.", attendee, desk)
    if attendee["checked_in_at"] is None:
        done = db.execute(
            """UPDATE attendees SET checked_in_at = ?, checked_in_desk = ?,
            checked_out_at = NULL WHERE id = ? AND checked_in_at IS NULL AND status = ?""",
            [stamp, desk, attendee["id"], attendee["status"]],
        ).rowcount
        return False if done else None
    if attendee.get("checked_out_at") is None:
        raise _deny(ALREADY_CHECKED_IN, "Already checked in.", attendee, desk)
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
    desk: str,
    at: str | None,
    how: str,
    nonce: str | None = None,
) -> Checkin:
    """One write transaction; the conditional UPDATE makes two desks at once give one check-in."""
    stamp = at or kdb.now()
    with kdb.transaction(db, attendees_only=True):
        if nonce and recorded(db, nonce):
            raise _deny(ALREADY_RECORDED, "This scan was recorded before.", attendee, desk)
        again = _record_checkin(db, event, attendee, desk, stamp)
        if again is None:
            # The row changed since it was read: decide again on what is stored now.
            attendee = attendees.get(db, attendee["id"])
            again = _record_checkin(db, event, attendee, desk, stamp)
            assert again is not None  # inside the write lock nothing else can change it
        attendees.log(
            db,
            event.id,
            attendee["id"],
            "checked_in",
            desk=desk,
            detail={"how": how, **({"again": True} if again else {})},
            at=stamp,
            nonce=nonce or None,
        )
    log.debug("checked in: attendee=%s desk=%r", attendee["id"], desk)
    if again:
        updated = {**attendee, "checked_out_at": None}
        return Checkin(updated, attendee["checked_in_at"], desk, True)
    updated = {
        **attendee,
        "checked_in_at": stamp,
        "checked_in_desk": desk,
        "checked_out_at": None,
    }
    return Checkin(updated, stamp, desk, False)


def check_in(
    db: Database,
    event: events.Event,
    attendee_id: int,
    *,
    desk: str = desks.ORGANISER_DESK,
    at: str | None = None,
    how: str = "scan",
    nonce: str | None = None,
) -> Checkin:
    """Check an attendee in, once: a second call (any desk) raises ``already_checked_in``."""
    try:
        attendee = attendees.get(db, attendee_id)
    except attendees.AttendeeError:
        raise _deny(NOT_FOUND, "No such attendee.", None, desk) from None
    return _check_in(db, event, attendee, desk=desk, at=at, how=how, nonce=nonce)


def scan(
    db: Database,
    event: events.Event,
    text: str,
    *,
    desk: str = desks.ORGANISER_DESK,
    at: str | None = None,
    nonce: str | None = None,
    how: str = "scan",
) -> Checkin:
    """Check in whoever's badge code is in ``text`` (bare code, badge URL, QWERTZ-mangled URL).

    ``nonce``: the desk's mark of this scan; the same nonce twice is one check-in."""
    code = attendees.find_code(text)
    attendee = attendees.by_code(db, code) if code else None
    if attendee is None:
        # The code (public, printed on the badge) may be logged; the raw input may be a name.
        log.info("denied unknown_code: code=%s length=%d desk=%r", code, len(text), desk)
        raise CheckinError(UNKNOWN_CODE, "No attendee has this badge code.")
    return _check_in(db, event, attendee, desk=desk, at=at, how=how, nonce=nonce)


def recorded(db: Database, nonce: str) -> bool:
    """True when a log entry carries this scan nonce (one indexed lookup)."""
    row = db.execute("SELECT 1 FROM attendee_log WHERE nonce = ?", [nonce]).fetchone()
    return row is not None


def undo(
    db: Database, event: events.Event, attendee_id: int, *, reason: str, desk: str
) -> dict[str, Any]:
    """Take back a check-in made by mistake; the reason goes into the attendee's log."""
    reason = clean(reason, max_length=MAX_REASON_LENGTH)
    with kdb.transaction(db, attendees_only=True):
        attendee = _attendee_in_event(db, event, attendee_id, desk)
        if not reason:
            raise _deny(REASON_MISSING, "Undoing a check-in needs a reason.", attendee, desk)
        if attendee["checked_in_at"] is None:
            raise _deny(NOT_CHECKED_IN, "Not checked in.", attendee, desk)
        db.execute(
            """UPDATE attendees SET checked_in_at = NULL, checked_in_desk = NULL,
            checked_out_at = NULL WHERE id = ?""",
            [attendee_id],
        )
        attendees.log(
            db,
            event.id,
            attendee_id,
            "checkin_undone",
            desk=desk,
            detail={"reason": reason, "was": attendee["checked_in_at"]},
        )
    return attendees.get(db, attendee_id)


def check_out(db: Database, event: events.Event, attendee_id: int, *, desk: str) -> dict[str, Any]:
    """Record that an attendee left; they still count as arrived, and may come back."""
    with kdb.transaction(db, attendees_only=True):
        attendee = _attendee_in_event(db, event, attendee_id, desk)
        if attendee["checked_in_at"] is None:
            raise _deny(NOT_CHECKED_IN, "Not checked in.", attendee, desk)
        if attendee.get("checked_out_at"):
            raise _deny(ALREADY_CHECKED_OUT, "Already checked out.", attendee, desk)
        db.execute("UPDATE attendees SET checked_out_at = ? WHERE id = ?", [kdb.now(), attendee_id])
        attendees.log(db, event.id, attendee_id, "checked_out", desk=desk)
    return attendees.get(db, attendee_id)


def walk_in(
    db: Database,
    event: events.Event,
    data: AttendeeData,
    *,
    desk: str,
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
            raise _deny(ALREADY_REGISTERED, "Already registered.", duplicate, desk)
        attendee = attendees.create(db, event, data, how="walk-in", desk=desk)
        return check_in(db, event, attendee["id"], desk=desk, how="walk-in")


#: The consents a desk asks for with one tap each (the mail consent is the own page's).
DESK_CONSENTS = ("matchmaking", "share_contact")


def set_consent_at_desk(
    db: Database,
    event: events.Event,
    attendee_id: int,
    given: bool,
    *,
    desk: str,
    purpose: str = "matchmaking",
) -> dict[str, Any]:
    """Record a consent the attendee gave or refused at the desk: being suggested to others,
    or sharing contact details with the people they swap with."""
    if purpose not in DESK_CONSENTS:
        raise CheckinError(NOT_FOUND, f"The desk does not ask for this consent: {purpose}")
    _attendee_in_event(db, event, attendee_id, desk)
    return attendees.set_consent(db, attendee_id, purpose, given, how="desk", desk=desk)


def describe(exc: CheckinError) -> str:
    """A one-line English explanation of a refusal, for the command line."""
    a = exc.attendee or {}
    if exc.code == ALREADY_CHECKED_IN:
        at = kdb.local_time(a["checked_in_at"], "%H:%M")
        return f"Already checked in: {a['name']}, at {at} at desk '{a['checked_in_desk']}'."
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
    db: Database, event: events.Event, attendee_id: int, *, public_url: str, desk: str
) -> None:
    """Print one attendee's badge on the desk printer now (the print is recorded)."""
    from kiosk import badges

    try:
        badges.single_badge_pdf(
            db,
            event,
            attendee_id,
            public_url=public_url,
            how=f"desk {desk}",
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
    desk: str,
) -> bool:
    """Print the badge of whom a check-in let in: a walk-in's always, an arrival's when the
    event prints on arrival and the badge is not printed yet. True when printing started."""
    wanted = walk_in or (
        event.settings.get("print_on_arrival") and not badge_printed(done.attendee)
    )
    return bool(wanted) and print_in_background(
        db, event, done.attendee["id"], public_url=public_url, desk=desk
    )


def print_in_background(
    db: Database, event: events.Event, attendee_id: int, *, public_url: str, desk: str
) -> bool:
    """Start printing a badge without holding up the desk; False when no printer is set."""
    if not desk_printer(db):
        return False
    database = db.conn.execute("PRAGMA database_list").fetchone()[2]

    def job() -> None:
        conn = kdb.connect(database)
        try:
            print_badge(conn, event, attendee_id, public_url=public_url, desk=desk)
        except CheckinError:
            pass  # logged by print_badge; the desk still shows "not printed yet"
        except Exception:
            log.exception("badge print crashed: attendee=%s", attendee_id)
        finally:
            conn.close()

    threading.Thread(target=job, name=f"print-{attendee_id}", daemon=True).start()
    return True


def may_show_private_link(
    attendee: dict[str, Any], *, desk: str, now: datetime | None = None
) -> bool:
    """True when ``desk`` checked this person in itself within the last few minutes: only then
    may it show their private link (a desk must not read anyone's link at any time)."""
    stamp = attendee.get("checked_in_at")
    if not stamp or attendee.get("checked_in_desk") != desk or attendee.get("checked_out_at"):
        return False
    since = (now or datetime.now(UTC)) - timedelta(minutes=PRIVATE_QR_MINUTES)
    return datetime.fromisoformat(stamp) >= since


def badge_printed(attendee: dict[str, Any]) -> bool:
    """True when the attendee's badge was printed at least once."""
    return bool(attendee.get("badge_printed_at"))
