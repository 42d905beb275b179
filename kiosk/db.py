"""The one owner of SQLite: connections, pragmas, the write lock and the migrations."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

#: Seconds a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 5000

# One writer at a time inside this process: SQLite's own busy-wait sleeps and retries in no
# order, which gives the desk waits of seconds under load; a lock queues writers fairly.
_write_lock = threading.Lock()

migrations = Migrations("kiosk")
#: Names migrations had before they were numbered in the order they run; databases made
#: then have them recorded under the old name.
RENAMED_MIGRATIONS = {
    "m020_checkin": "m003_checkin",
    "m030_matching_feedback": "m004_matching_feedback",
    "m031_matching_table_plans": "m005_matching_table_plans",
    "m010_badge_prints": "m006_badge_prints",
    "m021_checkin_counter_index": "m007_checkin_counter_index",
}
_threads = threading.local()

#: Tries to empty the write-ahead log after a purge, and the pause between two.
SCRUB_ATTEMPTS = 20
SCRUB_RETRY_SECONDS = 0.1
#: Seconds ``recent()`` keeps a value that another process (the command line) may change.
RECENT_SECONDS = 1.0
# Bumped after every write transaction of this process that may change what recent() keeps.
_version = 0
# Bumped after every write transaction of this process (check-ins included).
_writes = 0
_version_lock = threading.Lock()
_recent: weakref.WeakKeyDictionary[Database, dict[Any, tuple[int, float, Any]]] = (
    weakref.WeakKeyDictionary()
)


def now() -> str:
    """The current time as an ISO 8601 string in UTC, as every timestamp is stored."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def local_time(stamp: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp as this laptop's clock shows it (people read local time)."""
    return datetime.fromisoformat(stamp).astimezone().strftime(fmt) if stamp else ""


def connect(path: str | Path) -> Database:
    """Open the database at ``path`` with the pragmas every connection needs."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    db = Database(conn, execute_plugins=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a check-in the desk has shown as done survives a killed process and a power cut.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return db


def thread_connection(path: str | Path) -> Database:
    """This thread's connection to ``path``, opened once and reused by its later requests.

    Closing the last connection to a WAL database checkpoints it: a server that opened and
    closed one per request paid ~1 ms for the connection and ~2 ms for that checkpoint on
    every scan. A waitress worker thread keeps one connection instead.
    """
    cached = getattr(_threads, "connection", None)
    if cached is not None and cached[0] == str(path):
        return cached[1]
    if cached is not None:
        cached[1].close()
    database = connect(path)
    _threads.connection = (str(path), database)
    return database


def release(database: Database) -> None:
    """End a request's use of its connection: nothing stays open in a transaction."""
    if database.conn.in_transaction:
        database.conn.rollback()


def init(path: str | Path) -> None:
    """Create the database file if needed and apply pending migrations."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        with _write_lock:
            _rename_applied(db)
            migrations.apply(db)
    finally:
        db.close()


def _rename_applied(db: Database) -> None:
    """Record applied migrations under their current names (see RENAMED_MIGRATIONS)."""
    if not db[migrations.migrations_table].exists():
        return
    with db.conn:
        for old, new in RENAMED_MIGRATIONS.items():
            db.execute(
                f"UPDATE [{migrations.migrations_table}] SET name = ? "
                "WHERE migration_set = ? AND name = ?",
                [new, migrations.name, old],
            )


@contextlib.contextmanager
def transaction(db: Database, *, attendees_only: bool = False) -> Iterator[Database]:
    """One write transaction: in-process writers queue on a lock, then BEGIN IMMEDIATE.

    ``attendees_only``: it writes attendees and their log and nothing ``recent()`` keeps
    (events, settings, desks), so those stay good; check-ins say so, they come by the hundred.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with _write_lock:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        else:
            db.conn.commit()
        finally:
            _changed(settings_too=not attendees_only)


def _changed(*, settings_too: bool) -> None:
    global _version, _writes
    with _version_lock:
        _writes += 1
        if settings_too:
            _version += 1


def write_generation() -> int:
    """A number that changes after every write transaction of this process: what is computed
    from the data (the desks' counters) is good while it stays the same."""
    return _writes


