"""Deletion after the event: each event's retention deadline, purging an event's personal data,
erasing one person on request (Art. 17 GDPR), and scrubbing the database file and the data
folder so that nothing deleted can still be read from them.

What a purge keeps: the event itself (name, date, network, settings) and the report's
anonymous figures, stored just before; the audit. What it deletes: attendees, persons no other
event of the network still needs, contacts and their notes, the attendee log (check-ins,
consents, undo reasons), feedback, suggestions shown, table plans, the mail send log, import
logs, and the files made from them (badge PDFs of the event, waiting uploads, the backups, which
are replaced by a fresh one). Afterwards the database is vacuumed with ``secure_delete`` on
and its write-ahead log truncated, so no page of the file or the log still holds a deleted
byte.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, audit, backups, events
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event

log = logging.getLogger("kiosk.retention")

#: Files in the data folder that may hold people of an event (relative glob patterns).
BADGE_FILES = "badges/badges-{slug}-*.pdf"
UPLOADS = "uploads"
#: Tables whose rows belong to an event's people, deleted by a purge (in this order).
EVENT_TABLES = (
    "contact_requests",
    "suggestions_shown",
    "suggestion_feedback",
    "table_plans",
    "mail_log",
    "contacts",
    "attendee_log",
)


class RetentionError(KioskError):
    """A deletion was refused; ``code`` says why."""


@dataclass
class Purged:
    """What a purge deleted: rows per table and files."""

    event: Event
    rows: dict[str, int]
    files: int

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# -- the deadline ----------------------------------------------------------------------------------


def deadline(event: Event) -> date:
    """The day after which the event's personal data must be gone: its date (else the day it
    was created) plus the retention days."""
    start = (
        date.fromisoformat(event.date)
        if event.date
        else datetime.fromisoformat(event.created_at).date()
    )
    return start + timedelta(days=int(event.settings.get("retention_days") or 30))


def is_purged(event: Event) -> bool:
    """True once the event's personal data has been deleted."""
    return bool(event.settings.get("purged_at"))


def expired(db: Database, today: date | None = None) -> list[Event]:
    """Events past their deadline whose personal data is still there, oldest deadline first."""
    today = today or datetime.now(UTC).astimezone().date()
    found = [e for e in events.all_events(db) if not is_purged(e) and deadline(e) < today]
    return sorted(found, key=deadline)


# -- purging an event ------------------------------------------------------------------------------


def purge(db: Database, event: Event, *, who: str) -> Purged:
    """Delete the event's personal data (see the module's docstring), keeping the report's
    anonymous figures; then scrub the database file and its log."""
    from kiosk import report  # the report reads what is about to be deleted

    data_dir = Path(kdb.database_file(db)).parent
    report.store(db, event)
    rows: dict[str, int] = {}
    with kdb.transaction(db):
        people = "SELECT id FROM attendees WHERE event_id = ?"
        rows["badge_prints"] = db.execute(
            f"DELETE FROM badge_prints WHERE attendee_id IN ({people})", [event.id]
        ).rowcount
        for table in EVENT_TABLES:
            rows[table] = db.execute(
                f"DELETE FROM [{table}] WHERE event_id = ?", [event.id]
            ).rowcount
        rows["attendees"] = db.execute(
            "DELETE FROM attendees WHERE event_id = ?", [event.id]
        ).rowcount
        rows["persons"] = db.execute(
            "DELETE FROM persons WHERE network = ? AND id NOT IN "
            "(SELECT person_id FROM attendees WHERE person_id IS NOT NULL)",
            [event.network],
        ).rowcount
        events.update_settings(db, event.id, {"purged_at": kdb.now()})
        audit.record(db, event.id, "purge", "event", who=who, rows=sum(rows.values()))
    files = _remove_files(data_dir, event)
    attendees.namesearch.forget(db, event.id)
    kdb.scrub(db)
    files += _renew_backups(db)
    log.info("purged event %s: %d rows, %d files", event.id, sum(rows.values()), files)
    return Purged(events.get(db, event.id), rows, files)


def purge_expired(db: Database, *, who: str, today: date | None = None) -> list[Purged]:
    """Purge every event past its retention deadline (for a scheduled job)."""
    return [purge(db, event, who=who) for event in expired(db, today)]


def _renew_backups(db: Database) -> int:
    """Every backup holds what was just deleted: they go, and one without it is made."""
    database = Path(kdb.database_file(db))
    deleted = backups.delete_all(database.parent)
    try:
        backups.make(database)
    except backups.BackupError as exc:
        log.error("no backup after the deletion: %s", exc)
    return deleted


def _remove_files(data_dir: Path, event: Event) -> int:
    """Delete the files made from the event's people: its badge PDFs and waiting uploads."""
    removed = 0
    paths = list(data_dir.glob(BADGE_FILES.format(slug=event.slug)))
    uploads = data_dir / UPLOADS
    if uploads.is_dir():
        paths += [p for p in uploads.iterdir() if p.is_file()]
    for path in paths:
        _overwrite(path)
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _overwrite(path: Path) -> None:
    """Overwrite a file with zeros before it is deleted (its blocks may be reused unwiped)."""
    try:
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(b"\0" * size)
            f.flush()
    except OSError:
        pass  # deleting it is what matters; a read-only copy is reported by the unlink


# -- erasing one person ----------------------------------------------------------------------------


def erase(db: Database, event: Event, attendee_id: int, *, who: str) -> dict[str, Any]:
    """Erase one attendee on request: their record, contacts, notes, log and mails go; the
    contacts others made with them stay on the others' lists as "deleted contact" (with the
    others' own notes). Returns what was erased (counts, nothing personal)."""
    attendee = attendees.in_event(db, event.id, attendee_id)
    with kdb.transaction(db):
        kept = db.execute(
            "UPDATE contacts SET other_id = NULL WHERE other_id = ?", [attendee_id]
        ).rowcount
        own = db.execute("DELETE FROM contacts WHERE owner_id = ?", [attendee_id]).rowcount
        db.execute("DELETE FROM contact_requests WHERE ? IN (from_id, to_id)", [attendee_id])
        logged = db.execute(
            "DELETE FROM attendee_log WHERE attendee_id = ?", [attendee_id]
        ).rowcount
        attendees.delete(db, attendee_id)
        db.execute(
            "DELETE FROM persons WHERE id = ? AND id NOT IN "
            "(SELECT person_id FROM attendees WHERE person_id IS NOT NULL)",
            [attendee["person_id"]],
        )
        audit.record(db, event.id, "erasure", "attendee", who=who, rows=1 + own + logged)
    attendees.namesearch.forget(db, event.id)
    kdb.scrub(db)
    _renew_backups(db)
    return {"contacts_of_others_kept": kept, "own_contacts": own, "log_entries": logged}
