"""The organiser's page for after the event: figures, exports by POST, the purge with its typed
confirmation, the audit, the banner when an event is due for deletion."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest

from kiosk import attendees, audit, checkin, contacts, events, retention
from kiosk.attendees import AttendeeData


@pytest.fixture
def met(db, event):
    anna = attendees.create(
        db,
        event,
        AttendeeData(first_name="Anna", last_name="Müller", organisation="IHK"),
        how="test",
    )
    jorg = attendees.create(
        db,
        event,
        AttendeeData(first_name="Jörg", last_name="Weiß", organisation="Schule"),
        how="test",
    )
    for a in (anna, jorg):
        checkin.check_in(db, event, a["id"], desk="Eingang")
    contacts.swap(db, event, anna["id"], jorg["id"], how="phone")
    return anna, jorg


def test_the_page_shows_the_figures_and_every_export(organiser, event, met) -> None:
    html = organiser.get("/admin/after").get_data(as_text=True)
    assert 'id="figure-arrived">2<' in html and 'id="figure-pairs">1<' in html
    for kind in ("attendees", "contacts", "checkins", "attendance", "summaries", "report"):
        assert f'action="/admin/after/export/{kind}"' in html
    assert 'id="mail"' in html and 'id="delete"' in html and "<svg" in html


def test_exports_are_downloads_with_umlauts_in_their_names_and_audited(
    organiser, db, event, met
) -> None:
    response = organiser.post("/admin/after/export/attendees", data={"format": "xlsx"})
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''")[1]) == "Netzwerkbrunch Test Teilnehmende.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert {r[0].value for r in sheet.iter_rows(min_row=2)} == {"Anna", "Jörg"}
    zipped = organiser.post("/admin/after/export/summaries")
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        assert "Weiß Jörg/Kontakte.pdf" in archive.namelist()
    assert organiser.post("/admin/after/export/report").data.startswith(b"%PDF")
    done = [e["what"] for e in audit.entries(db, event.id)]
    assert done == ["report.pdf", "summaries.zip", "attendees.xlsx"]
    assert organiser.get("/admin/after/export/attendees").status_code == 405
    assert organiser.post("/admin/after/export/passwords").status_code == 404


def test_the_purge_needs_the_events_name_typed(organiser, db, event, met) -> None:
    refused = organiser.post("/admin/after/purge", data={"confirm": "ja"}, follow_redirects=True)
    assert "Bitte den Namen der Veranstaltung genau eintippen" in refused.get_data(as_text=True)
    assert len(attendees.list_for_event(db, event.id)) == 2
    done = organiser.post("/admin/after/purge", data={"confirm": event.name}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "sind gelöscht" in html and 'id="figure-arrived">2<' in html  # the figures stay
    assert attendees.list_for_event(db, event.id, include_cancelled=True) == []
    assert 'id="exports"' not in html and "Löschung der Veranstaltung" in html


def test_every_organiser_page_says_when_an_event_is_due_for_deletion(organiser, db, event) -> None:
    old = events.create(db, "Frühjahrstreffen", event_date="2026-01-10")
    events.choose(db, event.id)
    html = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "Die Aufbewahrungsfrist von „Frühjahrstreffen“ ist abgelaufen" in html
    retention.purge(db, events.get(db, old.id), who="test")
    html = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "Aufbewahrungsfrist" not in html


def test_the_attendees_summary_from_their_own_page(client, db, event, met) -> None:
    anna, _ = met
    response = client.get(f"/me/{anna['secret']}/summary.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert "Kontakte Anna M" in unquote(response.headers["Content-Disposition"])
    page = client.get(f"/me/{anna['secret']}").get_data(as_text=True)
    assert f"/me/{anna['secret']}/summary.pdf" in page


def test_an_erased_contact_stays_on_the_others_page_as_deleted(client, db, event, met) -> None:
    anna, jorg = met
    [mine] = contacts.list_for(db, anna["id"])
    contacts.set_note(db, anna["id"], mine["id"], "Praktikum besprechen")
    retention.erase(db, event, jorg["id"], who="organiser")
    page = client.get(f"/me/{anna['secret']}").get_data(as_text=True)
    assert "Gelöschter Kontakt" in page and "Praktikum besprechen" in page
    assert "Jörg" not in page and "Weiß" not in page
    assert client.get(f"/me/{anna['secret']}/contacts/{mine['id']}.vcf").status_code == 404
