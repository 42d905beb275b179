"""Contact requests without a badge: "Kontakt anfragen" from one's suggestions or from the list
of people who can be found, accepted or declined by the other person on their own page.

Findable means having consented to matchmaking (being suggested to others): the same consent
that puts a person on others' suggestion lists puts them on the searchable list. Only people
who consented can ask and be asked; a person who did not (or withdrew) sees no requests and
appears nowhere. Only on acceptance is the contact swapped (``contacts.swap``): each side's
consent to share e-mail and phone applies as in a badge swap. A declined request is not
reported to the asking person, and asking again changes nothing for the one who declined.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, contacts
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import fold

log = logging.getLogger("kiosk.contacts")

#: Requests one person may send within an hour, and open (unanswered) at once.
REQUESTS_PER_HOUR = 10
MAX_OPEN_REQUESTS = 20
#: The searchable list shows at most this many people, of at most so many candidates.
MAX_LISTED = 50
SCANNED_AT_MOST = 1000


class RequestError(KioskError):
    """A contact request was refused; ``code`` says why (no_consent, not_found, self,
    already_contacts, too_many)."""


def findable(attendee: dict[str, Any]) -> bool:
    """True when this person may be found, asked and ask: they consented to matchmaking."""
    return bool(attendee.get("consent_matchmaking")) and attendee.get("status") != "cancelled"


def _target(
    db: Database, event: Event, sender: dict[str, Any], target_id: int | None
) -> dict[str, Any]:
    target = None
    if target_id is not None:
        try:
            target = attendees.get(db, target_id)
        except attendees.AttendeeError:
            target = None
    # Someone not findable is answered as unknown: a request reveals nothing about them.
    if target is None or target["event_id"] != event.id or not findable(target):
        raise RequestError("not_found", "Nobody to ask with this reference.")
    if target["id"] == sender["id"]:
        raise RequestError("self", "One cannot ask oneself.")
    return target


def send(db: Database, event: Event, sender_id: int, target_id: int | None) -> str:
    """Ask the attendee ``target_id`` (None: the page's reference named nobody) for a contact.
    Pages name people by the viewer's reference (kiosk.references), never by badge code: a code
    read off a page would save that person's contact without meeting them. Returns what
    happened: "sent", "pending" (asked before, or declined: nothing new for them), or
    "accepted" (they had asked first: both wanted it, the contact is swapped)."""
    with kdb.transaction(db):
        sender = attendees.in_event(db, event.id, sender_id)
        if not findable(sender):
            raise RequestError("no_consent", "Asking for contacts needs the matchmaking consent.")
        target = _target(db, event, sender, target_id)
        if contacts.has_contact(db, sender["id"], target["id"]):
            raise RequestError("already_contacts", "This person is among the contacts already.")
        mine = _row(db, sender["id"], target["id"])
        if mine is not None:
            return "pending" if mine["state"] != "accepted" else "accepted"
        theirs = _row(db, target["id"], sender["id"])
        if theirs is not None and theirs["state"] == "open":
            _answer(db, event, theirs, accept=True)
            return "accepted"
        _check_pace(db, sender["id"])
        db.execute(
            "INSERT INTO contact_requests (event_id, from_id, to_id, state, created_at) "
            "VALUES (?, ?, ?, 'open', ?)",
            [event.id, sender["id"], target["id"], kdb.now()],
        )
    log.info("contact request %s -> %s", sender["id"], target["id"])
    return "sent"


def _row(db: Database, from_id: int, to_id: int) -> dict[str, Any] | None:
    return kdb.one(
        db, "SELECT * FROM contact_requests WHERE from_id = ? AND to_id = ?", [from_id, to_id]
    )


def _check_pace(db: Database, sender_id: int) -> None:
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds")
    row = kdb.one(
        db,
        """SELECT sum(created_at >= ?) AS recent, sum(state = 'open') AS open
        FROM contact_requests WHERE from_id = ?""",
        [since, sender_id],
    )
    recent, still_open = (row or {}).get("recent") or 0, (row or {}).get("open") or 0
    if recent >= REQUESTS_PER_HOUR or still_open >= MAX_OPEN_REQUESTS:
        log.info("contact requests throttled: attendee=%s", sender_id)
        raise RequestError("too_many", "Too many requests; wait for answers or an hour.")


def answer(db: Database, event: Event, attendee_id: int, request_id: int, *, accept: bool) -> bool:
    """The asked person accepts (the contact is swapped) or declines an open request to them;
    True when the contact was swapped."""
    with kdb.transaction(db):
        row = kdb.one(
            db,
            "SELECT * FROM contact_requests WHERE id = ? AND to_id = ? AND event_id = ?",
            [request_id, attendee_id, event.id],
        )
        if row is None or row["state"] != "open":
            raise RequestError("not_found", "No such open request.")
        asked = attendees.get(db, attendee_id)
        if not findable(asked):
            raise RequestError("no_consent", "Answering requests needs the matchmaking consent.")
        return _answer(db, event, row, accept=accept)


def _answer(db: Database, event: Event, row: dict[str, Any], *, accept: bool) -> bool:
    db.execute(
        "UPDATE contact_requests SET state = ?, answered_at = ? WHERE id = ?",
        ["accepted" if accept else "declined", kdb.now(), row["id"]],
    )
    if accept:
        contacts.swap(db, event, row["to_id"], row["from_id"], how="request")
    log.info("contact request %s %s", row["id"], "accepted" if accept else "declined")
    return accept


_PEOPLE = """a.id, a.first_name, a.last_name, a.organisation, a.project, a.role,
    a.consent_matchmaking, a.status"""


def _person(row: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
    # Named by id for the server (the page turns it into the viewer's reference), never by code.
    shown = {k: v for k, v in attendees.public_view({**row, "name": name}).items() if k != "code"}
    return {**shown, "id": row["id"], "request_id": row.get("request_id")}


def incoming(db: Database, attendee: dict[str, Any]) -> list[dict[str, Any]]:
    """The open requests to this person, oldest first, with what the asking person's badge
    shows; nothing for a person without consent, nothing from one who withdrew it."""
    if not findable(attendee):
        return []
    found = kdb.rows(
        db,
        f"""SELECT r.id AS request_id, {_PEOPLE} FROM contact_requests r
        JOIN attendees a ON a.id = r.from_id
        WHERE r.to_id = ? AND r.state = 'open' AND NOT EXISTS (SELECT 1 FROM contacts c
        WHERE c.owner_id = r.to_id AND c.other_id = r.from_id)
        ORDER BY r.created_at, r.id""",
        [attendee["id"]],
    )
    return [_person(r) for r in found if findable(r)]


def states(db: Database, attendee: dict[str, Any]) -> dict[int, str]:
    """What this person did with whom: ``{other id: "asked" | "contact"}``. A declined request
    still reads "asked" for the asking person."""
    out = {
        r["to_id"]: "asked"
        for r in kdb.rows(
            db,
            "SELECT to_id FROM contact_requests WHERE from_id = ? AND state != 'accepted'",
            [attendee["id"]],
        )
    }
    for r in kdb.rows(
        db,
        "SELECT other_id FROM contacts WHERE owner_id = ? AND other_id IS NOT NULL",
        [attendee["id"]],
    ):
        out[r["other_id"]] = "contact"
    return out


def people(db: Database, event: Event, viewer: dict[str, Any], query: str = "") -> list[dict]:
    """The people of the event who can be found, matching ``query`` (name and organisation; any
    order, umlauts folded), by name; empty for a viewer without consent."""
    if not findable(viewer):
        return []
    words = fold(query).split()
    # The stored search key narrows it down; it holds the e-mail too, which must not be
    # searchable here, so each hit is checked against name and organisation.
    likes = "".join(" AND a.search_key LIKE ? ESCAPE '\\'" for _ in words)
    found = kdb.rows(
        db,
        f"""SELECT {_PEOPLE} FROM attendees a WHERE a.event_id = ? AND a.id != ?
        AND a.consent_matchmaking = 1 AND a.status != 'cancelled'{likes}
        ORDER BY a.last_name COLLATE NOCASE, a.first_name COLLATE NOCASE LIMIT ?""",
        [event.id, viewer["id"], *(f"%{_escape(w)}%" for w in words), SCANNED_AT_MOST],
    )
    known = states(db, viewer)
    out = []
    for row in found:
        text = fold(" ".join(row[k] or "" for k in ("first_name", "last_name", "organisation")))
        if all(w in text for w in words):
            out.append({**_person(row), "state": known.get(row["id"], "")})
            if len(out) >= MAX_LISTED:
                break
    return out


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
