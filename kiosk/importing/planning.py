"""Planning: rows grouped by person and matched with stored attendees, writing nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk import db as kdb
from kiosk.events import Event
from kiosk.importing.errors import ImportRefused
from kiosk.importing.mapping import check_mapping, suggest
from kiosk.importing.reading import Table
from kiosk.importing.result import Action, Merge, Result, SharedAddress
from kiosk.importing.rows import REGISTRATION_KEY, Entry, Problem, RowReader

# One rule decides who is the same person, in the file and against the event's attendees: the
# same registration number with the same e-mail address or a name that agrees (a corrected name
# or address is still the same registration); else the same e-mail address with a name that
# agrees (``attendees.names_agree``); else, where one of the two has no e-mail, the same name,
# organisation and unit. An address alone is no evidence: a school office registers its
# teachers with its one address, and each of them gets a badge.

#: What the attendee log and consent records say about where data came from.
HOW = "import"
#: How the messages name the evidence of a merge.
EVIDENCE = {
    "registration": "same registration number",
    "email": "same e-mail address and name",
    "name": "same name and organisation",
}


def _names_agree(a: Entry | dict[str, Any], b: Entry | dict[str, Any]) -> bool:
    first_a, last_a = _name(a)
    first_b, last_b = _name(b)
    return attendees.names_agree(first_a, last_a, first_b, last_b)


def _name(person: Entry | dict[str, Any]) -> tuple[str, str]:
    if isinstance(person, Entry):
        return person.data.first_name, person.data.last_name
    return person["first_name"] or "", person["last_name"] or ""


def _corroborates(entry: Entry, other: Entry | dict[str, Any]) -> bool:
    """A registration number counts with the same e-mail address or a name that agrees: the
    numbers of forms and surveys (1, 2, 3...) repeat across forms."""
    email = other.email if isinstance(other, Entry) else (other["email"] or "").lower()
    return bool(entry.email and entry.email == email) or _names_agree(entry, other)


class _Addresses:
    """People by e-mail address, and by name where many share one address.

    Names agree only with the same family name or the same words in other columns
    (``attendees.names_agree``), so where more than LINEAR people share an address (a school
    office registering its pupils) two lookups by name find every candidate.
    """

    #: Up to this many people at one address are each compared with a new row.
    LINEAR = 16

    def __init__(self) -> None:
        self.people: dict[str, list[Any]] = {}
        self.names: dict[str, dict[tuple[Any, ...], list[Any]]] = {}
        self.keys: dict[tuple[str, int], list[tuple[Any, ...]]] = {}

    @staticmethod
    def _name_keys(first: str, last: str) -> list[tuple[Any, ...]]:
        given, family = attendees.name_words(first), attendees.name_words(last)
        return [("family", family), ("words", tuple(sorted(given + family)))]

    def add(self, email: str, person: Any) -> None:
        """Add a person (again, after their name changed in a merge)."""
        people = self.people.setdefault(email, [])
        if (email, id(person)) not in self.keys:
            people.append(person)
            self.keys[(email, id(person))] = []
        if email not in self.names and len(people) > self.LINEAR:
            self.names[email] = {}
            for other in people:
                self._index(email, other)
        elif email in self.names:
            self._index(email, person)

    def _index(self, email: str, person: Any) -> None:
        known = self.keys[(email, id(person))]
        for key in self._name_keys(*_name(person)):
            if key not in known:
                known.append(key)
                self.names[email].setdefault(key, []).append(person)

    def candidates(self, email: str, first: str, last: str) -> list[Any]:
        """The people at this address whose name might agree with this one."""
        if email not in self.names:
            return self.people.get(email, [])
        found: list[Any] = []
        for key in self._name_keys(first, last):
            found += [p for p in self.names[email].get(key, ()) if not any(p is f for f in found)]
        return found


class _Index:
    """Groups of this file by registration number, e-mail address and name, and identity key."""

    def __init__(self) -> None:
        self.by_registration: dict[str, Entry] = {}
        self.by_address = _Addresses()
        self.by_key: dict[str, list[Entry]] = {}

    def add(self, group: Entry) -> None:
        if group.registration:
            self.by_registration.setdefault(group.registration, group)
        if group.email:
            self.by_address.add(group.email, group)
        if group not in self.by_key.get(group.key, ()):
            self.by_key.setdefault(group.key, []).append(group)

    def same_person(self, entry: Entry) -> tuple[Entry | None, str]:
        """The group this row belongs to, and by which evidence."""
        found = self.by_registration.get(entry.registration) if entry.registration else None
        if found is not None and _corroborates(entry, found):
            return found, "registration"
        if entry.email:
            first, last = _name(entry)
            for group in self.by_address.candidates(entry.email, first, last):
                if group.email == entry.email and _names_agree(entry, group):
                    return group, "email"
        for group in self.by_key.get(entry.key, ()):
            if not entry.email or not group.email:
                return group, "name"
        return None, ""


def group_entries(
    entries: list[Entry], problems: list[Problem], apart: Iterable[tuple[int, int]] = ()
) -> tuple[list[Entry], list[Merge]]:
    """Rows that describe the same person merged into one entry (later values win), and the
    merges made (and those the organiser undid: ``apart`` holds (first row, other row) pairs).

    A cancelled row of a person who also has a valid row in the file is ignored: the valid
    registration counts.
    """
    apart = set(apart)
    groups: list[Entry] = []
    merges: list[Merge] = []
    index = _Index()
    for entry in entries:
        group, how = index.same_person(entry)
        if group is not None and not entry.cancelled and (group.row, entry.row) in apart:
            merges.append(Merge(group.row, entry.row, how, _copy(group), entry.data, True))
            problems.append(
                Problem(
                    entry.row,
                    "kept_apart",
                    "info",
                    f"Row {entry.row}: kept apart from row {group.row}, as chosen.",
                    params={"same_as": group.row},
                )
            )
            group = None
        if group is None:
            group = Entry(entry.row, entry.data, entry.cancelled, [entry.row], entry.key)
            groups.append(group)
        elif entry.cancelled:
            continue
        elif group.cancelled:
            group.row, group.rows, group.data = entry.row, [entry.row], entry.data
            group.cancelled, group.key = False, entry.key
        else:
            merges.append(Merge(group.row, entry.row, how, _copy(group), entry.data))
            problems.append(
                Problem(
                    entry.row,
                    "duplicate_row",
                    "info",
                    f"Row {entry.row}: same person as row {group.row} ({EVIDENCE[how]}); merged.",
                    params={"same_as": group.row, "by": how},
                )
            )
            _merge_into(group, entry)
        index.add(group)
    return groups, merges


def _copy(group: Entry) -> attendees.AttendeeData:
    return dataclasses.replace(group.data, extra=dict(group.data.extra))


def _merge_into(group: Entry, entry: Entry) -> None:
    """Fill and overwrite a group's data with a later row of the same person."""
    old, new = group.data, entry.data
    # A row with first and family name in swapped columns does not swap the stored name.
    swapped = (
        old.last_name
        and new.last_name
        and (attendees.name_words(old.last_name) != attendees.name_words(new.last_name))
    )
    for name in attendees.TEXT_FIELDS:
        if swapped and name in ("first_name", "last_name"):
            continue
        setattr(old, name, getattr(new, name) or getattr(old, name))
    for name in attendees.LIST_FIELDS:
        setattr(old, name, getattr(new, name) or getattr(old, name))
    old.extra = {**old.extra, **new.extra}
    for name in (f"consent_{c}" for c in attendees.CONSENTS):
        if getattr(new, name) is not None:
            setattr(old, name, getattr(new, name))
    group.rows.append(entry.row)
    group.key = attendees.identity_key(old)