def database_file(db: Database) -> str:
    """The file of a connection's main database (a key for what is kept per database)."""
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def recent(db: Database, key: Any, load: Callable[[], Any]) -> Any:
    """A small value read on every request (the current event, a desk), kept a moment.

    Kept per connection and forgotten by every write transaction of this process, so a change
    made here is seen at once; one made by another process within ``RECENT_SECONDS``. Saves a
    query or two on each of the hundreds of scans a minute that a rush brings.
    """
    version = _version  # before loading: a write during the load makes the value stale
    now = time.monotonic()
    kept = _recent.get(db)
    if kept is None:
        kept = _recent.setdefault(db, {})
    hit = kept.get(key)
    if hit is not None and hit[0] == version and now - hit[1] < RECENT_SECONDS:
        return hit[2]
    value = load()
    kept[key] = (version, now, value)
    return value


def scrub(db: Database) -> None:
    """Rewrite the database file without free pages and empty its write-ahead log, so rows
    deleted before are gone from both, not only unlinked inside them (after a purge)."""
    with _write_lock:
        db.conn.execute("PRAGMA secure_delete = ON")
        db.conn.execute("VACUUM")
        for _attempt in range(SCRUB_ATTEMPTS):
            busy, _, _ = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(SCRUB_RETRY_SECONDS)  # another connection is reading; it ends soon
    raise sqlite3.OperationalError("the database log could not be emptied: still in use")


