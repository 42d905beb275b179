"""The audit of what left kiosk or was deleted: exports, mail send-outs, purges, erasures.

Each entry says who (a role, never a person's name), what, when and how many rows; nothing
personal, so the audit outlives the event's purge and can be shown to anyone who asks.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb

#: What an entry records.
ACTIONS = ("export", "sendout", "purge", "erasure")


def record(
    db: Database,
    event_id: int | None,
    action: str,
    what: str,
    *,
    who: str,
    rows: int = 0,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry (in the caller's transaction, or its own). ``detail`` must hold
    nothing personal: counts, formats, file kinds."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    with kdb.transaction(db):
        db.execute(
            "INSERT INTO audit (event_id, at, who, action, what, rows, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [event_id, kdb.now(), who, action, what, rows, json.dumps(detail or {})],
        )


def entries(db: Database, event_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The event's audit, newest first."""
    found = kdb.rows(
        db,
        "SELECT * FROM audit WHERE event_id = ? ORDER BY id DESC LIMIT ?",
        [event_id, limit],
    )
    for entry in found:
        entry["detail"] = json.loads(entry["detail"] or "{}")
    return found
