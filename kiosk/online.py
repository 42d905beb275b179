"""Taking part online: the event's time window, "Ich bin dabei" (a check-in at the desk
"online" through the same check-in service and log as the desks), and arrivals counted on
site and online apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, checkin, ics
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event

#: The desk name an online check-in is recorded at.
ONLINE_DESK = "online"
#: "Ich bin dabei" appears this long before the start (people join a video call early).
OPENS_MINUTES_BEFORE = 15
#: An event without an end time is open this long after its start (as in its calendar entry).
DEFAULT_HOURS = ics.DEFAULT_HOURS


class OnlineError(KioskError):
    """An online check-in was refused; ``code`` says why (not_online, closed, cancelled)."""


@dataclass(frozen=True)
class Window:
    """When online attendees can say they are there (this laptop's time zone)."""

    opens: datetime
    starts: datetime
    ends: datetime

    def open_at(self, now: datetime) -> bool:
        return self.opens <= now < self.ends


def window(event: Event) -> Window | None:
    """The event's time window: from its start to its end; its whole day without a start
    time; None without a date."""
    if not event.date:
        return None
    day = date.fromisoformat(event.date)
    if not event.settings.get("start_time"):
        midnight = datetime.combine(day, time()).astimezone()
        return Window(midnight, midnight, midnight + timedelta(days=1))
    starts = datetime.combine(day, time.fromisoformat(event.settings["start_time"])).astimezone()
    end_time = event.settings.get("end_time")
    ends = (
        datetime.combine(day, time.fromisoformat(end_time)).astimezone()
        if end_time
        else starts + timedelta(hours=DEFAULT_HOURS)
    )
    return Window(starts - timedelta(minutes=OPENS_MINUTES_BEFORE), starts, ends)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now()).astimezone()


def own_page_state(event: Event, attendee: dict[str, Any], now: datetime | None = None) -> str:
    """What the attendee's own page offers about taking part online: "" (on site), "early"
    (online, before the window), "open" ("Ich bin dabei"), "in" (checked in), "over", or
    "unplanned" (the event has no date yet)."""
    if not ics.online(event, attendee) or attendee.get("status") == "cancelled":
        return ""
    if attendee.get("checked_in_at") and not attendee.get("checked_out_at"):
        return "in"
    span = window(event)
    if span is None:
        return "unplanned"
    moment = _now(now)
    if moment >= span.ends:
        return "over"
    return "open" if span.open_at(moment) else "early"


def check_in(
    db: Database, event: Event, attendee_id: int, now: datetime | None = None
) -> checkin.Checkin | None:
    """ "Ich bin dabei": check an online attendee in at the desk "online" while the window is
    open; None when they are checked in already (a second tap changes nothing)."""
    attendee = attendees.in_event(db, event.id, attendee_id)
    if not ics.online(event, attendee):
        raise OnlineError("not_online", "This attendee takes part on site.")
    if attendee.get("status") == "cancelled":
        raise OnlineError("cancelled", "This registration was cancelled.")
    span = window(event)
    if span is None or not span.open_at(_now(now)):
        raise OnlineError("closed", "Online check-in is open during the event only.")
    try:
        return checkin.check_in(db, event, attendee_id, desk=ONLINE_DESK, how="online")
    except checkin.CheckinError as exc:
        if exc.code == checkin.ALREADY_CHECKED_IN:
            return None
        raise OnlineError(exc.code, str(exc)) from exc


def arrivals(db: Database, event: Event) -> dict[str, int]:
    """Arrived on site and online, and how many are registered for each, for the dashboard."""
    row = kdb.one(
        db,
        """SELECT count(*) AS registered,
        sum(attendance = 'online') AS registered_online,
        sum(checked_in_at IS NOT NULL AND checked_in_desk = ?) AS online,
        sum(checked_in_at IS NOT NULL AND coalesce(checked_in_desk, '') != ?) AS on_site
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [ONLINE_DESK, ONLINE_DESK, event.id],
    )
    assert row is not None
    registered = row["registered"] or 0
    shape = event.settings.get("format") or "on-site"
    registered_online = {"online": registered, "hybrid": row["registered_online"] or 0}.get(
        shape, 0
    )
    return {
        "on_site": row["on_site"] or 0,
        "online": row["online"] or 0,
        "registered_on_site": registered - registered_online,
        "registered_online": registered_online,
    }
