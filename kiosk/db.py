"""The one owner of SQLite: connections, pragmas, the write lock, and applying the migrations
(kept in kiosk/migrations.py, the schema's history)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

#: Rights of a data folder and a database this module makes (see kiosk.datafolder).
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: Seconds a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 5000

# One writer at a time inside this process: SQLite's own busy-wait sleeps and retries in no
# order, which gives the desk waits of seconds under load; a lock queues writers fairly.
_write_lock = threading.Lock()

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


#: SQLite's result code for "database or disk is full" (the low byte of extended codes).
SQLITE_FULL = 13


def disk_full(exc: BaseException) -> bool:
    """True when SQLite refused a write because the disk (or the database's limit) is full:
    the transaction was rolled back, everything committed before is still there."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == SQLITE_FULL) or "is full" in str(exc)


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
    """Create the database file if needed (0600, in a 0700 folder) and apply pending
    migrations."""
    folder = Path(path).parent
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_FOLDER_MODE)
            folder.chmod(PRIVATE_FOLDER_MODE)
    # Made 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same rights).
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    db = connect(path)
    from kiosk.migrations import migrations

    try:
        with _write_lock:
            _rename_applied(db, migrations)
            migrations.apply(db)
    finally:
        db.close()


def _rename_applied(db: Database, migrations: Any) -> None:
    """Record applied migrations under their current names (see RENAMED_MIGRATIONS)."""
    from kiosk.migrations import RENAMED_MIGRATIONS

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
