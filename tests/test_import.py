"""Import of registration lists: the shared real-world files, bad files, what organisers bring."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kiosk import attendees, events, importing
from kiosk import db as kdb

from conftest import SHARED_DATA

BAD = SHARED_DATA / "bad"

# -- helpers -------------------------------------------------------------------------------------


def write_csv(
    path: Path, rows: list[list[str]], *, delimiter: str = ";", encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, sheets_before: int = 0) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for n in range(sheets_before):
        sheet.title = f"Leer {n}"
        sheet = workbook.create_sheet("Anmeldungen")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def run_file(db: Any, event: events.Event, path: Path, **kwargs: Any) -> importing.Result:
    return importing.import_file(db, event, path.read_bytes(), path.name, **kwargs)


def people(db: Any, event: events.Event) -> list[dict[str, Any]]:
    return attendees.list_for_event(db, event.id)


def by_last_name(db: Any, event: events.Event, last_name: str) -> list[dict[str, Any]]:
    return [a for a in people(db, event) if a["last_name"] == last_name]


def by_email(db: Any, event: events.Event, email: str) -> dict[str, Any]:
    return next(a for a in people(db, event) if a["email"] == email)


def cli_json(runner: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke("import", "--json", *args)
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def cli(runner: Any) -> Any:
    """The CLI runner with a current event in its data folder."""
    assert runner.invoke("event", "create", "Netzwerkbrunch").exit_code == 0
    return runner


# -- the shared files: counts, twice ---------------------------------------------------------------

SHARED_COUNTS = [
    ("netzwerktreffen-excel.csv", 58),
    ("online-registration-export.csv", 35),
    ("ausbildungsmesse.xlsx", 1540),
]


@pytest.mark.parametrize(("name", "expected"), SHARED_COUNTS)
def test_shared_file_imports_with_its_count_and_again_creates_nothing(
    cli: Any, name: str, expected: int
) -> None:
    code, first = cli_json(cli, str(SHARED_DATA / name))
    assert code == 0
    assert first["counts"]["created"] == expected
    code, second = cli_json(cli, str(SHARED_DATA / name))
    assert code == 0
    assert second["counts"] | {"rows": 0} == {
        "rows": 0,
        "created": 0,
        "updated": 0,
        "unchanged": expected,
        "cancelled": 0,
        "merged": first["counts"]["merged"],
        "skipped": first["counts"]["skipped"],
    }
    listed = json.loads(cli.invoke("attendees", "--json").output)
    assert len(listed) == expected


def test_excel_csv_windows_1252_semicolons_duplicate_and_consent(db: Any, event: Any) -> None:
    result = run_file(db, event, SHARED_DATA / "netzwerktreffen-excel.csv")
    assert (result.table.encoding, result.table.delimiter) == ("Windows-1252", ";")
    assert result.counts["merged"] == 1
    duplicate = [p for p in result.problems if p.code == "duplicate_row"]
    assert [(p.row, p.params["same_as"], p.params["by"]) for p in duplicate] == [(60, 5, "email")]
    renee = by_email(db, event, "renee.oeztuerk@verkehrsbetriebe.example")
    assert renee["first_name"] == "Renée"
    assert renee["interests"][:2] == ["Inklusion", "Berufsorientierung"]
    assert renee["consent_matchmaking"] is True
    assert renee["extra"] == {"Anrede": "Herr"}
    quoted = [a for a in people(db, event) if a["organisation"].startswith("Bildungswerk")]
    assert quoted[0]["organisation"] == "Bildungswerk Nordhessen e.V.; Außenstelle Baunatal"
    assert quoted[0]["consent_matchmaking"] is False
    spaced = by_last_name(db, event, "Becker-Lüdenscheidt")[0]
    assert spaced["first_name"] == "Björn"
    fuss = by_email(db, event, "ole.fuss@stadtreinigung.example")
    assert fuss["interests"] == ["Praktikum", "Inklusion", "Sprachförderung"]
    nele = [
        a for a in by_last_name(db, event, "Nowak") if a["organisation"] == "Gesamtschule Waldau"
    ]
    assert nele[0]["email"] == ""


def test_registration_export_names_cancellations_and_bad_emails(db: Any, event: Any) -> None:
    result = run_file(db, event, SHARED_DATA / "online-registration-export.csv")
    assert result.counts["created"] == 35
    assert result.counts["skipped"] == 5
    codes = {(p.row, p.code) for p in result.problems}
    assert {(2, "cancelled"), (11, "cancelled"), (20, "cancelled"), (29, "cancelled")} <= codes
    assert {(4, "email_invalid"), (7, "email_invalid")} <= codes
    # Cancelled rows report only their cancellation, not their other flaws.
    assert not [p for p in result.problems if p.row == 2 and p.code != "cancelled"]
    mariam = by_last_name(db, event, "Петренко")
    assert [(a["first_name"], a["email"]) for a in mariam] == [("Mariam", "")]
    emails = {a["email"] for a in people(db, event)}
    assert "juergen.wagner@verkehrsbetriebe.example" not in emails  # cancelled
    assert "maximilian.garca@kompetenzzentrum.example" not in emails  # cancelled
    ayse = by_email(db, event, "ayse.wagner@tischlerei.example")
    assert (ayse["first_name"], ayse["last_name"]) == ("Ayşe", "Wagner")
    assert ayse["consent_share_contact"] is True
    assert ayse["consent_matchmaking"] is None
    assert ayse["interests"] == [
        "Einstiegsqualifizierung",
        "Netzwerkarbeit",
        "Praktikum",
        "Handwerk",
    ]
    assert ayse["extra"]["Order code"] == "A47493"


def test_training_fair_pupils_with_one_name_at_one_school_differ_by_class(
    db: Any, event: Any
) -> None:
    run_file(db, event, SHARED_DATA / "ausbildungsmesse.xlsx")
    same = [
        a
        for a in by_last_name(db, event, "Петренко")
        if a["first_name"] == "Çağla" and a["organisation"] == "Gesamtschule Waldau"
    ]
    assert len(same) == 3
    assert len({a["extra"]["Klasse"] for a in same}) == 3
    # Different people, so different persons across the network too.
    assert len({a["person_id"] for a in same}) == 3
    exhibitor = by_email(db, event, "ausbildung0@betrieb0.example")
    assert exhibitor["role"] == "Aussteller"
    assert "Elektroniker/in" in exhibitor["offers"]


def test_same_name_same_school_same_class_is_one_pupil_registered_twice(
    db: Any, event: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "schueler.csv",
        [
            ["Vorname", "Nachname", "Schule", "Klasse"],
            ["Leon", "Schmidt", "Gesamtschule Waldau", "9a"],
            ["Leon", "Schmidt", "Gesamtschule Waldau", "9b"],
            ["Leon", "Schmidt", "Gesamtschule Waldau", "9a"],
            ["Leon", "Schmidt", "Realschule Bettenhausen", "9a"],
        ],
    )
    result = run_file(db, event, path)
    assert result.counts["created"] == 3
    assert [(p.row, p.code) for p in result.problems] == [(4, "duplicate_row")]


# -- bad files -------------------------------------------------------------------------------------

BAD_FILES = {
    "binary.csv": "no_name_column",
    "csv-named.xlsx": "not_xlsx",
    "empty.csv": "empty_file",
    "header-only.csv": "no_rows",
    "mixed-encoding.csv": "mixed_encoding",
    "no-name-column.csv": "no_name_column",
    "truncated.xlsx": "xlsx_broken",
    "unbalanced-quotes.csv": "unbalanced_quotes",
}


def test_every_bad_file_is_covered() -> None:
    assert set(BAD_FILES) | {"hostile-values.csv"} == {p.name for p in BAD.iterdir()}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_with_one_line_and_nothing_saved(cli: Any, name: str) -> None:
    result = cli.invoke("import", str(BAD / name))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {name}: ")
    assert "Traceback" not in result.output
    code, refusal = cli_json(cli, str(BAD / name))
    assert (code, refusal["refused"], refusal["code"]) == (1, True, BAD_FILES[name])
    assert json.loads(cli.invoke("attendees", "--json").output) == []


def test_row_numbers_of_bad_rows_are_given(db: Any, event: Any) -> None:
    with pytest.raises(importing.ImportRefused) as quotes:
        run_file(db, event, BAD / "unbalanced-quotes.csv")
    assert quotes.value.row == 2
    assert "Row 2" in str(quotes.value)
    with pytest.raises(importing.ImportRefused) as mixed:
        run_file(db, event, BAD / "mixed-encoding.csv")
    assert (mixed.value.row, mixed.value.params["utf8_row"]) == (3, 2)


def test_hostile_values_are_stored_as_plain_text(db: Any, event: Any) -> None:
    result = run_file(db, event, BAD / "hostile-values.csv")
    assert result.counts["created"] == 10
    names = {a["last_name"]: a["first_name"] for a in people(db, event)}
    assert names["Formel"] == '=HYPERLINK("http://evil.example","klick")'
    assert names["Skript"] == "<script>alert(1)</script>"
    assert names["Vorlage"] == "{{ 7*7 }}"
    assert names["Tabellen"] == "Robert'); DROP TABLE attendees;--"
    assert names["Steuerzeichen"] == "NullByte"
    assert names["Bidi"] == "evil"
    long = [a for a in people(db, event) if len(a["first_name"]) > 200]
    assert len(long[0]["first_name"]) == attendees.MAX_FIELD_LENGTH
    codes = {(p.row, p.code) for p in result.problems}
    assert {(9, "value_truncated"), (10, "invisible_removed"), (11, "invisible_removed")} <= codes


def test_hostile_values_are_shown_escaped_in_the_attendee_list(
    db: Any, event: Any, organiser: Any
) -> None:
    run_file(db, event, BAD / "hostile-values.csv")
    html = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "{{ 7*7 }}" in html
    assert "\u202e" not in html
    assert len(kdb.rows(db, "SELECT id FROM attendees")) == 10  # the DROP TABLE stayed text


def test_random_bytes_are_not_text(db: Any, event: Any, tmp_path: Path) -> None:
    path = tmp_path / "zufall.csv"
    path.write_bytes(random.Random(7).randbytes(5000))
    with pytest.raises(importing.ImportRefused) as refused:
        run_file(db, event, path)
    assert refused.value.code == "not_text"


def test_cut_off_workbook_and_old_excel_are_refused(db: Any, event: Any, tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "ganz.xlsx", [["Vorname", "Nachname"], ["Anna", "Lang"]])
    cut = tmp_path / "halb.xlsx"
    cut.write_bytes(whole.read_bytes()[:1500])
    with pytest.raises(importing.ImportRefused) as broken:
        run_file(db, event, cut)
    assert broken.value.code == "xlsx_broken"
    old = tmp_path / "alt.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(importing.ImportRefused) as xls:
        run_file(db, event, old)
    assert xls.value.code == "xls_old"
    locked = tmp_path / "geschuetzt.xlsx"
    locked.write_bytes(old.read_bytes())
    with pytest.raises(importing.ImportRefused) as encrypted:
        run_file(db, event, locked)
    assert encrypted.value.code == "xlsx_encrypted"
    assert people(db, event) == []


# -- one transaction, dry run ----------------------------------------------------------------------


def test_a_file_that_fails_while_writing_changes_nothing(
    db: Any, event: Any, tmp_path: Path
) -> None:
    db.execute(
        """CREATE TRIGGER refuse_boom BEFORE INSERT ON attendees WHEN NEW.last_name = 'Boom'
        BEGIN SELECT RAISE(ABORT, 'refused by test'); END"""
    )
    rows = [["Vorname", "Nachname", "E-Mail"]]
    rows += [[f"P{i}", "Fine", f"p{i}@x.example"] for i in range(5)]
    rows += [["Bernd", "Boom", "b@x.example"]]
    with pytest.raises(importing.ImportRefused) as failed:
        run_file(db, event, write_csv(tmp_path / "boom.csv", rows))
    assert failed.value.code == "write_failed"
    assert kdb.rows(db, "SELECT id FROM attendees") == []
    assert kdb.rows(db, "SELECT id FROM persons") == []
    assert importing.imports(db, event.id) == []


def test_dry_run_reports_and_saves_nothing(cli: Any) -> None:
    result = cli.invoke("import", "--dry-run", str(SHARED_DATA / "netzwerktreffen-excel.csv"))
    assert result.exit_code == 0
    assert "58 created" in result.output
    assert "Dry run: nothing was saved." in result.output
    assert json.loads(cli.invoke("attendees", "--json").output) == []


def test_cli_prints_columns_problems_and_counts(cli: Any) -> None:
    result = cli.invoke("import", str(SHARED_DATA / "online-registration-export.csv"))
    assert result.exit_code == 0
    out = result.output
    assert "Order code" in out and "kept as extra" in out
    assert 'Row 4: e-mail address "mariam.@klinikum.example" is not valid' in out
    assert "Row 2: cancelled; not imported." in out
    assert out.strip().endswith(
        "(0 duplicate rows merged, 0 earlier registrations marked cancelled)."
    )
    assert "35 created, 0 updated, 0 unchanged, 5 skipped" in out


def test_cli_map_option_changes_a_column(cli: Any) -> None:
    code, result = cli_json(
        cli,
        "--map",
        "Einwilligung=consent_share_contact",
        str(SHARED_DATA / "ausbildungsmesse.xlsx"),
    )
    assert code == 0
    column = next(c for c in result["columns"] if c["header"] == "Einwilligung")
    assert (column["target"], column["guessed"]) == ("consent_share_contact", "consent_matchmaking")
    listed = json.loads(cli.invoke("attendees", "--json").output)
    assert sum(a["consent_share_contact"] for a in listed) == 1165
    assert not any(a["consent_matchmaking"] for a in listed)
    result = cli.invoke("import", "--map", "Farbe=name", str(SHARED_DATA / "ausbildungsmesse.xlsx"))
    assert result.exit_code == 1
    assert 'the file has no column "Farbe"' in result.output


def test_cli_without_an_event_says_how_to_make_one(runner: Any) -> None:
    result = runner.invoke("import", str(SHARED_DATA / "netzwerktreffen-excel.csv"))
    assert result.exit_code == 1
    assert "kiosk event create" in result.output


# -- re-import: updates, cancellations, consents ---------------------------------------------

HEADER = ["Vorname", "Nachname", "E-Mail", "Telefon", "Organisation", "Funktion", "Vernetzung"]


def test_reimport_updates_changed_fields_and_adds_new_people(
    db: Any, event: Any, tmp_path: Path
) -> None:
    first = [
        HEADER,
        ["Anna", "Lang", "anna@x.example", "0561 1", "IHK Kassel", "Beraterin", "ja"],
        ["Ben", "Kurz", "", "0561 2", "Jobcenter", "Fallmanager", "nein"],
    ]
    run_file(db, event, write_csv(tmp_path / "a.csv", first))
    second = [
        HEADER,
        ["Anna", "Lang", "ANNA@x.example", "0561 1", "IHK Kassel", "Teamleitung", "ja"],
        ["Ben", "Kurz", "", "0561 2", "Jobcenter", "Fallmanager", "nein"],
        ["Cem", "Neu", "cem@x.example", "", "HWK", "", "ja"],
    ]
    result = run_file(db, event, write_csv(tmp_path / "b.csv", second))
    assert (result.counts["created"], result.counts["updated"], result.counts["unchanged"]) == (
        1,
        1,
        1,
    )
    anna = by_last_name(db, event, "Lang")[0]
    assert anna["role"] == "Teamleitung"
    assert [e["action"] for e in attendees.history(db, anna["id"])] == ["created", "edited"]
    assert len(people(db, event)) == 3


def test_empty_cells_and_missing_columns_keep_what_is_stored(
    db: Any, event: Any, tmp_path: Path
) -> None:
    run_file(
        db,
        event,
        write_csv(
            tmp_path / "a.csv",
            [HEADER, ["Anna", "Lang", "a@x.example", "0561 1", "IHK", "Chefin", "ja"]],
        ),
    )
    result = run_file(
        db,
        event,
        write_csv(
            tmp_path / "b.csv", [["E-Mail", "Name", "Funktion"], ["a@x.example", "Anna Lang", ""]]
        ),
    )
    assert result.counts["unchanged"] == 1
    anna = by_last_name(db, event, "Lang")[0]
    assert (anna["phone"], anna["role"], anna["organisation"]) == ("0561 1", "Chefin", "IHK")


def test_cancelled_in_a_later_file_marks_the_attendee_and_a_new_registration_reinstates(
    db: Any, event: Any, tmp_path: Path
) -> None:
    header = ["Name", "E-Mail", "Status"]
    run_file(
        db,
        event,
        write_csv(
            tmp_path / "a.csv",
            [
                header,
                ["Anna Lang", "a@x.example", "bezahlt"],
                ["Ben Kurz", "b@x.example", "bezahlt"],
            ],
        ),
    )
    later = write_csv(
        tmp_path / "b.csv",
        [header, ["Anna Lang", "a@x.example", "bezahlt"], ["Ben Kurz", "b@x.example", "storniert"]],
    )
    result = run_file(db, event, later)
    assert result.counts["cancelled"] == 1
    assert [(p.row, p.code) for p in result.problems] == [(3, "marked_cancelled")]
    assert [a["name"] for a in people(db, event)] == ["Anna Lang"]
    assert attendees.count(db, event.id)["registered"] == 1
    assert run_file(db, event, later).counts["cancelled"] == 0  # already cancelled
    again = write_csv(tmp_path / "c.csv", [header, ["Ben Kurz", "b@x.example", "paid"]])
    assert run_file(db, event, again).counts["updated"] == 1
    assert attendees.count(db, event.id)["registered"] == 2


def test_a_valid_order_beats_a_cancelled_one_of_the_same_person(
    db: Any, event: Any, tmp_path: Path
) -> None:
    rows = [
        ["Attendee name", "Attendee email", "Status"],
        ["Anna Lang", "a@x.example", "canceled"],
        ["Anna Lang", "a@x.example", "paid"],
    ]
    result = run_file(db, event, write_csv(tmp_path / "orders.csv", rows, delimiter=","))
    assert (result.counts["created"], result.counts["skipped"], result.counts["merged"]) == (
        1,
        1,
        0,
    )


def test_consent_given_at_the_desk_is_not_undone_by_the_registration_file(
    db: Any, event: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "a.csv", [HEADER, ["Ben", "Kurz", "b@x.example", "", "HWK", "", "nein"]]
    )
    run_file(db, event, path)
    ben = by_last_name(db, event, "Kurz")[0]
    attendees.set_consent(db, ben["id"], "matchmaking", True, how="desk")
    result = run_file(db, event, path)
    assert result.counts["unchanged"] == 1
    assert by_last_name(db, event, "Kurz")[0]["consent_matchmaking"] is True


# -- what organisers bring besides the shared files ------------------------------------------


def test_excel_unicode_text_utf16_tabs(db: Any, event: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "Anmeldungen.txt",
        [
            ["Vorname", "Nachname", "E-Mail-Adresse", "Firma"],
            ["Jörg", "Weiß", "j@x.example", "Bäckerei Groß"],
            ["Çağla", "Петренко", "c@x.example", "Schule"],
        ],
        delimiter="\t",
        encoding="utf-16",
    )
    assert path.read_bytes()[:2] == b"\xff\xfe"
    result = run_file(db, event, path)
    assert (result.table.encoding, result.table.delimiter) == ("UTF-16 (BOM)", "Tab")
    assert result.counts["created"] == 2
    assert by_last_name(db, event, "Weiß")[0]["organisation"] == "Bäckerei Groß"
    assert by_last_name(db, event, "Петренко")[0]["first_name"] == "Çağla"


@pytest.mark.parametrize(
    ("delimiter", "encoding", "label"),
    [
        (",", "utf-8", "UTF-8"),
        (";", "utf-8-sig", "UTF-8 (BOM)"),
        ("\t", "cp1252", "Windows-1252"),
        ("|", "utf-8", "UTF-8"),
    ],
)
def test_delimiter_and_encoding_are_sniffed(
    db: Any, event: Any, tmp_path: Path, delimiter: str, encoding: str, label: str
) -> None:
    rows = [["Name", "Organisation", "Interessen"], ["Käthe Müller", "Amt, Kassel", "A, B"]]
    result = run_file(
        db, event, write_csv(tmp_path / "liste.csv", rows, delimiter=delimiter, encoding=encoding)
    )
    assert result.table.encoding == label
    kaethe = by_last_name(db, event, "Müller")[0]
    assert (kaethe["first_name"], kaethe["organisation"], kaethe["interests"]) == (
        "Käthe",
        "Amt, Kassel",
        ["A", "B"],
    )


def test_outlook_contact_export(db: Any, event: Any, tmp_path: Path) -> None:
    header = [
        "First Name",
        "Middle Name",
        "Last Name",
        "Title",
        "E-mail Address",
        "E-mail 2 Address",
        "Company",
        "Department",
        "Job Title",
        "Business Phone",
        "Mobile Phone",
        "Notes",
    ]
    rows = [
        header,
        [
            "Anna",
            "Maria",
            "Lang",
            "Dr.",
            "anna@ihk.example",
            "",
            "IHK Kassel",
            "Ausbildung",
            "Beraterin",
            "",
            "0170 1",
            "",
        ],
        [
            "Ben",
            "",
            "Kurz",
            "",
            "",
            "ben@privat.example",
            "HWK",
            "",
            "",
            "0561 2",
            "0170 2",
            "kommt später",
        ],
    ]
    result = run_file(db, event, write_csv(tmp_path / "contacts.csv", rows, delimiter=","))
    assert result.tool == "Outlook"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert mapping["Middle Name"] == "middle_name"
    assert mapping["Mobile Phone"] == "phone"
    # One column per field: the second address and the office phone are offered instead.
    assert mapping["E-mail 2 Address"] == mapping["Business Phone"] == "extra"
    assert mapping["Title"] == mapping["Department"] == mapping["Notes"] == "extra"
    columns = {c.header: c for c in result.columns()}
    assert (columns["E-mail 2 Address"].candidate, columns["E-mail 2 Address"].preferred) == (
        "email",
        "E-mail Address",
    )
    anna = by_last_name(db, event, "Lang")[0]
    assert (anna["first_name"], anna["email"], anna["phone"], anna["role"]) == (
        "Anna Maria",
        "anna@ihk.example",
        "0170 1",
        "Beraterin",
    )
    assert anna["extra"] == {"Title": "Dr.", "Department": "Ausbildung"}
    ben = by_last_name(db, event, "Kurz")[0]
    assert (ben["email"], ben["phone"]) == ("", "0170 2")
    assert ben["extra"] == {
        "E-mail 2 Address": "ben@privat.example",
        "Business Phone": "0561 2",
        "Notes": "kommt später",
    }


def test_survey_tool_workbook(db: Any, event: Any, tmp_path: Path) -> None:
    rows = [
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Organisation",
            "Welche Themen interessieren Sie?",
            "Dürfen wir Sie anderen Teilnehmenden vorschlagen?",
        ],
        [
            1,
            "2026-10-01 09:00",
            "2026-10-01 09:04",
            "anonymous",
            "Anna Lang",
            "IHK",
            "Inklusion;Mentoring;Praktikum;",
            "Ja",
        ],
        [
            2,
            "2026-10-01 09:10",
            "2026-10-01 09:12",
            "ben@x.example",
            "Ben Kurz",
            "HWK",
            "Praktikum;",
            "Vielleicht",
        ],
    ]
    path = write_xlsx(tmp_path / "umfrage.xlsx", rows, sheets_before=1)
    result = run_file(db, event, path)
    assert result.table.sheet == "Anmeldungen"  # the first sheet is empty
    assert result.tool == "Microsoft Forms"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert mapping["Start time"] == mapping["Completion time"] == "ignore"
    assert mapping["ID"] == "registration_id"  # a response keeps its number when edited
    assert mapping["Welche Themen interessieren Sie?"] == "interests"
    assert mapping["Dürfen wir Sie anderen Teilnehmenden vorschlagen?"] == "consent_matchmaking"
    anna = by_last_name(db, event, "Lang")[0]
    assert (anna["email"], anna["interests"], anna["consent_matchmaking"]) == (
        "",
        ["Inklusion", "Mentoring", "Praktikum"],
        True,
    )
    assert anna["extra"] == {importing.REGISTRATION_KEY: "Microsoft Forms: 1"}
    assert by_last_name(db, event, "Kurz")[0]["consent_matchmaking"] is False
    assert [(p.row, p.code, p.value) for p in result.problems] == [
        (3, "consent_unclear", "Vielleicht")
    ]


def test_ten_thousand_rows(db: Any, event: Any, tmp_path: Path) -> None:
    rows = [["Vorname", "Nachname", "E-Mail", "Organisation", "Interessen", "Vernetzung"]]
    rows += [
        [
            f"Vorname{i}",
            "Müller",
            f"p{i}@x.example" if i % 3 else "",
            f"Betrieb {i % 40}",
            "Inklusion, Praktikum",
            "ja" if i % 2 else "nein",
        ]
        for i in range(10_000)
    ]
    result = run_file(db, event, write_csv(tmp_path / "gross.csv", rows))
    assert result.counts["created"] == 10_000
    assert attendees.count(db, event.id)["registered"] == 10_000
    assert len(kdb.rows(db, "SELECT id FROM attendee_log WHERE action = 'created'")) == 10_000


def test_row_numbers_count_header_blank_rows_and_multiline_cells(
    db: Any, event: Any, tmp_path: Path
) -> None:
    text = 'Name;E-Mail;Interessen\r\n\r\nAnna Lang;kaputt@;"A\r\nB"\r\n;niemand@x.example;C\r\n'
    path = tmp_path / "zeilen.csv"
    path.write_text(text, encoding="utf-8", newline="")
    result = run_file(db, event, path)
    assert [(p.row, p.code) for p in result.problems] == [(3, "email_invalid"), (4, "name_missing")]
    assert by_last_name(db, event, "Lang")[0]["interests"] == ["A", "B"]


# -- units: header guessing, names, e-mails, duplicates ---------------------------------------


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("Vorname", "first_name"),
        ("E-Mail-Adresse", "email"),
        ("E-mail Address", "email"),
        ("Firma", "organisation"),
        ("Einrichtung", "organisation"),
        ("Organisationsart", "organisation_type"),
        ("Question: Organisation type", "organisation_type"),
        ("Attendee name", "name"),
        ("Teilnehmer*in", "name"),
        ("Vernetzung", "consent_matchmaking"),
        ("Einwilligung Vernetzung", "consent_matchmaking"),
        ("Kontaktdaten weitergeben", "consent_share_contact"),
        ("Einwilligung", "consent_matchmaking"),
        ("Einwilligung Kontaktdaten", "consent_share_contact"),
        (
            "Question: I agree that other attendees may receive my contact details",
            "consent_share_contact",
        ),
        ("Status", "status"),
        ("Storniert?", "cancelled"),
        ("Ich biete", "offers"),
        ("Wir suchen", "seeks"),
        ("Klasse", "extra"),
        ("Anrede", "extra"),
        ("Order code", "extra"),
        ("Zeitstempel", "ignore"),
        ("Besuchergruppe", "extra"),
        ("Einsatzgebiete", "extra"),
        ("Art der Teilnahme", "attendance"),
        ("Newsletter per E-Mail", "extra"),
        ("Suche nach", "seeks"),
        ("Frage 3: Welche Themen interessieren Sie?", "interests"),
        ("Vorname Nachname", "name"),
        ("Schule/Betrieb", "organisation"),
    ],
)
def test_header_guess(header: str, target: str) -> None:
    assert importing.guess_target(header) == target


def test_name_next_to_first_name_is_the_family_name() -> None:
    assert importing.auto_mapping(["Vorname", "Name", "Name 2"]) == [
        "first_name",
        "last_name",
        "extra",
    ]
    assert importing.auto_mapping(["Vorname", "Nachname", "Name"]) == [
        "first_name",
        "last_name",
        "extra",
    ]


@pytest.mark.parametrize(
    ("cell", "first", "last"),
    [
        ("Anna Lang", "Anna", "Lang"),
        ("Müller, Anna", "Anna", "Müller"),
        ("Nguyễn Thị Lan", "Nguyễn Thị", "Lan"),
        ("Sören von Brühl", "Sören", "von Brühl"),
        ("Madonna", "", "Madonna"),
        ("  Anna   Lang ", "Anna", "Lang"),
    ],
)
def test_split_name(cell: str, first: str, last: str) -> None:
    assert importing.split_name(cell) == (first, last)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("anna@x.example", True),
        ("anna.lang+kiosk@sub.x.example", True),
        ("mariam.@klinikum.example", False),
        (".oeztuerk@x.example", False),
        ("anna..lang@x.example", False),
        ("anna@x", False),
        ("anna@x.example; ben@x.example", False),
    ],
)
def test_valid_email(value: str, valid: bool) -> None:
    assert attendees.valid_email(value) is valid


def test_find_duplicate_folds_names_and_respects_class(db: Any, event: Any) -> None:
    data = attendees.AttendeeData(
        first_name="Jörg", last_name="Müller", organisation="IHK", extra={"Klasse": "9a"}
    )
    attendees.create(db, event, data, how="test")
    same = attendees.AttendeeData(
        first_name="Joerg", last_name="Mueller", organisation="ihk", extra={"klasse": "9A"}
    )
    other_class = attendees.AttendeeData(
        first_name="Jörg", last_name="Müller", organisation="IHK", extra={"Klasse": "9b"}
    )
    assert attendees.find_duplicate(db, event.id, same) is not None
    assert attendees.find_duplicate(db, event.id, other_class) is None


def test_non_latin_names_are_part_of_the_identity(db: Any, event: Any) -> None:
    a = attendees.AttendeeData(first_name="Çağla", last_name="Петренко", organisation="Schule")
    b = attendees.AttendeeData(first_name="Çağla", last_name="Иванова", organisation="Schule")
    assert attendees.identity_key(a) != attendees.identity_key(b)


def test_uploads_are_kept_under_random_names_and_deleted(tmp_path: Path) -> None:
    token = importing.save_upload(tmp_path, "../../etc/Anmeldungen.csv", b"Name\r\nAnna\r\n")
    assert importing.load_upload(tmp_path, token)[:2] == ("Anmeldungen.csv", b"Name\r\nAnna\r\n")
    assert [p.parent for p in (tmp_path / "uploads").iterdir()] == [tmp_path / "uploads"] * 2
    importing.save_mapping(tmp_path, token, ["name"])
    assert importing.load_upload(tmp_path, token)[2] == ["name"]
    importing.discard_upload(tmp_path, token)
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(importing.ImportRefused):
        importing.load_upload(tmp_path, "../kiosk.sqlite3")


def test_workbook_starting_at_b3_keeps_spreadsheet_row_numbers(
    db: Any, event: Any, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "Vorname", "Nachname", "E-Mail"
    sheet["B5"], sheet["C5"], sheet["D5"] = "Anna", "Lang", "kaputt"
    sheet["D7"] = "x@x.example"
    workbook.save(tmp_path / "versetzt.xlsx")
    result = run_file(db, event, tmp_path / "versetzt.xlsx")
    assert result.table.header == ["Vorname", "Nachname", "E-Mail"]
    assert [(p.row, p.code) for p in result.problems] == [(5, "email_invalid"), (7, "name_missing")]


def test_excel_separator_hint_line_is_honoured(db: Any, event: Any, tmp_path: Path) -> None:
    path = tmp_path / "hinweis.csv"
    path.write_bytes(b"sep=,\r\nName,Firma\r\nAnna Lang,IHK; Kassel\r\nBen Kurz,\r\n")
    result = run_file(db, event, path)
    assert result.table.delimiter == ","
    assert by_last_name(db, event, "Lang")[0]["organisation"] == "IHK; Kassel"
    assert result.table.rows[0][0] == 3


@pytest.mark.parametrize(
    ("cell", "first", "last"),
    [
        ("Dr. Jan Weiß", "Jan", "Weiß"),
        ("Frau Prof. Dr. Anna Müller", "Anna", "Müller"),
        ("Müller, Dr. Anna", "Anna", "Müller"),
        ("Herr Sören von Brühl", "Sören", "von Brühl"),
        ("Dr.", "", "Dr."),
    ],
)
def test_single_name_column_drops_salutations_and_titles(cell: str, first: str, last: str) -> None:
    assert importing.split_name(cell) == (first, last)


def test_consent_contact_header_means_sharing_contact_details() -> None:
    assert importing.guess_target("consent_contact") == "consent_share_contact"
    assert importing.guess_target("consent_networking") == "consent_matchmaking"


def test_title_lines_above_the_header_are_passed_over(
    db: Any, event: events.Event, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "liste.xlsx",
        [
            ["Anmeldeliste Netzwerktreffen 12.03.2027"],
            [],
            ["Nr.", "Vorname", "Nachname", "Institution", "E-Mail"],
            [1, "Anna", "Müller", "IHK", "anna@ihk.example"],
            [2, "Jan", "Weiß", "HWK", None],
            [],
            ["Stand: 01.03.2027"],
        ],
    )
    result = run_file(db, event, path)
    assert sorted(a["last_name"] for a in people(db, event)) == ["Müller", "Weiß"]
    assert [p.row for p in result.problems] == [7]


# -- who is the same person ------------------------------------------------------------------

SECRETARIAT = [
    ["Vorname", "Nachname", "E-Mail"],
    ["Anna", "Müller", "sekretariat@schule.example"],
    ["Jörg", "Weiß", "sekretariat@schule.example"],
    ["Käthe", "Groß", "sekretariat@schule.example"],
]


def test_teachers_registered_with_their_school_office_address_are_three_people(
    db: Any, event: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lehrkraefte.csv", SECRETARIAT)
    result = run_file(db, event, path)
    assert (result.counts["created"], result.counts["merged"]) == (3, 0)
    assert sorted(a["name"] for a in people(db, event)) == [
        "Anna Müller",
        "Jörg Weiß",
        "Käthe Groß",
    ]
    assert [(p.row, p.code, p.params) for p in result.problems] == [
        (3, "shared_email", {"same_as": 2}),
        (4, "shared_email", {"same_as": 2}),
    ]
    [shared] = result.shared
    assert (shared.email, shared.rows, shared.names) == (
        "sekretariat@schule.example",
        [2, 3, 4],
        ["Anna Müller", "Jörg Weiß", "Käthe Groß"],
    )
    persons = {a["person_id"] for a in people(db, event)}
    assert len(persons) == 3  # across the network's events, too
    again = run_file(db, event, path)
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 3)
    assert again.shared[0].rows == [2, 3, 4]


def test_a_new_colleague_at_a_known_address_is_a_new_attendee(
    db: Any, event: Any, tmp_path: Path
) -> None:
    run_file(db, event, write_csv(tmp_path / "a.csv", SECRETARIAT[:2]))
    later = [SECRETARIAT[0], ["Jörg", "Weiß", "sekretariat@schule.example"]]
    result = run_file(db, event, write_csv(tmp_path / "b.csv", later))
    assert result.counts["created"] == 1
    assert [(p.row, p.code, p.params) for p in result.problems] == [
        (2, "shared_email", {"registered": 1})
    ]
    assert result.shared[0].registered == ["Anna Müller"]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (("Anna", "Lang"), ("ANNA", "LANG"), True),
        (("Anna", "Lang"), ("A.", "Lang"), True),
        (("Anna", "Lang"), ("Anna Maria", "Lang"), True),
        (("Anna", "Lang"), ("", "Lang"), True),
        (("Jörg", "Weiß"), ("Joerg", "Weiss"), True),
        (("Anna", "Lang"), ("Lang", "Anna"), True),
        (("Jan", "Lang"), ("Janina", "Lang"), False),
        (("Anna Maria", "Lang"), ("Anna Lena", "Lang"), False),
        (("Anna", "Lang"), ("Anna", "Lange"), False),
        (("Anna", "Müller"), ("Jörg", "Weiß"), False),
    ],
)
def test_one_address_is_one_person_only_when_the_names_agree(
    db: Any,
    event: Any,
    tmp_path: Path,
    first: tuple[str, str],
    second: tuple[str, str],
    same: bool,
) -> None:
    rows = [["Vorname", "Nachname", "E-Mail"], [*first, "a@x.example"], [*second, "a@x.example"]]
    result = run_file(db, event, write_csv(tmp_path / "zwei.csv", rows))
    assert result.counts["created"] == (1 if same else 2)
    assert attendees.names_agree(*first, *second) is same


def test_a_merge_can_be_kept_apart_and_the_choice_holds_on_import(
    db: Any, event: Any, tmp_path: Path
) -> None:
    """Father and son, one name, one family address: the organiser keeps them apart."""
    rows = [
        ["Vorname", "Nachname", "E-Mail", "Organisation"],
        ["Hans", "Becker", "familie.becker@mail.example", "Bäckerei Becker"],
        ["Hans", "Becker", "familie.becker@mail.example", "Gesamtschule Waldau"],
    ]
    path = write_csv(tmp_path / "becker.csv", rows)
    table = importing.read_file(path.read_bytes(), path.name)
    merged = importing.plan(db, event, table)
    [merge] = merged.merges
    assert (merge.row, merge.other, merge.by, merge.kept_apart) == (2, 3, "email", False)
    assert (merge.first.organisation, merge.second.organisation) == (
        "Bäckerei Becker",
        "Gesamtschule Waldau",
    )
    result = importing.run(db, event, table, apart=[(2, 3)])
    assert (result.counts["created"], result.counts["merged"]) == (2, 0)
    assert [(p.row, p.code) for p in result.problems] == [(3, "kept_apart")]
    assert result.merges[0].kept_apart
    again = importing.run(db, event, table, apart=[(2, 3)])
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 2)


def test_a_registration_number_finds_a_corrected_name_but_not_another_forms_person(
    db: Any, event: Any, tmp_path: Path
) -> None:
    header = ["Response ID", "Vorname", "Nachname", "E-Mail"]
    run_file(
        db, event, write_csv(tmp_path / "a.csv", [header, ["7", "Jörg", "Weis", "j@x.example"]])
    )
    corrected = [header, ["7", "Jörg", "Weiß", "j@x.example"]]
    result = run_file(db, event, write_csv(tmp_path / "b.csv", corrected))
    assert (result.counts["created"], result.counts["updated"]) == (0, 1)
    assert [a["name"] for a in people(db, event)] == ["Jörg Weiß"]
    # Response 7 of another form is somebody else: number alone is no evidence.
    other = [header, ["7", "Ayşe", "Yıldız", "ayse@y.example"]]
    assert run_file(db, event, write_csv(tmp_path / "c.csv", other)).counts["created"] == 1


def test_the_attendees_address_is_preferred_and_the_orderers_offered(
    db: Any, event: Any, tmp_path: Path
) -> None:
    rows = [
        ["Buyer email", "Teilnehmer Vorname", "Teilnehmer Nachname", "Teilnehmer E-Mail"],
        ["chefin@b.example", "Anna", "Lang", "anna@b.example"],
        ["chefin@b.example", "Ben", "Kurz", "ben@b.example"],
    ]
    result = run_file(db, event, write_csv(tmp_path / "tickets.csv", rows))
    assert result.tool == ""
    assert result.mapping == ["extra", "first_name", "last_name", "email"]
    buyer = result.columns()[0]
    assert (buyer.candidate, buyer.preferred, buyer.secondary) == (
        "email",
        "Teilnehmer E-Mail",
        True,
    )
    assert sorted(a["email"] for a in people(db, event)) == ["anna@b.example", "ben@b.example"]


def test_a_column_whose_values_do_not_fit_is_not_mapped_and_says_why(
    db: Any, event: Any, tmp_path: Path
) -> None:
    rows = [
        ["Vorname", "Nachname", "E-Mail bestätigt", "E-Mail", "Position", "Funktion"],
        ["Anna", "Lang", "ja", "anna@x.example", "1", "Beraterin"],
        ["Ben", "Kurz", "nein", "ben@x.example", "2", "Berater"],
        ["Cem", "Neu", "ja", "cem@x.example", "3", ""],
    ]
    result = run_file(db, event, write_csv(tmp_path / "liste.csv", rows))
    assert result.mapping == ["first_name", "last_name", "extra", "email", "extra", "role"]
    columns = {c.header: c for c in result.columns()}
    assert (columns["E-Mail bestätigt"].candidate, columns["E-Mail bestätigt"].misfit) == (
        "email",
        "yes_no",
    )
    assert (columns["Position"].candidate, columns["Position"].misfit) == ("role", "numbers")
    assert by_last_name(db, event, "Lang")[0]["role"] == "Beraterin"


def test_one_column_per_field_and_a_chosen_column_takes_the_field_from_the_other() -> None:
    header = ["Vorname", "Nachname", "E-Mail", "E-Mail (privat)"]
    guessed = importing.auto_mapping(header)
    assert guessed == ["first_name", "last_name", "email", "extra"]
    chosen = importing.mapping_from_pairs(header, ["E-Mail (privat)=email"])
    assert chosen == ["first_name", "last_name", "extra", "email"]
    with pytest.raises(importing.ImportRefused) as refused:
        importing.check_mapping(header, ["first_name", "last_name", "email", "email"])
    assert refused.value.code == "duplicate_target"
    assert refused.value.params["columns"] == ["E-Mail", "E-Mail (privat)"]


def test_find_duplicate_and_persons_need_the_name_too(db: Any, event: Any) -> None:
    """The desk's walk-in check and the network's persons follow the same rule."""
    anna = attendees.create(
        db,
        event,
        attendees.AttendeeData(first_name="Anna", last_name="Müller", email="sek@schule.example"),
        how="test",
    )
    joerg = attendees.AttendeeData(first_name="Jörg", last_name="Weiß", email="sek@schule.example")
    assert attendees.find_duplicate(db, event.id, joerg) is None
    again = attendees.AttendeeData(first_name="A.", last_name="Müller", email="SEK@schule.example")
    assert attendees.find_duplicate(db, event.id, again)["id"] == anna["id"]
    created = attendees.create(db, event, joerg, how="walk-in")
    assert created["person_id"] != anna["person_id"]
    other_event = events.create(db, "Herbsttreffen", network=event.network)
    back = attendees.create(db, other_event, again.cleaned(), how="test")
    assert back["person_id"] == anna["person_id"]


def test_cli_names_the_tool_and_json_carries_it(cli: Any, tmp_path: Path) -> None:
    header = ["Order #", "Attendee #", "First Name", "Last Name", "Email", "Attendee Status"]
    rows = [header, ["1", "11", "Anna", "Lang", "a@x.example", "Attending"]]
    path = write_csv(tmp_path / "report.csv", rows, delimiter=",")
    result = cli.invoke("import", "--dry-run", str(path))
    assert "Recognised: Eventbrite export" in result.output
    code, data = cli_json(cli, str(path))
    assert (code, data["tool"], data["source"]["tool"]) == (0, "Eventbrite", "Eventbrite")


def test_many_pupils_at_one_school_address_are_each_one_attendee(
    db: Any, event: Any, tmp_path: Path
) -> None:
    """Past a few people per address, names are looked up, not compared one by one."""
    rows = [["Vorname", "Nachname", "E-Mail", "Klasse"]]
    rows += [[f"Kind{i}", f"Familie{i}", "info@schule.example", "8a"] for i in range(40)]
    rows += [
        ["Kind3", "FAMILIE3", "INFO@schule.example", "8a"],
        ["Familie7", "Kind7", "info@schule.example", "8a"],  # first and family name swapped
    ]
    result = run_file(db, event, write_csv(tmp_path / "klasse.csv", rows))
    assert (result.counts["created"], result.counts["merged"]) == (40, 2)
    duplicate = [p for p in result.problems if p.code == "duplicate_row"]
    assert [(p.row, p.params["same_as"]) for p in duplicate] == [(42, 5), (43, 9)]
    assert len(result.shared[0].rows) == 40
    assert [a["first_name"] for a in by_last_name(db, event, "Familie7")] == ["Kind7"]
    again = run_file(db, event, write_csv(tmp_path / "klasse.csv", rows))
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 40)


def test_the_same_people_in_the_networks_next_event_are_the_same_persons(
    db: Any, event: Any, tmp_path: Path
) -> None:
    rows = [*SECRETARIAT, ["Ben", "Kurz", ""], ["Cem", "Neu", "cem@x.example"]]
    path = write_csv(tmp_path / "lehrkraefte.csv", rows)
    run_file(db, event, path)
    first = {a["name"]: a["person_id"] for a in people(db, event)}
    autumn = events.create(db, "Herbsttreffen", network=event.network)
    later = [*rows, ["Jörg", "Weiß", "joerg.weiss@schule.example"]]
    run_file(db, autumn, write_csv(tmp_path / "herbst.csv", later))
    second = {(a["name"], a["email"]): a["person_id"] for a in people(db, autumn)}
    assert len(set(first.values())) == 5
    for (name, email), person in second.items():
        # One name with another address is another person, as within one event.
        same = email != "joerg.weiss@schule.example"
        assert (person == first[name]) is same, (name, email)


def test_cli_keeps_a_merge_apart(cli: Any, tmp_path: Path) -> None:
    rows = [
        ["Vorname", "Nachname", "E-Mail"],
        ["Hans", "Becker", "familie.becker@mail.example"],
        ["Hans", "Becker", "familie.becker@mail.example"],
    ]
    path = write_csv(tmp_path / "becker.csv", rows)
    merged = cli.invoke("import", "--dry-run", str(path))
    assert "Row 3: same person as row 2 (same e-mail address and name); merged." in merged.output
    code, result = cli_json(cli, "--apart", "2-3", str(path))
    assert (code, result["counts"]["created"], result["merges"]) == (
        0,
        2,
        [{"rows": [2, 3], "by": "email", "kept_apart": True}],
    )


def test_a_mail_consent_column_is_read_like_the_other_consents(db, event) -> None:
    data = "Vorname;Nachname;E-Mail;Kontaktübersicht per E-Mail\nAnna;Müller;a@x.example;ja\n"
    data += "Ben;Weiß;b@x.example;nein\nCem;Kaya;c@x.example;\n"
    importing.import_file(db, event, data.encode("utf-8"), "liste.csv")
    found = {a["first_name"]: a["consent_mail"] for a in attendees.list_for_event(db, event.id)}
    assert found == {"Anna": True, "Ben": False, "Cem": False}  # only an explicit yes counts


def test_an_attendance_column_says_who_joins_online(db, event) -> None:
    data = "Vorname;Nachname;Teilnahme\nAnna;Müller;vor Ort\nBen;Weiß;Online (Zoom)\n"
    data += "Cem;Kaya;digital\n"
    importing.import_file(db, event, data.encode("utf-8"), "liste.csv")
    found = {a["first_name"]: a["attendance"] for a in attendees.list_for_event(db, event.id)}
    assert found == {"Anna": "on-site", "Ben": "online", "Cem": "online"}
