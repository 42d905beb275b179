"""The page for after the event in a real browser: a download, the typed confirmation, purge."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from kiosk import attendees, checkin, contacts, events
from kiosk.attendees import AttendeeData


def seed(live_server) -> events.Event:
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch Herbst", event_date="2026-11-22", network="Kassel")
    people = [
        attendees.create(
            db, event, AttendeeData(first_name=first, last_name=last, organisation=org), how="t"
        )
        for first, last, org in (
            ("Anna", "Müller", "IHK Kassel"),
            ("Jörg", "Weiß", "Max-Eyth-Schule"),
            ("Käthe", "Groß", "Jobcenter"),
        )
    ]
    for a in people[:2]:
        checkin.check_in(db, event, a["id"], desk="Eingang")
    contacts.swap(db, event, people[0]["id"], people[1]["id"], how="phone")
    db.close()
    return event


def test_download_a_list_then_purge_with_the_typed_name(organiser_page, live_server) -> None:
    event = seed(live_server)
    page = organiser_page
    page.reload()  # signed in before the event existed: the menu then offers only creating one
    page.get_by_role("link", name="Nach der Veranstaltung").first.click()
    expect(page.locator("#figure-arrived")).to_have_text("2")
    row = page.locator("#exports tr", has_text="Teilnehmende").first
    with page.expect_download() as caught:
        row.get_by_role("button", name="Excel (XLSX)").click()
    download = caught.value
    assert download.suggested_filename == "Netzwerkbrunch Herbst Teilnehmende.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sorted(r[1].value for r in sheet.iter_rows(min_row=2)) == ["Groß", "Müller", "Weiß"]
    page.reload()  # a download leaves the page as it is; the audit shows it on the next visit
    expect(page.locator("#audit")).to_contain_text("attendees.xlsx")

    # A wrong name deletes nothing; the right one, confirmed, deletes everyone's data.
    page.fill("#purge-confirm", "Netzwerkbrunch")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Alle personenbezogenen Daten löschen").click()
    expect(page.locator(".flash-error")).to_contain_text("genau eintippen")
    page.fill("#purge-confirm", event.name)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Alle personenbezogenen Daten löschen").click()
    expect(page.locator(".flashes .flash-ok")).to_contain_text("sind gelöscht")
    assert "nicht rückgängig" in asked[0]
    expect(page.locator("#figure-arrived")).to_have_text("2")  # the report's figures remain
    expect(page.locator("#exports")).to_have_count(0)
    db = live_server.db()
    assert attendees.list_for_event(db, event.id, include_cancelled=True) == []
    db.close()