def rows(db: Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts."""
    return [dict(r) for r in db.conn.execute(sql, params).fetchall()]


def one(db: Database, sql: str, params: Any = ()) -> dict[str, Any] | None:
    """Run a query and return its first row as a dict, or None."""
    row = db.conn.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    """An app-wide setting (not per event), stored as JSON."""
    row = one(db, "SELECT value FROM settings WHERE key = ?", [key])
    return json.loads(row["value"]) if row else default


def set_setting(db: Database, key: str, value: Any) -> None:
    """Store an app-wide setting."""
    with transaction(db):
        db["settings"].upsert({"key": key, "value": json.dumps(value)}, pk="key")


# -- migrations: append new ones at the end, numbered in the order they run, never edit an
# applied one -----------------------------------------------------------------------------------


@migrations()
def m001_core(db: Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["events"].create(
        {
            "id": int,
            "slug": str,
            "name": str,
            "date": str,
            "network": str,
            "settings": str,
            "created_at": str,
        },
        pk="id",
        not_null={"slug", "name", "network", "created_at"},
        defaults={"settings": "{}"},
    )
    db["events"].create_index(["slug"], unique=True)
    db["persons"].create(
        {"id": int, "network": str, "email": str, "name_key": str, "created_at": str},
        pk="id",
        not_null={"network", "created_at"},
    )
    db["persons"].create_index(["network", "email"])
    db["persons"].create_index(["network", "name_key"])
    db["attendees"].create(
        {
            "id": int,
            "event_id": int,
            "person_id": int,
            "code": str,
            "secret": str,
            "first_name": str,
            "last_name": str,
            "email": str,
            "phone": str,
            "organisation": str,
            "organisation_type": str,
            "project": str,
            "role": str,
            "interests": str,
            "offers": str,
            "seeks": str,
            "extra": str,
            "status": str,
            "consent_matchmaking": int,
            "consent_matchmaking_at": str,
            "consent_matchmaking_how": str,
            "consent_share_contact": int,
            "consent_share_contact_at": str,
            "consent_share_contact_how": str,
            "checked_in_at": str,
            "checked_in_station": str,
            "search_key": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("person_id", "persons", "id")],
        not_null={"event_id", "code", "secret", "first_name", "created_at", "status"},
        defaults={
            "last_name": "",
            "email": "",
            "phone": "",
            "organisation": "",
            "organisation_type": "",
            "project": "",
            "role": "",
            "interests": "[]",
            "offers": "[]",
            "seeks": "[]",
            "extra": "{}",
            "status": "registered",
            "search_key": "",
        },
    )
    db["attendees"].create_index(["code"], unique=True)
    db["attendees"].create_index(["secret"], unique=True)
    db["attendees"].create_index(["event_id", "last_name"])
    db["attendees"].create_index(["event_id", "checked_in_at"])
    db["attendees"].create_index(["person_id"])
    db["attendee_log"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "at": str,
            "action": str,
            "station": str,
            "detail": str,
        },
        pk="id",
        not_null={"event_id", "at", "action"},
        defaults={"detail": "{}", "station": ""},
    )
    db["attendee_log"].create_index(["event_id", "at"])
    db["attendee_log"].create_index(["attendee_id"])
    # The log is append-only: the database itself refuses changes to past entries.
    db.execute(
        """CREATE TRIGGER attendee_log_no_update BEFORE UPDATE ON attendee_log
        BEGIN SELECT RAISE(ABORT, 'attendee_log is append-only'); END"""
    )


@migrations()
def m002_contacts(db: Database) -> None:
    # One row per direction: each side owns their copy of a contact and their private note.
    db["contacts"].create(
        {
            "id": int,
            "event_id": int,
            "owner_id": int,
            "other_id": int,
            "created_at": str,
            "how": str,
            "station": str,
            "note": str,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("owner_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
        ],
        not_null={"event_id", "owner_id", "other_id", "created_at"},
        defaults={"note": "", "how": "", "station": ""},
    )
    db["contacts"].create_index(["owner_id", "other_id"], unique=True)
    db["contacts"].create_index(["other_id"])


@migrations()
def m003_checkin(db: Database) -> None:
    # Check-out keeps checked_in_at (they came); re-entry clears checked_out_at.
    db["attendees"].add_column("checked_out_at", str)
    # Named check-in desks; a one-time link (only its hash) turns another device into one.
    db["stations"].create(
        {
            "id": int,
            "name": str,
            "mode": str,
            "created_at": str,
            "link_digest": str,
            "link_expires_at": str,
        },
        pk="id",
        not_null={"name", "mode", "created_at"},
        defaults={"mode": "desk"},
    )
    db["stations"].create_index(["name"], unique=True)
    db["stations"].create_index(["link_digest"])
    # A per-event version that changes whenever what name search looks in changes, also from
    # other processes (an import while serving): the in-memory search index checks it.
    db["search_versions"].create({"event_id": int, "version": int}, pk="event_id")
    bump = """INSERT INTO search_versions (event_id, version)
        VALUES ({ev}, abs(random()) % 1000000000)
        ON CONFLICT (event_id) DO UPDATE SET version = version + 1"""
    db.execute(
        f"""CREATE TRIGGER search_version_insert AFTER INSERT ON attendees
        BEGIN {bump.format(ev="NEW.event_id")}; END"""
    )
    db.execute(
        f"""CREATE TRIGGER search_version_update
        AFTER UPDATE OF search_key, status, event_id ON attendees
        BEGIN {bump.format(ev="NEW.event_id")}; {bump.format(ev="OLD.event_id")}; END"""
    )
    db.execute(
        f"""CREATE TRIGGER search_version_delete AFTER DELETE ON attendees
        BEGIN {bump.format(ev="OLD.event_id")}; END"""
    )


@migrations()
def m004_matching_feedback(db: Database) -> None:
    # An attendee's verdict on one suggestion ("met" / "not_a_fit"); the latest per pair counts.
    db["suggestion_feedback"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "other_id": int,
            "verdict": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("attendee_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
        ],
        not_null={"event_id", "attendee_id", "other_id", "verdict", "created_at"},
    )
    db["suggestion_feedback"].create_index(["attendee_id", "other_id"], unique=True)
    db["suggestion_feedback"].create_index(["event_id"])
    db["suggestion_feedback"].create_index(["other_id"])


@migrations()
def m005_matching_table_plans(db: Database) -> None:
    # Seatings for networking rounds, as JSON (attendee ids per table per round).
    db["table_plans"].create(
        {"id": int, "event_id": int, "created_at": str, "plan": str},
        pk="id",
        foreign_keys=[("event_id", "events", "id")],
        not_null={"event_id", "created_at", "plan"},
    )
    db["table_plans"].create_index(["event_id"])


@migrations()
def m006_badge_prints(db: Database) -> None:
    # When and how often each badge was printed; one log row per print (reprints are deliberate).
    db["attendees"].add_column("badge_printed_at", str)
    db["attendees"].add_column("badge_print_count", int, not_null_default=0)
    db["badge_prints"].create(
        {"id": int, "attendee_id": int, "at": str, "how": str, "layout": str},
        pk="id",
        foreign_keys=[("attendee_id", "attendees", "id")],
        not_null={"attendee_id", "at"},
        defaults={"how": "", "layout": ""},
    )
    db["badge_prints"].create_index(["attendee_id"])


@migrations()
def m007_checkin_counter_index(db: Database) -> None:
    # The desks poll arrived/registered every 2 s: a covering index keeps that off the table rows.
    db["attendees"].create_index(
        ["event_id", "status", "checked_in_at", "checked_out_at"],
        index_name="idx_attendees_checkin_counts",
    )


@migrations()
def m008_audit(db: Database) -> None:
    # What left kiosk or was deleted: who (a role), what, when, how many rows; nothing personal.
    db["audit"].create(
        {
            "id": int,
            "event_id": int,
            "at": str,
            "who": str,
            "action": str,
            "what": str,
            "rows": int,
            "detail": str,
        },
        pk="id",
        not_null={"at", "who", "action", "what"},
        defaults={"rows": 0, "detail": "{}"},
    )
    db["audit"].create_index(["event_id", "at"])


@migrations()
def m009_desks(db: Database) -> None:
    # One word for a check-in point: "desk", in tables and columns as in the code and the UI.
    db.execute("ALTER TABLE stations RENAME TO desks")
    db.execute("ALTER TABLE attendees RENAME COLUMN checked_in_station TO checked_in_desk")
    db.execute("ALTER TABLE attendee_log RENAME COLUMN station TO desk")
    db.execute("ALTER TABLE contacts RENAME COLUMN station TO desk")


@migrations()
def m010_suggestions_shown(db: Database) -> None:
    # Whom each attendee was shown as a suggestion, first when: the report counts suggestions
    # acted on (a contact made with someone suggested before they met).
    db["suggestions_shown"].create(
        {"attendee_id": int, "other_id": int, "event_id": int, "first_at": str},
        pk=("attendee_id", "other_id"),
        foreign_keys=[
            ("attendee_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
            ("event_id", "events", "id"),
        ],
        not_null={"event_id", "first_at"},
    )
    db["suggestions_shown"].create_index(["event_id"])
    db["suggestions_shown"].create_index(["other_id"])


@migrations()
def m011_report_figures(db: Database) -> None:
    # The report's anonymous figures of an event, kept when its personal data is purged.
    db["report_figures"].create(
        {"event_id": int, "stored_at": str, "figures": str},
        pk="event_id",
        foreign_keys=[("event_id", "events", "id")],
        not_null={"stored_at", "figures"},
    )


@migrations()
def m012_mail(db: Database) -> None:
    # One row per mail and person: a send-out that is restarted never sends it twice.
    # state: sending (handed to the server, answer not recorded yet), sent, failed.
    db["mail_log"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "kind": str,
            "address": str,
            "state": str,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("attendee_id", "attendees", "id")],
        not_null={"event_id", "kind", "state", "created_at", "updated_at"},
        defaults={"address": "", "error": ""},
    )
    db["mail_log"].create_index(["event_id", "attendee_id", "kind"], unique=True)
    db["mail_log"].create_index(["attendee_id"])


@migrations()
def m013_contacts_of_erased_people(db: Database) -> None:
    # A contact whose other person was erased on request stays on its owner's list (with the
    # owner's note) as "gelöschter Kontakt": other_id becomes NULL.
    db["contacts"].transform(not_null={"other_id": False})


@migrations()
def m014_consent_mail(db: Database) -> None:
    # A third purpose: mails from kiosk about this event (the contact summary afterwards).
    db["attendees"].add_column("consent_mail", int)
    db["attendees"].add_column("consent_mail_at", str)
    db["attendees"].add_column("consent_mail_how", str)
