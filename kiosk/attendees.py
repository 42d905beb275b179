"""Attendees: codes, create, change, delete, find, consents, and the log of what happened."""

from __future__ import annotations

import functools
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import clean, fold, name_key, split_list

#: Badge code alphabet: digits and upper-case letters without Y and Z, which QWERTZ scanners swap.
CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"
#: 20 characters of a 34-letter alphabet: log2(34) * 20 = 101.7 bits, unguessable.
CODE_LENGTH = 20
#: Bytes of randomness in the private link secret (128 bits).
SECRET_BYTES = 16

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "organisation",
    "organisation_type",
    "project",
    "role",
)
LIST_FIELDS = ("interests", "offers", "seeks")
CONSENTS = ("matchmaking", "share_contact", "mail")
#: Longest text kept in one field; longer values are cut, not refused.
MAX_FIELD_LENGTH = 300

# No dot at either end of the local part, none doubled, and none of the characters that only
# appear in a pasted "Name <mail>" or a list of addresses.
_EMAIL = re.compile(
    r"^[^@\s.,;:<>()\[\]\"\\]+(?:\.[^@\s.,;:<>()\[\]\"\\]+)*"
    r"@[^@\s.,;:<>()\[\]\"\\_]+(?:\.[^@\s.,;:<>()\[\]\"\\_]+)+$"
)
#: The words of a folded name: letters of every script and digits.
_NAME_WORD = re.compile(r"\w+")
#: Names whose words are remembered (an import compares the names of people sharing an address).
NAME_CACHE_SIZE = 8192
_CODE_RE = re.compile(rf"(?<![0-9A-Z])[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?![0-9A-Z])")

#: Organisation types offered in forms; imported files may bring others, which are kept as given.
ORGANISATION_TYPES = (
    "Betrieb",
    "Schule",
    "Schulamt",
    "Jobcenter",
    "Agentur für Arbeit",
    "Kammer",
    "Freier Träger",
    "Jugendprojekt",
    "Kommune",
    "Hochschule",
    "Sonstige",
)


class AttendeeError(KioskError):
    """An attendee could not be found, created or changed; ``code`` says why.

    A refused form says which fields: ``problems`` holds (field, code) pairs, the first of
    them also as ``field`` and ``code``.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        field: str = "",
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.field = field
        self.problems = problems or ([(field, code)] if field else [])


@dataclass
class AttendeeData:
    """What a form, an import row or the demo says about one person."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    organisation: str = ""
    organisation_type: str = ""
    project: str = ""
    role: str = ""
    interests: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    seeks: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    consent_matchmaking: bool | None = None
    consent_share_contact: bool | None = None
    consent_mail: bool | None = None

    def cleaned(self) -> AttendeeData:
        """A copy with every value made safe to store: trimmed, capped, lists split."""
        values = {f: clean(getattr(self, f), max_length=MAX_FIELD_LENGTH) for f in TEXT_FIELDS}
        values["email"] = values["email"].lower()
        lists = {f: split_list(getattr(self, f)) for f in LIST_FIELDS}
        extra = {clean(k, max_length=60): clean(v) for k, v in self.extra.items() if clean(v)}
        return AttendeeData(
            **values,
            **lists,
            extra=extra,
            **{f"consent_{c}": getattr(self, f"consent_{c}") for c in CONSENTS},
        )

    def problems(self) -> list[tuple[str, str]]:
        """(field, code) pairs for what makes this person unusable or doubtful."""
        found = []
        if not (self.first_name or self.last_name):
            found.append(("first_name", "name_missing"))
        if self.email and not valid_email(self.email):
            found.append(("email", "email_invalid"))
        return found


def validate(data: AttendeeData) -> None:
    """Raise for a person kiosk cannot store: no name, or an e-mail that mail cannot reach
    (``data`` cleaned already)."""
    problems = data.problems()
    if problems:
        field, code = problems[0]
        raise AttendeeError(
            code, f"Not saved: {', '.join(c for _, c in problems)}", field, problems
        )


def valid_email(value: str) -> bool:
    """True for an address that mail can be sent to, as far as its form tells."""
    return bool(_EMAIL.match(value)) and len(value) <= MAX_FIELD_LENGTH


def new_code() -> str:
    """A fresh badge code: 20 characters from the scanner-safe alphabet, uniformly random."""
    number = secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH)
    digits = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def new_secret() -> str:
    """A fresh private-link secret, unrelated to the badge code."""
    return secrets.token_urlsafe(SECRET_BYTES)


def find_code(text: str) -> str | None:
    """The badge code inside what a desk received, or None.

    Accepts the bare code, the badge URL, and that URL as a scanner on a German QWERTZ layout
    types it (Y and Z swapped, ':' as 'Ö', '/' as '-'); case is ignored.
    """
    # The code has neither Y nor Z, so a QWERTZ swap of those cannot touch it; the separators
    # around it (':' typed as 'Ö', '/' as '-') only need to be something other than a code letter.
    matches = _CODE_RE.findall(text.strip().upper())
    return matches[-1] if matches else None


