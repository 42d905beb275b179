"""How the private link reaches the attendee: the desk's "QR nochmal zeigen", the QR on the
suggestions slip, the handout to cut out, the CSV for the organiser's mail tool."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader

from kiosk import arrivals, attendees, audit, checkin, desks, events, handouts
from kiosk.attendees import AttendeeData

from conftest import sign_in

HX = {"HX-Request": "true"}
BASE = "http://kiosk.test"


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[page].render(scale=200 / 72).to_pil()
    finally:
        doc.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return sorted({r.text for r in found})


def add(db: Any, event: events.Event, first: str, last: str, **more: Any) -> dict[str, Any]:
    data = AttendeeData(first_name=first, last_name=last, **more)
    return attendees.create(db, event, data, how="test")


def desk_client(app: Any, db: Any, name: str) -> Any:
    desk = desks.add(db, name, "desk")
    client = app.test_client()
    assert client.get(f"/desk/join/{desks.new_link(db, desk['id'])}").status_code == 302
    return client


def test_a_desk_offers_the_qr_again_for_its_own_latest_check_ins(
    app: Any, db: Any, event: events.Event
) -> None:
    anna, ben = add(db, event, "Anna", "Müller"), add(db, event, "Ben", "Öztürk")
    here, there = desk_client(app, db, "Eingang"), desk_client(app, db, "Garderobe")
    here.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    card = here.post("/desk/scan", data={"code": ben["code"]}, headers=HX).get_data(as_text=True)
    assert "QR nochmal zeigen" in card
    assert f'hx-get="/desk/attendee/{anna["id"]}"' in card
    other = there.get("/desk/").get_data(as_text=True)
    assert "QR nochmal zeigen" not in other  # another desk did not check them in
    page = here.get("/desk/").get_data(as_text=True)  # after a reload too
    assert f'href="/desk/attendee/{anna["id"]}"' in page
    again = here.get(f"/desk/attendee/{anna['id']}", headers=HX).get_data(as_text=True)
    assert f"/me/{anna['secret']}" in again


def test_the_recent_list_ends_after_a_few_minutes_and_a_few_people(
    db: Any, event: events.Event
) -> None:
    people = [add(db, event, f"P{i}", "Person") for i in range(7)]
    for p in people:
        checkin.check_in(db, event, p["id"], desk="Eingang")
    recent = arrivals.recent_at_desk(db, event, "Eingang")
    assert [r["id"] for r in recent] == [p["id"] for p in reversed(people)][:5]
    later = datetime.now(UTC) + timedelta(minutes=arrivals.RECENT_AT_DESK_MINUTES + 1)
    assert arrivals.recent_at_desk(db, event, "Eingang", now=later) == []
    assert arrivals.checked_in_at_desk_lately(db, event, people[0]["id"], "Eingang")
    assert not arrivals.checked_in_at_desk_lately(db, event, people[0]["id"], "Garderobe")
    assert not arrivals.checked_in_at_desk_lately(db, event, people[0]["id"], "Eingang", now=later)


def test_the_slip_carries_the_private_qr_for_whom_the_desk_just_checked_in(
    app: Any, db: Any, event: events.Event
) -> None:
    anna, ben = add(db, event, "Anna", "Müller"), add(db, event, "Ben", "Öztürk")
    desk = desk_client(app, db, "Eingang")
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    slip = desk.get(f"/suggestions/{anna['id']}/slip.pdf")
    assert slip.status_code == 200
    [link] = qr_codes(slip.data)
    assert link.endswith(f"/me/{anna['secret']}")
    assert "persönliche Seite" in PdfReader(io.BytesIO(slip.data)).pages[0].extract_text()
    other = desk.get(f"/suggestions/{ben['id']}/slip.pdf")  # not checked in here
    assert qr_codes(other.data) == []


def test_the_csv_of_private_links_is_for_a_mail_merge_and_audited(
    db: Any, event: events.Event
) -> None:
    add(db, event, "=cmd", "Müller", email="anna@example.org", organisation="IHK")
    ben = add(db, event, "Ben", "Öztürk")
    body = handouts.links_csv(db, event, BASE, who="organiser")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Vorname", "Nachname", "Organisation", "E-Mail", "Persönlicher Link"]
    assert table[1] == ["'=cmd", "Müller", "IHK", "anna@example.org", table[1][4]]
    assert table[2][4] == f"{BASE}/me/{ben['secret']}"
    assert [(e["what"], e["rows"]) for e in audit.entries(db, event.id)] == [
        ("private-links.csv", 2)
    ]


def test_the_handout_has_one_card_per_person_with_their_qr(db: Any, event: events.Event) -> None:
    people = [add(db, event, f"Person{i}", "Beispiel", organisation="Org") for i in range(9)]
    pdf = handouts.handout_pdf(db, event, BASE, who="organiser")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # eight to a page
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4
    found = qr_codes(pdf, 0) + qr_codes(pdf, 1)
    assert sorted(found) == sorted(f"{BASE}/me/{p['secret']}" for p in people)
    assert "Person8 Beispiel" in reader.pages[1].extract_text()


@pytest.mark.parametrize("path", ["/admin/links/handout.pdf", "/admin/links/export.csv"])
def test_handout_and_csv_are_for_the_organiser_and_only_by_post(
    organiser: Any, client: Any, event: events.Event, path: str
) -> None:
    assert organiser.get(path).status_code == 405
    response = organiser.post(path)
    assert response.status_code == 200


def test_the_attendees_page_offers_handout_csv_and_mail(
    organiser: Any, event: events.Event
) -> None:
    html = organiser.get("/admin/attendees").get_data(as_text=True)
    assert (
        'action="/admin/links/handout.pdf"' in html and 'action="/admin/links/export.csv"' in html
    )
    assert 'href="/admin/mail"' in html


def test_helper_shows_a_missed_qr_again_in_the_browser(live_server: Any, page: Any) -> None:
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch")
    anna, ben = add(db, event, "Anna", "Müller"), add(db, event, "Ben", "Öztürk")
    db.close()
    sign_in(page)
    page.goto("/desk/")
    for person in (anna, ben):
        page.fill("#scan-input", person["code"])
        page.keyboard.press("Enter")
        expect(page.locator("#result .result-name")).to_have_text(person["name"])
    page.locator(".recent-here").get_by_role("link", name="Anna Müller").click()
    expect(page.locator("#result .result-name")).to_have_text("Anna Müller")
    qr = page.locator("#result .result-qr div.qr")
    expect(qr).to_have_attribute("data-qr", f"http://kiosk.test/me/{anna['secret']}")
    expect(qr.locator("svg, canvas, img, table").first).to_be_visible()  # drawn by the page
    page.screenshot(path=str(live_server.data_dir / "desk-recent.png"))
