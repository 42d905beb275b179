"""Reading a workbook within bounds: a hostile .xlsx (a sheet declaring A1:XFD1048576, a
shared-strings bomb, a row number in the billions) is refused in seconds, not read for minutes.

A workbook is a ZIP of XML parts, and openpyxl reads each whole part it needs: the parts' sizes
as unpacked, and the shared strings' count, are checked before it opens them; rows, columns,
cells and the time spent are checked while the sheet is read.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from typing import Any

from kiosk.importing.errors import ImportRefused

#: All parts of a workbook unpacked, at most (a 10,000-row list is a few MB).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Entries of the shared-strings table at most (openpyxl reads ~200,000 a second, all at once).
MAX_SHARED_STRINGS = 500_000
#: Cells read at most (filled or not, within the rows' own width).
MAX_CELLS = 2_000_000
#: Row numbers beyond Excel's last row are a damaged or hostile file.
EXCEL_MAX_ROW = 1_048_576
#: Seconds one workbook may take to read.
READ_SECONDS = 15.0
#: How often (in rows) the clock is looked at.
CLOCK_EVERY_ROWS = 1024
_SHARED_STRINGS = "xl/sharedStrings.xml"
_READ_CHUNK = 1024 * 1024
#: How an entry of the shared strings starts (with a namespace prefix too: then counted twice,
#: which only makes the bound stricter).
_STRING_TAGS = (b"<si>", b"<si ", b"<si/", b":si>", b":si ", b":si/")


def _too_big(what: str) -> ImportRefused:
    return ImportRefused(
        "xlsx_too_big",
        f"The workbook is too large to read ({what}). Save only the list of people, "
        "or export it as CSV.",
        what=what,
    )


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose parts unpack too large or whose shared strings are too many,
    before openpyxl reads any of them (a ZIP says each part's size; reading stops there)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # openpyxl gives the "damaged" refusal
    with archive:
        parts = archive.infolist()
        if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise _too_big("unpacked size")
        if _SHARED_STRINGS in archive.namelist():
            count, tail = 0, b""
            with archive.open(_SHARED_STRINGS) as strings:
                while chunk := strings.read(_READ_CHUNK):
                    joined = tail + chunk
                    count += sum(joined.count(tag) for tag in _STRING_TAGS)
                    tail = joined[-3:]  # a tag cut between two chunks is counted once
                    if count > MAX_SHARED_STRINGS:
                        raise _too_big("shared strings")


class SheetBudget:
    """Rows, cells and time of one workbook's reading, refused when one runs out."""

    def __init__(self, max_rows: int, max_columns: int) -> None:
        self.max_rows = max_rows
        self.max_columns = max_columns
        self.cells = 0
        self.deadline = time.monotonic() + READ_SECONDS

    def rows(self, sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The sheet's rows with their numbers, each no wider than its own last cell (the
        declared dimension is not trusted), trailing empty cells dropped."""
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if number % CLOCK_EVERY_ROWS == 0 and time.monotonic() > self.deadline:
                raise _too_big("reading time")
            if number > EXCEL_MAX_ROW:
                raise _too_big("row numbers")
            if not values:
                continue
            self.cells += len(values)
            if self.cells > MAX_CELLS:
                raise _too_big("cells")
            if len(values) > self.max_columns:
                values = _trimmed(values)
                if len(values) > self.max_columns:
                    raise ImportRefused(
                        "too_many_columns",
                        f"The file has more than {self.max_columns} columns.",
                        limit=self.max_columns,
                    )
            yield number, values


def _trimmed(values: tuple[Any, ...]) -> tuple[Any, ...]:
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return values[:end]
