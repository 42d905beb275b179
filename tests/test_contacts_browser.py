"""Two phones swap contacts in a real browser; notes and consents on a phone; desk swap mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from kiosk import attendees, contacts, events

from conftest import sign_in

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def people(live_server: Any) -> dict[str, dict[str, Any]]:
    database = live_server.db()
    event = events.create(database, "Netzwerkbrunch Kassel", event_date="2026-05-04")

    def add(first: str, last: str, share: bool) -> dict[str, Any]:
        data = attendees.AttendeeData(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@example.org",
            phone="0561 987654",
            organisation=f"Org {last}",
            project="Praxistage",
            consent_share_contact=share,
        )
        return attendees.create(database, event, data, how="test")

    found = {"anna": add("Anna", "Müller", True), "ben": add("Ben", "Öztürk", False)}
    database.close()
    return found


@pytest.fixture
def phones(browser: Any, live_server: Any) -> Iterator[tuple[Any, Any]]:
    """Two phones: two browser contexts with their own cookies, at a small phone's size."""
    made = [
        browser.new_context(
            locale="de-DE", base_url=live_server.url, viewport=PHONE, is_mobile=True
        )
        for _ in range(2)
    ]
    pages = []
    for context in made:
        context.set_default_timeout(10_000)
        pages.append(context.new_page())
    yield pages[0], pages[1]
    for context in made:
        context.close()


def test_two_phones_swap_and_both_see_it(phones, people, live_server) -> None:
    phone_a, phone_b = phones
    anna, ben = people["anna"], people["ben"]
    phone_a.goto(f"/me/{anna['secret']}")
    assert phone_a.locator("h1").inner_text() == "Hallo Anna!"
    # Anna's camera app opens the URL on Ben's badge (upper-cased, as a QR code may hold it).
    phone_a.goto(f"{live_server.url}/B/{ben['code']}")
    assert phone_a.locator(".badge-card h1").inner_text() == "Ben Öztürk"
    phone_a.get_by_role("button", name="Kontakt speichern").click()
    phone_a.wait_for_url(f"**/b/{ben['code']}")
    assert "Kontakt gespeichert: Ben Öztürk" in phone_a.locator(".flashes").inner_text()
    phone_a.get_by_role("link", name="Zu meinen Kontakten").click()
    mine = phone_a.locator("#contacts .contact")
    assert mine.count() == 1 and "Ben Öztürk" in mine.inner_text()
    assert "ben@example.org" not in mine.inner_text()  # Ben does not share
    # The page fits a small phone: nothing sticks out sideways.
    width = phone_a.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    phone_b.goto(f"/me/{ben['secret']}")
    theirs = phone_b.locator("#contacts .contact")
    assert theirs.count() == 1 and "Anna Müller" in theirs.inner_text()
    assert "anna@example.org" in theirs.inner_text()  # Anna shares
    # Ben's phone scanning Anna's badge: already saved.
    phone_b.goto(f"/b/{anna['code']}")
    assert "In Ihren Kontakten" in phone_b.locator("#swap").inner_text()


def test_phone_without_its_owner_page_only_sees_the_badge(phones, people) -> None:
    phone, _ = phones
    phone.goto(f"/b/{people['ben']['code'].lower()}")
    assert phone.locator(".badge-card h1").inner_text() == "Ben Öztürk"
    assert phone.get_by_role("button", name="Kontakt speichern").count() == 0
    assert "eigene Seite" in phone.locator("#swap").inner_text()
    assert "ben@example.org" not in phone.content()


def test_das_bin_ich_nicht_on_a_phone(phones, people) -> None:
    phone, _ = phones
    phone.goto(f"/me/{people['anna']['secret']}")
    phone.goto(f"/b/{people['ben']['code']}")
    phone.get_by_role("button", name="Das bin ich nicht").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("button", name="Kontakt speichern").count() == 0


