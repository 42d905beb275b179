"""The organiser's lists as files: attendees, contacts and the check-in log, as CSV for German
Excel or as XLSX, and the attendance list as PDF; every export is written to the audit.

CSV: UTF-8 with BOM, ``;``, CRLF, dates as ``TT.MM.JJJJ HH:MM`` in local time, so German Excel
opens it by a double click. XLSX (openpyxl, write-only): a frozen header row with a filter,
column widths that fit, dates as real dates. A text cell that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR at its start) is neutralised in both: an
apostrophe before it in CSV, Excel's own text marker (quote prefix) in XLSX.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, audit, documents, pdf
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: How dates are written in CSV (German Excel reads them as dates).
CSV_DATE = "%d.%m.%Y %H:%M"
XLSX_DATE = "DD.MM.YYYY HH:MM"
#: Widest column in characters, and the widest a column starts at (header length counts).
MAX_WIDTH = 60
#: Rows looked at to size the columns (a list of 10,000 need not be measured to the end).
WIDTH_SAMPLE = 500
FORMATS = ("csv", "xlsx")
#: The table exports; the PDF and ZIP ones (attendance, summaries, report) are made elsewhere.
TABLES = ("attendees", "contacts", "checkins")


class ExportError(KioskError):
    """An export could not be made; ``code`` says why."""


@dataclass
class Table:
    """What an export holds: a sheet name, the header and the rows (datetimes as such)."""

    name: str
    header: list[str]
    rows: list[list[Any]]


# -- cells -----------------------------------------------------------------------------------------


def neutralise(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _stamp(value: str | None) -> datetime | None:
    """A stored UTC timestamp as this laptop's local time, without a zone (spreadsheets
    know none)."""
    return datetime.fromisoformat(value).astimezone().replace(tzinfo=None) if value else None


def _csv_cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime(CSV_DATE)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return neutralise(value)


# -- writers ---------------------------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    """The table as CSV for German Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _width(values: Iterable[Any]) -> float:
    longest = 0
    for value in values:
        if isinstance(value, datetime):
            longest = max(longest, 16)
        elif value is not None:
            longest = max(longest, max((len(line) for line in str(value).splitlines()), default=0))
    return min(longest + 2, MAX_WIDTH)


