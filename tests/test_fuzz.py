"""Fuzzing with hypothesis: the importer (CSV and XLSX bytes), the desk's code parser and the
name search take anything without an unhandled error, and an import is whole or nothing.

Example counts are modest so the suite stays fast; ``HYPOTHESIS_PROFILE=long`` runs more."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import attendees, checkin, create_app, events, importing
from kiosk import db as kdb
from kiosk.attendees import AttendeeData, namesearch

settings.register_profile(
    "kiosk", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kiosk"))

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".CSV", "")
HEADERS = ("Vorname", "Nachname", "Name", "E-Mail", "Organisation", "Firma", "Themen", "x")
#: Text of every kind: letters of many scripts, controls, quotes, separators, formulas.
CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(";,\t|\"'\r\n=+-@"),
    max_size=30,
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One database for all examples (a fresh one each would make the run slow): an event
    with a few attendees; examples add to it."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {"DATA_DIR": str(folder), "SECRET_KEY": "fuzz", "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    db = kdb.connect(app.config["DATABASE"])
    event = events.create(db, "Fuzztreffen")
    for first, last in (("Anna", "Müller"), ("Jürgen", "Weiß"), ("Çağla", "Öztürk")):
        attendees.create(db, event, AttendeeData(first_name=first, last_name=last), how="t")
    client = app.test_client()
    access_password(db)
    assert client.post("/login", data={"password": "fuzz-organiser-42"}).status_code == 303
    yield {"db": db, "event": event, "client": client}
    db.close()


def access_password(db: Any) -> None:
    from kiosk import access

    access.set_password(db, "fuzz-organiser-42")


def people(db: Any, event: events.Event) -> int:
    return kdb.one(db, "SELECT count(*) AS n FROM attendees WHERE event_id = ?", [event.id])["n"]


def import_whole_or_nothing(fuzzed: dict[str, Any], data: bytes, filename: str) -> None:
    """Import the bytes: refused with a reason, or done whole (as many new people as it said)."""
    db, event = fuzzed["db"], fuzzed["event"]
    before = people(db, event)
    try:
        result = importing.import_file(db, event, data, filename)
    except importing.ImportRefused as refused:
        assert refused.code and str(refused)
        assert people(db, event) == before  # nothing half-imported
        return
    assert people(db, event) == before + result.counts["created"]
    assert kdb.one(db, "PRAGMA integrity_check")["integrity_check"] == "ok"


@given(data=st.binary(max_size=2000), suffix=st.sampled_from(SUFFIXES))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_bytes_are_imported_or_refused(
    fuzzed: dict[str, Any], data: bytes, suffix: str
) -> None:
    import_whole_or_nothing(fuzzed, data, f"liste{suffix}")


@given(
    header=st.lists(st.sampled_from(HEADERS) | CELL, min_size=1, max_size=6),
    rows=st.lists(st.lists(CELL, max_size=7), max_size=12),
    delimiter=st.sampled_from(";,\t|"),
    encoding=st.sampled_from(("utf-8", "utf-8-sig", "utf-16", "cp1252")),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_table_of_text_is_imported_or_refused(
    fuzzed: dict[str, Any], header: list[str], rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    text = "\r\n".join(delimiter.join(cells) for cells in [header, *rows])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    import_whole_or_nothing(fuzzed, data, "anmeldungen.csv")


def _workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _workbook([["Vorname", "Nachname", "E-Mail"], ["Lena", "Kraus", "lena@example.org"]])


@given(
    cuts=st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)), max_size=8),
    keep=st.integers(22, len(VALID_XLSX)),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_damaged_workbooks_are_imported_or_refused(
    fuzzed: dict[str, Any], cuts: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(VALID_XLSX)
    for position, value in cuts:
        data[position] = value
    import_whole_or_nothing(fuzzed, bytes(data[:keep]), "anmeldungen.xlsx")


@given(
    rows=st.lists(
        st.lists(CELL | st.integers() | st.floats(allow_nan=False), max_size=5), max_size=8
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_workbook_content_is_imported_or_refused(
    fuzzed: dict[str, Any], rows: list[list[Any]]
) -> None:
    cleaned = [
        [c for c in row if not (isinstance(c, str) and any(ord(ch) < 32 for ch in c))]
        for row in rows  # openpyxl itself refuses control characters in cells
    ]
    import_whole_or_nothing(fuzzed, _workbook([["Vorname", "Nachname"], *cleaned]), "a.xlsx")


# -- the desk's code parser and the name search ------------------------------------------------


@given(text=st.text(max_size=200))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_code_parser_takes_any_text(fuzzed: dict[str, Any], text: str) -> None:
    found = attendees.find_code(text)
    assert found is None or (len(found) == 20 and found.isalnum())
    try:
        checkin.scan(fuzzed["db"], fuzzed["event"], text, desk="Fuzz")
    except checkin.CheckinError as refused:
        assert refused.code


@given(noise=st.text(alphabet="ÖöäÄ-/:?#. \t", max_size=20))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_code_is_found_in_whatever_surrounds_it(fuzzed: dict[str, Any], noise: str) -> None:
    code = attendees.new_code()
    assert attendees.find_code(f"{noise}http://kiosk.test/b/{code.lower()}{noise}") == code


@given(text=st.text(max_size=120))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_desk_answers_any_scan_without_an_error(fuzzed: dict[str, Any], text: str) -> None:
    answer = fuzzed["client"].post(
        "/desk/scan", data={"code": text}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200 and "data-outcome" in answer.get_data(as_text=True)


@given(query=st.text(max_size=60))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_name_search_takes_any_query(fuzzed: dict[str, Any], query: str) -> None:
    found = namesearch.search(fuzzed["db"], fuzzed["event"].id, query)
    assert isinstance(found, list)
    answer = fuzzed["client"].get(
        "/desk/search", query_string={"q": query}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200


def test_the_fuzzed_database_is_whole(fuzzed: dict[str, Any]) -> None:
    assert kdb.one(fuzzed["db"], "PRAGMA integrity_check")["integrity_check"] == "ok"
    assert isinstance(sqlite3.sqlite_version, str)
    assert Path(kdb.database_file(fuzzed["db"])).exists()
