"""What an import does or would do: actions, merges, shared addresses and columns, as shown."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kiosk import attendees
from kiosk.importing.mapping import Suggestion, mapping_fits, suggest
from kiosk.importing.reading import Table
from kiosk.importing.rows import Entry, Problem
from kiosk.text import clean

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
class Merge:
    """Two rows taken for one person (or, when the organiser chose so, kept apart)."""

    row: int  # the person's first row
    other: int  # the row merged into it
    by: str  # "registration", "email" (address and name) or "name" (name and organisation)
    first: attendees.AttendeeData  # the first row as read, before the merge
    second: attendees.AttendeeData
    kept_apart: bool = False

    @property
    def pair(self) -> str:
        """How the preview's form names this merge."""
        return f"{self.row}-{self.other}"

    def as_dict(self) -> dict[str, Any]:
        return {"rows": [self.row, self.other], "by": self.by, "kept_apart": self.kept_apart}


@dataclass
class SharedAddress:
    """An e-mail address that several different people use (a school office's, a team's)."""

    email: str
    rows: list[int]  # the rows of this file with it
    names: list[str]  # their names, in the same order
    registered: list[str]  # attendees already in the event who use it too

    def as_dict(self) -> dict[str, Any]:
        return {"email": self.email, "rows": self.rows, "registered": len(self.registered)}


@dataclass
class ColumnInfo:
    """One column as the preview shows it: where it goes, what was guessed, and why."""

    index: int
    header: str
    target: str
    guessed: str
    filled: int
    examples: list[str]
    candidate: str = ""  # the field its header suggests
    misfit: str = ""  # why its values do not fit that field
    preferred: str = ""  # the column chosen for that field instead of this one
    secondary: bool = False  # about the order or the form's filler, not the attendee

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "column": self.index + 1,
            "header": self.header,
            "target": self.target,
            "guessed": self.guessed,
            "filled": self.filled,
            "examples": self.examples,
        }
        if self.misfit:
            out["not_mapped"] = {"field": self.candidate, "reason": self.misfit}
        if self.preferred:
            out["alternative"] = {"field": self.candidate, "chosen": self.preferred}
        return out


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
    tool: str = ""  # the tool whose export the file is ("pretix"), or ""
    merges: list[Merge] = dataclasses.field(default_factory=list)
    shared: list[SharedAddress] = dataclasses.field(default_factory=list)
    suggestion: Suggestion | None = None

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

    @property
    def no_matchmaking_consent(self) -> bool:
        """True when no row of the file consents to matchmaking (no such column, or nobody said
        yes): then nobody gets suggestions until consent is collected."""
        return not any(a.entry.data.consent_matchmaking for a in self.actions if a.kind != "cancel")

    @property
    def notices(self) -> list[str]:
        """Codes of what the organiser should know about the import as a whole."""
        return ["no_matchmaking_consent"] if self.no_matchmaking_consent else []

    def columns(self) -> list[ColumnInfo]:
        """Each column with its target, the guessed target and a few example values."""
        return describe_columns(self.table, self.mapping, self.suggestion)

    def source(self) -> dict[str, Any]:
        t = self.table
        return {
            "file": t.filename,
            "format": t.format,
            "encoding": t.encoding,
            "delimiter": t.delimiter,
            "sheet": t.sheet,
            "rows": len(t.rows),
            "tool": self.tool,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source(),
            "tool": self.tool or None,
            "dry_run": self.dry_run,
            "columns": [c.as_dict() for c in self.columns()],
            "counts": self.counts,
            "merges": [m.as_dict() for m in self.merges],
            "shared_emails": [s.as_dict() for s in self.shared],
            "problems": [p.as_dict() for p in self.problems],
            "notices": self.notices,
        }


def describe_columns(
    table: Table, mapping: list[str], suggestion: Suggestion | None = None
) -> list[ColumnInfo]:
    """Each column with its target, the guessed target and the reasons of the guess, how often
    it is filled, and examples."""
    suggestion = suggestion or suggest(table.header, table.rows)
    guessed = suggestion.mapping
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
        guess = suggestion.columns[index]
        out.append(
            ColumnInfo(
                index,
                header,
                mapping[index],
                guessed[index],
                filled,
                examples,
                candidate=guess.candidate,
                misfit=guess.misfit,
                preferred=guess.preferred,
                secondary=guess.secondary,
            )
        )
    return out
