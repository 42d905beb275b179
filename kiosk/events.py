"""Events: create, list, choose the current one, and their settings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.text import clean, fold

#: Settings every event has, with their defaults; stored as JSON on the event row.
DEFAULT_SETTINGS: dict[str, Any] = {
    "print_on_arrival": False,
    "privacy_notice": "",
    "privacy_notice_en": "",  # the organiser's English text ("" = the English default)
    # Who is responsible for the data (the privacy notice names them): kiosk.privacy.
    "controller_name": "",
    "controller_address": "",
    "controller_email": "",
    "synonyms": {},
    "matching_rule": "auto",  # who meets whom: auto, all (everyone), roles (visitors-exhibitors)
    "address_form": "auto",  # how attendee-facing texts address people: auto, du, Sie
    "contact_save_limit": 30,  # contacts one attendee may save by phone per hour
    "type_colours": {},  # overrides of kiosk.badges.DEFAULT_TYPE_COLOURS: {type: "#rrggbb"}
    "badge_logo": "",  # file name of the uploaded logo in the data folder's badges/
    "retention_days": 30,
    "place": "",  # where the event takes place (the attendance list names it)
    "purged_at": "",  # when the event's personal data was deleted (kiosk.retention)
    # Desks (kiosk.desks): how long a scan waits for the laptop before the desk keeps it, and
    # whether desks keep names, organisations and badge codes for when the laptop is away.
    "desk_timeout_seconds": 3,
    "desk_offline_list": False,
    # When and how people take part: the invitation's calendar entry and the online link.
    "format": "on-site",  # on-site, online, hybrid
    "start_time": "",  # HH:MM on the event's date, this laptop's time zone
    "end_time": "",
    "video_url": "",  # Zoom, BigBlueButton, Jitsi, Teams: shown to online attendees only
    # Mail after the event (kiosk.mail.settings): the SMTP server, the sender, the pace.
    "mail_host": "",
    "mail_port": 587,
    "mail_security": "starttls",  # none, starttls, tls
    "mail_user": "",
    "mail_password": "",  # encrypted with the installation's secret, never the password
    "mail_sender": "",
    "mail_sender_name": "",
    "mail_rate": 5.0,  # mails per second at most
    "mail_lang": "de",
}


#: Longest time an event's personal data may be kept after the event, in days.
MAX_RETENTION_DAYS = 365


class EventError(KioskError):
    """An event could not be found, created or changed; ``code`` says why."""


@dataclass(frozen=True)
class Event:
    id: int
    slug: str
    name: str
    date: str
    network: str
    settings: dict[str, Any]
    created_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Event:
        settings = {**DEFAULT_SETTINGS, **json.loads(row.get("settings") or "{}")}
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            date=row.get("date") or "",
            network=row["network"],
            settings=settings,
            created_at=row["created_at"],
        )


def slugify(name: str) -> str:
    """A URL-safe slug from an event name: 'Netzwerktreffen Kassel' -> 'netzwerktreffen-kassel'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:60] or "event"


def create(db: Database, name: str, *, event_date: str = "", network: str = "") -> Event:
    """Create an event with a unique slug; it becomes the current event."""
    name = clean(name, max_length=200)
    if not name:
        raise EventError("name_missing", "An event needs a name.")
    event_date = _valid_date(event_date)
    base = slugify(name)
    with kdb.transaction(db):
        taken = {r["slug"] for r in kdb.rows(db, "SELECT slug FROM events")}
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        event_id = (
            db["events"]
            .insert(
                {
                    "slug": slug,
                    "name": name,
                    "date": event_date,
                    "network": clean(network, max_length=200) or slug,
                    "settings": "{}",
                    "created_at": kdb.now(),
                }
            )
            .last_pk
        )
        db["settings"].upsert({"key": "current_event", "value": json.dumps(event_id)}, pk="key")
    return get(db, event_id)


def get(db: Database, event_id: int) -> Event:
    """The event with this id."""
    row = kdb.one(db, "SELECT * FROM events WHERE id = ?", [event_id])
    if row is None:
        raise EventError("not_found", f"No event with id {event_id}.")
    return Event.from_row(row)


def by_slug(db: Database, slug: str) -> Event:
    """The event with this slug."""
    row = kdb.one(db, "SELECT * FROM events WHERE slug = ?", [slug])
    if row is None:
        raise EventError("not_found", f"No event '{slug}'. See: kiosk event list")
    return Event.from_row(row)


def all_events(db: Database) -> list[Event]:
    """Every event, newest first."""
    return [Event.from_row(r) for r in kdb.rows(db, "SELECT * FROM events ORDER BY id DESC")]


def current(db: Database, slug: str | None = None) -> Event:
    """The event a command works on: ``slug`` if given, else the only one, else the chosen one."""
    if slug:
        return by_slug(db, slug)
    # The chosen one if it still exists, else the newest; asked on every request.
    row = kdb.recent(
        db,
        "current_event",
        lambda: kdb.one(
            db,
            """SELECT * FROM events ORDER BY id = (SELECT CAST(value AS INTEGER) FROM settings
            WHERE key = 'current_event') DESC, id DESC LIMIT 1""",
        ),
    )
    if row is None:
        raise EventError("no_event", "There is no event yet. Create one: kiosk event create NAME")
    return Event.from_row(row)


def choose(db: Database, event_id: int) -> Event:
    """Make an event the current one."""
    event = get(db, event_id)
    kdb.set_setting(db, "current_event", event.id)
    return event