class Stored:
    """The event's attendees (cancelled ones too), by what identifies them."""

    def __init__(self, db: Database, event_id: int) -> None:
        self.by_email: dict[str, list[dict[str, Any]]] = {}
        self.by_address = _Addresses()
        self.by_key: dict[str, list[dict[str, Any]]] = {}
        self.by_registration: dict[str, dict[str, Any]] = {}
        rows = kdb.rows(db, "SELECT * FROM attendees WHERE event_id = ? ORDER BY id", [event_id])
        for row in rows:
            attendee = attendees.from_row(row)
            if attendee["email"]:
                email = attendee["email"].lower()
                self.by_email.setdefault(email, []).append(attendee)
                self.by_address.add(email, attendee)
            self.by_key.setdefault(attendees.identity_key(attendee), []).append(attendee)
            registration = attendee["extra"].get(REGISTRATION_KEY)
            if registration:
                self.by_registration.setdefault(registration, attendee)

    def match(self, entry: Entry, claimed: set[int]) -> dict[str, Any] | None:
        """The stored attendee this entry is (and no other entry of this file is yet)."""
        found = self.by_registration.get(entry.registration) if entry.registration else None
        if found is not None and found["id"] not in claimed and _corroborates(entry, found):
            return found
        if entry.email:
            first, last = _name(entry)
            for candidate in self.by_address.candidates(entry.email, first, last):
                if candidate["id"] not in claimed and _names_agree(entry, candidate):
                    return candidate
        for candidate in self.by_key.get(entry.key, ()):
            if candidate["id"] in claimed:
                continue
            if not entry.email or not candidate["email"]:
                return candidate
        return None