def search_key(values: dict[str, Any]) -> str:
    """The folded text name search looks in: names, organisation, e-mail."""
    parts = [values.get(f) or "" for f in ("first_name", "last_name", "organisation", "email")]
    return fold(" ".join(parts))


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """An attendee row as the rest of the app uses it: lists decoded, consents as booleans."""
    out = dict(row)
    for f in LIST_FIELDS:
        out[f] = json.loads(row.get(f) or "[]")
    out["extra"] = json.loads(row.get("extra") or "{}")
    for c in CONSENTS:
        value = row.get(f"consent_{c}")
        out[f"consent_{c}"] = None if value is None else bool(value)
    out["name"] = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    return out


def is_present(attendee: dict[str, Any]) -> bool:
    """Here now: checked in and not checked out since (templates: ``a is present``)."""
    return bool(attendee.get("checked_in_at")) and not attendee.get("checked_out_at")


def public_view(attendee: dict[str, Any]) -> dict[str, Any]:
    """What anybody who sees the badge may know: what the badge prints, nothing more."""
    keys = ("code", "first_name", "last_name", "name", "organisation", "project", "role")
    return {k: attendee.get(k, "") for k in keys}


def export_view(attendee: dict[str, Any]) -> dict[str, Any]:
    """The fields scripts and checks read (``kiosk attendees --json``)."""
    keys = (
        "code",
        *TEXT_FIELDS,
        *LIST_FIELDS,
        *(f"consent_{c}" for c in CONSENTS),
        "checked_in_at",
        "checked_in_desk",
        "status",
    )
    out = {k: attendee.get(k) for k in keys}
    for c in CONSENTS:
        out[f"consent_{c}"] = bool(attendee.get(f"consent_{c}"))
    return out


