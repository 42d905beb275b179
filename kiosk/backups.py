"""Backups of the database in the data folder: made with SQLite's online backup API (a
consistent copy while desks keep writing), checked, kept for the retention period, deleted
with a purge, and restored after a check.

Kept: the newest ``KEEP_RECENT`` backups and the newest of each earlier day, none older than
the longest retention period of the events in the data folder. A purge deletes every backup
(they hold the purged people) and makes a fresh one without them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk import db as kdb
from kiosk.errors import KioskError

log = logging.getLogger("kiosk.backups")

#: Folder inside the data folder.
BACKUP_DIR = "backups"
#: Minutes between two automatic backups while serving.
EVERY_MINUTES = 5
#: Newest backups always kept (an hour of automatic ones); of older days the newest each.
KEEP_RECENT = 12
#: Days kept when no event says otherwise.
DEFAULT_RETENTION_DAYS = 30
#: Pages copied per step of the online backup (the desks' writes go on between steps).
PAGES_PER_STEP = 1024
_PREFIX, _SUFFIX = "kiosk-", ".sqlite3"
_STAMP = "%Y%m%dT%H%M%S%fZ"


class BackupError(KioskError):
    """A backup could not be made or restored; ``code`` says why."""


def folder(data_dir: Path) -> Path:
    """The data folder's backup folder (made 0700)."""
    from kiosk.datafolder import private_folder

    return private_folder(Path(data_dir) / BACKUP_DIR)


def listing(data_dir: Path) -> list[Path]:
    """The backups in the data folder, oldest first."""
    found = Path(data_dir) / BACKUP_DIR
    if not found.is_dir():
        return []
    return sorted(p for p in found.glob(f"{_PREFIX}*{_SUFFIX}") if _made(p) is not None)


def _made(path: Path) -> datetime | None:
    try:
        stamp = path.name.removeprefix(_PREFIX).removesuffix(_SUFFIX)
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def check(path: Path) -> None:
    """Refuse a file that is not a whole kiosk database (SQLite's integrity check)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        message = f"{path.name} is not a kiosk database ({exc})."
        raise BackupError("not_a_database", message) from exc
    if result != "ok":
        raise BackupError("damaged", f"{path.name} is damaged: {result}")
    if not {"events", "attendees", "settings"} <= tables:
        raise BackupError("not_a_database", f"{path.name} is not a kiosk database.")


def make(database: Path) -> Path:
    """A checked backup of the database, next to it in backups/; old ones are thinned out."""
    target_dir = folder(Path(database).parent)
    name = f"{_PREFIX}{datetime.now(UTC).strftime(_STAMP)}{_SUFFIX}"
    part = target_dir / f".{name}.part"
    _copy(Path(database), part)
    try:
        check(part)
    except BackupError:
        part.unlink(missing_ok=True)
        raise
    target = target_dir / name
    part.replace(target)
    thin_out(Path(database))
    log.info("backup made: %s", target.name)
    return target


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new file ``target`` (0600 from the start)."""
    target.unlink(missing_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, kdb.PRIVATE_FILE_MODE))
    src = sqlite3.connect(source, timeout=kdb.BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        dst.close()
        target.unlink(missing_ok=True)
        raise BackupError("failed", f"The backup could not be made: {exc}") from exc
    finally:
        src.close()
    dst.close()


def retention_days(database: Path) -> int:
    """The longest retention period of the events in the database (backups hold them all)."""
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT json_extract(settings, '$.retention_days') FROM events"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return DEFAULT_RETENTION_DAYS
    days = [int(r[0]) for r in rows if r[0] is not None]
    return max(days, default=DEFAULT_RETENTION_DAYS)


def thin_out(database: Path, now: datetime | None = None) -> list[Path]:
    """Delete backups past the retention period, and all but the newest of each earlier day
    beyond the ``KEEP_RECENT`` newest; returns what was deleted."""
    now = now or datetime.now(UTC)
    oldest = now - timedelta(days=retention_days(database))
    backups = listing(Path(database).parent)
    recent = set(backups[-KEEP_RECENT:])
    newest_of_day: dict[str, Path] = {}
    for path in backups:
        newest_of_day[path.name[len(_PREFIX) : len(_PREFIX) + 8]] = path
    deleted = []
    for path in backups:
        made = _made(path)
        keep = path in recent or path in newest_of_day.values()
        if made is None or made < oldest or not keep:
            _delete(path)
            deleted.append(path)
    return deleted


def delete_all(data_dir: Path) -> int:
    """Delete every backup (overwritten first): after a purge they hold deleted people."""
    backups = listing(data_dir)
    for path in backups:
        _delete(path)
    return len(backups)


def _delete(path: Path) -> None:
    with contextlib.suppress(OSError), path.open("r+b") as file:
        file.write(b"\0" * path.stat().st_size)
    path.unlink(missing_ok=True)


def restore(database: Path, backup: Path) -> Path:
    """Put ``backup`` in place of the database after checking it; the database as it was is
    kept as a backup first (so a restore can be undone). Returns that backup."""
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError("missing", f"There is no backup file {backup}.")
    check(backup)
    before = make(database) if Path(database).exists() else None
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(database, timeout=kdb.BUSY_TIMEOUT_MS / 1000)
    try:
        src.backup(dst)  # the live file is rewritten in place, under SQLite's own locks
    except sqlite3.Error as exc:
        raise BackupError("failed", f"The backup could not be restored: {exc}") from exc
    finally:
        src.close()
        dst.close()
    kdb.init(database)  # an older backup gets the migrations added since
    log.info("restored from %s", backup.name)
    return before or backup


class Every:
    """Backups every ``minutes`` while serving, in a thread of their own, when the database
    changed since the last one; ``stop()`` makes the last one (on shutdown)."""

    def __init__(self, database: Path, minutes: float = EVERY_MINUTES) -> None:
        self.database = Path(database)
        self.seconds = minutes * 60
        self._stopped = threading.Event()
        # SQLite's data_version changes with every commit of another connection (any
        # process), not with checkpoints: what a backup itself does to the files is no change.
        self._conn = sqlite3.connect(self.database, check_same_thread=False)
        self._lock = threading.Lock()
        self._version = self._data_version()
        # Changes made since the newest backup (or no backup yet) are backed up at the first
        # round or on stopping, whichever comes first.
        newest = listing(self.database.parent)[-1:]
        self._pending = not newest or newest[0].stat().st_mtime_ns < self._changed_ns()
        self._thread = threading.Thread(target=self._run, name="kiosk-backups", daemon=True)

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _changed_ns(self) -> int:
        times = [0]
        for path in (self.database, self.database.with_name(self.database.name + "-wal")):
            with contextlib.suppress(OSError):
                times.append(path.stat().st_mtime_ns)
        return max(times)

    def start(self) -> Every:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.wait(self.seconds):
            self.backup_if_changed()

    def backup_if_changed(self) -> Path | None:
        with self._lock:
            version = self._data_version()
            if version == self._version and not self._pending:
                return None
            try:
                made = make(self.database)
            except (BackupError, OSError) as exc:
                log.error("no backup: %s", exc)  # the next round tries again
                return None
            self._version, self._pending = version, False
            return made

    def stop(self) -> Path | None:
        """Stop the rounds and make the last backup (if anything changed)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
        try:
            return self.backup_if_changed()
        finally:
            self._conn.close()
