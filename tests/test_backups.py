"""Backups, restores, crashes and a full disk: a consistent database whatever happens, and
nothing confirmed lost."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import attendees, backups, checkin, events, retention
from kiosk import db as kdb
from kiosk.attendees import AttendeeData


def count(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT count(*) FROM attendees").fetchone()[0]
    finally:
        conn.close()


def integrity(database: Path) -> str:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data folder with one event of three attendees."""
    data = tmp_path / "data"
    kdb.init(data / "kiosk.sqlite3")
    db = kdb.connect(data / "kiosk.sqlite3")
    event = events.create(db, "Netzwerkbrunch")
    for name in ("Anna", "Bert", "Cem"):
        attendees.create(db, event, AttendeeData(first_name=name, last_name="Muster"), how="t")
    db.close()
    return data


def test_a_backup_is_checked_private_and_restored_by_kiosk_restore(
    folder: Path, runner: Any
) -> None:
    runner.data_dir = folder
    made = runner.invoke("backup")
    assert made.exit_code == 0, made.output
    (backup,) = backups.listing(folder)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert integrity(backup) == "ok" and count(backup) == 3
    # Later, something goes wrong: a wrong import adds people.
    db = kdb.connect(folder / "kiosk.sqlite3")
    event = events.current(db)
    attendees.create(db, event, AttendeeData(first_name="Falsch", last_name="X"), how="t")
    db.close()
    assert count(folder / "kiosk.sqlite3") == 4
    restored = runner.invoke("restore", backup.name, "--yes")
    assert restored.exit_code == 0, restored.output
    assert count(folder / "kiosk.sqlite3") == 3
    assert integrity(folder / "kiosk.sqlite3") == "ok"
    # The database as it was before the restore is kept as a backup of its own.
    kept = re.search(r"kept as (\S+)\.$", restored.output.strip()).group(1)
    assert count(folder / backups.BACKUP_DIR / kept) == 4


def test_restore_refuses_a_damaged_or_foreign_file(
    folder: Path, runner: Any, tmp_path: Path
) -> None:
    runner.data_dir = folder
    runner.invoke("backup")
    (backup,) = backups.listing(folder)
    cut = tmp_path / "abgeschnitten.sqlite3"
    cut.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    foreign = tmp_path / "fremd.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE x (a)").connection.commit()
    text = tmp_path / "notizen.txt"
    text.write_text("keine Datenbank")
    for bad in (cut, foreign, text):
        refused = runner.invoke("restore", str(bad), "--yes")
        assert refused.exit_code != 0 and "Not restored" in refused.output, refused.output
    assert count(folder / "kiosk.sqlite3") == 3


def _wait_for(folder: Path, how_many: int) -> None:
    deadline = time.monotonic() + 20
    while len(backups.listing(folder)) < how_many and time.monotonic() < deadline:
        time.sleep(0.2)


def test_backups_follow_changes_while_serving_and_one_is_made_on_stopping(folder: Path) -> None:
    database = folder / "kiosk.sqlite3"
    saver = backups.Every(database, minutes=0.02).start()  # every 1.2 s here
    try:
        _wait_for(folder, 1)  # no backup yet: the first round makes one
        time.sleep(3)
        assert len(backups.listing(folder)) == 1  # nothing changed since, nothing copied
        db = kdb.connect(database)
        event = events.current(db)
        anna = attendees.list_for_event(db, event.id)[0]
        checkin.check_in(db, event, anna["id"], desk="Eingang")
        _wait_for(folder, 2)
        assert len(backups.listing(folder)) == 2
        attendees.create(db, event, AttendeeData(first_name="Dora", last_name="Neu"), how="t")
        db.close()
    finally:
        saver.stop()
    assert count(backups.listing(folder)[-1]) == 4


def test_kiosk_serve_makes_a_backup_when_stopped(folder: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "kiosk", "--data", str(folder), "serve"]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout
    lines = []
    while not any("Ctrl+C" in line for line in lines):
        lines.append(proc.stdout.readline())
    assert "Backups every 5 minutes" in "".join(lines)
    # The organiser's password was set at start: a change since the last backup.
    proc.send_signal(signal.SIGTERM)  # a service manager stops it
    rest = proc.stdout.read()
    proc.wait(timeout=30)
    proc.stdout.close()
    assert "Backup:" in rest
    (backup,) = backups.listing(folder)
    assert integrity(backup) == "ok" and count(backup) == 3


def _stamped(folder: Path, source: Path, moment: datetime) -> Path:
    target = folder / backups.BACKUP_DIR / f"kiosk-{moment.strftime(backups._STAMP)}.sqlite3"
    shutil.copy(source, target)
    return target


