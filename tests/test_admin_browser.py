"""The organiser's pages in a real browser: sign-in, events, attendee search as you type."""

from playwright.sync_api import expect

from kiosk import attendees, events
from kiosk.attendees import AttendeeData

from conftest import ORGANISER_PASSWORD, sign_in


def seed(live_server) -> None:
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch", network="Kassel")
    for first, last, org in [
        ("Anna", "Müller", "IHK Kassel"),
        ("Jan", "Weiß", "Max-Eyth-Schule"),
        ("Olena", "Petrenko", "Jobcenter Stadt Kassel"),
    ]:
        attendees.create(
            db, event, AttendeeData(first_name=first, last_name=last, organisation=org), how="test"
        )
    db.close()


def test_sign_in_with_wrong_then_right_password(page) -> None:
    page.goto("/admin/")
    page.fill("#password", "falsch")
    page.click("button.primary")
    assert page.locator(".flash-error").inner_text() == "Das Passwort stimmt nicht."
    page.fill("#password", ORGANISER_PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/admin/")
    assert page.locator("h2").first.inner_text() == "Neue Veranstaltung"


def test_create_an_event_in_the_browser(organiser_page) -> None:
    page = organiser_page
    page.get_by_role("link", name="Veranstaltung anlegen").click()  # the menu before any event
    page.fill("#ev-name", "Ausbildungsmesse Rathaus")
    page.fill("#ev-date", "2027-02-03")
    page.get_by_role("button", name="Anlegen", exact=True).click()
    assert page.locator("h1").inner_text() == "Ausbildungsmesse Rathaus"
    assert "angelegt" in page.locator(".flash-ok").inner_text()
    expect(page.locator("#nav-checkin")).to_have_text("Check-in in diesem Browser")
    expect(page.get_by_role("navigation").get_by_role("link", name="Desks")).to_be_visible()


def test_attendee_search_as_you_type_forgives_umlauts(live_server, page) -> None:
    seed(live_server)
    sign_in(page)
    page.goto("/admin/attendees")
    assert page.locator("table.attendees tbody tr").count() == 3
    page.locator("#q").press_sequentially("Muller", delay=30)
    expect(page.locator("table.attendees tbody tr")).to_have_count(1)
    assert "Müller, Anna" in page.locator("table.attendees tbody").inner_text()
    assert "q=Muller" in page.url
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("zzz", delay=30)
    page.wait_for_selector("text=Niemand gefunden")


def test_english_is_one_click_away(organiser_page) -> None:
    page = organiser_page
    page.click("button:has-text('English')")
    page.wait_for_selector("text=New event")
    assert page.locator("html").get_attribute("lang") == "en"


def test_pages_fit_a_phone_screen(browser, live_server) -> None:
    seed(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page)
    page.goto("/admin/attendees")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


def test_a_button_with_its_own_question_asks_it_first(organiser_page, live_server) -> None:
    seed(live_server)
    page = organiser_page
    page.goto("/admin/privacy")
    page.fill("#notice", "## Eigener Text\nVerantwortlich: Netzwerkbüro")
    page.get_by_role("button", name="Speichern").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Vorlage wiederherstellen").click()
    assert asked == ["Ihren Text durch die Vorlage ersetzen?"]
    page.reload()
    assert "Verantwortlich: Netzwerkbüro" in page.input_value("#notice")


def test_the_privacy_banner_leads_to_the_controller_and_goes_away(
    organiser_page, live_server
) -> None:
    seed(live_server)
    page = organiser_page
    page.goto("/admin/attendees")
    banner = page.locator(".privacy-unfinished")
    expect(banner).to_contain_text("Datenschutzhinweis ist noch nicht fertig")
    page.goto("/privacy/netzwerkbrunch")
    expect(page.locator("article")).to_contain_text("Wer ist verantwortlich?")
    assert "[" not in page.locator("article").inner_text()
    page.goto("/admin/badges")
    page.locator(".privacy-unfinished a").click()
    page.fill("#ev-controller-name", "Bildungswerk Nord e. V.")
    page.fill("#ev-controller-address", "Hauptstr. 1\n34117 Kassel")
    page.fill("#ev-controller-email", "datenschutz@bildungswerk.example")
    page.screenshot(path=str(live_server.data_dir / "event-form.png"), full_page=True)
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator(".privacy-unfinished")).to_have_count(0)
    page.goto("/privacy/netzwerkbrunch?lang=en")
    expect(page.locator("article")).to_contain_text(
        "Bildungswerk Nord e. V., Hauptstr. 1, 34117 Kassel, e-mail: datenschutz@bildungswerk"
    )
    expect(page.locator("article")).to_have_attribute("lang", "en")
