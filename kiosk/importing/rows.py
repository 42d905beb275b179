"""Rows to attendee data: names split, e-mails cleaned, consents read, problems noted."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from kiosk import attendees
from kiosk.importing.mapping import option_of
from kiosk.importing.reading import Table
from kiosk.importing.values import LIST_TARGETS, NO_WORDS, is_cancelled, is_empty
from kiosk.text import clean, is_yes

# fmt: off
#: Words before a name that are not part of it (compared without a trailing dot).
NAME_TITLES = frozenset(
    {"herr", "frau", "hr", "fr", "mr", "mrs", "ms", "dr", "prof", "dipl.-ing", "dipl.-päd", "mag"}
)
#: Lower-case particles that start a family name in a single name column ("Sören von Brühl").
NAME_PARTICLES = frozenset({
    "von", "vom", "zu", "zum", "zur", "van", "de", "der", "den", "di", "da", "del", "della",
    "dos", "du", "la", "le", "ten", "ter", "al", "el", "bin", "ibn",
})
# fmt: on
#: The extra value that keeps a registration's number, so that importing the tool's next export
#: finds the attendee again even when the name or e-mail address was corrected.
REGISTRATION_KEY = "Anmelde-ID"


@dataclass
class Problem:
    """Something about one row: ``severity`` is "error" (row skipped), "warning" or "info"."""

    row: int
    code: str
    severity: str
    message: str
    field: str = ""
    value: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            **({"params": self.params} if self.params else {}),
        }


@dataclass(eq=False)
class Entry:
    """One row read as an attendee (or a cancellation), with its identity keys; entries are
    equal only to themselves."""

    row: int
    data: attendees.AttendeeData
    cancelled: bool = False
    rows: list[int] = dataclasses.field(default_factory=list)
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or attendees.identity_key(self.data)

    @property
    def email(self) -> str:
        return self.data.email

    @property
    def registration(self) -> str:
        """The registration number the file gives ('' when none)."""
        return self.data.extra.get(REGISTRATION_KEY, "")


def _without_titles(words: list[str]) -> list[str]:
    """Leading salutations and academic titles dropped: a badge's large line is the first name."""
    while len(words) > 1 and words[0].casefold().rstrip(".") in NAME_TITLES:
        words = words[1:]
    return words


def split_name(value: str) -> tuple[str, str]:
    """A single name cell as (first, last): "Müller, Anna", "Anna Müller", "Sören von Brühl"."""
    value = clean(value)
    if "," in value:
        last, _, first = value.partition(",")
        return " ".join(_without_titles(first.split())), last.strip()
    words = _without_titles(value.split(" "))
    if len(words) == 1:
        return "", value
    for index in range(1, len(words) - 1):
        if words[index] in NAME_PARTICLES:
            return " ".join(words[:index]), " ".join(words[index:])
    return " ".join(words[:-1]), words[-1]


def _bare_email(value: str) -> str:
    """The address in "mailto:a@b.de" or "Anna Müller <a@b.de>"; anything else as it is."""
    if value[:7].lower() == "mailto:":
        value = value[7:]
    match = re.fullmatch(r"[^<>]*<([^<>]+)>\s*", value)
    return match.group(1).strip() if match else value


