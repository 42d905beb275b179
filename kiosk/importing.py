"""Import of registration lists: read CSV/TSV/TXT/XLSX, map the columns, preview, and import.

Reading turns a file into a header and rows (spreadsheet row numbers: header = row 1), whatever its
encoding, delimiter or format. Mapping says which attendee field each column fills; it is guessed
from the header with the alias tables below and can be changed by the organiser. Planning compares
the rows with the attendees already there (nothing is written, which is what the preview and
``--dry-run`` show); importing applies the plan in one transaction.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import logging
import re
import secrets
import sqlite3
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import clean, fold, is_yes

log = logging.getLogger("kiosk.importing")

#: What the attendee log and consent records say about where data came from.
HOW = "import"
#: File name endings read as delimited text and as Excel workbooks.
TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
UNSUPPORTED_SUFFIXES = (".ods", ".numbers", ".pdf", ".doc", ".docx")
#: More rows than this is not a registration list (and would take minutes to check).
MAX_ROWS = 100_000
MAX_COLUMNS = 500
#: Bytes looked at to guess the encoding, the delimiter and whether a file is text at all.
SNIFF_BYTES = 64 * 1024
#: A text file has hardly any control characters; random bytes have about one in ten.
MAX_CONTROL_RATIO = 0.01
MIN_CONTROL_BYTES = 8
#: Control bytes that text files do not have (tab, line feed, form feed, carriage return do).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
DELIMITERS = (";", ",", "\t", "|")
#: Uploads wait in <DATA_DIR>/uploads between preview and confirmation; older ones are removed.
UPLOAD_DIR = "uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
#: How many example values a column shows in the preview.
EXAMPLES_PER_COLUMN = 3

# -- the column table ---------------------------------------------------------------------------

#: Where a column can go: the attendee fields, the two consents, the registration status, the
#: extra values kept as given (``AttendeeData.extra``), or nowhere.
TARGETS = (
    *attendees.TEXT_FIELDS[:2],
    "name",
    *attendees.TEXT_FIELDS[2:],
    *attendees.LIST_FIELDS,
    *(f"consent_{c}" for c in attendees.CONSENTS),
    "status",
    "cancelled",
    "extra",
    "ignore",
)
NAME_TARGETS = ("first_name", "last_name", "name")
#: How many leading records may be titles above the header row.
HEADER_SEARCH_ROWS = 10
CONSENT_TARGETS = ("consent_matchmaking", "consent_share_contact")
#: Targets several columns may feed: names are joined (First + Middle Name), lists are merged,
#: e-mail and phone take the first filled column (Outlook's Primary/Mobile/Business Phone).
JOINED_TARGETS = frozenset({"first_name", "last_name", "name"})
MULTI_TARGETS = frozenset(
    {"first_name", "interests", "offers", "seeks", "email", "phone", "extra", "ignore"}
)

#: Exact header names (compared folded, without spaces and punctuation, after a "Question:"
#: prefix of registration tools is removed), German and English, per target.
# fmt: off
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("Vorname", "Vornamen", "Rufname", "First Name", "Firstname", "Given Name",
                   "Forename", "Middle Name", "Zweiter Vorname"),
    "last_name": ("Nachname", "Familienname", "Zuname", "Last Name", "Lastname", "Surname",
                  "Family Name"),
    "name": ("Name", "Vollständiger Name", "Vor- und Nachname", "Name, Vorname", "Full Name",
             "Vorname Nachname", "Vorname und Nachname", "Nachname, Vorname", "Vor-/Nachname",
             "Attendee name", "Attendee", "Teilnehmer", "Teilnehmerin", "Teilnehmer*in",
             "Teilnehmer/in", "Teilnehmende", "Teilnehmender", "Person", "Ansprechpartner",
             "Ansprechpartnerin", "Ansprechperson", "Kontaktperson", "Display Name",
             "Anzeigename", "Ihr Name"),
    "email": ("E-Mail", "Email", "E-Mail-Adresse", "Email Address", "E-mail Address", "Mail",
              "Emailadresse", "Attendee email", "Mailadresse", "Primary Email"),
    "phone": ("Telefon", "Telefonnummer", "Tel", "Tel.", "Phone", "Phone Number", "Mobil",
              "Mobilnummer", "Mobiltelefon", "Handy", "Handynummer", "Mobile", "Mobile Phone",
              "Primary Phone", "Business Phone", "Home Phone", "Telefon geschäftlich"),
    "organisation": ("Organisation", "Organization", "Firma", "Company", "Einrichtung",
                     "Institution", "Unternehmen", "Betrieb", "Arbeitgeber", "Employer",
                     "Schule", "School", "Schulname", "Träger", "Dienststelle", "Behörde",
                     "Organisation / Firma", "Firma / Einrichtung", "Organisation/Schule",
                     "Schule/Betrieb", "Betrieb/Schule", "Schule / Betrieb"),
    "organisation_type": ("Organisationsart", "Organisationstyp", "Art der Organisation",
                          "Art der Einrichtung", "Einrichtungsart", "Einrichtungstyp",
                          "Organisation type", "Organization type", "Typ", "Type",
                          "Kategorie", "Category", "Sektor", "Sector", "Bereich"),
    "project": ("Projekt", "Project", "Programm", "Program", "Programme", "Vorhaben",
                "Initiative", "Projektname"),
    "role": ("Funktion", "Rolle", "Position", "Job Title", "Jobtitel", "Berufsbezeichnung",
             "Tätigkeit", "Role", "Stelle", "Aufgabe"),
    "interests": ("Interessen", "Interesse", "Interests", "Themen", "Thema", "Topics",
                  "Topics of interest", "Schwerpunkte", "Interessengebiete", "Fachgebiete"),
    "offers": ("Bietet", "Biete", "Ich biete", "Wir bieten", "Angebot", "Angebote", "Offers",
               "Offer", "Can offer", "Ausbildungsberufe", "Ausbildungsangebot"),
    "seeks": ("Sucht", "Suche", "Ich suche", "Wir suchen", "Gesucht", "Seeks", "Looking for",
              "Needs", "Berufswunsch", "Berufswünsche", "Wunschberuf"),
    # A bare "Einwilligung"/"Consent" means taking part in the networking (being suggested,
    # with name and organisation): the less revealing of the two consents. Handing out e-mail
    # and phone needs a column that says so. The preview shows the choice; the organiser can
    # change it.
    "consent_matchmaking": ("Vernetzung", "Matchmaking", "Networking", "Einwilligung",
                            "Consent", "Einverständnis"),
    "consent_share_contact": ("Kontaktdaten", "Kontaktdaten weitergeben", "Datenweitergabe",
                              "Share contact details"),
    "status": ("Status", "Order status", "Anmeldestatus", "Registration status",
               "Bestellstatus", "Ticket status"),
    "cancelled": ("Storniert", "Storno", "Abgesagt", "Cancelled", "Canceled"),
    # Columns that registration and survey tools add about the form, not about the person.
    "ignore": ("ID", "Nr", "Nr.", "Lfd. Nr.", "No.", "Zeitstempel", "Timestamp", "Start time",
               "Startzeit", "Completion time", "Fertigstellungszeit", "Last modified time",
               "Letzte Änderung", "IP", "IP-Adresse", "IP address", "User agent"),
}
# fmt: on

#: When no alias fits: the first fragment the compact header contains (or, with "^", starts
#: with) decides. Consents come first ("Einwilligung Vernetzung" is about matchmaking, "Question:
#: I agree that other attendees may receive my contact details" about contact details), then the
#: more specific fields ("Organisationsart" before "Organisation", "Firmenname" before "Name").
#: German compounds hide words: "Besucher" holds "suche", "Einsatzgebiete" holds "biete".
HEADER_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("newsletter", "extra"),
    ("mailing", "extra"),
    ("vernetz", "consent_matchmaking"),
    ("matchmaking", "consent_matchmaking"),
    ("networking", "consent_matchmaking"),
    ("vorschlag", "consent_matchmaking"),
    ("vorgeschlagen", "consent_matchmaking"),
    ("suggest", "consent_matchmaking"),
    ("kontaktdaten", "consent_share_contact"),
    ("contactdetails", "consent_share_contact"),
    ("contactinformation", "consent_share_contact"),
    ("weitergabe", "consent_share_contact"),
    ("weitergeben", "consent_share_contact"),
    ("consentcontact", "consent_share_contact"),
    ("contactconsent", "consent_share_contact"),
    ("sharecontact", "consent_share_contact"),
    ("kontakttausch", "consent_share_contact"),
    ("einwillig", "consent_matchmaking"),
    ("einverstanden", "consent_matchmaking"),
    ("consent", "consent_matchmaking"),
    ("storn", "cancelled"),
    ("mail", "email"),
    ("telefon", "phone"),
    ("phone", "phone"),
    ("handy", "phone"),
    ("vorname", "first_name"),
    ("firstname", "first_name"),
    ("givenname", "first_name"),
    ("nachname", "last_name"),
    ("lastname", "last_name"),
    ("surname", "last_name"),
    ("familienname", "last_name"),
    ("organisationsart", "organisation_type"),
    ("organisationstyp", "organisation_type"),
    ("organisationtype", "organisation_type"),
    ("organizationtype", "organisation_type"),
    ("einrichtungsart", "organisation_type"),
    ("einrichtungstyp", "organisation_type"),
    ("organisationsform", "organisation_type"),
    ("firma", "organisation"),
    ("company", "organisation"),
    ("organisation", "organisation"),
    ("organization", "organisation"),
    ("einrichtung", "organisation"),
    ("unternehmen", "organisation"),
    ("institution", "organisation"),
    ("arbeitgeber", "organisation"),
    ("projekt", "project"),
    ("project", "project"),
    ("interess", "interests"),
    ("interest", "interests"),
    ("topic", "interests"),
    ("themen", "interests"),
    ("^biete", "offers"),
    ("ichbiete", "offers"),
    ("wirbieten", "offers"),
    ("angebot", "offers"),
    ("offer", "offers"),
    ("^such", "seeks"),
    ("ichsuche", "seeks"),
    ("wirsuchen", "seeks"),
    ("gesucht", "seeks"),
    ("lookingfor", "seeks"),
    ("seek", "seeks"),
    ("funktion", "role"),
    ("jobtitle", "role"),
    ("position", "role"),
    ("teilnehm", "name"),
    ("attendeename", "name"),
    ("name", "name"),
)

#: Prefixes registration and survey tools put before the question text of a column.
_HEADER_PREFIX = re.compile(r"^\s*(?:question|frage|q|f)?\s*\d*\s*[:.)\-]\s*", re.IGNORECASE)
_COMPACT = re.compile(r"[^a-z0-9]+")

# fmt: off
#: Status values that mean a registration was withdrawn (compared folded).
CANCELLED_WORDS = frozenset({
    "cancelled", "canceled", "storniert", "storno", "abgesagt", "abgemeldet", "annulliert",
    "zuruckgezogen", "refunded", "erstattet", "expired", "abgelaufen", "void",
})
#: Consent answers that are a clear no; anything else that is not a yes is reported as unclear.
NO_WORDS = frozenset({"nein", "n", "no", "0", "false", "falsch", "-", "keine", "none", "nicht"})
#: Cells that only say "nothing here" (survey tools write "anonymous" for a missing e-mail).
EMPTY_WORDS = frozenset({
    "-", "--", "---", "–", "—", "n/a", "k.a.", "k. a.", "anonymous", "anonym", "none", "null",
    "(leer)", "(empty)", "(keine angabe)", "keine angabe",
})
#: Lower-case particles that start a family name in a single name column ("Sören von Brühl").
#: Words before a name that are not part of it (compared without a trailing dot).
NAME_TITLES = frozenset(
    {"herr", "frau", "hr", "fr", "mr", "mrs", "ms", "dr", "prof", "dipl.-ing", "dipl.-päd", "mag"}
)
NAME_PARTICLES = frozenset({
    "von", "vom", "zu", "zum", "zur", "van", "de", "der", "den", "di", "da", "del", "della",
    "dos", "du", "la", "le", "ten", "ter", "al", "el", "bin", "ibn",
})
# fmt: on


class ImportRefused(KioskError):
    """A file cannot be imported at all; ``code`` says why, ``row`` where (header = row 1)."""

    def __init__(self, code: str, message: str, *, row: int | None = None, **params: Any) -> None:
        super().__init__(code, message)
        self.row = row
        self.params = params


# -- reading ------------------------------------------------------------------------------------


@dataclass
class Table:
    """A file read into a header and rows, and how it was read."""

    filename: str
    format: str  # "csv" or "xlsx"
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""


def read_file(data: bytes, filename: str) -> Table:
    """Read a CSV/TSV/TXT/XLSX file (by its name and its first bytes) into a Table."""
    suffix = Path(filename).suffix.lower()
    if not data.strip(b"\x00\t\r\n \xef\xbb\xbf\xff\xfe"):
        raise ImportRefused("empty_file", "The file is empty.")
    is_zip = data.startswith(b"PK\x03\x04")
    if data.startswith(b"\xd0\xcf\x11\xe0") and suffix in XLSX_SUFFIXES:
        # Excel keeps a workbook with a password in the old container format.
        raise ImportRefused(
            "xlsx_encrypted",
            "The workbook is protected with a password: save it without one and try again.",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            "xls_old", "This is an old Excel file (.xls): save it as .xlsx or CSV and try again."
        )
    if suffix in XLSX_SUFFIXES:
        if not is_zip:
            raise ImportRefused(
                "not_xlsx",
                f"The file is named {suffix} but is not an Excel workbook (it looks like "
                "text, e.g. CSV): rename it to .csv or save it from Excel as .xlsx.",
            )
        return _read_xlsx(data, filename)
    if is_zip:
        if suffix in TEXT_SUFFIXES:
            raise ImportRefused(
                "zip_named_text",
                f"The file is named {suffix} but is a workbook or ZIP archive: "
                "save it as .xlsx (or as CSV) and try again.",
            )
        return _read_xlsx(data, filename)
    if data.startswith(b"%PDF-"):
        raise ImportRefused(
            "unsupported_format", "This is a PDF, not a list: save the list as .xlsx or CSV."
        )
    if suffix in UNSUPPORTED_SUFFIXES:
        raise ImportRefused(
            "unsupported_format",
            f"{suffix} files cannot be imported: save the list as .xlsx or CSV.",
        )
    return _read_text(data, filename)


def _decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was in (BOM, UTF-16 pattern, UTF-8, Windows-1252)."""
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF8, "UTF-8"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if not data.startswith(bom):
            continue
        if encoding == "UTF-8":
            return _decode_8bit(data[len(bom) :], "UTF-8 (BOM)")
        try:
            return data.decode(encoding.lower()), f"{encoding} (BOM)"
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                "bad_encoding",
                f"The file starts like {encoding} text but is not: save it again as UTF-8.",
            ) from exc
    sample = data[:SNIFF_BYTES]
    even, odd = sample[0::2], sample[1::2]
    # UTF-16 without BOM: nearly every other byte of Latin text is zero.
    if len(sample) >= 4:
        for zeros, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
            if zeros.count(0) > 0.4 * len(zeros):
                try:
                    return data.decode(encoding), encoding.upper()
                except UnicodeDecodeError:
                    break
    control = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    if control > max(MIN_CONTROL_BYTES, MAX_CONTROL_RATIO * len(sample)):
        raise ImportRefused("not_text", "This is not a text or Excel file (it holds binary data).")
    return _decode_8bit(data, "UTF-8")


