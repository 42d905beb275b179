"""Who is the same person: in one event (an import, a walk-in) and across the events of one
network. A shared e-mail address alone is never enough: a school office registers its
teachers with its one address."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.attendees.fields import AttendeeData, from_row
from kiosk.text import fold, name_key

#: The words of a folded name: letters of every script and digits.
_NAME_WORD = re.compile(r"\w+")
#: Names whose words are remembered (an import compares the names of people sharing an address).
NAME_CACHE_SIZE = 8192

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
            found = kdb.one(db, "SELECT * FROM attendees WHERE id = ?", [row["id"]])
            return from_row(found) if found else None
    return None