def log(
    db: Database,
    event_id: int,
    attendee_id: int | None,
    action: str,
    *,
    desk: str = "",
    detail: dict[str, Any] | None = None,
    at: str | None = None,
) -> None:
    """Append one entry to the attendee log (call inside the caller's transaction); ``at`` is
    when it happened, if not now (a check-in recorded with its scan time).

    Plain SQL: it runs inside the write lock on every check-in, where sqlite-utils' insert
    (schema lookups and a savepoint) would add five statements for other desks to wait on.
    """
    db.execute(
        "INSERT INTO attendee_log (event_id, attendee_id, at, action, desk, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            event_id,
            attendee_id,
            at or kdb.now(),
            action,
            desk,
            json.dumps(detail or {}, ensure_ascii=False),
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


#: Extra columns that name the part of an organisation a person belongs to (compared folded).
#: They tell apart people without an e-mail who share a name and an organisation: two pupils
#: called Leon Schmidt at one school are different people when their classes differ.
UNIT_HEADERS = frozenset(
    {
        "klasse",
        "class",
        "schulklasse",
        "jahrgang",
        "jahrgangsstufe",
        "lerngruppe",
        "abteilung",
        "department",
    }
)


def unit_of(extra: dict[str, Any]) -> str:
    """The class or department an extra column gives, or ''."""
    for key, value in extra.items():
        if fold(key) in UNIT_HEADERS and value:
            return str(value)
    return ""


def identity_key(person: AttendeeData | dict[str, Any]) -> str:
    """The key that recognises a person without an e-mail: name, organisation and unit."""
    if isinstance(person, AttendeeData):
        return name_key(
            person.first_name, person.last_name, person.organisation, unit_of(person.extra)
        )
    return name_key(
        person.get("first_name") or "",
        person.get("last_name") or "",
        person.get("organisation") or "",
        unit_of(person.get("extra") or {}),
    )


def person_for(db: Database, network: str, data: AttendeeData, key: str = "") -> int:
    """The person (across events of one network) this data describes; created when new.

    The rule of ``find_duplicate``: the same e-mail address with a name that agrees, else the
    same name, organisation and unit where one of the two has no e-mail. ``key`` is the data's
    ``identity_key`` when the caller has it already.
    """
    key = key or identity_key(data)
    row = None
    if data.email:
        # A person's name is that of their attendees; one whose attendees were all deleted is
        # compared by its stored key. Only persons whose key holds this family name (or, names
        # in swapped columns, this first name) can agree: many may share one address.
        first_key, last_key = key.split("|")[:2]
        candidates = kdb.rows(
            db,
            "SELECT p.id, p.name_key, a.first_name, a.last_name FROM persons p "
            "LEFT JOIN attendees a ON a.person_id = p.id "
            "WHERE p.network = ? AND p.email = ? "
            "AND (instr(p.name_key || '|', ?) > 0 OR instr(p.name_key || '|', ?) > 0) "
            "ORDER BY p.id",
            [network, data.email, f"|{last_key}|", f"|{first_key}|"],
        )
        row = next((c for c in candidates if _person_named(c, data, key)), None)
    if row is None:
        row = kdb.one(
            db,
            "SELECT id FROM persons WHERE network = ? AND name_key = ? "
            "AND (email IS NULL OR email = '' OR ? = '')",
            [network, key, data.email],
        )
    if row is not None:
        if data.email:
            db.execute(
                "UPDATE persons SET email = ? WHERE id = ? AND (email IS NULL OR email = '')",
                [data.email, row["id"]],
            )
        return row["id"]
    return new_person(db, network, data.email, key)


def new_person(db: Database, network: str, email: str, key: str) -> int:
    """Record a person nobody of the network is yet (``person_for`` decides that)."""
    # A plain INSERT: an import creates thousands of persons in one go.
    cursor = db.execute(
        "INSERT INTO persons (network, email, name_key, created_at) VALUES (?, ?, ?, ?)",
        [network, email, key, kdb.now()],
    )
    return cursor.lastrowid


def _person_named(candidate: dict[str, Any], data: AttendeeData, key: str) -> bool:
    if candidate["first_name"] is not None:
        return names_agree(
            data.first_name, data.last_name, candidate["first_name"], candidate["last_name"]
        )
    first, last = (candidate["name_key"] or "||").split("|")[:2]
    mine_first, mine_last = key.split("|")[:2]
    return last == mine_last and (first == mine_first or not first or not mine_first)


def names_agree(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Whether two names can be one person's: the same family name and first names that agree,
    or the same words in swapped columns.

    First names agree when they are the same, one is missing, or one is a shorter form of the
    other ("Anna" for "Anna Maria", "A." for "Anna"). Case, accents and "ae"/"ä" do not count.
    A shared e-mail address alone is no evidence: a school office registers its teachers with
    its one address.
    """
    fa, la, fb, lb = (name_words(n) for n in (first_a, last_a, first_b, last_b))
    if la == lb:
        if not fa or not fb:
            return True
        short, long = sorted((fa, fb), key=len)
        return all(_word_agrees(x, y) for x, y in zip(short, long, strict=False))
    return sorted(fa + la) == sorted(fb + lb)


@functools.lru_cache(maxsize=NAME_CACHE_SIZE)
def name_words(name: str) -> tuple[str, ...]:
    """The folded words of a name, as ``names_agree`` compares them."""
    return tuple(_NAME_WORD.findall(fold(name)))


def _word_agrees(a: str, b: str) -> bool:
    """The same word, or an initial of it."""
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def find_duplicate(db: Database, event_id: int, data: AttendeeData) -> dict[str, Any] | None:
    """An attendee of this event who is the same person (cancelled ones are found too).

    Same person: the same e-mail address with a name that agrees (``names_agree``), else the
    same name, organisation and unit where at least one of the two has no e-mail (two people
    with one name and different addresses are two people; so are two people sharing one
    address).
    """
    email = data.email.strip().lower()
    if email:
        rows = kdb.rows(
            db,
            "SELECT * FROM attendees WHERE event_id = ? AND lower(email) = ? ORDER BY id",
            [event_id, email],
        )
        for row in rows:
            if names_agree(data.first_name, data.last_name, row["first_name"], row["last_name"]):
                return from_row(row)
    key = identity_key(data)
    candidates = kdb.rows(
        db,
        "SELECT id, first_name, last_name, organisation, email, extra FROM attendees "
        "WHERE event_id = ? ORDER BY id",
        [event_id],
    )
    for row in candidates:
        if email and row["email"]:
            continue
        row["extra"] = json.loads(row["extra"] or "{}")
        if identity_key(row) == key:
            return get(db, row["id"])
    return None


def _consent_values(data: AttendeeData, how: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for c in CONSENTS:
        given = getattr(data, f"consent_{c}")
        if given is not None:
            values[f"consent_{c}"] = int(bool(given))
            values[f"consent_{c}_at"] = kdb.now()
            values[f"consent_{c}_how"] = how
    return values


def _row_values(data: AttendeeData) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(data, f) for f in TEXT_FIELDS}
    for f in LIST_FIELDS:
        values[f] = json.dumps(getattr(data, f), ensure_ascii=False)
    values["extra"] = json.dumps(data.extra, ensure_ascii=False)
    values["search_key"] = search_key(values)
    return values


def create(
    db: Database, event: Event, data: AttendeeData, *, how: str, desk: str = ""
) -> dict[str, Any]:
    """Create an attendee with a fresh badge code and private secret."""
    data = data.cleaned()
    validate(data)
    with kdb.transaction(db):
        stamp = kdb.now()
        values = {
            **_row_values(data),
            **_consent_values(data, how),
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
    new = _row_values(data)
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
            values = {**changed, "search_key": _row_values(data)["search_key"]}
            values["updated_at"] = kdb.now()
            consents = _consent_values(data, how)
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


def asdict_data(data: AttendeeData) -> dict[str, Any]:
    """AttendeeData as a plain dict (for previews and JSON)."""
    return asdict(data)
