"""Attendees stored: find, list, count, create, change, consents, delete, and the log of
what happened to each."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.attendees.fields import (
    CONSENTS,
    LIST_FIELDS,
    TEXT_FIELDS,
    AttendeeData,
    AttendeeError,
    consent_values,
    from_row,
    new_code,
    new_secret,
    row_values,
    validate,
)
from kiosk.attendees.identity import person_for
from kiosk.events import Event
from kiosk.text import fold, split_list


def log(
    db: Database,
    event_id: int,
    attendee_id: int | None,
    action: str,
    *,
    desk: str = "",
    detail: dict[str, Any] | None = None,
    at: str | None = None,
    nonce: str | None = None,
) -> None:
    """Append one entry to the attendee log (call inside the caller's transaction); ``at`` is
    when it happened, if not now (a check-in recorded with its scan time); ``nonce`` is the
    desk's mark of the scan that made it (unique: a replayed scan is refused a second entry).

    Plain SQL: it runs inside the write lock on every check-in, where sqlite-utils' insert
    (schema lookups and a savepoint) would add five statements for other desks to wait on.
    """
    db.execute(
        "INSERT INTO attendee_log (event_id, attendee_id, at, action, desk, detail, nonce) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            event_id,
            attendee_id,
            at or kdb.now(),
            action,
            desk,
            json.dumps(detail or {}, ensure_ascii=False),
            nonce,
        ],
    )


def history(db: Database, attendee_id: int) -> list[dict[str, Any]]:
    """The log of one attendee, oldest first."""
    entries = kdb.rows(
        db, "SELECT * FROM attendee_log WHERE attendee_id = ? ORDER BY id", [attendee_id]
    )
    for e in entries:
        e["detail"] = json.loads(e["detail"] or "{}")
    return entries


def get(db: Database, attendee_id: int) -> dict[str, Any]:
    """The attendee with this id."""
    row = kdb.one(db, "SELECT * FROM attendees WHERE id = ?", [attendee_id])
    if row is None:
        raise AttendeeError("not_found", "No such attendee.")
    return from_row(row)


def in_event(db: Database, event_id: int, attendee_id: int) -> dict[str, Any]:
    """The attendee with this id when they belong to this event; else ``not_found`` (or
    ``other_event``, with the attendee on the error, for a desk that says so)."""
    attendee = get(db, attendee_id)
    if attendee["event_id"] != event_id:
        raise AttendeeError("other_event", "This attendee belongs to another event.")
    return attendee


def by_code(db: Database, code: str) -> dict[str, Any] | None:
    """The attendee with this badge code (any event), or None."""
    row = kdb.one(db, "SELECT * FROM attendees WHERE code = ?", [code.upper()])
    return from_row(row) if row else None


def renew_secret(db: Database, attendee_id: int, *, how: str) -> dict[str, Any]:
    """Give the attendee a new private link; the old one stops working at once (and with it a
    phone that remembered the old one)."""
    with kdb.transaction(db, attendees_only=True):
        attendee = get(db, attendee_id)
        db.execute("UPDATE attendees SET secret = ? WHERE id = ?", [new_secret(), attendee_id])
        log(db, attendee["event_id"], attendee_id, "private_link_renewed", detail={"how": how})
    return get(db, attendee_id)


def by_secret(db: Database, secret: str) -> dict[str, Any] | None:
    """The attendee whose private link holds this secret, or None."""
    row = kdb.one(db, "SELECT * FROM attendees WHERE secret = ?", [secret])
    return from_row(row) if row else None


def list_for_event(
    db: Database, event_id: int, *, query: str = "", include_cancelled: bool = False
) -> list[dict[str, Any]]:
    """The attendees of an event, by last name; ``query`` filters by folded name/org/e-mail."""
    sql = "SELECT * FROM attendees WHERE event_id = ?"
    params: list[Any] = [event_id]
    if not include_cancelled:
        sql += " AND status != 'cancelled'"
    for word in fold(query).split():
        sql += " AND search_key LIKE ? ESCAPE '\\'"
        params.append(
            "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    found = [from_row(r) for r in kdb.rows(db, sql, params)]
    # Sorted in Python on folded names: SQLite's NOCASE would put Đorđević after Zimmermann.
    found.sort(key=lambda a: (fold(a["last_name"]), fold(a["first_name"]), a["id"]))
    return found


def count(db: Database, event_id: int) -> dict[str, int]:
    """Registered and arrived counts of an event."""
    row = kdb.one(
        db,
        """SELECT count(*) AS registered, count(checked_in_at) AS arrived
        FROM attendees WHERE event_id = ? AND status != 'cancelled'""",
        [event_id],
    )
    return {"registered": row["registered"], "arrived": row["arrived"]} if row else {}


def create(
    db: Database, event: Event, data: AttendeeData, *, how: str, desk: str = ""
) -> dict[str, Any]:
    """Create an attendee with a fresh badge code and private secret."""
    data = data.cleaned()
    validate(data)
    with kdb.transaction(db):
        stamp = kdb.now()
        values = {
            **row_values(data),
            **consent_values(data, how),
            "event_id": event.id,
            "person_id": person_for(db, event.network, data),
            "code": new_code(),
            "secret": new_secret(),
            "status": "registered",
            "created_at": stamp,
            "updated_at": stamp,
        }
        attendee_id = db["attendees"].insert(values).last_pk
        log(db, event.id, attendee_id, "created", desk=desk, detail={"how": how})
    return get(db, attendee_id)


def changes_between(old: dict[str, Any], data: AttendeeData) -> dict[str, Any]:
    """The stored values that ``data`` would change (consents only when it states them)."""
    new = row_values(data)
    changed = {}
    for f in (*TEXT_FIELDS, "extra"):
        old_value = old.get(f) if f != "extra" else json.dumps(old["extra"], ensure_ascii=False)
        if (old_value or "") != new[f]:
            changed[f] = new[f]
    for f in LIST_FIELDS:
        if old[f] != getattr(data, f):
            changed[f] = new[f]
    for c in CONSENTS:
        given = getattr(data, f"consent_{c}")
        if given is not None and old[f"consent_{c}"] != bool(given):
            changed[f"consent_{c}"] = int(bool(given))
    return changed


def update(
    db: Database, attendee_id: int, data: AttendeeData, *, how: str, desk: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """Change an attendee; returns the attendee and the names of the fields that changed."""
    data = data.cleaned()
    validate(data)
    with kdb.transaction(db):
        old = get(db, attendee_id)
        changed = changes_between(old, data)
        if changed:
            values = {**changed, "search_key": row_values(data)["search_key"]}
            values["updated_at"] = kdb.now()
            consents = consent_values(data, how)
            for c in CONSENTS:
                if f"consent_{c}" in changed:
                    values[f"consent_{c}_at"] = consents[f"consent_{c}_at"]
                    values[f"consent_{c}_how"] = how
            db["attendees"].update(attendee_id, values)
            log(
                db,
                old["event_id"],
                attendee_id,
                "edited",
                desk=desk,
                detail={"how": how, "fields": sorted(changed)},
            )
    return get(db, attendee_id), sorted(changed)


def set_topics(
    db: Database,
    attendee_id: int,
    *,
    interests: list[str] | str,
    offers: list[str] | str,
    seeks: list[str] | str,
    how: str,
) -> dict[str, Any]:
    """The attendee's interests, offers and seeks as they fill them in themselves (their own
    page); everything else stays as it was."""
    old = get(db, attendee_id)
    data = AttendeeData(
        **{f: old.get(f) or "" for f in TEXT_FIELDS},
        interests=split_list(interests),
        offers=split_list(offers),
        seeks=split_list(seeks),
        extra=old.get("extra") or {},
    )
    return update(db, attendee_id, data, how=how)[0]


def set_consent(
    db: Database, attendee_id: int, purpose: str, given: bool, *, how: str, desk: str = ""
) -> dict[str, Any]:
    """Record a consent given or withdrawn, with when and how."""
    if purpose not in CONSENTS:
        raise AttendeeError("unknown_consent", f"Unknown consent: {purpose}")
    with kdb.transaction(db):
        attendee = get(db, attendee_id)
        db["attendees"].update(
            attendee_id,
            {
                f"consent_{purpose}": int(given),
                f"consent_{purpose}_at": kdb.now(),
                f"consent_{purpose}_how": how,
            },
        )
        log(
            db,
            attendee["event_id"],
            attendee_id,
            "consent_given" if given else "consent_withdrawn",
            desk=desk,
            detail={"purpose": purpose, "how": how},
        )
    return get(db, attendee_id)


def set_consents(
    db: Database, attendee_id: int, wanted: dict[str, bool], *, how: str, desk: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """Record the consents of a form that states all of them: only those that changed are
    written (and logged). Returns the attendee and the purposes that changed."""
    attendee = get(db, attendee_id)
    changed = [
        purpose
        for purpose in CONSENTS
        if purpose in wanted and bool(attendee[f"consent_{purpose}"]) != bool(wanted[purpose])
    ]
    with kdb.transaction(db):
        for purpose in changed:
            attendee = set_consent(db, attendee_id, purpose, wanted[purpose], how=how, desk=desk)
    return attendee, changed


def delete(db: Database, attendee_id: int) -> None:
    """Delete an attendee and everything recorded about them (the log keeps that it happened)."""
    with kdb.transaction(db):
        attendee = get(db, attendee_id)
        for table, column in dependent_tables(db):
            db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [attendee_id])
        db["attendees"].delete(attendee_id)
        log(db, attendee["event_id"], None, "deleted", detail={"attendee_id": attendee_id})


def dependent_tables(db: Database) -> list[tuple[str, str]]:
    """(table, column) pairs whose rows belong to an attendee, found from the foreign keys."""
    found = []
    for table in db.tables:
        if table.name in ("attendees", "attendee_log"):
            continue
        for fk in table.foreign_keys:
            if fk.other_table == "attendees":
                found.append((table.name, fk.column))
    return found
