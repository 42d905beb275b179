"""The mail section in a real browser: a send-out started with a click shows live progress,
then the result and the refused mail with its reason, without reloading the page."""

from playwright.sync_api import expect

from kiosk import attendees, events, mail
from kiosk.attendees import AttendeeData

from conftest import SmtpServer

#: The live server's secret (see conftest.LiveServer).
SECRET = "live-test"


def test_a_send_out_shows_live_progress_and_then_the_problems(live_server, organiser_page):
    server = SmtpServer()
    try:
        db = live_server.db()
        event = events.create(db, "Netzwerkbrunch", network="Kassel")
        for first in ("Anna", "Ben", "Cem", "Dora"):
            data = AttendeeData(first_name=first, last_name="Müller", email=f"{first}@example.org")
            attendees.create(db, event, data, how="test")
        form = {"host": "127.0.0.1", "port": server.port, "security": "none", "rate": "3"}
        mail.save_settings(db, event.id, {**form, "sender": "orga@example.org"}, secret=SECRET)
        db.close()
        server.sink.refuse["cem@example.org"] = "550 5.1.1 Mailbox unknown"
        page = organiser_page
        page.goto("/admin/mail")
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#mail-kind-link button")
        expect(page.locator("#mail-job progress")).to_be_visible()
        done = page.locator("#mail-job.mail-job-done")
        expect(done).to_contain_text("3 verschickt, 1 fehlgeschlagen", timeout=15_000)
        failed = page.locator("#mail-problems .mail-failed")
        expect(failed).to_contain_text("550 5.1.1 Mailbox unknown")
        expect(failed).to_contain_text("Cem Müller")
        expect(page.locator("#mail-kind-link .mail-sent")).to_have_text("3")
        expect(page.locator("#mail-kind-link button")).to_be_disabled()
    finally:
        server.stop()
    assert sorted(server.sink.recipients()) == [
        "anna@example.org",
        "ben@example.org",
        "dora@example.org",
    ]
