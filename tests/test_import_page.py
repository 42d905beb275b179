"""The organiser's import pages: upload, preview with mapping and row problems, confirm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from kiosk import attendees, events, importing

from conftest import SHARED_DATA

ONLINE = SHARED_DATA / "online-registration-export.csv"


def upload(client: Any, path: Path, name: str | None = None) -> Any:
    with path.open("rb") as f:
        return client.post(
            "/admin/import",
            data={"file": (f, name or path.name)},
            content_type="multipart/form-data",
        )


def token_of(response: Any) -> str:
    match = re.fullmatch(r"/admin/import/([A-Za-z0-9_-]+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def uploads(app: Any) -> list[Path]:
    folder = Path(app.config["DATA_DIR"]) / importing.UPLOAD_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


def test_import_pages_are_the_organisers(client: Any, event: Any) -> None:
    response = client.get("/admin/import")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.post("/admin/import/abcdefghijklmnopqrstu/confirm").status_code == 302


def test_without_an_event_the_organiser_is_sent_to_create_one(organiser: Any) -> None:
    response = organiser.get("/admin/import")
    assert response.headers["Location"].endswith("/admin/")


def test_upload_page_links_and_explains(organiser: Any, event: Any) -> None:
    html = organiser.get("/admin/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'accept=".csv,.tsv,.txt,.xlsx"' in html
    assert "Anmeldeliste importieren" in html
    assert 'href="/admin/import"' in organiser.get("/admin/attendees").get_data(as_text=True)


def test_upload_shows_preview_with_mapping_counts_and_row_problems(
    app: Any, db: Any, organiser: Any, event: Any
) -> None:
    response = upload(organiser, ONLINE)
    assert response.status_code == 303
    token = token_of(response)
    assert [p.name for p in uploads(app)] == [f"{token}.bin", f"{token}.json"]
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert 'id="count-created">35<' in html
    assert 'id="count-skipped">5<' in html
    assert re.search(
        r'<select id="col-1" name="col-1">.*?<option value="name" selected>', html, re.S
    )
    assert "als Zusatzangabe behalten" in html  # Order code
    assert re.search(r'row-number">4</td>\s*<td>.*?E-Mail-Adresse ungültig', html, re.S)
    assert "mariam.@klinikum.example" in html
    assert "Anmeldung storniert" in html
    assert attendees.count(db, event.id)["registered"] == 0


def test_confirm_imports_deletes_the_upload_and_shows_the_result(
    app: Any, db: Any, organiser: Any, event: Any
) -> None:
    token = token_of(upload(organiser, ONLINE))
    response = organiser.post(f"/admin/import/{token}/confirm")
    assert response.status_code == 303
    assert re.fullmatch(r"/admin/import/done/\d+", response.headers["Location"])
    assert uploads(app) == []
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="count-created">35<' in html
    assert "35 Personen neu angelegt" in html
    assert re.search(r'row-number">7</td><td>E-Mail-Adresse ungültig', html)
    assert "ioana.@hotel.example" not in html  # the log keeps codes, not values
    assert attendees.count(db, event.id)["registered"] == 35
    recent = organiser.get("/admin/import").get_data(as_text=True)
    assert "online-registration-export.csv" in recent
    again = organiser.get(f"/admin/import/{token_of(upload(organiser, ONLINE))}")
    html = again.get_data(as_text=True)
    assert 'id="count-created">0<' in html
    assert 'id="count-unchanged">35<' in html


def test_changing_the_mapping_updates_the_preview_and_the_import(
    db: Any, organiser: Any, event: Any
) -> None:
    path = SHARED_DATA / "ausbildungsmesse.xlsx"
    token = token_of(upload(organiser, path))
    mapping = importing.auto_mapping(importing.read_file(path.read_bytes(), path.name).header)
    form = {f"col-{i}": t for i, t in enumerate(mapping)}
    form["col-9"] = "consent_share_contact"  # Einwilligung
    form["col-5"] = "ignore"  # Klasse
    response = organiser.post(f"/admin/import/{token}/mapping", data=form)
    assert response.status_code == 303
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert "geändert (erkannt: Einwilligung: Vernetzung (Vorschläge))" in html
    # Without the class, pupils with one name at one school are merged.
    assert 'id="count-merged">' in html
    fragment = organiser.post(
        f"/admin/import/{token}/mapping", data=form, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment.get_data(as_text=True).startswith('<div id="import-preview">')
    form["col-5"] = "extra"
    organiser.post(f"/admin/import/{token}/confirm", data=form)
    found = attendees.list_for_event(db, event.id)
    assert len(found) == 1540
    assert sum(bool(a["consent_share_contact"]) for a in found) == 1165
    assert not any(a["consent_matchmaking"] for a in found)


def test_a_file_without_names_can_be_mapped_in_the_preview(
    db: Any, organiser: Any, event: Any
) -> None:
    token = token_of(upload(organiser, SHARED_DATA / "bad" / "no-name-column.csv"))
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert "Keine Spalte enthält Namen" in html
    assert 'id="import-confirm" disabled' in html
    organiser.post(f"/admin/import/{token}/confirm", data={"col-0": "name", "col-1": "extra"})
    found = attendees.list_for_event(db, event.id)
    assert sorted(a["last_name"] for a in found) == ["blau", "rot"]


def test_refused_files_say_why_in_german_and_leave_nothing(
    app: Any, organiser: Any, event: Any
) -> None:
    for name, text in [
        ("truncated.xlsx", "Die Excel-Datei ist beschädigt oder unvollständig"),
        ("csv-named.xlsx", "ist aber keine Excel-Arbeitsmappe"),
        ("empty.csv", "Die Datei ist leer."),
        ("unbalanced-quotes.csv", "Zeile 2: Ein Anführungszeichen"),
        ("mixed-encoding.csv", "Zeile 2 und Zeile 3 sind verschieden kodiert"),
    ]:
        response = upload(organiser, SHARED_DATA / "bad" / name)
        assert response.status_code == 422, name
        assert text in response.get_data(as_text=True), name
    assert uploads(app) == []
    assert upload_missing_file(organiser).status_code == 422


def upload_missing_file(client: Any) -> Any:
    return client.post("/admin/import", data={}, content_type="multipart/form-data")


def test_cancel_deletes_the_upload_and_unknown_uploads_are_gone(
    app: Any, organiser: Any, event: Any
) -> None:
    token = token_of(upload(organiser, ONLINE))
    assert organiser.post(f"/admin/import/{token}/cancel").status_code == 303
    assert uploads(app) == []
    response = organiser.get(f"/admin/import/{token}")
    assert response.headers["Location"].endswith("/admin/import")
    page = organiser.get("/admin/import").get_data(as_text=True)
    assert "nicht mehr da" in page


def test_hostile_file_preview_is_escaped(organiser: Any, event: Any) -> None:
    token = token_of(upload(organiser, SHARED_DATA / "bad" / "hostile-values.csv"))
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "auf 300 gekürzt" in html


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    path.write_text("\r\n".join(delimiter.join(r) for r in rows) + "\r\n", encoding="utf-8")
    return path


def form_of(html: str) -> dict[str, Any]:
    """The preview form's current choices, as the browser would send them."""
    fields: dict[str, Any] = {}
    for name, body in re.findall(
        r'<select id="(col-\d+)" name="col-\d+">(.*?)</select>', html, re.S
    ):
        fields[name] = re.search(r'<option value="([a-z_]+)" selected>', body).group(1)
    fields["apart"] = re.findall(r'name="apart" value="([\d-]+)" checked', html)
    return fields