def test_note_and_consent_on_a_phone_without_reload(phones, people, live_server) -> None:
    phone, _ = phones
    anna, ben = people["anna"], people["ben"]
    database = live_server.db()
    event = events.get(database, anna["event_id"])
    contacts.swap(database, event, anna["id"], ben["id"], how="desk")
    phone.goto(f"/me/{anna['secret']}")
    phone.locator("details.note summary").click()
    phone.fill("textarea[name=note]", "Praktikum im Mai – anrufen")
    phone.get_by_role("button", name="Notiz speichern").click()
    phone.locator(".note-form .tag-ok").wait_for()
    phone.locator("input[name=consent_share_contact]").uncheck()
    phone.get_by_role("button", name="Einwilligungen speichern").click()
    phone.locator("#consents .tag-ok").wait_for()
    [contact] = contacts.list_for(database, anna["id"])
    assert contact["note"] == "Praktikum im Mai – anrufen"
    assert attendees.get(database, anna["id"])["consent_share_contact"] is False
    assert contacts.list_for(database, ben["id"])[0]["email"] == ""
    database.close()
    phone.reload()
    assert phone.locator("textarea[name=note]").input_value() == "Praktikum im Mai – anrufen"
    assert not phone.locator("input[name=consent_share_contact]").is_checked()
    # Removing asks first.
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Entfernen").click()
    phone.locator(".contact-list").wait_for(state="detached")
    assert "Noch keine Kontakte" in phone.locator("#contacts").inner_text()


def test_desk_swap_mode_in_the_browser(page, people, live_server) -> None:
    sign_in(page)
    page.goto("/desk/swap")
    page.fill("#swap-code", people["anna"]["code"])
    page.keyboard.press("Enter")
    page.locator(".swap-wait").wait_for()
    assert "Anna Müller" in page.locator(".swap-wait").inner_text()
    # The field is ready for the next scan at once (a USB scanner types and presses Enter).
    page.keyboard.type(f"{live_server.url}/b/{people['ben']['code']}")
    page.keyboard.press("Enter")
    page.locator(".swap-ok").wait_for()
    result = page.locator(".swap-ok").inner_text()
    assert "Anna Müller" in result and "Ben Öztürk" in result
    database = live_server.db()
    assert contacts.has_contact(database, people["anna"]["id"], people["ben"]["id"])
    database.close()


def test_sharing_is_one_tap_on_the_phone_and_at_the_desk(phones, page, people, live_server) -> None:
    database = live_server.db()
    event = events.get(database, people["anna"]["event_id"])
    nora = attendees.create(
        database, event, attendees.AttendeeData(first_name="Nora", last_name="Neu"), how="test"
    )
    karl = attendees.create(
        database, event, attendees.AttendeeData(first_name="Karl", last_name="Kurz"), how="test"
    )
    database.close()
    question = "Möchten Sie Ihre Kontaktdaten mit Personen teilen, mit denen Sie Kontakte tauschen?"
    phone, _ = phones
    phone.goto(f"/me/{nora['secret']}")
    ask = phone.locator("#consents #consent-share")
    expect(ask).to_contain_text(question)
    phone.screenshot(path=str(live_server.data_dir / "own-page.png"), full_page=True)
    ask.get_by_role("button", name="Ja, teilen").click()
    expect(phone.locator("#consents .tag-ok")).to_be_visible()
    expect(phone.locator("#consent-share")).to_have_count(0)
    expect(phone.locator("input[name=consent_share_contact]")).to_be_checked()

    sign_in(page)
    page.goto("/desk/")
    page.fill("#scan-input", karl["code"])
    page.keyboard.press("Enter")
    card = page.locator("#result #consent-share")
    expect(card).to_contain_text(question)
    card.get_by_role("button", name="Nein").click()
    expect(page.locator("#result")).to_have_attribute("data-outcome", "consent")
    expect(page.locator("#result #consent-share")).to_have_count(0)
    database = live_server.db()
    assert attendees.get(database, nora["id"])["consent_share_contact"] is True
    assert attendees.get(database, karl["id"])["consent_share_contact"] is False
    assert attendees.get(database, karl["id"])["consent_share_contact_how"] == "desk"
    database.close()