def to_xlsx(table: Table) -> bytes:
    """The table as an Excel workbook: frozen header with a filter, fitting widths, dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    sample = table.rows[:WIDTH_SAMPLE]
    for index, header in enumerate(table.header):
        width = max(_width([header]), _width(row[index] for row in sample))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(table.header), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    bold = Font(bold=True)

    def cell(value: Any, *, header: bool = False) -> Any:
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime):
            out.number_format = XLSX_DATE
        elif isinstance(value, str):
            out.data_type = "s"  # text, never a formula, whatever it starts with
            if value.startswith(FORMULA_STARTS):
                out.quotePrefix = True
        if header:
            out.font = bold
        return out

    sheet.append([cell(h, header=True) for h in table.header])
    for row in table.rows:
        # A cell object only where a plain value would not do (10,000 rows: 4x faster).
        sheet.append(
            [
                None
                if v == ""
                else cell(v)
                if isinstance(v, datetime) or (isinstance(v, str) and v.startswith(FORMULA_STARTS))
                else v
                for v in row
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[Table], bytes]] = {"csv": to_csv, "xlsx": to_xlsx}


# -- the tables ------------------------------------------------------------------------------------

#: Column titles per language; one table, so the German and English exports stay alike.
HEADERS: dict[str, dict[str, str]] = {
    "first_name": {"de": "Vorname", "en": "First name"},
    "last_name": {"de": "Nachname", "en": "Last name"},
    "email": {"de": "E-Mail", "en": "E-mail"},
    "phone": {"de": "Telefon", "en": "Phone"},
    "organisation": {"de": "Organisation", "en": "Organisation"},
    "organisation_type": {"de": "Art der Organisation", "en": "Organisation type"},
    "project": {"de": "Projekt", "en": "Project"},
    "role": {"de": "Funktion", "en": "Role"},
    "attendance": {"de": "Teilnahme", "en": "Attendance"},
    "interests": {"de": "Interessen", "en": "Interests"},
    "offers": {"de": "Bietet", "en": "Offers"},
    "seeks": {"de": "Sucht", "en": "Seeks"},
    "code": {"de": "Badge-Code", "en": "Badge code"},
    "status": {"de": "Status", "en": "Status"},
    "consent_matchmaking": {"de": "Einwilligung Vorschläge", "en": "Consent: suggestions"},
    "consent_share_contact": {
        "de": "Einwilligung Kontaktdaten teilen",
        "en": "Consent: share contact details",
    },
    "consent_mail": {"de": "Einwilligung Mails", "en": "Consent: mails"},
    "checked_in_at": {"de": "Angekommen", "en": "Arrived"},
    "checked_in_desk": {"de": "Check-in-Desk", "en": "Check-in desk"},
    "checked_out_at": {"de": "Gegangen", "en": "Left"},
    "walk_in": {"de": "Ohne Anmeldung", "en": "Walk-in"},
    "at": {"de": "Zeit", "en": "Time"},
    "action": {"de": "Aktion", "en": "Action"},
    "desk": {"de": "Desk", "en": "Desk"},
    "reason": {"de": "Grund", "en": "Reason"},
    "how": {"de": "Wie", "en": "How"},
    "person": {"de": "Person {n}", "en": "Person {n}"},
}
WORDS: dict[str, dict[str, str]] = {
    "checked_in": {"de": "Check-in", "en": "Check-in"},
    "checkin_undone": {"de": "Check-in zurückgenommen", "en": "Check-in undone"},
    "checked_out": {"de": "Check-out", "en": "Check-out"},
    "created": {"de": "Angelegt", "en": "Created"},
    "registered": {"de": "angemeldet", "en": "registered"},
    "on-site": {"de": "vor Ort", "en": "on site"},
    "online": {"de": "online", "en": "online"},
    "cancelled": {"de": "storniert", "en": "cancelled"},
    "yes": {"de": "ja", "en": "yes"},
    "no": {"de": "nein", "en": "no"},
    "not_asked": {"de": "nicht gefragt", "en": "not asked"},
    "desk": {"de": "am Desk", "en": "at a desk"},
    "phone": {"de": "per Handy", "en": "by phone"},
    "attendees": {"de": "Teilnehmende", "en": "Attendees"},
    "contacts": {"de": "Kontakte", "en": "Contacts"},
    "checkins": {"de": "Check-ins", "en": "Check-ins"},
}
#: Log actions the check-in log lists.
LOG_ACTIONS = ("checked_in", "checkin_undone", "checked_out", "created")


def _h(key: str, lang: str, **values: Any) -> str:
    return HEADERS[key][lang].format(**values)


def _w(key: str, lang: str) -> str:
    return WORDS.get(key, {}).get(lang, key)


def _consent(value: Any, lang: str) -> str:
    return _w("not_asked" if value is None else ("yes" if value else "no"), lang)


def attendees_table(db: Database, event: Event, lang: str = "de") -> Table:
    """Everyone registered (cancelled ones marked), with consents and arrival."""
    keys = attendees.TEXT_FIELDS
    lists = attendees.LIST_FIELDS
    walk_ins = {
        r["attendee_id"]
        for r in kdb.rows(
            db,
            "SELECT attendee_id FROM attendee_log WHERE event_id = ? AND action = 'created' "
            "AND json_extract(detail, '$.how') = 'walk-in'",
            [event.id],
        )
    }
    header = [
        *(_h(k, lang) for k in (*keys, *lists)),
        _h("code", lang),
        _h("status", lang),
        _h("consent_matchmaking", lang),
        _h("consent_share_contact", lang),
        _h("consent_mail", lang),
        _h("walk_in", lang),
        _h("checked_in_at", lang),
        _h("checked_in_desk", lang),
        _h("checked_out_at", lang),
    ]
    rows = []
    for a in attendees.list_for_event(db, event.id, include_cancelled=True):
        rows.append(
            [
                *(_w(a[k], lang) if k == "attendance" and a[k] else a[k] for k in keys),
                *(", ".join(a[k]) for k in lists),
                a["code"],
                _w(a["status"], lang),
                _consent(a["consent_matchmaking"], lang),
                _consent(a["consent_share_contact"], lang),
                _consent(a["consent_mail"], lang),
                _w("yes" if a["id"] in walk_ins else "no", lang),
                _stamp(a["checked_in_at"]),
                a.get("checked_in_desk") or "",
                _stamp(a.get("checked_out_at")),
            ]
        )
    return Table(_w("attendees", lang), header, rows)


def contacts_table(db: Database, event: Event, lang: str = "de") -> Table:
    """Who swapped contacts with whom and when: one row per pair, each person's e-mail and
    phone only when that person consented to share them. Private notes never leave."""
    pairs = kdb.rows(
        db,
        """SELECT min(c.created_at) AS at, min(c.how) AS how,
            min(c.owner_id, c.other_id) AS one, max(c.owner_id, c.other_id) AS two
        FROM contacts c WHERE c.event_id = ?
        GROUP BY min(c.owner_id, c.other_id), max(c.owner_id, c.other_id)
        ORDER BY at, one, two""",
        [event.id],
    )
    people = {a["id"]: a for a in attendees.list_for_event(db, event.id, include_cancelled=True)}
    fields = ("first_name", "last_name", "organisation", "project", "email", "phone")
    header = [_h("at", lang), _h("how", lang)]
    for n in (1, 2):
        header += [f"{_h('person', lang, n=n)}: {_h(f, lang)}" for f in fields]
    rows = []
    for pair in pairs:
        row: list[Any] = [_stamp(pair["at"]), _w(pair["how"], lang)]
        for person_id in (pair["one"], pair["two"]):
            person = people.get(person_id, {})
            shares = bool(person.get("consent_share_contact"))
            row += [
                person.get(f, "") if f not in ("email", "phone") or shares else "" for f in fields
            ]
        rows.append(row)
    return Table(_w("contacts", lang), header, rows)


def checkins_table(db: Database, event: Event, lang: str = "de") -> Table:
    """The check-in log: every check-in, undo, check-out and walk-in, oldest first."""
    marks = ",".join("?" * len(LOG_ACTIONS))
    entries = kdb.rows(
        db,
        f"""SELECT l.at, l.action, l.desk, l.detail, a.code, a.first_name, a.last_name,
        a.organisation, a.organisation_type FROM attendee_log l
        LEFT JOIN attendees a ON a.id = l.attendee_id
        WHERE l.event_id = ? AND l.action IN ({marks}) ORDER BY l.id""",
        [event.id, *LOG_ACTIONS],
    )
    header = [
        _h("at", lang),
        _h("action", lang),
        _h("desk", lang),
        _h("code", lang),
        _h("first_name", lang),
        _h("last_name", lang),
        _h("organisation", lang),
        _h("organisation_type", lang),
        _h("reason", lang),
    ]
    rows = []
    for e in entries:
        detail = json.loads(e["detail"] or "{}")
        rows.append(
            [
                _stamp(e["at"]),
                _w(e["action"], lang),
                e["desk"],
                e["code"] or "",
                e["first_name"] or "",
                e["last_name"] or "",
                e["organisation"] or "",
                e["organisation_type"] or "",
                detail.get("reason", ""),
            ]
        )
    return Table(_w("checkins", lang), header, rows)


TABLE_MAKERS: dict[str, Callable[[Database, Event, str], Table]] = {
    "attendees": attendees_table,
    "contacts": contacts_table,
    "checkins": checkins_table,
}


def table(db: Database, event: Event, kind: str, lang: str = "de") -> Table:
    """One of the organiser's lists, ready to write."""
    maker = TABLE_MAKERS.get(kind)
    if maker is None:
        raise ExportError("unknown_kind", f"Unknown export: {kind}. Known: {', '.join(TABLES)}")
    return maker(db, event, lang if lang in ("de", "en") else "de")