PRETIX_ORDERS = [
    ["Order code", "Position ID", "Status", "Email", "Attendee name", "Attendee name: Given name",
     "Attendee name: Family name", "Attendee email", "Company", "Funktion",
     "E-mail address verified"],
    ["TEAM1", "1", "paid", "chefin@b.example", "Anna Lang", "Anna", "Lang", "anna@b.example",
     "Betrieb GmbH", "Ausbildung", "Yes"],
    ["TEAM1", "2", "paid", "chefin@b.example", "Ben Kurz", "Ben", "Kurz", "ben@b.example",
     "Betrieb GmbH", "Azubi", "Yes"],
    ["SCHUL", "1", "paid", "sek@schule.example", "Anna Müller", "Anna", "Müller",
     "sek@schule.example", "Gesamtschule", "Lehrerin", "No"],
    ["SCHUL", "2", "paid", "sek@schule.example", "Jörg Weiß", "Jörg", "Weiß",
     "sek@schule.example", "Gesamtschule", "Lehrer", "No"],
]  # fmt: skip


def test_preview_names_the_tool_the_shared_address_and_offers_the_runner_up(
    organiser: Any, event: Any, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "brunch_orders.csv", PRETIX_ORDERS, ",")
    html = organiser.get(f"/admin/import/{token_of(upload(organiser, path))}").get_data(
        as_text=True
    )
    assert "erkannt: pretix-Export" in html
    assert 'id="count-created">4<' in html
    shared = re.search(r'<table class="table import-shared".*?</table>', html, re.S).group(0)
    assert "sek@schule.example" in shared
    assert "Anna Müller" in shared and "Jörg Weiß" in shared
    orderer = re.search(r'<select id="col-3" name="col-3">(.*?)</select>(.*?)</td>', html, re.S)
    assert '<option value="extra" selected>' in orderer.group(1)
    assert '<option value="email">E-Mail – Alternative</option>' in orderer.group(1)
    assert "auch als „E-Mail“ möglich; gewählt ist „Attendee email“" in orderer.group(2)
    assert "(diese Spalte gehört zur Bestellung, nicht zur Person)" in orderer.group(2)


