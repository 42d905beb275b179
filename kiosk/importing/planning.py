"""Planning: rows grouped by person and matched with stored attendees, writing nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk import db as kdb
from kiosk.events import Event
from kiosk.importing.errors import ImportRefused
from kiosk.importing.mapping import auto_mapping, check_mapping, mapping_fits
from kiosk.importing.reading import Table
from kiosk.importing.rows import Entry, Problem, RowReader
from kiosk.text import clean

#: What the attendee log and consent records say about where data came from.
HOW = "import"
#: How many example values a column shows in the preview.
EXAMPLES_PER_COLUMN = 3


@dataclass
class Action:
    """What importing does for one person: create, update, keep, or cancel an attendee."""

    kind: str  # "create", "update", "unchanged", "cancel"
    entry: Entry
    attendee: dict[str, Any] | None = None
    changed: list[str] = dataclasses.field(default_factory=list)
    data: attendees.AttendeeData | None = None


@dataclass
class ColumnInfo:
    index: int
    header: str
    target: str
    guessed: str
    filled: int
    examples: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.index + 1,
            "header": self.header,
            "target": self.target,
            "guessed": self.guessed,
            "filled": self.filled,
            "examples": self.examples,
        }


@dataclass
class Result:
    """What an import did (or, in a dry run or preview, would do)."""

    table: Table
    mapping: list[str]
    actions: list[Action]
    problems: list[Problem]
    skipped: int
    merged: int
    dry_run: bool = True
    log_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        kinds = [a.kind for a in self.actions]
        return {
            "rows": len(self.table.rows),
            "created": kinds.count("create"),
            "updated": kinds.count("update"),
            "unchanged": kinds.count("unchanged"),
            "cancelled": kinds.count("cancel"),
            "merged": self.merged,
            "skipped": self.skipped,
        }

    def columns(self) -> list[ColumnInfo]:
        """Each column with its target, the guessed target and a few example values."""
        return describe_columns(self.table, self.mapping)

    def source(self) -> dict[str, Any]:
        t = self.table
        return {
            "file": t.filename,
            "format": t.format,
            "encoding": t.encoding,
            "delimiter": t.delimiter,
            "sheet": t.sheet,
            "rows": len(t.rows),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source(),
            "dry_run": self.dry_run,
            "columns": [c.as_dict() for c in self.columns()],
            "counts": self.counts,
            "problems": [p.as_dict() for p in self.problems],
        }


def describe_columns(table: Table, mapping: list[str]) -> list[ColumnInfo]:
    """Each column with its target, the guessed target, how often it is filled, and examples."""
    guessed = auto_mapping(table.header)
    if not mapping_fits(table.header, mapping):
        mapping = guessed
    out = []
    for index, header in enumerate(table.header):
        filled, examples = 0, []
        for _, cells in table.rows:
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                filled += 1
                if len(examples) < EXAMPLES_PER_COLUMN:
                    examples.append(clean(", ".join(value.splitlines()), max_length=60))
        out.append(ColumnInfo(index, header, mapping[index], guessed[index], filled, examples))
    return out


def group_entries(entries: list[Entry], problems: list[Problem]) -> list[Entry]:
    """Rows that describe the same person merged into one entry (later values win).

    Same person: the same e-mail address, else the same identity key (name, organisation and
    class) where at least one of the rows has no e-mail. A cancelled row of a person who also
    has a valid row in the file is ignored: the valid registration counts.
    """
    groups: list[Entry] = []
    by_email: dict[str, Entry] = {}
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        key = entry.key
        group = by_email.get(entry.email) if entry.email else None
        how = "email"
        if group is None:
            how = "name"
            group = next((g for g in by_key.get(key, ()) if not entry.email or not g.email), None)
        if group is None:
            group = Entry(entry.row, entry.data, entry.cancelled, [entry.row], key)
            groups.append(group)
            by_key.setdefault(key, []).append(group)
        elif entry.cancelled:
            continue
        elif group.cancelled:
            group.row, group.rows, group.data = entry.row, [entry.row], entry.data
            group.cancelled, group.key = False, key
        else:
            problems.append(
                Problem(
                    entry.row,
                    "duplicate_row",
                    "info",
                    f"Row {entry.row}: same person as row {group.row} (same "
                    f"{'e-mail address' if how == 'email' else 'name and organisation'}); "
                    "merged.",
                    params={"same_as": group.row, "by": how},
                )
            )
            _merge_into(group, entry)
        if group.email:
            by_email.setdefault(group.email, group)
    return groups


def _merge_into(group: Entry, entry: Entry) -> None:
    """Fill and overwrite a group's data with a later row of the same person."""
    old, new = group.data, entry.data
    for name in attendees.TEXT_FIELDS:
        setattr(old, name, getattr(new, name) or getattr(old, name))
    for name in attendees.LIST_FIELDS:
        setattr(old, name, getattr(new, name) or getattr(old, name))
    old.extra = {**old.extra, **new.extra}
    for name in ("consent_matchmaking", "consent_share_contact"):
        if getattr(new, name) is not None:
            setattr(old, name, getattr(new, name))
    group.rows.append(entry.row)
    group.key = attendees.identity_key(old)


def _existing(db: Database, event_id: int) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """The event's attendees (cancelled ones too) by e-mail and by identity key."""
    by_email: dict[str, dict] = {}
    by_key: dict[str, list[dict]] = {}
    rows = kdb.rows(db, "SELECT * FROM attendees WHERE event_id = ? ORDER BY id", [event_id])
    for row in rows:
        attendee = attendees.from_row(row)
        if attendee["email"]:
            by_email.setdefault(attendee["email"].lower(), attendee)
        by_key.setdefault(attendees.identity_key(attendee), []).append(attendee)
    return by_email, by_key


def _match(
    entry: Entry, by_email: dict[str, dict], by_key: dict[str, list[dict]], claimed: set[int]
) -> dict[str, Any] | None:
    """The stored attendee this entry is, by the rules of attendees.find_duplicate."""
    if entry.email:
        found = by_email.get(entry.email)
        if found and found["id"] not in claimed:
            return found
    for candidate in by_key.get(entry.key, ()):
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


def plan(db: Database, event: Event, table: Table, mapping: list[str] | None = None) -> Result:
    """What importing ``table`` into ``event`` would do, without writing anything."""
    mapping = check_mapping(table.header, mapping)
    entries, problems = RowReader(table, mapping).entries()
    usable = [e for e in entries if not e.cancelled]
    if table.rows and not usable and not any(e.cancelled for e in entries):
        raise ImportRefused(
            "no_names", "No row has a name: check that the name columns are mapped."
        )
    if not table.rows:
        raise ImportRefused("no_rows", "The file has a header but no rows.")
    groups = group_entries(entries, problems)
    merged = sum(len(g.rows) - 1 for g in groups if not g.cancelled)
    by_email, by_key = _existing(db, event.id)
    claimed: set[int] = set()
    actions: list[Action] = []
    for group in groups:
        if group.cancelled:
            continue
        old = _match(group, by_email, by_key, claimed)
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
        old = _match(group, by_email, by_key, claimed)
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
    problems.sort(key=lambda p: p.row)
    # Skipped rows: those without a name and the cancelled ones (merged rows were imported).
    skipped = len(table.rows) - len(entries) + sum(e.cancelled for e in entries)
    return Result(table, mapping, actions, problems, skipped=skipped, merged=merged)