def update_settings(db: Database, event_id: int, changes: dict[str, Any]) -> Event:
    """Change some of an event's settings; unknown keys are refused."""
    unknown = set(changes) - set(DEFAULT_SETTINGS)
    if unknown:
        raise EventError("unknown_setting", f"Unknown setting: {', '.join(sorted(unknown))}")
    days = changes.get("retention_days", 1)
    if not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise EventError("bad_retention", f"Retention: 1 to {MAX_RETENTION_DAYS} days.")
    changes = {**changes, **_checked_shape(changes), **_checked_people_settings(changes)}
    with kdb.transaction(db):
        event = get(db, event_id)
        merged = {**event.settings, **changes}
        db["events"].update(event_id, {"settings": json.dumps(merged)})
    return get(db, event_id)


#: Who meets whom (kiosk.matching.rules): inferred, everyone with everyone, or by role.
MATCHING_RULES = ("auto", "all", "roles")
#: How attendee-facing texts address people.
ADDRESS_FORMS = ("auto", "du", "Sie")
#: The organiser may allow at most this many contacts saved by phone per attendee and hour.
MAX_CONTACT_SAVE_LIMIT = 1000
#: Roles of young visitors (lower case as SQLite folds ASCII): a fair with them says "du".
_YOUNG_ROLES = (
    "besucher",
    "besucherin",
    "schüler",
    "schülerin",
    "schueler",
    "schuelerin",
    "pupil",
    "jugendliche",
    "jugendlicher",
)


def _checked_people_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """The matching rule, address form and save limit of a settings change, checked."""
    if changes.get("matching_rule", "auto") not in MATCHING_RULES:
        raise EventError("bad_matching_rule", "Matching rule: auto, all or roles.")
    if changes.get("address_form", "auto") not in ADDRESS_FORMS:
        raise EventError("bad_address_form", "Address form: auto, du or Sie.")
    limit = changes.get("contact_save_limit", 1)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_CONTACT_SAVE_LIMIT:
        raise EventError("bad_save_limit", f"Saves per hour: 1 to {MAX_CONTACT_SAVE_LIMIT}.")
    return {}


def address_form(db: Database, event: Event) -> str:
    """ "du" or "Sie" for attendee-facing texts: the event's setting, else "du" when most
    attendees are pupils or young visitors (a training fair), else "Sie"."""
    chosen = event.settings.get("address_form", "auto")
    if chosen in ("du", "Sie"):
        return chosen
    # Read on every scan: kept a moment like the current event (kdb.recent).
    return kdb.recent(db, ("address_form", event.id), lambda: inferred_address_form(db, event))


def inferred_address_form(db: Database, event: Event) -> str:
    """What "auto" means for this event now: "du" when most attendees are young visitors."""
    marks = ", ".join("?" for _ in _YOUNG_ROLES)
    row = kdb.one(
        db,
        f"SELECT count(*) AS n, total(lower(trim(role)) IN ({marks})) AS young "
        "FROM attendees WHERE event_id = ? AND status != 'cancelled'",
        [*_YOUNG_ROLES, event.id],
    )
    return "du" if row and row["n"] and row["young"] * 2 > row["n"] else "Sie"


def rename(db: Database, event_id: int, name: str, event_date: str = "") -> Event:
    """Change an event's name and date."""
    name = clean(name, max_length=200)
    if not name:
        raise EventError("name_missing", "An event needs a name.")
    event_date = _valid_date(event_date)
    with kdb.transaction(db):
        get(db, event_id)
        db["events"].update(event_id, {"name": name, "date": event_date})
    return get(db, event_id)


def edit(
    db: Database,
    event_id: int,
    *,
    name: str,
    event_date: str,
    retention_days: int | None,
    **settings: str,
) -> Event:
    """The organiser's event form: name, date, retention and the other settings it shows
    (format, times, place, video link), all of it or nothing."""
    with kdb.transaction(db):
        update_settings(db, event_id, {"retention_days": retention_days, **settings})
        return rename(db, event_id, name, event_date)


#: How people take part in an event.
FORMATS = ("on-site", "online", "hybrid")
_TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _checked_shape(changes: dict[str, Any]) -> dict[str, Any]:
    """The format, times, video link and controller of a settings change, checked and
    cleaned."""
    out: dict[str, Any] = {}
    if "format" in changes:
        if changes["format"] not in FORMATS:
            raise EventError("bad_format", f"Format: {', '.join(FORMATS)}.")
        out["format"] = changes["format"]
    for key in ("start_time", "end_time"):
        if key in changes:
            value = clean(changes[key] or "", max_length=5)
            if value and not _TIME.match(value):
                raise EventError("bad_time", f"Not a time (HH:MM): {value}")
            out[key] = value.zfill(5) if value else ""
    if out.get("start_time") and out.get("end_time") and out["end_time"] <= out["start_time"]:
        raise EventError("bad_time", "The end must come after the start.")
    if "video_url" in changes:
        url = clean(changes["video_url"] or "", max_length=500)
        if url and not url.startswith("https://"):
            raise EventError("bad_video_url", "The video link must start with https://.")
        out["video_url"] = url
    if "place" in changes:
        out["place"] = clean(changes["place"] or "", max_length=200)
    for key in ("controller_name", "controller_address", "controller_email"):
        if key in changes:
            lines = str(changes[key] or "").replace("\r", "").split("\n")
            value = "\n".join(clean(line, max_length=200) for line in lines if line.strip())
            if key == "controller_email" and value and not _EMAIL.match(value):
                raise EventError("bad_controller_email", f"Not an e-mail address: {value}")
            out[key] = value
    return out


def create_with(
    db: Database, name: str, *, event_date: str = "", network: str = "", **settings: Any
) -> Event:
    """Create an event with some settings at once (the command line's ``--format``)."""
    with kdb.transaction(db):
        event = create(db, name, event_date=event_date, network=network)
        return update_settings(db, event.id, settings) if settings else event


def _valid_date(value: str) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise EventError("bad_date", f"Not a date (YYYY-MM-DD): {value}") from exc
