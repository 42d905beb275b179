"""The desk worked with the keyboard alone, and counters that come with the card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from test_desk_browser import open_desk, scan

from kiosk import attendees, events
from kiosk.attendees import AttendeeData

#: Milliseconds between two keys a person types.
TYPING_DELAY_MS = 40


@pytest.fixture
def venue(live_server: Any) -> dict[str, Any]:
    """An event with four registered people, two of them called Kaya."""
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch", event_date="2026-11-22")
    people = {
        key: attendees.create(
            db, event, AttendeeData(first_name=f, last_name=last, organisation=org), how="test"
        )
        for key, f, last, org in (
            ("mueller", "Jürgen", "Müller", "Max-Eyth-Schule"),
            ("kaya", "Kemal", "Kaya", "Jobcenter Kassel"),
            ("aylin", "Aylin", "Kaya", "Handwerkskammer"),
            ("weiss", "Ole", "Weiß", "Tiefbau Hauptstraße"),
        )
    }
    db.close()
    return {"event": event, **people}


@pytest.fixture
def desk(browser: Any, live_server: Any, venue: Any) -> Any:
    page = open_desk(browser, live_server, "Eingang 1")
    page.wait_for_selector("#scan-input:focus")
    yield page
    page.context.close()


def checked_in(live_server: Any, attendee: dict[str, Any]) -> bool:
    db = live_server.db()
    found = attendees.get(db, attendee["id"])
    db.close()
    return found["checked_in_at"] is not None


def test_enter_on_the_one_hit_checks_that_person_in(
    desk: Any, live_server: Any, venue: Any
) -> None:
    # Enter right after typing, before the hits came: the desk waits for them, then checks in.
    desk.keyboard.type("Muller", delay=TYPING_DELAY_MS)
    desk.keyboard.press("Enter")
    card = desk.locator('#result[data-outcome="welcome"]')
    expect(card).to_contain_text("Willkommen, Jürgen!")
    assert "Unbekannter Code" not in desk.inner_text("body")
    assert checked_in(live_server, venue["mueller"])
    assert desk.input_value("#scan-input") == ""


def test_arrow_keys_choose_among_several_hits_and_enter_picks(
    desk: Any, live_server: Any, venue: Any
) -> None:
    desk.keyboard.type("Kaya", delay=TYPING_DELAY_MS)
    expect(desk.locator("#hits .hit")).to_have_count(2)
    desk.keyboard.press("Enter")  # several hits: Enter alone chooses nobody
    expect(desk.locator("#hits .hit-active")).to_have_count(1)
    assert not checked_in(live_server, venue["kaya"])
    assert not checked_in(live_server, venue["aylin"])
    names = desk.locator("#hits .hit-name").all_inner_texts()
    desk.keyboard.press("ArrowDown")
    chosen = desk.locator("#hits .hit-active .hit-name").inner_text()
    assert chosen == names[1]
    desk.keyboard.press("Enter")
    expect(desk.locator('#result[data-outcome="welcome"]')).to_contain_text(chosen)
    picked, other = (
        (venue["aylin"], venue["kaya"]) if "Aylin" in chosen else (venue["kaya"], venue["aylin"])
    )
    assert checked_in(live_server, picked) and not checked_in(live_server, other)


def test_escape_clears_the_field_and_the_hits(desk: Any) -> None:
    desk.keyboard.type("Kaya", delay=TYPING_DELAY_MS)
    expect(desk.locator("#hits .hit")).to_have_count(2)
    desk.keyboard.press("Escape")
    assert desk.input_value("#scan-input") == ""
    expect(desk.locator("#hits .hit")).to_have_count(0)


def test_tab_reaches_the_hits_and_a_scan_still_lands_in_the_field(
    desk: Any, live_server: Any, venue: Any
) -> None:
    desk.keyboard.type("Weiß", delay=TYPING_DELAY_MS)
    expect(desk.locator("#hits .hit")).to_have_count(1)
    for _ in range(6):
        desk.keyboard.press("Tab")
        if desk.evaluate("!!document.activeElement.closest('#hits')"):
            break
    assert desk.evaluate("document.activeElement.closest('#hits .hit') !== null")
    # A badge scanned now: the scanner's keys go to the scan field, not to the focused hit.
    scan(desk, venue["kaya"]["code"])
    expect(desk.locator('#result[data-outcome="welcome"]')).to_contain_text("Willkommen, Kemal!")
    assert not checked_in(live_server, venue["weiss"])


def test_the_counters_come_with_the_card(desk: Any, live_server: Any, venue: Any) -> None:
    polls: list[str] = []
    desk.on("request", lambda r: polls.append(r.url) if "/desk/counters" in r.url else None)
    arrived = '#counters [data-counter="arrived"]'
    assert desk.inner_text(arrived) == "0"
    polls.clear()
    scan(desk, venue["mueller"]["code"])
    desk.locator('#result[data-outcome="welcome"]').wait_for()
    assert desk.inner_text(arrived) == "1"
    assert polls == []  # not a poll: the answer to the scan brought them
    desk.get_by_text("Check-in zurücknehmen").click()
    desk.fill("#result input[name=reason]", "falsche Person")
    polls.clear()
    desk.get_by_role("button", name="Zurücknehmen").click()
    desk.locator('#result[data-outcome="undone"]').wait_for()
    assert desk.inner_text(arrived) == "0"
    assert polls == []