def test_choosing_the_runner_up_takes_the_field_from_the_column_that_had_it(
    db: Any, organiser: Any, event: Any, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "brunch_orders.csv", PRETIX_ORDERS, ",")
    token = token_of(upload(organiser, path))
    form = form_of(organiser.get(f"/admin/import/{token}").get_data(as_text=True))
    form["col-3"] = "email"  # the orderer's address instead of the attendee's
    html = organiser.post(
        f"/admin/import/{token}/mapping", data=form, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert re.search(
        r'<select id="col-7" name="col-7">.*?<option value="extra" selected>', html, re.S
    )
    assert "geändert (erkannt: E-Mail)" in html
    organiser.post(f"/admin/import/{token}/confirm", data=form_of(html))
    found = attendees.list_for_event(db, event.id)
    assert sorted(a["email"] for a in found) == [
        "chefin@b.example",
        "chefin@b.example",
        "sek@schule.example",
        "sek@schule.example",
    ]


def test_a_merge_is_shown_with_both_rows_and_can_be_undone_there(
    db: Any, organiser: Any, event: Any, tmp_path: Path
) -> None:
    rows = [
        ["Vorname", "Nachname", "E-Mail", "Organisation"],
        ["Hans", "Becker", "familie.becker@mail.example", "Bäckerei Becker"],
        ["Hans", "Becker", "familie.becker@mail.example", "Gesamtschule Waldau"],
    ]
    token = token_of(upload(organiser, write_rows(tmp_path / "becker.csv", rows)))
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    merge = re.search(r'<tbody class="merge" id="merge-2-3">.*?</tbody>', html, re.S).group(0)
    assert "Bäckerei Becker" in merge and "Gesamtschule Waldau" in merge
    assert "gleiche E-Mail-Adresse und gleicher Name" in merge
    assert '<input type="checkbox" name="apart" value="2-3">' in merge
    assert 'id="count-merged">1<' in html
    form = form_of(html)
    form["apart"] = ["2-3"]
    response = organiser.post(f"/admin/import/{token}/mapping", data=form)
    assert response.status_code == 303
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert 'id="merge-2-3"' in html and 'value="2-3" checked' in html
    assert 'id="count-created">2<' in html
    assert "Getrennt von Zeile 2 gelassen, wie gewählt." in html
    organiser.post(f"/admin/import/{token}/confirm", data=form_of(html))
    found = attendees.list_for_event(db, event.id)
    assert sorted(a["organisation"] for a in found) == ["Bäckerei Becker", "Gesamtschule Waldau"]


def test_a_column_whose_values_do_not_fit_says_why(
    organiser: Any, event: Any, tmp_path: Path
) -> None:
    rows = [
        ["Vorname", "Nachname", "E-Mail bestätigt", "E-Mail"],
        ["Anna", "Lang", "ja", "anna@x.example"],
        ["Ben", "Kurz", "nein", "ben@x.example"],
    ]
    token = token_of(upload(organiser, write_rows(tmp_path / "liste.csv", rows)))
    html = organiser.get(f"/admin/import/{token}").get_data(as_text=True)
    assert "nicht als „E-Mail“ übernommen: die Werte sind Ja/Nein-Antworten" in html


# -- in the browser ----------------------------------------------------------------------------


def test_organiser_imports_a_list_in_the_browser(live_server: Any, organiser_page: Any) -> None:
    db = live_server.db()
    events.create(db, "Netzwerkbrunch", network="Kassel")
    db.close()
    page = organiser_page
    page.goto("/admin/attendees")
    page.click("text=Importieren")
    page.set_input_files("#import-file", str(ONLINE))
    page.click("text=Hochladen und prüfen")
    page.wait_for_url(re.compile(r".*/admin/import/[A-Za-z0-9_-]{16,}$"))
    expect(page.locator("#count-created")).to_have_text("35")
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("E-Mail-Adresse ungültig")
    assert (
        problems.locator("tr", has_text="ungültig").first.locator(".row-number").inner_text() == "4"
    )
    expect(page.locator("#col-1")).to_have_value("name")
    # Changing a column swaps the preview in place (htmx) and is remembered.
    page.select_option("#col-0", "ignore")
    expect(page.locator("tr.target-ignore")).to_have_count(1)
    page.click("#import-confirm")
    page.wait_for_url("**/admin/import/done/*")
    expect(page.locator("#count-created")).to_have_text("35")
    page.click("text=Zu den Teilnehmenden")
    expect(page.locator("table.attendees")).to_contain_text("Петренко")
    expect(page.locator(".count")).to_contain_text("35 Personen")
    db = live_server.db()
    event = events.current(db)
    stored = attendees.list_for_event(db, event.id)
    db.close()
    assert not any("Order code" in a["extra"] for a in stored)


def test_every_refusal_and_row_problem_has_a_german_text(app: Any) -> None:
    from kiosk.web import admin_import

    package = Path(importing.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    refusals = set(re.findall(r'ImportRefused\(\s*"([a-z_0-9]+)"', source)) - {"unreadable"}
    problems = set(re.findall(r'Problem\(\s*[\w.]+,\s*"([a-z_]+)"', source))
    assert {"no_name_column", "mixed_encoding"} <= refusals
    assert {"email_invalid", "duplicate_row", "marked_cancelled"} <= problems
    with app.test_request_context():
        generic = admin_import.refusal_text("?")
        for code in refusals:
            assert admin_import.refusal_text(code, 2) != generic, code
        for code in problems:
            text = admin_import.problem_text({"code": code, "row": 2, "params": {}})
            assert text != code, code