def export(db: Database, event: Event, kind: str, fmt: str, *, who: str, lang: str = "de") -> bytes:
    """One of the organiser's lists as CSV or XLSX bytes; the export is audited."""
    if fmt not in FORMATS:
        raise ExportError("unknown_format", f"Unknown format: {fmt}. Known: csv, xlsx")
    made = table(db, event, kind, lang)
    body = WRITERS[fmt](made)
    audit.record(db, event.id, "export", f"{kind}.{fmt}", who=who, rows=len(made.rows))
    return body


def format_of(filename: str, given: str | None = None) -> str:
    """The format an export is written in: ``given``, else the file name's suffix."""
    fmt = (given or Path(filename).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError("unknown_format", "Give --format csv|xlsx or a .csv/.xlsx file name.")
    return fmt


# -- the attendance list (PDF) ---------------------------------------------------------------------


def attendance_pdf(
    db: Database, event: Event, *, who: str, lang: str = "de", signature: bool = False
) -> bytes:
    """The attendance list funders ask for: event, date, place, and everyone who came with
    their organisation and arrival time (optionally a column to sign); audited."""
    people = [a for a in attendees.list_for_event(db, event.id) if a["checked_in_at"]]
    html = documents.render(
        "exports/attendance.html",
        lang,
        event=event,
        place=event.settings.get("place", ""),
        people=people,
        signature=signature,
    )
    body = pdf.html_to_pdf(html)
    audit.record(db, event.id, "export", "attendance.pdf", who=who, rows=len(people))
    return body
