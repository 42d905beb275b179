"""Applying a plan in one transaction, and the log of every import."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk import db as kdb
from kiosk.events import Event
from kiosk.importing.errors import ImportRefused
from kiosk.importing.planning import HOW, plan
from kiosk.importing.reading import Table, read_file
from kiosk.importing.result import Result
from kiosk.text import clean

log = logging.getLogger("kiosk.importing")


def run(
    db: Database,
    event: Event,
    table: Table,
    mapping: list[str] | None = None,
    *,
    dry_run: bool = False,
    apart: Iterable[tuple[int, int]] = (),
) -> Result:
    """Import ``table`` into ``event`` in one transaction (or only plan it when ``dry_run``);
    ``apart`` lists the merges of rows the organiser undid in the preview."""
    if dry_run:
        return plan(db, event, table, mapping, apart=apart)
    how = f"{HOW}: {clean(table.filename, max_length=80)}"
    try:
        with kdb.transaction(db):
            result = plan(db, event, table, mapping, apart=apart)
            _apply(db, event, result, how)
            result.log_id = _log_import(db, event, result)
    except sqlite3.Error as exc:
        log.error("import into event %s failed: %s", event.id, exc)
        if kdb.disk_full(exc):
            raise ImportRefused(
                "disk_full",
                "Nothing was imported: the disk is full. Make room and import again "
                "(everything saved before is still there).",
            ) from exc
        raise ImportRefused(
            "write_failed", f"Nothing was imported: the database refused a change ({exc})."
        ) from exc
    result.dry_run = False
    counts = result.counts
    log.info(
        "import into event %s: %d created, %d updated, %d cancelled, %d skipped",
        event.id,
        counts["created"],
        counts["updated"],
        counts["cancelled"],
        counts["skipped"],
    )
    return result


def import_file(
    db: Database,
    event: Event,
    data: bytes,
    filename: str,
    mapping: list[str] | None = None,
    *,
    dry_run: bool = False,
    apart: Iterable[tuple[int, int]] = (),
) -> Result:
    """Read and import a file's bytes (the CLI's and the page's one entry point)."""
    return run(db, event, read_file(data, filename), mapping, dry_run=dry_run, apart=apart)


def _apply(db: Database, event: Event, result: Result, how: str) -> None:
    created: list[tuple[attendees.AttendeeData, str]] = []
    for action in result.actions:
        if action.kind == "create":
            created.append((action.entry.data, action.entry.key))
        elif action.kind == "update" and action.attendee and action.data:
            attendee_id = action.attendee["id"]
            if action.attendee["status"] == "cancelled":
                _set_status(db, event, attendee_id, "registered", how)
            attendees.update(db, attendee_id, action.data, how=how)
        elif action.kind == "cancel" and action.attendee:
            _set_status(db, event, action.attendee["id"], "cancelled", how)
    _create_many(db, event, created, how)


def _set_status(db: Database, event: Event, attendee_id: int, status: str, how: str) -> None:
    db.execute(
        "UPDATE attendees SET status = ?, updated_at = ? WHERE id = ?",
        [status, kdb.now(), attendee_id],
    )
    action = "cancelled" if status == "cancelled" else "reinstated"
    attendees.log(db, event.id, attendee_id, action, detail={"how": how})


class _Persons:
    """The network's known addresses and identity keys: a new attendee whose address and key
    nobody of the network has is a new person, with no lookup (``attendees.person_for``
    decides every other case)."""

    def __init__(self, db: Database, network: str) -> None:
        known = db.conn.execute(
            "SELECT email, name_key FROM persons WHERE network = ?", [network]
        ).fetchall()
        self.network = network
        self.emails = {email for email, _ in known if email}
        self.keys = {key for _, key in known}

    def person_for(self, db: Database, data: attendees.AttendeeData, key: str) -> int:
        if (data.email and data.email in self.emails) or key in self.keys:
            person = attendees.person_for(db, self.network, data, key)
        else:
            person = attendees.new_person(db, self.network, data.email, key)
        if data.email:
            self.emails.add(data.email)
        self.keys.add(key)
        return person


def _create_many(
    db: Database, event: Event, items: list[tuple[attendees.AttendeeData, str]], how: str
) -> None:
    """Insert new attendees as attendees.create does, without its per-row overhead."""
    stamp = kdb.now()
    log_rows = []
    statements: dict[tuple[str, ...], str] = {}
    detail = json.dumps({"how": how}, ensure_ascii=False)
    persons = _Persons(db, event.network)
    for data, key in items:
        values = {
            **attendees.row_values(data),
            **attendees.consent_values(data, how),
            "event_id": event.id,
            "person_id": persons.person_for(db, data, key),
            "code": attendees.new_code(),
            "secret": attendees.new_secret(),
            "status": "registered",
            "created_at": stamp,
            "updated_at": stamp,
        }
        columns = tuple(values)
        sql = statements.get(columns)
        if sql is None:
            sql = statements[columns] = (
                f"INSERT INTO attendees ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            )
        attendee_id = db.conn.execute(sql, values).lastrowid
        log_rows.append((event.id, attendee_id, stamp, "created", "", detail))
    db.conn.executemany(
        "INSERT INTO attendee_log (event_id, attendee_id, at, action, desk, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        log_rows,
    )


def _log_import(db: Database, event: Event, result: Result) -> int:
    """One log entry for the whole import: file, counts and row problems (codes, no values)."""
    db["attendee_log"].insert(
        {
            "event_id": event.id,
            "attendee_id": None,
            "at": kdb.now(),
            "action": "imported",
            "desk": "",
            "detail": json.dumps(
                {
                    "how": HOW,
                    "source": result.source(),
                    "counts": result.counts,
                    "problems": [
                        {
                            "row": p.row,
                            "code": p.code,
                            "severity": p.severity,
                            "field": p.field,
                            **({"params": p.params} if p.params else {}),
                        }
                        for p in result.problems
                    ],
                },
                ensure_ascii=False,
            ),
        }
    )
    return db.conn.execute("SELECT last_insert_rowid()").fetchone()[0]


def imports(db: Database, event_id: int) -> list[dict[str, Any]]:
    """The imports into an event, newest first, as logged."""
    entries = kdb.rows(
        db,
        "SELECT id, at, detail FROM attendee_log WHERE event_id = ? AND action = 'imported' "
        "ORDER BY id DESC",
        [event_id],
    )
    return [{"id": e["id"], "at": e["at"], **json.loads(e["detail"] or "{}")} for e in entries]


def nobody_consents(db: Database, event: Event) -> bool:
    """True when the event has attendees and none of them consented to matchmaking."""
    row = kdb.one(
        db,
        "SELECT count(*) AS n, total(consent_matchmaking = 1) AS yes FROM attendees "
        "WHERE event_id = ? AND status != 'cancelled'",
        [event.id],
    )
    return bool(row and row["n"] and not row["yes"])


def logged_import(db: Database, event_id: int, log_id: int) -> dict[str, Any] | None:
    """One logged import of this event, or None."""
    return next((i for i in imports(db, event_id) if i["id"] == log_id), None)
