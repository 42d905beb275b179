"""The desk when the laptop cannot be reached, in a real browser against a real `kiosk serve`
process: killed and started again, or replaced by a server that accepts and never answers."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from kiosk import attendees, checkin, desks, events
from kiosk.attendees import AttendeeData

#: Milliseconds between two keys of a USB scanner.
SCANNER_KEY_DELAY_MS = 4
#: The desk gives up waiting for the laptop after this many seconds (the event's setting).
TIMEOUT_SECONDS = 1
#: A code in the badge alphabet that no attendee has.
UNKNOWN = "7QKX2M4P9RT3W8HJ5N6V"
#: How far a stored check-in time may lie from the moment the test pressed Enter (browser and
#: server share this machine's clock; the margin is for a busy machine).
TIME_MARGIN_SECONDS = 1.5

CARD = "#result"
STALE_OR_KEPT = (
    "document.querySelector('#result').matches('.result-stale, .result-empty, [data-outcome=kept]')"
)


@pytest.fixture
def venue(server_process: Any) -> dict[str, Any]:
    db = server_process.db()
    event = events.create(db, "Netzwerkbrunch", event_date="2026-11-22")
    events.update_settings(db, event.id, {"desk_timeout_seconds": TIMEOUT_SECONDS})
    people = {
        key: attendees.create(
            db, event, AttendeeData(first_name=f, last_name=last, organisation=org), how="test"
        )
        for key, f, last, org in (
            ("joerg", "Jörg", "Bäcker", "Max-Eyth-Schule"),
            ("anna", "Anna", "Schmidt", "Jobcenter Kassel"),
            ("kemal", "Kemal", "Kaya", "Tiefbau Hauptstraße"),
        )
    }
    db.close()
    return {"event": event, **people}


def open_desk(browser: Any, server: Any, name: str) -> Any:
    db = server.db()
    token = desks.new_link(db, desks.add(db, name)["id"])
    db.close()
    context = browser.new_context(locale="de-DE", base_url=server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/desk/join/{token}")
    page.wait_for_selector("#scan-input:focus")
    return page


@pytest.fixture
def desk(browser: Any, server_process: Any, venue: Any) -> Any:
    page = open_desk(browser, server_process, "Eingang 1")
    yield page
    page.context.close()


def scan(page: Any, text: str) -> float:
    """Type like a USB scanner; returns the moment Enter was pressed (epoch seconds)."""
    page.keyboard.type(text, delay=SCANNER_KEY_DELAY_MS)
    pressed = time.time()
    page.keyboard.press("Enter")
    return pressed


def scan_while_away(page: Any, text: str, waiting: int) -> float:
    """A scan while the laptop is away: the old card is never the answer, then the amber card."""
    pressed = scan(page, text)
    assert page.evaluate(STALE_OR_KEPT), "the previous card stayed up as if it were the answer"
    card = page.locator(f'{CARD}[data-outcome="kept"]')
    expect(card).to_be_visible(timeout=(TIMEOUT_SECONDS + 10) * 1000)
    expect(card).to_contain_text("Keine Verbindung zum Laptop")
    expect(card).to_contain_text("wird nachgetragen")
    assert page.locator('[data-outcome="welcome"]').count() == 0
    expect(page.locator("#connection")).to_contain_text(
        "1 Scan wartet" if waiting == 1 else f"{waiting} Scans warten"
    )
    return pressed


def wait_until(page: Any, script: str, seconds: float = 30) -> None:
    """Wait until ``script`` is true in the page (the desk's CSP refuses wait_for_function)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {script}"
        time.sleep(0.1)


def stamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def checkins_logged(server: Any, attendee_id: int) -> int:
    db = server.db()
    count = sum(e["action"] == "checked_in" for e in attendees.history(db, attendee_id))
    db.close()
    return count


def test_scans_while_the_laptop_is_away_are_kept_and_replayed_once(
    desk: Any, server_process: Any, venue: Any
) -> None:
    scan(desk, venue["joerg"]["code"])
    expect(desk.locator(f'{CARD}[data-outcome="welcome"]')).to_contain_text("Willkommen, Jörg!")

    server_process.kill()
    scanned = {
        "anna": scan_while_away(desk, venue["anna"]["code"], 1),
        "unknown": scan_while_away(desk, UNKNOWN, 2),
        "joerg": scan_while_away(desk, f"http://kiosk.test/b/{venue['joerg']['code']}", 3),
        "kemal": scan_while_away(desk, venue["kemal"]["code"], 4),
    }
    kept = desk.evaluate("localStorage.getItem('kiosk-desk-queue')")
    assert [s["desk"] for s in json.loads(kept)] == ["Eingang 1"] * 4
    expect(desk.locator("#connection")).to_contain_text("Keine Verbindung zum Laptop")
    time.sleep(2)  # the replay comes clearly later than the scans

    server_process.start()
    report = desk.locator("#replay-report")
    expect(report).to_contain_text("2 nachgetragen", timeout=30_000)
    expect(report).to_contain_text(f"Unbekannter Code „{UNKNOWN}“")
    expect(report).to_contain_text("Jörg Bäcker: war schon eingecheckt")
    expect(desk.locator("#connection")).to_be_hidden()
    assert desk.evaluate("localStorage.getItem('kiosk-desk-queue')") == "[]"

    db = server_process.db()
    for key in ("anna", "kemal"):
        person = attendees.get(db, venue[key]["id"])
        assert abs(stamp(person["checked_in_at"]) - scanned[key]) < TIME_MARGIN_SECONDS
        assert person["checked_in_desk"] == "Eingang 1"
    db.close()
    assert [checkins_logged(server_process, venue[k]["id"]) for k in ("anna", "kemal")] == [1, 1]

    # The same kept scans once more, from storage after a reload (a second tab, a lost
    # answer): nothing new is stored.
    desk.evaluate(f"localStorage.setItem('kiosk-desk-queue', {json.dumps(kept)})")
    desk.reload()
    expect(desk.locator("#replay-report")).to_contain_text("2 nachgetragen", timeout=30_000)
    assert [checkins_logged(server_process, venue[k]["id"]) for k in ("anna", "kemal")] == [1, 1]
    assert checkins_logged(server_process, venue["joerg"]["id"]) == 1


def test_a_server_that_never_answers_gives_the_same_path(
    desk: Any, server_process: Any, venue: Any
) -> None:
    scan(desk, venue["joerg"]["code"])
    expect(desk.locator(f'{CARD}[data-outcome="welcome"]')).to_be_visible()
    server_process.kill()
    server_process.hang()
    pressed = scan(desk, venue["anna"]["code"])
    assert desk.evaluate(STALE_OR_KEPT)
    expect(desk.locator(f'{CARD}[data-outcome="kept"]')).to_be_visible(timeout=10_000)
    assert time.time() - pressed >= TIMEOUT_SECONDS * 0.9  # it waited for the answer first
    # The next scan does not wait again: the desk knows the laptop is away.
    scan_while_away(desk, venue["kemal"]["code"], 2)

    server_process.unhang()
    server_process.start()
    expect(desk.locator("#replay-report")).to_contain_text("2 nachgetragen", timeout=30_000)
    db = server_process.db()
    anna = attendees.get(db, venue["anna"]["id"])
    db.close()
    assert abs(stamp(anna["checked_in_at"]) - pressed) < TIME_MARGIN_SECONDS


def test_name_search_check_in_undo_and_walk_in_while_away(
    desk: Any, server_process: Any, venue: Any
) -> None:
    desk.keyboard.type("Schmidt", delay=40)
    hit = desk.locator("#hits .hit", has_text="Anna Schmidt")
    hit.wait_for()
    server_process.kill()
    hit.get_by_role("button", name="Einchecken").click()
    card = desk.locator(f'{CARD}[data-outcome="kept"]')
    expect(card).to_be_visible(timeout=10_000)
    expect(card).to_contain_text("Anna Schmidt")
    desk.get_by_role("link", name="Ohne Anmeldung").click()
    expect(desk.locator(f'{CARD}[data-outcome="needs_laptop"]')).to_contain_text(
        "Das braucht den Laptop"
    )
    assert desk.url.endswith("/desk/")

    server_process.start()
    expect(desk.locator("#replay-report")).to_contain_text("1 nachgetragen", timeout=30_000)
    db = server_process.db()
    assert attendees.get(db, venue["anna"]["id"])["checked_in_desk"] == "Eingang 1"
    db.close()


def test_the_same_badge_kept_at_two_desks_is_one_check_in_at_the_earliest_time(
    browser: Any, desk: Any, server_process: Any, venue: Any
) -> None:
    other = open_desk(browser, server_process, "Eingang 2")
    try:
        server_process.kill()
        first = scan_while_away(desk, venue["anna"]["code"], 1)
        time.sleep(1.5)
        scan_while_away(other, venue["anna"]["code"], 1)
        # The later scan is replayed first: the earlier one still decides the time.
        server_process.start()
        for page in (desk, other):
            expect(page.locator("#replay-report")).to_be_visible(timeout=30_000)
        # Both are told: the desk that replays second in its report, the other at its next poll.
        for page in (desk, other):
            told = page.locator("#replay-report, #desk-news", has_text="Anna Schmidt")
            expect(told).to_have_count(1, timeout=10_000)
            expect(told).to_contain_text("Eingang")
        db = server_process.db()
        anna = attendees.get(db, venue["anna"]["id"])
        db.close()
        assert abs(stamp(anna["checked_in_at"]) - first) < TIME_MARGIN_SECONDS
        assert anna["checked_in_desk"] == "Eingang 1"
        assert checkins_logged(server_process, venue["anna"]["id"]) == 1
    finally:
        other.context.close()


def test_a_kept_scan_replayed_by_the_service_twice_is_one_check_in(
    server_process: Any, venue: Any
) -> None:
    from kiosk import replay

    db = server_process.db()
    event = venue["event"]
    scans = [{"nonce": "a" * 32, "code": venue["anna"]["code"], "age": 60_000}]
    first = replay.replay(db, event, scans, desk="Eingang 1")
    again = replay.replay(db, event, scans, desk="Eingang 1")
    db.close()
    assert [r.outcome for r in first.results] == [replay.STORED]
    assert [r.outcome for r in again.results] == [checkin.ALREADY_RECORDED]
    assert checkins_logged(server_process, venue["anna"]["id"]) == 1


def test_the_offline_list_names_the_person_and_finds_names_until_sign_out(
    browser: Any, server_process: Any, venue: Any
) -> None:
    db = server_process.db()
    desks.set_offline(db, venue["event"], timeout_seconds=TIMEOUT_SECONDS, offline_list=True)
    db.close()
    page = open_desk(browser, server_process, "Eingang 1")
    try:
        wait_until(page, "localStorage.getItem('kiosk-offline-list') !== null")
        listed = json.loads(page.evaluate("localStorage.getItem('kiosk-offline-list')"))
        assert {tuple(sorted(p)) for p in listed["people"]} == {("code", "name", "organisation")}
        server_process.kill()
        scan_while_away(page, venue["joerg"]["code"], 1)
        expect(page.locator('#result[data-outcome="kept"] .result-name')).to_have_text(
            "Jörg Bäcker"
        )
        page.keyboard.type("schmid", delay=40)
        expect(page.locator("#hits .hit")).to_have_count(1)
        page.keyboard.press("Enter")  # the one hit, from the list kept in the browser
        expect(page.locator('#result[data-outcome="kept"] .result-name')).to_have_text(
            "Anna Schmidt"
        )
        expect(page.locator("#connection")).to_contain_text("2 Scans warten")
        assert "Schmidt" not in page.evaluate("localStorage.getItem('kiosk-desk-queue')")

        server_process.start()
        expect(page.locator("#replay-report")).to_contain_text("2 nachgetragen", timeout=30_000)
        page.get_by_role("button", name="Abmelden").click()
        page.wait_for_url("**/login**")
        assert page.evaluate("localStorage.getItem('kiosk-offline-list')") is None
    finally:
        page.context.close()


def test_without_the_offline_list_the_desk_keeps_no_names(desk: Any, server_process: Any) -> None:
    assert desk.evaluate("localStorage.getItem('kiosk-offline-list')") is None
    server_process.kill()
    desk.keyboard.type("Schmidt", delay=40)
    desk.keyboard.press("Enter")
    card = desk.locator('#result[data-outcome="no_search"]')
    expect(card).to_contain_text("Die Namenssuche braucht den Laptop", timeout=10_000)


def test_the_self_check_in_tablet_says_the_check_in_is_kept(
    browser: Any, server_process: Any, venue: Any
) -> None:
    db = server_process.db()
    token = desks.new_link(db, desks.add(db, "Tablet", "self")["id"])
    db.close()
    context = browser.new_context(locale="de-DE", base_url=server_process.url)
    tablet = context.new_page()
    try:
        tablet.goto(f"/desk/join/{token}")
        tablet.wait_for_selector("#scan-input:focus")
        scan(tablet, venue["joerg"]["code"])
        expect(tablet.locator('#result[data-outcome="welcome"]')).to_be_visible()
        server_process.kill()
        scan(tablet, venue["anna"]["code"])
        assert tablet.evaluate(STALE_OR_KEPT)
        card = tablet.locator('#result[data-outcome="kept"]')
        expect(card).to_contain_text("Ihr Check-in ist gespeichert und wird nachgetragen")
        assert tablet.locator("[data-outcome=welcome]").count() == 0
        server_process.start()
        wait_until(tablet, "localStorage.getItem('kiosk-desk-queue') === '[]'")
        db = server_process.db()
        assert attendees.get(db, venue["anna"]["id"])["checked_in_desk"] == "Tablet"
        db.close()
    finally:
        context.close()


def test_undo_and_walk_in_say_they_need_the_laptop(
    desk: Any, server_process: Any, venue: Any
) -> None:
    scan(desk, venue["joerg"]["code"])
    expect(desk.locator(f'{CARD}[data-outcome="welcome"]')).to_be_visible()
    server_process.kill()
    desk.get_by_text("Check-in zurücknehmen").click()
    desk.fill("#result input[name=reason]", "falsche Person")
    desk.get_by_role("button", name="Zurücknehmen").click()
    expect(desk.locator(f'{CARD}[data-outcome="needs_laptop"]')).to_contain_text(
        "nichts wurde gespeichert", timeout=10_000
    )

    server_process.start()
    desk.goto("/desk/walkin")
    desk.fill("#w-first", "Fatma")
    desk.fill("#w-last", "Öztürk")
    server_process.kill()
    desk.get_by_role("button", name="Aufnehmen, einchecken und Badge").click()
    expect(desk.locator("#walkin-offline")).to_be_visible(timeout=10_000)
    assert desk.input_value("#w-first") == "Fatma"  # nothing typed is lost
    server_process.start()
    desk.get_by_role("button", name="Aufnehmen, einchecken und Badge").click()
    expect(desk.locator(f'{CARD}[data-outcome="walk_in"]')).to_contain_text("Willkommen, Fatma!")
    db = server_process.db()
    joerg = attendees.get(db, venue["joerg"]["id"])
    db.close()
    assert joerg["checked_in_at"] is not None  # the undo was not made