def _decode_8bit(data: bytes, utf8_label: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), utf8_label
    except UnicodeDecodeError:
        pass
    utf8_rows, other_rows = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_rows.append(number)
        else:
            utf8_rows.append(number)
    if utf8_rows and other_rows:
        raise ImportRefused(
            "mixed_encoding",
            f"Rows {utf8_rows[0]} and {other_rows[0]} are in different encodings (UTF-8 and "
            "Windows-1252 mixed): save the whole file once as UTF-8 and try again.",
            row=other_rows[0],
            utf8_row=utf8_rows[0],
        )
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def _sniff_delimiter(text: str, suffix: str) -> str:
    """The delimiter that splits the first records into the same, largest number of columns."""
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = "\t" if suffix in (".tsv", ".tab") else ";", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        records = records[:50]
        if not records:
            continue
        width = len(records[0])
        rest = records[1:]
        agree = sum(len(r) == width for r in rest) / len(rest) if rest else 1.0
        score = (width > 1, agree, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(data: bytes, filename: str) -> Table:
    text, encoding = _decode(data)
    suffix = Path(filename).suffix.lower()
    first_line = text.split("\n", 1)[0].strip()
    delimiter = ""
    hint = re.fullmatch(r"sep=(.)", first_line)  # Excel's "sep=;" first line
    if hint:
        delimiter = hint.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    delimiter = delimiter or _sniff_delimiter(text, suffix)
    records = _parse_csv(text, delimiter, offset=1 if hint else 0)
    header, rows = _header_and_rows(records)
    label = {";": ";", ",": ",", "\t": "Tab", "|": "|"}.get(delimiter, delimiter)
    return Table(filename, "csv", header, rows, encoding=encoding, delimiter=label)


def _parse_csv(text: str, delimiter: str, offset: int) -> list[tuple[int, list[str]]]:
    """Records with their row numbers; quotes that never close are refused with the row."""
    # strict: a quote that opens a field and is never closed swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = offset
    records = []
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ImportRefused(
                    "field_too_long",
                    f"Row {number}: a cell is far too long (a quote that never closes?).",
                    row=number,
                ) from exc
            raise ImportRefused(
                "unbalanced_quotes",
                f'Row {number}: a quotation mark (") is not closed, so the rows after it '
                "cannot be told apart: fix the quotes in that row and try again.",
                row=number,
            ) from exc
        records.append((number, record))
        if len(records) > MAX_ROWS + 1:
            raise ImportRefused(
                "too_many_rows", f"The file has more than {MAX_ROWS:,} rows.", limit=MAX_ROWS
            )
    return records


def _header_and_rows(
    records: Iterable[tuple[int, list[str]]],
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header is the first record that names a person's columns (a title line or two above
    it, as organisers' workbooks often have, is passed over), else the first non-empty record;
    fully empty rows are dropped."""
    filled = [(n, r) for n, r in records if any(c.strip() for c in r)]
    if len(filled) > MAX_ROWS + 1:
        raise ImportRefused(
            "too_many_rows", f"The file has more than {MAX_ROWS:,} rows.", limit=MAX_ROWS
        )
    start = next(
        (
            i
            for i, (_, record) in enumerate(filled[:HEADER_SEARCH_ROWS])
            if any(guess_target(c) in NAME_TARGETS for c in record if c.strip())
        ),
        0,
    )
    header: list[str] | None = None
    raw: list[str] = []
    if filled:
        raw = filled[start][1]
        header = _header_names(raw)
    rows = filled[start + 1 :]
    if header is None:
        raise ImportRefused("empty_file", "The file is empty.")
    # A column without a name and without values (a sheet that starts in column B) is no column.
    unused = {
        i
        for i, cell in enumerate(raw[: len(header)])
        if not cell.strip() and not any(i < len(r) and r[i].strip() for _, r in rows)
    }
    if unused:
        header = [name for i, name in enumerate(header) if i not in unused]
        rows = [(n, [c for i, c in enumerate(r) if i not in unused]) for n, r in rows]
    return header, rows


def _header_names(record: list[str]) -> list[str]:
    """Column names: trimmed, trailing empty ones dropped, blanks and repeats made unique."""
    cells = [clean(c, max_length=120) for c in record]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise ImportRefused(
            "too_many_columns", f"The file has more than {MAX_COLUMNS} columns.", limit=MAX_COLUMNS
        )
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = cell or f"Spalte {_column_letter(index)}"
        unique, n = name, 2
        while unique in names:
            unique, n = f"{name} ({n})", n + 1
        names.append(unique)
    return names


def _column_letter(index: int) -> str:
    """Excel's name of a column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_xlsx(data: bytes, filename: str) -> Table:
    """The first non-empty sheet of a workbook, read-only and with cached formula values."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; values are unaffected.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    records = _sheet_records(sheet)
                    if records:
                        header, rows = _header_and_rows(records)
                        return Table(filename, "xlsx", header, rows, sheet=sheet.title)
            finally:
                workbook.close()
    except ImportRefused:
        raise
    except Exception as exc:  # a damaged workbook fails in zipfile, XML or openpyxl, in many ways
        raise ImportRefused(
            "xlsx_broken",
            "The Excel file is damaged or incomplete (perhaps cut off while copying): "
            "open it in Excel, save it again and try again.",
            detail=type(exc).__name__,
        ) from exc
    raise ImportRefused("empty_file", "The workbook has no filled sheet.")


def _sheet_records(sheet: Any) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a sheet as text, with their row numbers."""
    records = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        if not any(v is not None and v != "" for v in values):
            continue  # sheets often carry thousands of formatted but empty rows
        records.append((number, [_cell_text(v) for v in values]))
        if len(records) > MAX_ROWS + 1:
            raise ImportRefused(
                "too_many_rows", f"The file has more than {MAX_ROWS:,} rows.", limit=MAX_ROWS
            )
    return records


def _cell_text(value: Any) -> str:
    """A workbook cell as the text the organiser sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- mapping ------------------------------------------------------------------------------------


def _compact(header: str) -> str:
    """A header folded, without a "Question:" prefix, spaces and punctuation."""
    text = fold(header)
    stripped = _HEADER_PREFIX.sub("", text)
    return _COMPACT.sub("", stripped or text)


_ALIASES: dict[str, str] = {
    _compact(alias): target for target, aliases in HEADER_ALIASES.items() for alias in aliases
}


def guess_target(header: str) -> str:
    """The target a column with this header most likely fills ("extra" when unknown)."""
    compact = _compact(header)
    if not compact:
        return "extra"
    if compact in _ALIASES:
        return _ALIASES[compact]
    for fragment, target in HEADER_FRAGMENTS:
        if compact.startswith(fragment[1:]) if fragment[0] == "^" else fragment in compact:
            return target
    return "extra"


def auto_mapping(header: list[str]) -> list[str]:
    """A target per column, guessed from the header; repeats of one-column targets go to extra."""
    mapping: list[str] = []
    for name in header:
        target = guess_target(name)
        if target in mapping and target not in MULTI_TARGETS:
            target = "extra"
        mapping.append(target)
    # "Name" next to "Vorname" is the family name; next to both it is something else.
    if "name" in mapping:
        has_first, has_last = "first_name" in mapping, "last_name" in mapping
        if has_first != has_last:
            other = "last_name" if has_first else "first_name"
            mapping = [other if t == "name" else t for t in mapping]
        elif has_first and has_last:
            mapping = ["extra" if t == "name" else t for t in mapping]
    return mapping


def check_mapping(header: list[str], mapping: list[str] | None) -> list[str]:
    """The mapping to use: the guessed one, or the given one after checking it fits."""
    if mapping is None:
        mapping = auto_mapping(header)
    if not mapping_fits(header, mapping):
        raise ImportRefused("bad_mapping", "The column mapping does not fit this file.")
    if not any(t in NAME_TARGETS for t in mapping):
        shown = ", ".join(f'"{h[:40]}"' for h in header[:12])
        raise ImportRefused(
            "no_name_column",
            f'No column holds names (found: {shown}). Expected e.g. "Vorname" and '
            '"Nachname", or "Name".',
            columns=header,
        )
    return mapping


def mapping_from_pairs(header: list[str], pairs: Iterable[str]) -> list[str]:
    """The guessed mapping changed by "HEADER=TARGET" pairs (the CLI's ``--map``)."""
    mapping = auto_mapping(header)
    folded = [fold(h) for h in header]
    for pair in pairs:
        name, sep, target = pair.rpartition("=")
        target = target.strip()
        if not sep or target not in TARGETS:
            raise ImportRefused(
                "bad_mapping",
                f'--map "{pair}": expected COLUMN=FIELD, FIELD one of {", ".join(TARGETS)}.',
            )
        if fold(name) not in folded:
            raise ImportRefused("bad_mapping", f'--map "{pair}": the file has no column "{name}".')
        mapping[folded.index(fold(name))] = target
    return mapping


# -- rows to attendee data ----------------------------------------------------------------------


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


@dataclass
class Entry:
    """One row read as an attendee (or a cancellation), with its identity keys."""

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

    def __init__(self, table: Table, mapping: list[str]) -> None:
        self.table = table
        self.mapping = mapping
        self.columns: dict[str, list[int]] = {}
        for index, target in enumerate(mapping):
            self.columns.setdefault(target, []).append(index)
        self.extra_columns = [(i, table.header[i]) for i in self.columns.get("extra", [])]
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
            if value and value.casefold() not in EMPTY_WORDS:
                found.append(value)
        return found

    def _text(self, cells: list[str], target: str) -> str:
        values = self._values(cells, target)
        if target in JOINED_TARGETS:
            return " ".join(values)
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
        values: dict[str, Any] = {}
        for target in attendees.TEXT_FIELDS:
            values[target] = self._text(cells, target)
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
            if value and value.casefold() not in EMPTY_WORDS:
                extra[header] = value
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
            consent_matchmaking=self._consent(cells, "consent_matchmaking", number, found),
            consent_share_contact=self._consent(cells, "consent_share_contact", number, found),
        ).cleaned()
        cancelled = any(fold(v) in CANCELLED_WORDS for v in self._values(cells, "status")) or any(
            is_yes(v) for v in self._values(cells, "cancelled")
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


# -- planning -----------------------------------------------------------------------------------


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


def mapping_fits(header: list[str], mapping: list[str] | None) -> bool:
    """True when ``mapping`` names a known target for every column of ``header``."""
    return (
        mapping is not None and len(mapping) == len(header) and all(t in TARGETS for t in mapping)
    )


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


# -- importing ----------------------------------------------------------------------------------


def run(
    db: Database,
    event: Event,
    table: Table,
    mapping: list[str] | None = None,
    *,
    dry_run: bool = False,
) -> Result:
    """Import ``table`` into ``event`` in one transaction (or only plan it when ``dry_run``)."""
    if dry_run:
        return plan(db, event, table, mapping)
    how = f"{HOW}: {clean(table.filename, max_length=80)}"
    try:
        with kdb.transaction(db):
            result = plan(db, event, table, mapping)
            _apply(db, event, result, how)
            result.log_id = _log_import(db, event, result)
    except sqlite3.Error as exc:
        log.error("import into event %s failed: %s", event.id, exc)
        raise ImportRefused(
            "write_failed", f"Nothing was imported: the database refused a change ({exc})."
        ) from exc
    result.dry_run = False
    counts = result.counts
    log.info(
        "import into event %s: %d created, %d updated, %d cancelled, %d skipped",
        event.id,
        counts["created"],
        counts["updated"],
        counts["cancelled"],
        counts["skipped"],
    )
    return result


def import_file(
    db: Database,
    event: Event,
    data: bytes,
    filename: str,
    mapping: list[str] | None = None,
    *,
    dry_run: bool = False,
) -> Result:
    """Read and import a file's bytes (the CLI's and the page's one entry point)."""
    return run(db, event, read_file(data, filename), mapping, dry_run=dry_run)


def _apply(db: Database, event: Event, result: Result, how: str) -> None:
    created: list[tuple[int, attendees.AttendeeData]] = []
    for action in result.actions:
        if action.kind == "create":
            created.append((action.entry.row, action.entry.data))
        elif action.kind == "update" and action.attendee and action.data:
            attendee_id = action.attendee["id"]
            if action.attendee["status"] == "cancelled":
                _set_status(db, event, attendee_id, "registered", how)
            attendees.update(db, attendee_id, action.data, how=how)
        elif action.kind == "cancel" and action.attendee:
            _set_status(db, event, action.attendee["id"], "cancelled", how)
    _create_many(db, event, [data for _, data in created], how)


def _set_status(db: Database, event: Event, attendee_id: int, status: str, how: str) -> None:
    db.execute(
        "UPDATE attendees SET status = ?, updated_at = ? WHERE id = ?",
        [status, kdb.now(), attendee_id],
    )
    action = "cancelled" if status == "cancelled" else "reinstated"
    attendees.log(db, event.id, attendee_id, action, detail={"how": how})


def _create_many(db: Database, event: Event, items: list[attendees.AttendeeData], how: str) -> None:
    """Insert new attendees as attendees.create does, without its per-row overhead."""
    stamp = kdb.now()
    log_rows = []
    statements: dict[tuple[str, ...], str] = {}
    detail = json.dumps({"how": how}, ensure_ascii=False)
    for data in items:
        values = {
            **attendees._row_values(data),
            **attendees._consent_values(data, how),
            "event_id": event.id,
            "person_id": attendees.person_for(db, event.network, data),
            "code": attendees.new_code(),
            "secret": attendees.new_secret(),
            "status": "registered",
            "created_at": stamp,
            "updated_at": stamp,
        }
        columns = tuple(values)
        sql = statements.get(columns)
        if sql is None:
            sql = statements[columns] = (
                f"INSERT INTO attendees ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            )
        attendee_id = db.conn.execute(sql, values).lastrowid
        log_rows.append((event.id, attendee_id, stamp, "created", "", detail))
    db.conn.executemany(
        "INSERT INTO attendee_log (event_id, attendee_id, at, action, desk, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        log_rows,
    )


def _log_import(db: Database, event: Event, result: Result) -> int:
    """One log entry for the whole import: file, counts and row problems (codes, no values)."""
    db["attendee_log"].insert(
        {
            "event_id": event.id,
            "attendee_id": None,
            "at": kdb.now(),
            "action": "imported",
            "desk": "",
            "detail": json.dumps(
                {
                    "how": HOW,
                    "source": result.source(),
                    "counts": result.counts,
                    "problems": [
                        {
                            "row": p.row,
                            "code": p.code,
                            "severity": p.severity,
                            "field": p.field,
                            **({"params": p.params} if p.params else {}),
                        }
                        for p in result.problems
                    ],
                },
                ensure_ascii=False,
            ),
        }
    )
    return db.conn.execute("SELECT last_insert_rowid()").fetchone()[0]


def imports(db: Database, event_id: int) -> list[dict[str, Any]]:
    """The imports into an event, newest first, as logged."""
    entries = kdb.rows(
        db,
        "SELECT id, at, detail FROM attendee_log WHERE event_id = ? AND action = 'imported' "
        "ORDER BY id DESC",
        [event_id],
    )
    return [{"id": e["id"], "at": e["at"], **json.loads(e["detail"] or "{}")} for e in entries]


def logged_import(db: Database, event_id: int, log_id: int) -> dict[str, Any] | None:
    """One logged import of this event, or None."""
    return next((i for i in imports(db, event_id) if i["id"] == log_id), None)


# -- uploads waiting for confirmation -----------------------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _upload_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / UPLOAD_DIR


def save_upload(data_dir: str | Path, filename: str, data: bytes) -> str:
    """Keep an uploaded file under a random name until it is confirmed; returns its token."""
    folder = _upload_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": clean(Path(filename).name, max_length=120), "mapping": None}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load_upload(data_dir: str | Path, token: str) -> tuple[str, bytes, list[str] | None]:
    """The file name, bytes and chosen mapping of a waiting upload."""
    folder = _upload_dir(data_dir)
    if not _TOKEN.match(token) or not (folder / f"{token}.bin").exists():
        raise ImportRefused("upload_gone", "This upload is no longer there; upload the file again.")
    meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
    return meta["filename"], (folder / f"{token}.bin").read_bytes(), meta.get("mapping")


def save_mapping(data_dir: str | Path, token: str, mapping: list[str]) -> None:
    """Remember the organiser's column choices for a waiting upload."""
    filename, _, _ = load_upload(data_dir, token)
    path = _upload_dir(data_dir) / f"{token}.json"
    meta = {"filename": filename, "mapping": mapping}
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def discard_upload(data_dir: str | Path, token: str) -> None:
    """Delete a waiting upload (after the import, or when the organiser cancels)."""
    if not _TOKEN.match(token):
        return
    for suffix in (".bin", ".json"):
        (_upload_dir(data_dir) / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
