"""The organiser's exports read back as a person would open them: CSV for German Excel, XLSX,
the attendance list PDF; formulas neutralised, only consented details, every export audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from kiosk import attendees, audit, checkin, contacts, events, exports, importing
from kiosk.attendees import AttendeeData

from conftest import SHARED_DATA

HOSTILE = SHARED_DATA / "bad" / "hostile-values.csv"


def person(db, event, first, last, **values) -> dict:
    return attendees.create(
        db, event, AttendeeData(first_name=first, last_name=last, **values), how="test"
    )


@pytest.fixture
def brunch(db, event):
    """Three people: Anna shares her details, Jörg does not, Käthe was never asked."""
    anna = person(
        db,
        event,
        "Anna",
        "Müller",
        email="anna@ihk.example",
        phone="0561 1234",
        organisation="IHK Kassel",
        organisation_type="Kammer",
        project="Passgenau",
        consent_share_contact=True,
        consent_matchmaking=True,
        interests="Inklusion",
    )
    joerg = person(
        db,
        event,
        "Jörg",
        "Weiß",
        email="joerg@schule.example",
        phone="0561 9876",
        organisation="Schule am Park",
        organisation_type="Schule",
        consent_share_contact=False,
    )
    kaethe = person(db, event, "Käthe", "Groß", organisation="Jobcenter")
    at = datetime(2026, 11, 22, 9, 41, tzinfo=UTC).isoformat(timespec="milliseconds")
    checkin.check_in(db, event, anna["id"], desk="Eingang", at=at)
    checkin.check_in(db, event, joerg["id"], desk="Eingang")
    contacts.swap(db, event, anna["id"], joerg["id"], how="phone")
    [mine] = contacts.list_for(db, anna["id"])
    contacts.set_note(db, anna["id"], mine["id"], "Praktikum im Mai besprechen")
    return {"anna": anna, "joerg": joerg, "kaethe": kaethe}


def read_csv(body: bytes) -> list[list[str]]:
    """As German Excel reads a double-clicked CSV: UTF-8 with BOM, ';', CRLF."""
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def local(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%d.%m.%Y %H:%M")


def test_attendee_list_csv_for_german_excel(db, event, brunch) -> None:
    rows = read_csv(exports.export(db, event, "attendees", "csv", who="test"))
    header = rows[0]
    assert header[:3] == ["Vorname", "Nachname", "E-Mail"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"Anna", "Jörg", "Käthe"}
    anna = by_name["Anna"]
    assert anna["Organisation"] == "IHK Kassel" and anna["Art der Organisation"] == "Kammer"
    assert anna["Einwilligung Kontaktdaten teilen"] == "ja"
    assert anna["Angekommen"] == local("2026-11-22T09:41:00+00:00")
    assert anna["Check-in-Desk"] == "Eingang" and anna["Interessen"] == "Inklusion"
    assert by_name["Käthe"]["Einwilligung Vorschläge"] == "nicht gefragt"
    assert by_name["Käthe"]["Angekommen"] == ""


def test_attendee_list_xlsx_has_frozen_filtered_header_widths_and_real_dates(
    db, event, brunch
) -> None:
    body = exports.export(db, event, "attendees", "xlsx", who="test")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.title == "Teilnehmende"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}4"
    header = [c.value for c in sheet[1]]
    arrived = header.index("Angekommen") + 1
    anna = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Anna")
    assert anna[arrived - 1].value == datetime(
        2026, 11, 22, 9, 41, tzinfo=UTC
    ).astimezone().replace(tzinfo=None)
    assert anna[arrived - 1].number_format == "DD.MM.YYYY HH:MM"
    width = sheet.column_dimensions[anna[header.index("Organisation")].column_letter].width
    assert width >= len("Art der Organisation") - 8 and width >= len("IHK Kassel")


def test_contacts_export_has_one_row_per_pair_and_only_consented_details(db, event, brunch) -> None:
    rows = read_csv(exports.export(db, event, "contacts", "csv", who="test"))
    assert len(rows) == 2  # the header and one pair
    pair = dict(zip(rows[0], rows[1], strict=True))
    assert {pair["Person 1: Vorname"], pair["Person 2: Vorname"]} == {"Anna", "Jörg"}
    text = ";".join(rows[1])
    assert "anna@ihk.example" in text and "0561 1234" in text
    assert "joerg@schule.example" not in text and "0561 9876" not in text
    assert "Praktikum" not in text  # private notes never leave


def test_checkin_log_in_german_with_local_times_and_undo_reasons(db, event, brunch) -> None:
    checkin.undo(db, event, brunch["joerg"]["id"], reason="falsche Person", desk="Eingang")
    rows = read_csv(exports.export(db, event, "checkins", "csv", who="test"))
    assert rows[0] == [
        "Zeit",
        "Aktion",
        "Desk",
        "Badge-Code",
        "Vorname",
        "Nachname",
        "Organisation",
        "Art der Organisation",
        "Grund",
    ]
    actions = [(r[1], r[4], r[8]) for r in rows[1:]]
    assert ("Check-in", "Anna", "") in actions
    assert actions[-1] == ("Check-in zurückgenommen", "Jörg", "falsche Person")
    anna_in = next(r for r in rows[1:] if r[1] == "Check-in" and r[4] == "Anna")
    assert anna_in[0] == local("2026-11-22T09:41:00+00:00")


def test_english_headers_on_request(db, event, brunch) -> None:
    rows = read_csv(exports.export(db, event, "checkins", "csv", who="test", lang="en"))
    assert rows[0][:3] == ["Time", "Action", "Desk"]


def test_hostile_values_are_neutralised_in_csv_and_xlsx(db, event) -> None:
    importing.import_file(db, event, HOSTILE.read_bytes(), HOSTILE.name)
    rows = read_csv(exports.export(db, event, "attendees", "csv", who="test"))
    firsts = {r[0] for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","klick")' in firsts
    assert "'+cmd|' /C calc'!A0" in firsts and "'@SUM(1+1)" in firsts
    assert "<script>alert(1)</script>" in firsts  # text, for a spreadsheet harmless
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)

    sheet = openpyxl.load_workbook(
        io.BytesIO(exports.export(db, event, "attendees", "xlsx", who="test"))
    ).active
    cells = [c for r in sheet.iter_rows(min_row=2) for c in r if isinstance(c.value, str)]
    risky = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert not any(c.data_type == "f" for c in cells)


def test_every_export_is_audited_without_personal_data(db, event, brunch) -> None:
    for kind in ("attendees", "contacts", "checkins"):
        exports.export(db, event, kind, "xlsx", who="organiser")
    exports.attendance_pdf(db, event, who="cli")
    entries = audit.entries(db, event.id)
    assert [(e["what"], e["who"], e["rows"]) for e in reversed(entries)] == [
        ("attendees.xlsx", "organiser", 3),
        ("contacts.xlsx", "organiser", 1),
        ("checkins.xlsx", "organiser", 5),  # three created, two checked in
        ("attendance.pdf", "cli", 2),
    ]
    text = json.dumps(entries, ensure_ascii=False)
    assert "Anna" not in text and "ihk.example" not in text


def test_attendance_list_pdf_lists_who_came_with_arrival_and_a_signature_column(
    db, event, brunch
) -> None:
    events.update_settings(db, event.id, {"place": "Rathaus Kassel"})
    event = events.get(db, event.id)
    body = exports.attendance_pdf(db, event, who="test", signature=True)
    with pdfplumber.open(io.BytesIO(body)) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
        width, height = document.pages[0].width, document.pages[0].height
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "Teilnehmendenliste" in text and "Rathaus Kassel" in text and "22.11.2026" in text
    assert "Müller, Anna" in text and "Weiß, Jörg" in text and "Groß" not in text
    assert "UNTERSCHRIFT" in text  # headers in small capitals
    assert local("2026-11-22T09:41:00+00:00").replace(" ", ", ") in text
    assert "2 Personen angekommen" in text


def test_cli_export_writes_by_suffix_and_refuses_an_unknown_one(runner, tmp_path) -> None:
    assert runner.invoke("event", "create", "Brunch", "--date", "2026-11-22").exit_code == 0
    source = tmp_path / "liste.csv"
    source.write_text("Vorname;Nachname\nAnna;Müller\n", encoding="utf-8")
    assert runner.invoke("import", str(source)).exit_code == 0
    out = tmp_path / "out" / "teilnehmende.xlsx"
    result = runner.invoke("export", "attendees", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).active["A2"].value == "Anna"
    forced = tmp_path / "liste.txt"
    assert runner.invoke("export", "attendees", "-o", str(forced), "--format", "csv").exit_code == 0
    assert forced.read_bytes().startswith(b"\xef\xbb\xbfVorname;")
    bad = runner.invoke("export", "attendees", "-o", str(tmp_path / "liste.pdf"))
    assert bad.exit_code != 0 and "csv|xlsx" in bad.output
    assert not (tmp_path / "liste.pdf").exists()
    pdf = tmp_path / "anwesenheit.pdf"
    assert runner.invoke("export", "attendance", "-o", str(pdf)).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_format_follows_the_suffix_unless_given() -> None:
    assert exports.format_of("a.XLSX") == "xlsx"
    assert exports.format_of("a.txt", "csv") == "csv"
    with pytest.raises(exports.ExportError):
        exports.format_of(str(Path("a")))


def test_hostile_values_are_text_in_the_attendance_list(db, event) -> None:
    importing.import_file(db, event, HOSTILE.read_bytes(), HOSTILE.name)
    for a in attendees.list_for_event(db, event.id):
        checkin.check_in(db, event, a["id"], desk="Eingang")
    with pdfplumber.open(io.BytesIO(exports.attendance_pdf(db, event, who="test"))) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
    assert "Skript, <script>alert(1)</script>" in text
    assert "Vorlage, {{ 7*7 }}" in text and "49" not in text.replace("2026", "")
