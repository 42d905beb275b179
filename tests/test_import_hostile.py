"""Hostile workbooks and URLs: refused in seconds with a clear reason, never read for minutes,
and a file is read once per import."""

from __future__ import annotations

import io
import re
import resource
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kiosk import attendees, importing

#: What reading one hostile file may take here (a busy, shared 2-core machine).
SECONDS = 5.0

_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Anmeldungen" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
ANNA = "<si><t>Anna</t></si>"
HEADER_AND_ANNA = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Vorname</t></is></c><c r="B1" t="inlineStr">'
    '<is><t>Nachname</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c>'
    '<c r="B2" t="inlineStr"><is><t>Lang</t></is></c></row>'
)


def workbook(rows: str, *, dimension: str = "A1:B2", strings: str = ANNA) -> bytes:
    """A hand-made .xlsx: one sheet with these rows and this declared dimension."""
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}'
        "</sheetData></worksheet>"
    )
    shared = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main">{strings}</sst>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def timed_read(data: bytes) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        outcome: Any = importing.read_file(data, "Anmeldungen.xlsx")
    except importing.ImportRefused as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def test_the_small_workbook_reads_as_usual() -> None:
    table, _ = timed_read(workbook(HEADER_AND_ANNA))
    assert table.header == ["Vorname", "Nachname"] and table.rows == [(2, ["Anna", "Lang"])]


def test_a_sheet_declaring_every_cell_of_excel_is_read_by_what_it_holds() -> None:
    data = workbook(
        HEADER_AND_ANNA + '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Bea</t></is>'
        "</c></row>",
        dimension="A1:XFD1048576",
    )
    assert len(data) < 3000
    table, seconds = timed_read(data)
    assert seconds < SECONDS
    assert table.header == ["Vorname", "Nachname"]
    assert table.rows == [(2, ["Anna", "Lang"]), (1048576, ["Bea"])]


def test_a_row_number_beyond_excel_is_refused_quickly() -> None:
    data = workbook(
        HEADER_AND_ANNA + '<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>',
        dimension="A1:XFD1048576",
    )
    refused, seconds = timed_read(data)
    assert isinstance(refused, importing.ImportRefused) and refused.code == "xlsx_too_big"
    assert seconds < SECONDS


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked() -> None:
    data = workbook(HEADER_AND_ANNA, strings="<si><t>a</t></si>" * 5_000_000)
    assert len(data) < 300_000  # a couple of hundred KB that unpack to 85 MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused, seconds = timed_read(data)
    assert isinstance(refused, importing.ImportRefused) and refused.code == "xlsx_too_big"
    assert seconds < SECONDS
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


def test_too_many_shared_strings_in_a_small_unpacked_size_are_refused() -> None:
    data = workbook(HEADER_AND_ANNA, strings="<si/>" * 600_000)
    refused, seconds = timed_read(data)
    assert isinstance(refused, importing.ImportRefused) and refused.code == "xlsx_too_big"
    assert seconds < SECONDS


def test_a_row_wider_than_any_list_is_refused_and_empty_width_is_ignored() -> None:
    wide = "".join(f'<c r="{_col(i)}3"><v>{i}</v></c>' for i in range(600))
    refused, _ = timed_read(workbook(HEADER_AND_ANNA + f'<row r="3">{wide}</row>'))
    assert isinstance(refused, importing.ImportRefused) and refused.code == "too_many_columns"
    # One empty string far out at XFD is no column.
    far = (
        '<row r="3"><c r="A3" t="inlineStr"><is><t>Cem</t></is></c>'
        '<c r="XFD3" t="inlineStr"><is><t></t></is></c></row>'
    )
    table, _ = timed_read(workbook(HEADER_AND_ANNA + far))
    assert table.rows[-1] == (3, ["Cem"])


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def test_refusal_is_shown_to_the_organiser_in_plain_words(organiser: Any, event: Any) -> None:
    data = workbook(HEADER_AND_ANNA, strings="<si><t>a</t></si>" * 5_000_000)
    response = organiser.post(
        "/admin/import", data={"file": (io.BytesIO(data), "Anmeldungen.xlsx")}
    )
    assert response.status_code == 422
    assert "Die Excel-Datei ist zu groß" in response.get_data(as_text=True)


def test_an_upload_is_read_once_and_confirmed_from_what_was_read(
    organiser: Any, event: Any, db: Any, app: Any
) -> None:
    data = workbook(HEADER_AND_ANNA)
    response = organiser.post(
        "/admin/import", data={"file": (io.BytesIO(data), "Anmeldungen.xlsx")}
    )
    token = re.search(r"/admin/import/([\w-]+)", response.headers["Location"]).group(1)
    # Whatever happens to the kept bytes now, they are not read again.
    uploads = Path(app.config["DATA_DIR"]) / "uploads"
    (uploads / f"{token}.bin").write_bytes(b"PK\x03\x04 broken")
    assert "Anna" in organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    confirmed = organiser.post(f"/admin/import/{token}/confirm")
    assert confirmed.status_code == 303
    assert [a["first_name"] for a in attendees.list_for_event(db, event.id)] == ["Anna"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/attendees/99999999999999999999999",
        "/admin/attendees/9223372036854775808",
        "/desk/attendee/99999999999999999999999",
        "/admin/desks/99999999999999999999999/here",
    ],
)
def test_a_huge_id_in_a_url_is_not_found(organiser: Any, event: Any, path: str) -> None:
    method = organiser.post if path.endswith("/here") else organiser.get
    assert method(path).status_code == 404


def test_a_huge_id_in_a_query_string_counts_as_not_given(organiser: Any, event: Any) -> None:
    answer = organiser.get("/admin/mail/preview?attendee=99999999999999999999999")
    assert answer.status_code == 200
