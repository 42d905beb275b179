"""Badge pages: the organiser's layout, preview, batch with progress, reprints, settings;
the desk's single badge PDF; and the preview in a real browser."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from flask import url_for
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from kiosk import attendees, badges, desks, events
from kiosk.attendees import AttendeeData
from kiosk.web.roles import DESK

from conftest import sign_in

HX = {"HX-Request": "true"}
#: Seconds a small batch may take in the background before the test gives up.
BATCH_WAIT_S = 30


@pytest.fixture
def people(db: Any, event: events.Event) -> list[dict[str, Any]]:
    return [
        attendees.create(
            db,
            event,
            AttendeeData(
                first_name=first,
                last_name=last,
                organisation=org,
                organisation_type=kind,
                interests="Inklusion, Mentoring",
            ),
            how="test",
        )
        for first, last, org, kind in [
            ("Anna", "Müller", "IHK Kassel", "Kammer"),
            ("Jan", "Weiß", "Max-Eyth-Schule", "Schule"),
            ("Olena", "Петренко", "Jobcenter Stadt Kassel", "Jobcenter"),
        ]
    ]


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def wait_for_job(organiser: Any, location: str) -> str:
    """Poll the progress fragment like the page does until the batch is done."""
    job_id = re.search(r"job=([0-9a-f]+)", location).group(1)  # type: ignore[union-attr]
    deadline = time.monotonic() + BATCH_WAIT_S
    while time.monotonic() < deadline:
        fragment = organiser.get(f"/admin/badges/jobs/{job_id}", headers=HX)
        assert fragment.status_code == 200
        html = fragment.get_data(as_text=True)
        assert html.lstrip().startswith('<div id="badge-job"')  # the fragment, not the page
        if "badge-job-running" not in html:
            return job_id
        time.sleep(0.1)
    raise AssertionError("the batch did not finish")


def test_badge_pages_are_for_the_organiser_only(
    app: Any, client: Any, event: events.Event, people: list[dict[str, Any]]
) -> None:
    response = client.get("/admin/badges")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with client.session_transaction() as session:
        session["role"] = DESK
    assert client.get("/admin/badges").status_code == 403
    assert client.post(f"/admin/badges/{people[0]['id']}.pdf").status_code == 403


def test_badge_page_shows_counts_layouts_and_a_preview(
    organiser: Any, people: list[dict[str, Any]]
) -> None:
    html = organiser.get("/admin/badges").get_data(as_text=True)
    assert "3 Personen" in html and "3 noch nicht gedruckt" in html
    for name in ("avery-l4785", "durable-1456", "brother-dk11202", "a6"):
        assert f'value="{name}"' in html
    assert 'id="badge-preview"' in html and "Anna" in html and "KAMMER" in html
    assert 'href="/admin/badges"' in html  # the nav link


def test_preview_fragment_follows_the_chosen_layout(
    organiser: Any, people: list[dict[str, Any]]
) -> None:
    fragment = organiser.get("/admin/badges/preview?layout=a6", headers=HX)
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="badge-preview"')
    assert "badge portrait" in html and "105 × 148 mm" in html
    landscape = organiser.get("/admin/badges/preview?layout=dymo-11356", headers=HX)
    assert "badge landscape" in landscape.get_data(as_text=True)
    assert organiser.get("/admin/badges/preview?layout=nope", headers=HX).status_code == 404
    pdf = organiser.get("/admin/badges/preview.pdf?layout=avery-l4785")
    assert pdf.mimetype == "application/pdf" and pages_of(pdf.data) == 1


def test_hostile_names_are_escaped_in_the_preview(
    organiser: Any, db: Any, event: events.Event
) -> None:
    attendees.create(
        db,
        event,
        AttendeeData(first_name="<script>alert(1)</script>", last_name="{{ 7*7 }}"),
        how="t",
    )
    html = organiser.get("/admin/badges").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{ 7*7 }}" in html


def test_settings_are_saved_and_bad_printer_names_refused(organiser: Any, db: Any) -> None:
    response = organiser.post(
        "/admin/badges/settings",
        data={"layout": "durable-1445", "single_layout": "brother-dk11202", "printer": ""},
    )
    assert response.status_code == 303
    settings = badges.print_settings(db)
    assert (settings.layout, settings.single) == ("durable-1445", "brother-dk11202")
    organiser.post("/admin/badges/settings", data={"layout": "a6", "printer": "a b; c"})
    refused = organiser.post(
        "/admin/badges/settings", data={"layout": "a6", "single_layout": "durable-1445"}
    )
    assert refused.status_code == 303
    assert badges.print_settings(db).layout == "durable-1445"
    page = organiser.get("/admin/badges").get_data(as_text=True)
    assert "kein gültiger Druckername" in page


def test_batch_runs_in_the_background_and_counts_as_printed_once_confirmed(
    organiser: Any, db: Any, people: list[dict[str, Any]]
) -> None:
    started = organiser.post("/admin/badges/batch", data={"which": "new"})
    assert started.status_code == 303
    job_id = wait_for_job(organiser, started.headers["Location"])
    done = organiser.get(f"/admin/badges/jobs/{job_id}", headers=HX).get_data(as_text=True)
    assert "3 Namensschilder fertig" in done
    pdf = organiser.get(f"/admin/badges/jobs/{job_id}.pdf")
    assert pdf.mimetype == "application/pdf" and pages_of(pdf.data) == 1
    # downloading the PDF is not printing: nothing counts as printed until confirmed
    assert badges.counts(db, events.current(db)) == {"total": 3, "printed": 0, "new": 3, "pdf": 3}
    assert 'id="badge-job-printed"' in done
    confirmed = organiser.post(f"/admin/badges/batches/{job_id}/printed", follow_redirects=True)
    assert "3 Namensschilder als gedruckt vermerkt" in confirmed.get_data(as_text=True)
    assert badges.counts(db, events.current(db)) == {"total": 3, "printed": 3, "new": 0, "pdf": 0}
    log = badges.print_log(db, people[0]["id"])
    assert [(e["how"], e["kind"]) for e in log] == [("batch", "pdf"), ("pdf, confirmed", "print")]
    assert organiser.post("/admin/badges/batches/nope/printed").status_code == 404
    again = organiser.post("/admin/badges/batch", data={"which": "new"})
    assert "job=" not in again.headers["Location"]
    assert "nichts zu drucken" in organiser.get("/admin/badges").get_data(as_text=True)
    assert organiser.get("/admin/badges/jobs/unknown", headers=HX).status_code == 404


def test_sending_a_badge_without_a_printer_says_so_and_records_nothing(
    organiser: Any, db: Any, people: list[dict[str, Any]]
) -> None:
    response = organiser.post(f"/admin/badges/{people[1]['id']}/print", follow_redirects=True)
    assert "kein Drucker eingestellt" in response.get_data(as_text=True)
    assert badges.print_log(db, people[1]["id"]) == []


def test_organiser_reprint_is_a_pdf_until_confirmed_printed(
    organiser: Any, db: Any, people: list[dict[str, Any]]
) -> None:
    assert organiser.get(f"/admin/badges/{people[1]['id']}.pdf").status_code == 405
    response = organiser.post(f"/admin/badges/{people[1]['id']}.pdf")
    assert response.mimetype == "application/pdf"
    assert [e["kind"] for e in badges.print_log(db, people[1]["id"])] == ["pdf"]
    rows = organiser.get("/admin/badges/people?q=weiss", headers=HX).get_data(as_text=True)
    assert rows.lstrip().startswith('<div id="badge-rows"')
    assert "Weiß" in rows and "PDF erstellt" in rows and "Müller" not in rows
    organiser.post(f"/admin/badges/{people[1]['id']}/printed")
    assert attendees.get(db, people[1]["id"])["badge_print_count"] == 1
    rows = organiser.get("/admin/badges/people?q=weiss", headers=HX).get_data(as_text=True)
    assert "gedruckt" in rows and "PDF erstellt" not in rows
    assert organiser.post("/admin/badges/99999/printed").status_code == 404


def test_desk_gets_a_single_badge_pdf(
    app: Any, client: Any, db: Any, people: list[dict[str, Any]]
) -> None:
    person = people[2]
    anonymous = client.get(f"/badges/{person['id']}.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    desk = desks.add(db, "Eingang")
    with client.session_transaction() as session:
        session.update(role=DESK, desk=desk["name"], desk_id=desk["id"])
    with app.test_request_context():
        assert url_for("badges.single", attendee_id=person["id"]) == f"/badges/{person['id']}.pdf"
    response = client.get(f"/badges/{person['id']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert pages_of(response.data) == 1
    assert badges.print_log(db, person["id"]) == []  # opening a PDF changes nothing
    assert client.get("/badges/99999.pdf").status_code == 404


def test_calibration_and_test_sheet(organiser: Any, db: Any, people: list[dict[str, Any]]) -> None:
    organiser.post("/admin/badges/calibration", data={"printer": "", "x": "1,5", "y": "-2"})
    assert badges.print_settings(db).offset("") == (1.5, -2.0)
    organiser.post("/admin/badges/calibration", data={"printer": "", "x": "12", "y": "0"})
    assert badges.print_settings(db).offset("") == (1.5, -2.0)
    organiser.post("/admin/badges/calibration", data={"printer": "", "x": "links", "y": "0"})
    assert badges.print_settings(db).offset("") == (1.5, -2.0)
    sheet = organiser.get("/admin/badges/test.pdf")
    assert sheet.mimetype == "application/pdf" and pages_of(sheet.data) == 1


def test_calibration_form_shows_and_saves_the_same_printer(
    organiser: Any, db: Any, event: events.Event
) -> None:
    badges.save_print_settings(db, printer="Brother_QL")
    badges.save_calibration(db, "Brother_QL", 2.0, -1.0)
    page = organiser.get("/admin/badges").get_data(as_text=True)
    assert '<option value="Brother_QL" selected>' in page  # the printer whose values are shown
    assert 'name="x" inputmode="decimal" value="2"' in page


def test_logo_upload_show_and_remove(organiser: Any, db: Any, event: events.Event) -> None:
    image = io.BytesIO()
    Image.new("RGB", (240, 80), (200, 30, 30)).save(image, format="JPEG")
    image.seek(0)
    response = organiser.post(
        "/admin/badges/logo",
        data={"logo": (image, "logo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    shown = organiser.get("/admin/badges/logo.png")
    assert shown.mimetype == "image/png" and shown.data.startswith(b"\x89PNG")
    bad = organiser.post(
        "/admin/badges/logo",
        data={"logo": (io.BytesIO(b"<html>"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 303
    assert "muss ein Bild sein" in organiser.get("/admin/badges").get_data(as_text=True)
    organiser.post("/admin/badges/logo/delete")
    assert organiser.get("/admin/badges/logo.png").status_code == 404


def test_type_colours_are_saved(organiser: Any, db: Any, people: list[dict[str, Any]]) -> None:
    response = organiser.post(
        "/admin/badges/colours",
        data={"type": ["Schule", "Kammer"], "colour": ["#ff8800", "#6a1b9a"]},
    )
    assert response.status_code == 303
    event = events.current(db)
    assert event.settings["type_colours"] == {"Schule": "#ff8800"}  # Kammer kept its default
    organiser.post("/admin/badges/colours", data={"type": ["Schule"], "colour": ["red"]})
    assert events.current(db).settings["type_colours"] == {"Schule": "#ff8800"}


def test_preview_page_in_the_browser(live_server: Any, page: Any) -> None:
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch Kassel")
    for first, last, kind in [("Anna", "Müller", "Kammer"), ("Mariam", "Al-Hassan", "Betrieb")]:
        attendees.create(
            db,
            event,
            AttendeeData(first_name=first, last_name=last, organisation_type=kind),
            how="test",
        )
    db.close()
    problems: list[str] = []  # failed requests (the browser's own favicon probe aside), CSP
    page.on(
        "response",
        lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page)
    page.goto("/admin/badges")
    expect(page.locator("#badge-preview .badge.landscape").first).to_be_visible()
    expect(page.locator("#badge-preview")).to_contain_text("Anna")
    page.select_option("#badge-layout", "a6")
    expect(page.locator("#badge-preview .badge.portrait").first).to_be_visible()
    box = page.locator("#badge-preview .badge.portrait").first.bounding_box()
    assert box is not None and box["height"] > box["width"]  # drawn to scale: A6 stands
    expect(page.locator("#badge-preview")).to_contain_text("105 × 148 mm")
    assert problems == []


def test_two_pdf_downloads_in_the_browser_mark_nothing_until_confirmed(
    live_server: Any, page: Any
) -> None:
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch Kassel")
    for first, last in [("Anna", "Müller"), ("Jonas", "Weiß")]:
        attendees.create(db, event, AttendeeData(first_name=first, last_name=last), how="test")
    db.close()
    sign_in(page)
    for _ in range(2):
        page.goto("/admin/badges")
        expect(page.locator("#badge-count-new")).to_have_text("2 noch nicht gedruckt")
        page.check("input[name=which][value=new]")
        page.click("form.badge-batch button.primary")
        expect(page.locator("#badge-job-pdf")).to_be_visible(timeout=30_000)
        pdf = page.request.get(page.locator("#badge-job-pdf").get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.goto("/admin/badges")
    expect(page.locator("#badge-count-printed")).to_have_text("0 gedruckt")
    expect(page.locator("#badge-rows .badge-state").first).to_contain_text("PDF erstellt")
    expect(page.locator("#badge-batches li")).to_have_count(2)
    page.screenshot(path=str(live_server.data_dir / "badges.png"), full_page=True)
    page.locator("#badge-batches li").first.get_by_role("button", name="Gedruckt").click()
    expect(page.locator("#badge-count-printed")).to_have_text("2 gedruckt")
    expect(page.locator("#badge-rows .badge-state").first).to_contain_text("gedruckt")
    expect(page.locator("#badge-rows")).not_to_contain_text("PDF erstellt")
    expect(page.locator("#badge-batches")).to_have_count(0)


def test_a_walk_in_at_the_desk_gets_a_badge_card_not_a_sheet(live_server: Any, page: Any) -> None:
    db = live_server.db()
    events.create(db, "Netzwerkbrunch Kassel")
    db.close()
    sign_in(page)
    page.goto("/desk/walkin")
    page.fill("#w-first", "Fatma")
    page.fill("#w-last", "Öztürk")
    page.get_by_text("Mehr Angaben (freiwillig)").click()
    page.fill("#w-phone", "0561 123456")
    page.fill("#w-role", "Ausbilderin")
    page.fill("#w-offers", "Praktikumsplätze")
    page.check("input[name=consent_share_contact][value=no]")
    page.screenshot(path=str(live_server.data_dir / "walkin.png"), full_page=True)
    page.get_by_role("button", name="Aufnehmen, einchecken und Badge").click()
    link = page.get_by_role("link", name="Badge öffnen und drucken (PDF)")
    expect(link).to_be_visible()
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok
    [box] = [p.mediabox for p in PdfReader(io.BytesIO(pdf.body())).pages]
    width_mm, height_mm = float(box.width) * 25.4 / 72, float(box.height) * 25.4 / 72
    assert abs(width_mm - 105) < 0.5 and abs(height_mm - 148) < 0.5  # A6, not an A4 sheet
    page.locator("#badge-state").get_by_role("button", name="Gedruckt").click()
    expect(page.locator("#badge-state")).to_have_text("✓ Badge als gedruckt vermerkt")
    db = live_server.db()
    [fatma] = attendees.list_for_event(db, events.current(db).id, query="Öztürk")
    db.close()
    assert (fatma["phone"], fatma["role"], fatma["offers"]) == (
        "0561 123456",
        "Ausbilderin",
        ["Praktikumsplätze"],
    )
    assert fatma["consent_share_contact"] is False and fatma["consent_matchmaking"] is None