class RowReader:
    """Turns the rows of a table into Entries and Problems under one mapping."""

    def __init__(self, table: Table, mapping: list[str], tool: str = "") -> None:
        self.table = table
        self.mapping = mapping
        self.columns: dict[str, list[int]] = {}
        for index, target in enumerate(mapping):
            self.columns.setdefault(target, []).append(index)
        self.extra_columns = [(i, table.header[i]) for i in self.columns.get("extra", [])]
        #: The answers named by checkbox columns of list fields (column index -> answer).
        self.options = {
            i: option_of(table.header[i])
            for target in LIST_TARGETS
            for i in self.columns.get(target, ())
        }
        # Numbers are only unique within one tool (or one column): "pretix: ABC12-1".
        reg_headers = [table.header[i] for i in self.columns.get("registration_id", ())]
        self.registration_source = tool or " + ".join(reg_headers)
        #: The column of each attendee text field (one each: see mapping.MULTI_TARGETS).
        self.text_columns = [
            (f, self.columns[f][0]) for f in attendees.TEXT_FIELDS if f in self.columns
        ]
        self.may_cancel = "status" in self.columns or "cancelled" in self.columns
        self.width = len(table.header)

    def entries(self) -> tuple[list[Entry], list[Problem]]:
        """Every row as an Entry (cancelled ones marked); rows without a name are problems."""
        entries, problems = [], []
        for number, cells in self.table.rows:
            entry = self.entry(number, cells, problems)
            if entry is not None:
                entries.append(entry)
        return entries, problems

    def _values(self, cells: list[str], target: str) -> list[str]:
        found = []
        for index in self.columns.get(target, ()):
            value = cells[index].strip() if index < len(cells) else ""
            if is_empty(value):
                continue
            option = self.options.get(index) if self.options else None
            if option and is_yes(value):
                value = option
            elif option and value.casefold() in NO_WORDS:
                continue
            found.append(value)
        return found

    def _text(self, cells: list[str], target: str) -> str:
        values = self._values(cells, target)
        return values[0] if values else ""

    def _consent(self, cells: list[str], target: str, number: int, problems: list[Problem]) -> Any:
        if target not in self.columns:
            return None
        index = self.columns[target][0]
        value = cells[index].strip() if index < len(cells) else ""
        if is_yes(value):
            return True
        if value and value.casefold() not in NO_WORDS:
            problems.append(
                Problem(
                    number,
                    "consent_unclear",
                    "warning",
                    f'Row {number}: consent answer "{clean(value, max_length=40)}" is not a '
                    "clear yes; counted as no.",
                    field=target,
                    value=clean(value, max_length=40),
                )
            )
        return False

    def entry(self, number: int, cells: list[str], problems: list[Problem]) -> Entry | None:
        """One row as an Entry, or None (with a problem) when it cannot be an attendee."""
        found: list[Problem] = []
        values: dict[str, Any] = dict.fromkeys(attendees.TEXT_FIELDS, "")
        width = len(cells)
        for target, index in self.text_columns:
            value = cells[index].strip() if index < width else ""
            if not is_empty(value):
                values[target] = value
        if "middle_name" in self.columns:
            middle = self._text(cells, "middle_name")
            values["first_name"] = " ".join(n for n in (values["first_name"], middle) if n)
        for target in attendees.LIST_FIELDS:
            values[target] = "\n".join(self._values(cells, target))
        if "name" in self.columns:
            first, last = split_name(self._text(cells, "name"))
            values["first_name"] = values["first_name"] or first
            values["last_name"] = values["last_name"] or last
        values["email"] = _bare_email(values["email"])
        extra = {}
        for index, header in self.extra_columns:
            value = cells[index].strip() if index < len(cells) else ""
            if not is_empty(value):
                extra[header] = value
        registration = "-".join(self._values(cells, "registration_id"))
        if registration:
            extra[REGISTRATION_KEY] = f"{self.registration_source}: {registration}"
        self._check_text(number, values, extra, found)
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            found.append(
                Problem(
                    number,
                    "extra_cells",
                    "warning",
                    f"Row {number}: more cells than the header has columns; the extra cells "
                    "were left out.",
                )
            )
        data = attendees.AttendeeData(
            **values,
            extra=extra,
            **{
                f"consent_{c}": self._consent(cells, f"consent_{c}", number, found)
                for c in attendees.CONSENTS
            },
        ).cleaned()
        cancelled = self.may_cancel and (
            any(is_cancelled(v) for v in self._values(cells, "status"))
            or any(is_yes(v) for v in self._values(cells, "cancelled"))
        )
        if cancelled:
            # Nothing else about a withdrawn registration matters to the organiser.
            problems.append(
                Problem(number, "cancelled", "info", f"Row {number}: cancelled; not imported.")
            )
        elif not (data.first_name or data.last_name):
            problems.append(
                Problem(number, "name_missing", "error", f"Row {number}: no name; row skipped.")
            )
            return None
        if data.email and not attendees.valid_email(data.email):
            found.append(
                Problem(
                    number,
                    "email_invalid",
                    "warning",
                    f'Row {number}: e-mail address "{data.email}" is not valid; imported '
                    "without an e-mail address.",
                    field="email",
                    value=data.email,
                )
            )
            data.email = ""
        if cancelled:
            return (
                Entry(number, data, cancelled=True, rows=[number])
                if data.first_name or data.last_name
                else None
            )
        problems.extend(found)
        return Entry(number, data, rows=[number])

    def _check_text(
        self, number: int, values: dict[str, Any], extra: dict[str, str], problems: list[Problem]
    ) -> None:
        """Report values that are cut or lose invisible characters when stored."""
        for name, value in (*values.items(), *extra.items()):
            if not value or value.isprintable():
                if name in attendees.TEXT_FIELDS and len(value) > attendees.MAX_FIELD_LENGTH:
                    problems.append(_truncated(number, name, value))
                continue
            plain = " ".join(value.split())
            if clean(value, max_length=len(value)) != plain:
                problems.append(
                    Problem(
                        number,
                        "invisible_removed",
                        "warning",
                        f"Row {number}: control or text-direction characters removed from {name}.",
                        field=name,
                    )
                )
            if name in attendees.TEXT_FIELDS and len(plain) > attendees.MAX_FIELD_LENGTH:
                problems.append(_truncated(number, name, plain))


def _truncated(number: int, name: str, value: str) -> Problem:
    return Problem(
        number,
        "value_truncated",
        "warning",
        f"Row {number}: {name} has {len(value):,} characters; cut to {attendees.MAX_FIELD_LENGTH}.",
        field=name,
        params={"length": len(value), "limit": attendees.MAX_FIELD_LENGTH},
    )