def test_backups_are_kept_for_the_retention_period_and_thinned_out(folder: Path) -> None:
    database = folder / "kiosk.sqlite3"
    first = backups.make(database)
    now = datetime.now(UTC)
    too_old = _stamped(folder, first, now - timedelta(days=31))
    last_week = [_stamped(folder, first, now - timedelta(days=7, hours=h)) for h in (3, 2, 1)]
    recent = [_stamped(folder, first, now - timedelta(minutes=5 * m)) for m in range(1, 15)]
    deleted = backups.thin_out(database, now)
    kept = set(backups.listing(folder))
    assert too_old in deleted and too_old not in kept
    assert last_week[-1] in kept and not set(last_week[:-1]) & kept  # the newest of that day
    assert len(kept & set(recent)) >= backups.KEEP_RECENT - 1
    assert first in kept


def test_a_purge_deletes_the_backups_holding_the_event(folder: Path) -> None:
    database = folder / "kiosk.sqlite3"
    old = backups.make(database)
    db = kdb.connect(database)
    purged = retention.purge(db, events.current(db), who="test")
    db.close()
    assert purged.files >= 1
    assert not old.exists()
    (fresh,) = backups.listing(folder)
    assert count(fresh) == 0
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"Bert" not in path.read_bytes(), path


# -- crashes -------------------------------------------------------------------------------------


def _big_list(path: Path, rows: int) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Vorname", "Nachname", "E-Mail", "Organisation"])
    for i in range(rows):
        writer.writerow([f"Vor{i}", f"Nach{i}", f"p{i}@example.org", f"Schule {i % 40}"])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_kill_9_during_an_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    rows = 10_000
    big = _big_list(tmp_path / "anmeldungen.csv", rows)
    outcomes = []
    for delay in (0.5, 0.8, 1.1, 1.4, 1.8):
        data = tmp_path / f"data-{delay}"
        kdb.init(data / "kiosk.sqlite3")
        db = kdb.connect(data / "kiosk.sqlite3")
        events.create(db, "Ausbildungsmesse")
        db.close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--data", str(data), "import", str(big)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stored = count(data / "kiosk.sqlite3")
        assert integrity(data / "kiosk.sqlite3") == "ok"
        assert stored in (0, rows), (delay, stored)
        outcomes.append((finished, stored))
    # At least one kill landed before the import was done (and left nothing half-imported).
    assert any(not finished and stored == 0 for finished, stored in outcomes), outcomes


# -- a full disk ---------------------------------------------------------------------------------


def _fill_up(database: str) -> Any:
    """The app's own connection (the test client's thread) may not grow the file any more:
    SQLite then answers as on a full disk (SQLITE_FULL)."""
    conn = kdb.thread_connection(database)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    return conn


def test_a_full_disk_is_said_plainly_and_loses_nothing_confirmed(
    organiser: Any, app: Any, event: Any, db: Any
) -> None:
    people = [
        attendees.create(db, event, AttendeeData(first_name=f"P{i}", last_name="Voll"), how="t")
        for i in range(300)
    ]
    conn = _fill_up(app.config["DATABASE"])
    confirmed, refused = [], None
    for person in people:
        answer = organiser.post(
            "/desk/scan", data={"code": person["code"]}, headers={"HX-Request": "true"}
        )
        if answer.status_code == 200 and 'data-outcome="welcome"' in answer.get_data(True):
            confirmed.append(person["id"])
            continue
        refused = answer
        break
    assert refused is not None, "the database never filled up"
    assert refused.status_code == 507
    assert "Der Speicher dieses Laptops ist voll" in refused.get_data(as_text=True)
    # An import is refused whole, with the same plain reason.
    upload = ("Vorname;Nachname\n" + "".join(f"N{i};M\n" for i in range(500))).encode()
    answer = organiser.post("/admin/import", data={"file": (io.BytesIO(upload), "liste.csv")})
    token = re.search(r"/admin/import/([\w-]+)", answer.headers["Location"]).group(1)
    done = organiser.post(f"/admin/import/{token}/confirm", follow_redirects=True)
    assert "Der Speicher dieses Laptops ist voll" in done.get_data(as_text=True)
    conn.execute("PRAGMA max_page_count = 1073741823")
    checked_in = {a["id"] for a in attendees.list_for_event(db, event.id) if a["checked_in_at"]}
    assert set(confirmed) <= checked_in and len(checked_in) == len(confirmed)
    assert len(attendees.list_for_event(db, event.id)) == 300
    assert kdb.one(db, "PRAGMA integrity_check")["integrity_check"] == "ok"
