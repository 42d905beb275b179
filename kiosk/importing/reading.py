"""Reading: a file into a header and numbered rows, whatever its encoding, delimiter or format."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.importing.errors import ImportRefused
from kiosk.importing.mapping import NAME_TARGETS, guess_target
from kiosk.importing.workbook import SheetBudget, check_archive
from kiosk.text import clean

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
#: How many leading records may be titles above the header row.
HEADER_SEARCH_ROWS = 10


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
    """The first non-empty sheet of a workbook, read-only and with cached formula values,
    within the bounds of ``workbook`` (size, strings, rows, columns, cells, time)."""
    import openpyxl

    check_archive(data)
    budget = SheetBudget(MAX_ROWS, MAX_COLUMNS)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; values are unaffected.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    records = _sheet_records(sheet, budget)
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


def _sheet_records(sheet: Any, budget: SheetBudget) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a sheet as text, with their row numbers."""
    records = []
    for number, values in budget.rows(sheet):
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
