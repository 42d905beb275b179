"""The event as a calendar entry (iCalendar, RFC 5545) for the invitation mail and the
attendee's page: when, where (the place, or the video link for who takes part online)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from kiosk.events import Event

#: Namespace of the entries' UIDs: the same event gives the same UID, so calendars update it.
UID_NAMESPACE = uuid.UUID("0f6b1c1e-5c1d-4b9a-9d2e-6a1f0d3c7e55")
#: An event without an end time lasts this long in the calendar.
DEFAULT_HOURS = 3


def online(event: Event, attendee: dict[str, Any]) -> bool:
    """Whether this person takes part online: everyone at an online event, those marked
    online at a hybrid one."""
    shape = event.settings.get("format") or "on-site"
    return shape == "online" or (shape == "hybrid" and attendee.get("attendance") == "online")


def has_time(event: Event) -> bool:
    """True when the event has a date and a start time (a calendar entry needs both)."""
    return bool(event.date and event.settings.get("start_time"))


def calendar(event: Event, *, online: bool = False, link: str = "", lang: str = "de") -> bytes:
    """The event as an .ics file: one entry in this laptop's time zone; ``link`` (the
    attendee's private page) goes into the description, the video link is the place for
    whoever takes part online."""
    start = datetime.combine(
        date.fromisoformat(event.date), time.fromisoformat(event.settings["start_time"])
    ).astimezone()
    end_time = event.settings.get("end_time")
    end = (
        datetime.combine(start.date(), time.fromisoformat(end_time)).astimezone()
        if end_time
        else start + timedelta(hours=DEFAULT_HOURS)
    )
    entry = CalendarEvent()
    entry.add("uid", f"{uuid.uuid5(UID_NAMESPACE, event.slug)}@kiosk")
    entry.add("summary", event.name)
    # In UTC: a local offset would need a VTIMEZONE that calendars (Outlook) insist on.
    entry.add("dtstart", start.astimezone(UTC))
    entry.add("dtend", end.astimezone(UTC))
    entry.add("dtstamp", datetime.now().astimezone())
    video = event.settings.get("video_url") or ""
    place = event.settings.get("place") or ""
    entry.add("location", video if online and video else place)
    if video and online:
        entry.add("url", video)
    description = _description(event, link=link, online=online, lang=lang)
    if description:
        entry.add("description", description)
    book = Calendar()
    book.add("prodid", "-//kiosk//Netzwerktreffen//DE")
    book.add("version", "2.0")
    book.add("method", "PUBLISH")
    book.add_component(entry)
    return book.to_ical()


def _description(event: Event, *, link: str, online: bool, lang: str) -> str:
    words: dict[str, Any] = {
        "de": ("Netzwerk", "Ihre persönliche Seite", "Videokonferenz"),
        "en": ("Network", "Your personal page", "Video conference"),
    }[lang if lang == "en" else "de"]
    # An event without a network of its own has its slug there: not worth a line.
    lines = [f"{words[0]}: {event.network}"] if event.network != event.slug else []
    if online and event.settings.get("video_url"):
        lines.append(f"{words[2]}: {event.settings['video_url']}")
    if link:
        lines.append(f"{words[1]}: {link}")
    return "\n".join(lines)