def _update_data(old: dict[str, Any], new: attendees.AttendeeData) -> attendees.AttendeeData:
    """What to store for a known attendee: empty cells keep stored values, and a consent given
    or withdrawn elsewhere (at the desk, on their own page) is newer than a registration file."""
    data = dataclasses.replace(new, extra=dict(new.extra))
    for name in attendees.TEXT_FIELDS:
        if not getattr(data, name):
            setattr(data, name, old.get(name) or "")
    for name in attendees.LIST_FIELDS:
        if not getattr(data, name):
            setattr(data, name, list(old.get(name) or []))
    data.extra = {**(old.get("extra") or {}), **data.extra}
    for consent in attendees.CONSENTS:
        how = old.get(f"consent_{consent}_how") or ""
        if old.get(f"consent_{consent}") is not None and how and not how.startswith(HOW):
            setattr(data, f"consent_{consent}", None)
    return data


def plan(
    db: Database,
    event: Event,
    table: Table,
    mapping: list[str] | None = None,
    *,
    apart: Iterable[tuple[int, int]] = (),
) -> Result:
    """What importing ``table`` into ``event`` would do, without writing anything.

    ``apart`` lists the merges of rows the organiser undid, as (first row, other row) pairs.
    """
    suggestion = suggest(table.header, table.rows)
    mapping = check_mapping(table.header, suggestion.mapping if mapping is None else mapping)
    entries, problems = RowReader(table, mapping, suggestion.tool).entries()
    usable = [e for e in entries if not e.cancelled]
    if table.rows and not usable and not any(e.cancelled for e in entries):
        raise ImportRefused(
            "no_names", "No row has a name: check that the name columns are mapped."
        )
    if not table.rows:
        raise ImportRefused("no_rows", "The file has a header but no rows.")
    groups, merges = group_entries(entries, problems, apart)
    merged = sum(len(g.rows) - 1 for g in groups if not g.cancelled)
    stored = Stored(db, event.id)
    claimed: set[int] = set()
    actions: list[Action] = []
    for group in groups:
        if group.cancelled:
            continue
        old = stored.match(group, claimed)
        if old is None:
            actions.append(Action("create", group, data=group.data))
            continue
        claimed.add(old["id"])
        data = _update_data(old, group.data)
        changed = sorted(attendees.changes_between(old, data))
        if old["status"] == "cancelled":
            changed.append("status")
        actions.append(Action("update" if changed else "unchanged", group, old, changed, data))
    for group in groups:
        if not group.cancelled:
            continue
        old = stored.match(group, claimed)
        if old is not None and old["status"] != "cancelled":
            claimed.add(old["id"])
            actions.append(Action("cancel", group, old, ["status"]))
            problems[:] = [p for p in problems if (p.row, p.code) != (group.row, "cancelled")]
            problems.append(
                Problem(
                    group.row,
                    "marked_cancelled",
                    "info",
                    f"Row {group.row}: was registered before; now marked as cancelled.",
                )
            )
    shared = _shared_addresses(actions, stored, claimed, problems)
    problems.sort(key=lambda p: p.row)
    # Skipped rows: those without a name and the cancelled ones (merged rows were imported).
    skipped = len(table.rows) - len(entries) + sum(e.cancelled for e in entries)
    return Result(
        table,
        mapping,
        actions,
        problems,
        skipped=skipped,
        merged=merged,
        tool=suggestion.tool,
        merges=merges,
        shared=shared,
        suggestion=suggestion,
    )


def _shared_addresses(
    actions: list[Action], stored: Stored, claimed: set[int], problems: list[Problem]
) -> list[SharedAddress]:
    """The addresses several different people of this import use, each row after the first
    (and each new row whose address an attendee of the event has) noted as a problem."""
    people: dict[str, list[Action]] = {}
    for action in actions:
        if action.kind != "cancel" and action.entry.email:
            people.setdefault(action.entry.email, []).append(action)
    # A row the organiser kept apart is already noted as such.
    noted = {p.row for p in problems if p.code == "kept_apart"}
    shared = []
    for email, sharing in people.items():
        others = [
            a
            for a in stored.by_email.get(email, ())
            if a["id"] not in claimed and a["status"] != "cancelled"
        ]
        if len(sharing) + len(others) < 2:
            continue
        first = sharing[0].entry.row
        for action in sharing:
            row = action.entry.row
            if row in noted:
                continue
            if row != first:
                problems.append(_shared_problem(row, {"same_as": first}))
            elif others and action.kind == "create":
                problems.append(_shared_problem(row, {"registered": len(others)}))
        shared.append(
            SharedAddress(
                email,
                [a.entry.row for a in sharing],
                [" ".join(_name(a.entry)).strip() for a in sharing],
                [a["name"] for a in others],
            )
        )
    return shared


def _shared_problem(row: int, params: dict[str, int]) -> Problem:
    whom = f"row {params['same_as']}" if "same_as" in params else "an attendee already registered"
    return Problem(
        row,
        "shared_email",
        "info",
        f"Row {row}: same e-mail address as {whom}, but another name; imported as a "
        "different person.",
        params=params,
    )
