"""The send log (table ``mail_log``): one row per attendee and kind of mail, never two.

A row says where that mail stands: ``sending`` (committed before the message is handed to the
server; the answer is not recorded yet), ``sent`` (the server accepted it) or ``failed`` (the
server refused it, or it could not be made; the reason beside it). A send-out only sends to
attendees without a row, so a restarted one never sends a mail twice. A row left in
``sending`` by a killed run or a connection lost during the transfer is *uncertain*: the mail
may have arrived. It is only sent again when the organiser asks for that one person.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb

STATES = ("sending", "sent", "failed")
#: A row in ``sending`` younger than this may belong to a run still handing it to the server
#: (here or in another process): it is not sent again before (a slow server may take three
#: timeouts for one message).
IN_FLIGHT_S = 120
#: Longest reason kept from a server's answer.
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Claim:
    """One mail marked ``sending``; what the row was before, to put it back if not sent."""

    id: int
    attendee_id: int
    previous_state: str | None  # None: the row is new
    previous_error: str = ""


def claim(
    db: Database,
    event_id: int,
    attendee: dict[str, Any],
    kind: str,
    *,
    allow: Collection[str] = (),
) -> Claim | None:
    """Mark the mail of ``kind`` to ``attendee`` as ``sending`` (committed), or None when it
    must not be sent now: a row exists whose state is not in ``allow`` (sent, or taken by
    another run), or an uncertain row that may still be in flight.

    Read and write in one transaction: two runs at once never both claim one mail.
    """
    with kdb.transaction(db):
        row = kdb.one(
            db,
            "SELECT id, state, error, updated_at FROM mail_log "
            "WHERE event_id = ? AND attendee_id = ? AND kind = ?",
            [event_id, attendee["id"], kind],
        )
        stamp = kdb.now()
        if row is None:
            cursor = db.execute(
                "INSERT INTO mail_log (event_id, attendee_id, kind, address, state, error, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 'sending', '', ?, ?)",
                [event_id, attendee["id"], kind, attendee.get("email") or "", stamp, stamp],
            )
            return Claim(
                id=int(cursor.lastrowid or 0), attendee_id=attendee["id"], previous_state=None
            )
        if row["state"] not in allow or (row["state"] == "sending" and in_flight(row)):
            return None
        db.execute(
            "UPDATE mail_log SET state = 'sending', error = '', address = ?, updated_at = ? "
            "WHERE id = ?",
            [attendee.get("email") or "", stamp, row["id"]],
        )
        return Claim(
            id=row["id"],
            attendee_id=attendee["id"],
            previous_state=row["state"],
            previous_error=row["error"] or "",
        )


def in_flight(row: dict[str, Any]) -> bool:
    """True when a ``sending`` row may still be on its way: recent and not marked uncertain."""
    if row["state"] != "sending" or row.get("error"):
        return False
    changed = datetime.fromisoformat(row["updated_at"])
    return datetime.now(UTC) - changed < timedelta(seconds=IN_FLIGHT_S)


def mark_sent(db: Database, claimed: Claim) -> None:
    """The server accepted the mail."""
    _set(db, claimed.id, "sent", "")


def mark_failed(db: Database, claimed: Claim, reason: str) -> None:
    """The server refused the mail (or it could not be made): it may be sent again."""
    _set(db, claimed.id, "failed", reason)


def mark_uncertain(db: Database, claimed: Claim, note: str) -> None:
    """The connection ended while the mail was transferred: it stays ``sending``, with why."""
    _set(db, claimed.id, "sending", note)


def release(db: Database, claimed: Claim) -> None:
    """Nothing of the mail reached the server: the row is as before the claim."""
    with kdb.transaction(db):
        if claimed.previous_state is None:
            db.execute("DELETE FROM mail_log WHERE id = ? AND state = 'sending'", [claimed.id])
        else:
            db.execute(
                "UPDATE mail_log SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                [claimed.previous_state, claimed.previous_error, kdb.now(), claimed.id],
            )


def _set(db: Database, row_id: int, state: str, error: str) -> None:
    with kdb.transaction(db):
        db.execute(
            "UPDATE mail_log SET state = ?, error = ?, updated_at = ? WHERE id = ?",
            [state, error[:MAX_REASON_LENGTH], kdb.now(), row_id],
        )


def states(db: Database, event_id: int, kind: str) -> dict[int, dict[str, Any]]:
    """The send log of one kind of mail of an event, by attendee id."""
    found = kdb.rows(
        db,
        "SELECT * FROM mail_log WHERE event_id = ? AND kind = ?",
        [event_id, kind],
    )
    return {row["attendee_id"]: row for row in found}


def counts(db: Database, event_id: int) -> dict[str, dict[str, int]]:
    """How many mails of each kind are in each state: ``{kind: {state: n}}``."""
    out: dict[str, dict[str, int]] = {}
    for row in kdb.rows(
        db,
        "SELECT kind, state, count(*) AS n FROM mail_log WHERE event_id = ? GROUP BY kind, state",
        [event_id],
    ):
        out.setdefault(row["kind"], {})[row["state"]] = row["n"]
    return out


def problems(db: Database, event_id: int) -> list[dict[str, Any]]:
    """The failed and the uncertain mails of an event, with the attendee's name, by name.

    Each row has ``uncertain`` (left in ``sending``: it may have arrived) and ``in_flight``
    (so recent that a run may still be sending it).
    """
    found = kdb.rows(
        db,
        """SELECT m.id, m.attendee_id, m.kind, m.address, m.state, m.error, m.updated_at,
        a.first_name, a.last_name FROM mail_log m JOIN attendees a ON a.id = m.attendee_id
        WHERE m.event_id = ? AND m.state IN ('failed', 'sending')
        ORDER BY a.last_name, a.first_name, m.kind""",
        [event_id],
    )
    for row in found:
        row["name"] = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        row["uncertain"] = row["state"] == "sending"
        row["in_flight"] = in_flight(row)
    return found


def uncertain(db: Database, event_id: int, kind: str) -> list[dict[str, Any]]:
    """The mails of ``kind`` left in ``sending``: not sent again by a run, shown to decide."""
    return [p for p in problems(db, event_id) if p["kind"] == kind and p["uncertain"]]


def failed(db: Database, event_id: int, kind: str) -> list[dict[str, Any]]:
    """The mails of ``kind`` the server refused (or that could not be made), with the reason."""
    return [p for p in problems(db, event_id) if p["kind"] == kind and not p["uncertain"]]
