"""A hybrid event walked in a real browser: the invitation mail received on loopback SMTP with
the private link and a calendar entry, the link opened, "Ich bin dabei", a contact request
sent and accepted in a second browser, the contact in both summaries, the dashboard counting
on-site and online arrivals apart while they come in."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import icalendar
import pypdf
from playwright.sync_api import expect

from kiosk import attendees, checkin, events, mail
from kiosk.attendees import AttendeeData

from conftest import SmtpServer

#: The live server's secret (see conftest.LiveServer) and where the mails' links point.
SECRET = "live-test"
PUBLIC_URL = "http://kiosk.test"
VIDEO = "https://bbb.example.org/b/schule-wirtschaft"
SHOTS = Path("/tmp/kiosk-online-shots")


def _attendee(db, event, first, attendance):
    data = AttendeeData(
        first_name=first,
        last_name="Müller",
        email=f"{first.lower()}@example.org",
        organisation=f"Schule {first}",
        interests=["Berufsorientierung"],
        attendance=attendance,
        consent_matchmaking=True,
        consent_share_contact=True,
        consent_mail=True,
    )
    return attendees.create(db, event, data, how="test")


def _own_link(message, live_url: str) -> str:
    body = message.get_body(("plain",)).get_content()
    link = re.search(re.escape(PUBLIC_URL) + r"/me/[\w-]+", body)
    assert link, body
    return link.group(0).replace(PUBLIC_URL, live_url)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_hybrid_event_from_invitation_to_summaries(live_server, organiser_page, browser):
    server = SmtpServer()
    try:
        db = live_server.db()
        event = events.create(db, "Schule-Wirtschaft digital", network="Landkreis")
        events.rename(db, event.id, event.name, datetime.now().date().isoformat())
        event = events.update_settings(
            db,
            event.id,
            {
                "format": "hybrid",
                "start_time": "00:00",
                "end_time": "23:59",
                "place": "Rathaus",
                "video_url": VIDEO,
            },
        )
        anna = _attendee(db, event, "Anna", "online")
        ben = _attendee(db, event, "Ben", "online")
        vera = _attendee(db, event, "Vera", "on-site")
        form = {"host": "127.0.0.1", "port": server.port, "security": "none", "rate": "50"}
        mail.save_settings(db, event.id, {**form, "sender": "orga@example.org"}, secret=SECRET)
        checkin.check_in(db, event, vera["id"], desk="Eingang")
        db.close()

        # The organiser sends the invitations from the mail page.
        orga = organiser_page
        orga.goto("/admin/mail")
        orga.on("dialog", lambda dialog: dialog.accept())
        orga.click("#mail-kind-link button")
        expect(orga.locator("#mail-job.mail-job-done")).to_contain_text(
            "3 verschickt", timeout=15_000
        )
        received = {m["To"].addresses[0].addr_spec: m for m in server.sink.messages()}
        assert sorted(received) == ["anna@example.org", "ben@example.org", "vera@example.org"]
        for who, place in ((anna, VIDEO), (vera, "Rathaus")):
            message = received[who["email"]]
            [entry] = [
                p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
            ]
            vevent = icalendar.Calendar.from_ical(entry.get_content()).walk("VEVENT")[0]
            assert str(vevent["SUMMARY"]) == "Schule-Wirtschaft digital"
            assert str(vevent["LOCATION"]) == place
            assert vevent["DTSTART"].dt.astimezone().strftime("%H:%M") == "00:00"
            assert f"/me/{who['secret']}" in str(vevent["DESCRIPTION"])

        # The dashboard counts on site and online apart, live.
        orga.goto("/admin/dashboard")
        hybrid = orga.locator("#hybrid-counters")
        expect(hybrid.locator('[data-counter="on-site"]')).to_have_text("1")
        expect(hybrid.locator('[data-counter="online"]')).to_have_text("0")

        # Anna opens her link from the mail, finds the video link and says she is there.
        anna_context = browser.new_context(locale="de-DE")
        anna_page = anna_context.new_page()
        anna_page.set_default_timeout(10_000)
        anna_page.goto(_own_link(received["anna@example.org"], live_server.url))
        expect(anna_page.locator("#video-link")).to_have_attribute("href", VIDEO)
        expect(anna_page.locator("#online")).to_contain_text("online")
        anna_page.get_by_role("button", name="Ich bin dabei").click()
        expect(anna_page.locator("#online")).to_contain_text("Sie sind online eingecheckt")
        _shot(anna_page, "own-page-online")
        expect(hybrid.locator('[data-counter="online"]')).to_have_text("1", timeout=10_000)
        expect(hybrid.locator('[data-counter="on-site"]')).to_have_text("1")

        # She finds Ben among the people who agreed to be found and asks for his contact.
        anna_page.get_by_role("link", name="Personen finden").click()
        anna_page.fill("#q", "ben")
        anna_page.keyboard.press("Enter")
        row = anna_page.locator("#people-rows li", has_text="Ben Müller")
        row.get_by_role("button", name="Kontakt anfragen").click()
        expect(anna_page.locator(".flash-ok")).to_contain_text("Anfrage geschickt")
        expect(anna_page.locator("#people-rows li", has_text="Ben Müller")).to_contain_text(
            "angefragt"
        )

        # Ben, in his own browser, sees the request and accepts it.
        ben_context = browser.new_context(locale="de-DE")
        ben_page = ben_context.new_page()
        ben_page.set_default_timeout(10_000)
        ben_page.goto(_own_link(received["ben@example.org"], live_server.url))
        requests = ben_page.locator("#requests")
        expect(requests).to_contain_text("Anna Müller")
        ben_page.locator(".me-jump").get_by_role("link", name="Kontaktanfragen (1)").click()
        expect(requests).to_be_in_viewport()
        _shot(ben_page, "own-page-request")
        requests.get_by_role("button", name="Annehmen").click()
        expect(ben_page.locator("#contacts")).to_contain_text("anna@example.org")
        expect(ben_page.locator("#requests")).to_have_count(0)
        ben_page.get_by_role("button", name="Ich bin dabei").click()
        expect(hybrid.locator('[data-counter="online"]')).to_have_text("2", timeout=10_000)
        _shot(orga, "dashboard-hybrid")

        # The contact is in both summaries.
        for own, other, context in (
            (anna, "Ben Müller", anna_context),
            (ben, "Anna Müller", ben_context),
        ):
            response = context.request.get(f"{live_server.url}/me/{own['secret']}/summary.pdf")
            assert response.status == 200
            text = "".join(
                p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages
            )
            assert other in text, text
        anna_context.close()
        ben_context.close()
    finally:
        server.stop()
