"""Contacts swapped at the event: both directions, consent-aware views, notes, vCards, privacy."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, events
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import clean, fold

log = logging.getLogger("kiosk.contacts")

#: Seconds within which a desk pairs the second scanned badge with the first.
SWAP_WINDOW_SECONDS = 30
#: Longest private note kept on one contact; longer notes are cut.
MAX_NOTE_LENGTH = 2000
#: Longest privacy notice kept; longer text is cut.
MAX_NOTICE_LENGTH = 20_000
#: vCard lines are folded after this many octets (RFC 2425, section 5.8.1).
VCARD_LINE_OCTETS = 75
#: Namespace of the stable vCard UIDs (so a phone updates a contact instead of doubling it).
VCARD_NAMESPACE = uuid.UUID("5b0f3c3e-9a53-4c52-9a55-3f5f1a4c8e21")
#: What the default privacy notice asks the organiser to fill in.
NOTICE_PLACEHOLDER = "[bitte eintragen: Name, Anschrift und E-Mail der verantwortlichen Stelle]"

_CONTACT_COLUMNS = """c.id, c.event_id, c.other_id, c.created_at, c.how, c.note,
    a.first_name, a.last_name, a.organisation, a.project, a.role, a.email, a.phone,
    a.consent_share_contact"""


class ContactError(KioskError):
    """A contact could not be swapped, found or changed; ``code`` says why."""


# -- swapping ------------------------------------------------------------------------------------


def swap(
    db: Database, event: Event, owner_id: int, other_id: int, *, how: str, desk: str = ""
) -> bool:
    """Record the contact for both people (one row each way); True if it is new to either."""
    if owner_id == other_id:
        raise ContactError("self", "One cannot swap contacts with oneself.")
    with kdb.transaction(db):
        found = kdb.rows(
            db, "SELECT id, event_id FROM attendees WHERE id IN (?, ?)", [owner_id, other_id]
        )
        if len(found) != 2:
            raise ContactError("not_found", "No such attendee.")
        if any(row["event_id"] != event.id for row in found):
            raise ContactError("other_event", "Both people must attend the same event.")
        stamp = kdb.now()
        added = 0
        for mine, theirs in ((owner_id, other_id), (other_id, owner_id)):
            cursor = db.execute(
                """INSERT OR IGNORE INTO contacts (event_id, owner_id, other_id, created_at, how,
                desk, note) VALUES (?, ?, ?, ?, ?, ?, '')""",
                [event.id, mine, theirs, stamp, how, desk],
            )
            if cursor.rowcount:
                added += 1
                detail = {"with": theirs, "how": how}
                attendees.log(db, event.id, mine, "contact_added", desk=desk, detail=detail)
    log.info("contact %s <-> %s how=%s new=%s", owner_id, other_id, how, bool(added))
    return added > 0


def swap_state(db: Database, owner: dict[str, Any] | None, other: dict[str, Any]) -> str:
    """What a phone that belongs to ``owner`` may do with ``other``'s badge, by the rules
    ``swap`` applies: "anonymous" (whose phone is unknown), "self", "other_event", "saved"
    (already among the owner's contacts) or "can_save"."""
    if owner is None:
        return "anonymous"
    if owner["id"] == other["id"]:
        return "self"
    if owner["event_id"] != other["event_id"]:
        return "other_event"
    if has_contact(db, owner["id"], other["id"]):
        return "saved"
    return "can_save"


def has_contact(db: Database, owner_id: int, other_id: int) -> bool:
    """True when ``owner_id`` keeps ``other_id`` among their contacts."""
    row = kdb.one(
        db, "SELECT 1 FROM contacts WHERE owner_id = ? AND other_id = ?", [owner_id, other_id]
    )
    return row is not None


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """One contact as its owner may see it: e-mail and phone only if the other shares them;
    a contact whose other person was erased keeps only the owner's own note."""
    shares = bool(row.pop("consent_share_contact"))
    erased = row["other_id"] is None
    out = {**row, "shares": shares and not erased, "erased": erased}
    if erased:
        out.update({f: "" for f in ("first_name", "last_name", "organisation", "project", "role")})
    out["name"] = " ".join(p for p in (out["first_name"], out["last_name"]) if p)
    if not out["shares"]:
        out["email"] = ""
        out["phone"] = ""
    return out


def list_for(db: Database, attendee_id: int) -> list[dict[str, Any]]:
    """The contacts of one attendee, newest first, with what each other person shares."""
    found = kdb.rows(
        db,
        f"""SELECT {_CONTACT_COLUMNS} FROM contacts c LEFT JOIN attendees a ON a.id = c.other_id
        WHERE c.owner_id = ? ORDER BY c.created_at DESC, c.id DESC""",
        [attendee_id],
    )
    return [_view(row) for row in found]


def get(db: Database, owner_id: int, contact_id: int) -> dict[str, Any]:
    """One contact of ``owner_id`` (never someone else's), as its owner may see it."""
    row = kdb.one(
        db,
        f"""SELECT {_CONTACT_COLUMNS} FROM contacts c LEFT JOIN attendees a ON a.id = c.other_id
        WHERE c.id = ? AND c.owner_id = ?""",
        [contact_id, owner_id],
    )
    if row is None:
        raise ContactError("not_found", "No such contact.")
    return _view(row)


def clean_note(note: str) -> str:
    """A note as stored: each line cleaned, line breaks kept, blank runs squeezed, capped."""
    lines = [clean(line, max_length=MAX_NOTE_LENGTH) for line in str(note or "").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:MAX_NOTE_LENGTH]


def set_note(db: Database, owner_id: int, contact_id: int, note: str) -> dict[str, Any]:
    """Keep a private note on one's own contact."""
    with kdb.transaction(db):
        get(db, owner_id, contact_id)
        db["contacts"].update(contact_id, {"note": clean_note(note)})
    return get(db, owner_id, contact_id)


def remove(db: Database, owner_id: int, contact_id: int) -> None:
    """Remove a contact from one's own list (the other person keeps theirs)."""
    with kdb.transaction(db):
        contact = get(db, owner_id, contact_id)
        db["contacts"].delete(contact_id)
        detail = {"with": contact["other_id"]}
        attendees.log(db, contact["event_id"], owner_id, "contact_removed", detail=detail)


# -- the desk's swap mode ------------------------------------------------------------------------


@dataclass
class DeskScan:
    """What one scan in the desk's swap mode did."""

    attendee: dict[str, Any]
    #: The first badge of the pair when this scan completed it, else None.
    first: dict[str, Any] | None = None
    #: True when the pair's contact was new (not swapped before).
    created: bool = False
    #: True when an earlier first scan had run out of time and this scan started afresh.
    expired: bool = False
    #: What the desk keeps until the next scan: {"attendee_id", "at"}, or None.
    pending: dict[str, Any] | None = None


def desk_scan(
    db: Database,
    event: Event,
    scanned: str,
    pending: dict[str, Any] | None,
    *,
    desk: str,
    now: float,
) -> DeskScan:
    """One badge scanned in swap mode: the first of a pair waits, the second swaps both."""
    code = attendees.find_code(scanned)
    if code is None:
        raise ContactError("no_code", "No badge code in what was scanned.")
    attendee = attendees.by_code(db, code)
    if attendee is None or attendee["event_id"] != event.id:
        log.info("denied: desk swap with unknown code at %s", desk or "-")
        raise ContactError("unknown_code", "Unknown badge.")
    first = None
    expired = False
    if pending:
        if now - float(pending.get("at", 0)) <= SWAP_WINDOW_SECONDS:
            try:
                first = attendees.get(db, int(pending["attendee_id"]))
            except attendees.AttendeeError:
                first = None
        else:
            expired = True
    if first is None:
        return DeskScan(
            attendee, expired=expired, pending={"attendee_id": attendee["id"], "at": now}
        )
    if first["id"] == attendee["id"]:
        raise ContactError("same_badge", "The same badge twice.")
    created = swap(db, event, first["id"], attendee["id"], how="desk", desk=desk)
    return DeskScan(attendee, first=first, created=created)


def pending_attendee(
    db: Database, pending: dict[str, Any] | None, *, now: float
) -> dict[str, Any] | None:
    """The first badge a desk still waits to pair, or None when none or out of time."""
    if not pending or now - float(pending.get("at", 0)) > SWAP_WINDOW_SECONDS:
        return None
    try:
        return attendees.get(db, int(pending["attendee_id"]))
    except (attendees.AttendeeError, KeyError, ValueError):
        return None


# -- vCards --------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    """A text value escaped for vCard 3.0: backslash, comma, semicolon and line breaks."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded after 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    limit = VCARD_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            # Continuation lines start with one space, which counts toward their 75 octets.
            current, size, limit = " ", 1, VCARD_LINE_OCTETS
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _line(name: str, value: str) -> str:
    """One content line; UTF-8 is named for importers (Outlook) that would guess otherwise."""
    if not value.isascii():
        name += ";CHARSET=UTF-8"
    return _fold(f"{name}:{value}")


def vcard_one(contact: dict[str, Any], *, event_name: str = "") -> str:
    """One contact as a vCard 3.0 (CRLF line ends, folded, escaped)."""
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    name = contact.get("name") or " ".join(p for p in (first, last) if p)
    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    lines.append(_line("N", f"{_escape(last)};{_escape(first)};;;"))
    lines.append(_line("FN", _escape(name)))
    org = [p for p in (contact.get("organisation"), contact.get("project")) if p]
    if org:
        lines.append(_line("ORG", ";".join(_escape(p) for p in org)))
    if contact.get("role"):
        lines.append(_line("TITLE", _escape(contact["role"])))
    if contact.get("email"):
        lines.append(_line("EMAIL;TYPE=INTERNET", _escape(contact["email"])))
    if contact.get("phone"):
        lines.append(_line("TEL;TYPE=VOICE", _escape(contact["phone"])))
    note = []
    if event_name:
        note.append(f"Kennengelernt bei: {event_name}")
    if contact.get("note"):
        note.append(contact["note"])
    if note:
        lines.append(_line("NOTE", _escape("\n".join(note))))
    if contact.get("other_id") is not None:
        uid = uuid.uuid5(VCARD_NAMESPACE, f"{event_name}/{contact['other_id']}")
        lines.append(f"UID:urn:uuid:{uid}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def vcard(contacts: Iterable[dict[str, Any]], *, event_name: str = "") -> str:
    """Several contacts as one vCard 3.0 file (one card after the other); erased people have
    no card."""
    return "".join(vcard_one(c, event_name=event_name) for c in contacts if not c.get("erased"))


def vcard_filename(name: str) -> str:
    """A plain file name for a download: 'Jürgen Groß' -> 'jurgen-gross.vcf'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60]
    return f"{slug or 'kontakt'}.vcf"


# -- the event's privacy notice ------------------------------------------------------------------


#: The trade-off of the desks' offline list, in the notice while the organiser has it on.
OFFLINE_LIST_NOTICE = """
- Damit der Einlass weitergeht, wenn das WLAN ausfällt, halten die Check-in-Geräte (Desks) \
eine Liste mit Name, Organisation und Badge-Code aller Angemeldeten im Browser bereit – sonst \
nichts. Sie wird gelöscht, wenn ein Desk entfernt oder abgemeldet wird und wenn die Daten der \
Veranstaltung gelöscht werden. Ein verlorenes Gerät kann diese Liste enthalten."""


def default_privacy_notice(event: Event) -> str:
    """A German privacy notice made from the event, for the organiser to complete."""
    when = f" am {event.date}" if event.date else ""
    days = int(event.settings.get("retention_days") or 30)
    offline = OFFLINE_LIST_NOTICE if event.settings.get("desk_offline_list") else ""
    return f"""## Wer ist verantwortlich?
Verantwortlich für Ihre Daten bei „{event.name}“{when} ist das Orga-Team des Netzwerks \
{event.network}: {NOTICE_PLACEHOLDER}

## Wofür wir Ihre Daten verwenden
- Anmeldung und Check-in: Name, Organisation, Projekt und Funktion stehen auf Ihrem \
Namensschild; beim Einlass wird Ihre Ankunft vermerkt.
- Auswertung für die Veranstalter und Fördergeber: wer teilgenommen hat und wie viele neue \
Kontakte entstanden sind.
- Nur mit Ihrer Einwilligung: Sie werden anderen Teilnehmenden als Gesprächspartner*in \
vorgeschlagen.
- Nur mit Ihrer Einwilligung: Wenn Sie Kontakte tauschen, sieht Ihr Gegenüber auch Ihre \
E-Mail-Adresse und Telefonnummer.

Rechtsgrundlage ist für Anmeldung und Check-in die Durchführung der Veranstaltung \
(Art. 6 Abs. 1 lit. b DSGVO), für Vorschläge und das Teilen von Kontaktdaten Ihre \
Einwilligung (Art. 6 Abs. 1 lit. a DSGVO).

## Was wir mit wem teilen
- Der QR-Code auf Ihrem Namensschild zeigt nur, was auf dem Schild steht.
- Wer mit Ihnen Kontakte tauscht, sieht Name, Organisation und Projekt; E-Mail und Telefon \
nur, wenn Sie zugestimmt haben.
- Ihre Notizen zu Kontakten sieht niemand außer Ihnen.
- Die Daten bleiben auf dem Rechner des Orga-Teams. Sie werden nicht an Dritte weitergegeben \
und nicht in einer Cloud gespeichert.{offline}

## Wie lange wir Ihre Daten speichern
Spätestens {days} Tage nach der Veranstaltung werden die personenbezogenen Daten dieser \
Veranstaltung gelöscht. Ihre gespeicherten Kontakte können Sie vorher als vCard herunterladen.

## Ihre Rechte
Ihre Einwilligungen können Sie jederzeit auf Ihrer persönlichen Seite geben oder widerrufen; \
ein Widerruf wirkt sofort. Sie haben das Recht auf Auskunft, Berichtigung, Löschung, \
Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch. Wenden Sie sich dazu an \
das Orga-Team. Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde beschweren.
"""


def privacy_notice(event: Event) -> str:
    """The notice attendees see: the organiser's text, else the default made from the event."""
    return event.settings.get("privacy_notice") or default_privacy_notice(event)


def notice_needs_editing(text: str) -> bool:
    """True while the notice still holds a part the organiser has to fill in."""
    return "[bitte eintragen" in text


def set_privacy_notice(db: Database, event: Event, text: str) -> Event:
    """Store the organiser's notice; the default (or nothing) keeps following the event."""
    text = "\n".join(line.rstrip() for line in str(text or "").splitlines()).strip()
    text = text[:MAX_NOTICE_LENGTH]
    if text == default_privacy_notice(event).strip():
        text = ""
    return events.update_settings(db, event.id, {"privacy_notice": text})


def notice_blocks(text: str) -> list[tuple[str, Any]]:
    """The notice as blocks to render safely: ("h", title), ("p", lines) or ("ul", items)."""
    blocks: list[tuple[str, Any]] = []
    # A blank line starts a new block even where two paragraphs or two lists follow each other.
    chunk_started = True
    for chunk in re.split(r"\n\s*\n", text.strip()):
        for line in (line.strip() for line in chunk.splitlines()):
            if not line:
                continue
            if line.startswith("#"):
                blocks.append(("h", line.lstrip("#").strip()))
                continue
            kind = "ul" if line[0] in "-*•" else "p"
            text = line[1:].strip() if kind == "ul" else line
            if blocks and blocks[-1][0] == kind and not chunk_started:
                blocks[-1][1].append(text)
            else:
                blocks.append((kind, [text]))
            chunk_started = False
        chunk_started = True
    return blocks
