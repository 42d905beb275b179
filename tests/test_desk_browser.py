"""The desk in a real browser: a scanner typing, name search, walk-in, two desks, self check-in."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import expect

from kiosk import attendees, desks, events
from kiosk.attendees import AttendeeData

#: Milliseconds between two keys of a USB scanner (they type fast, but not instantly).
SCANNER_KEY_DELAY_MS = 4


@pytest.fixture
def venue(live_server: Any) -> dict[str, Any]:
    """An event with a few registered people on the live server."""
    db = live_server.db()
    event = events.create(db, "Netzwerkbrunch", event_date="2026-11-22")
    people = {
        key: attendees.create(
            db, event, AttendeeData(first_name=f, last_name=last, organisation=org), how="test"
        )
        for key, f, last, org in (
            ("mueller", "Jürgen", "Müller", "Max-Eyth-Schule"),
            ("kaya", "Kemal", "Kaya", "Jobcenter Kassel"),
            ("weiss", "Ole", "Weiß", "Tiefbau Hauptstraße"),
        )
    }
    db.close()
    return {"event": event, **people}


def open_desk(browser: Any, live_server: Any, name: str, mode: str = "desk") -> Any:
    """A new browser context (its own cookies) that opened a one-time desk link."""
    db = live_server.db()
    enabled = desks.add(db, name, mode)
    token = desks.new_link(db, enabled["id"])
    db.close()
    context = browser.new_context(locale="de-DE", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"/desk/join/{token}")
    return page


@pytest.fixture
def desk(browser: Any, live_server: Any, venue: Any) -> Any:
    page = open_desk(browser, live_server, "Eingang 1")
    page.wait_for_selector("#scan-input:focus")
    yield page
    page.context.close()


def scan(page: Any, text: str) -> None:
    """Type like a USB scanner: the characters, then Enter, into whatever has focus."""
    page.keyboard.type(text, delay=SCANNER_KEY_DELAY_MS)
    page.keyboard.press("Enter")


def test_scanner_typing_a_code_shows_the_welcome_and_is_ready_again(desk: Any, venue: Any) -> None:
    scan(desk, venue["mueller"]["code"])
    card = desk.locator('#result[data-outcome="welcome"]')
    card.wait_for()
    assert "Willkommen, Jürgen!" in card.inner_text()
    assert desk.input_value("#scan-input") == ""
    assert desk.evaluate("document.activeElement.id") == "scan-input"
    scan(desk, venue["kaya"]["code"])  # rapid mode: the next badge right away
    desk.locator(f'#result[data-code="{venue["kaya"]["code"]}"]').wait_for()
    scan(desk, venue["kaya"]["code"])
    desk.locator('#result[data-outcome="already_checked_in"]').wait_for()


def test_the_live_region_reads_out_each_result_and_the_number_of_hits(
    desk: Any, venue: Any
) -> None:
    """The card is swapped out on every scan; the page's own live region, which stays, says it."""
    region = desk.locator("#live-region")
    assert region.get_attribute("role") == "status"
    assert desk.locator("#result #live-region").count() == 0
    scan(desk, venue["mueller"]["code"])
    expect(region).to_contain_text("Willkommen, Jürgen!")
    assert "Jürgen Müller" in region.inner_text()
    scan(desk, "7QKX2M4P9RT3W8HJ5N6V")
    expect(region).to_contain_text("Unbekannter Code")
    desk.keyboard.type("Muller", delay=40)
    expect(region).to_contain_text("1 Person gefunden")


def test_qwertz_mangled_badge_url_checks_in(desk: Any, venue: Any) -> None:
    scan(desk, f"httpÖ--127.0.0.1Ö8000-b-{venue['weiss']['code']}")
    desk.locator('#result[data-outcome="welcome"]').wait_for()
    assert "Ole Weiß" in desk.inner_text("#result")


def test_welcome_card_qr_is_the_private_link(desk: Any, venue: Any, live_server: Any) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    scan(desk, venue["mueller"]["code"])
    qr = desk.locator("#result .result-qr [data-drawn] svg")
    qr.wait_for()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    db = live_server.db()
    secret = attendees.get(db, venue["mueller"]["id"])["secret"]
    db.close()
    assert [r.text for r in found] == [f"http://kiosk.test/me/{secret}"]


def test_muller_finds_mueller_and_checks_in_from_the_result(desk: Any, venue: Any) -> None:
    desk.keyboard.type("Muller", delay=40)
    hit = desk.locator("#hits .hit", has_text="Jürgen Müller")
    # The list follows the typing: wait for the answer to the whole word, not to "Mul".
    expect(desk.locator("#hits .hit")).to_have_count(1)
    hit.wait_for()
    hit.get_by_role("button", name="Einchecken").click()
    desk.locator('#result[data-outcome="welcome"]').wait_for()
    assert desk.locator("#hits .hit").count() == 0
    assert desk.evaluate("document.activeElement.id") == "scan-input"


def test_walk_in_end_to_end(desk: Any, live_server: Any, venue: Any) -> None:
    desk.get_by_role("link", name="Ohne Anmeldung").click()
    desk.fill("#w-first", "Fatma")
    desk.fill("#w-last", "Öztürk")
    desk.fill("#w-org", "Hotel am Bergpark")
    desk.get_by_text("Mehr Angaben (freiwillig)").click()  # the optional second step
    desk.select_option("#w-type", "Betrieb")
    desk.fill("#w-interests", "Azubi-Sharing, Inklusion")
    desk.check("input[name=consent_matchmaking][value=yes]")
    desk.get_by_role("button", name="Aufnehmen, einchecken und Badge").click()
    card = desk.locator('#result[data-outcome="walk_in"]')
    card.wait_for()
    assert "Willkommen, Fatma!" in card.inner_text()
    db = live_server.db()
    fatma = attendees.list_for_event(db, venue["event"].id, query="Öztürk")[0]
    db.close()
    assert fatma["checked_in_desk"] == "Eingang 1" and fatma["consent_matchmaking"] is True


def test_two_desks_both_see_the_counter_change(
    browser: Any, live_server: Any, desk: Any, venue: Any
) -> None:
    other = open_desk(browser, live_server, "Eingang 2")
    try:
        arrived = '#counters [data-counter="arrived"]'
        assert other.inner_text(arrived) == "0"
        scan(desk, venue["mueller"]["code"])
        desk.locator('#result[data-outcome="welcome"]').wait_for()
        expect(other.locator(arrived)).to_have_text("1", timeout=6000)
        expect(desk.locator(arrived)).to_have_text("1", timeout=6000)
    finally:
        other.context.close()


def test_undo_with_a_reason(desk: Any, live_server: Any, venue: Any) -> None:
    scan(desk, venue["kaya"]["code"])
    desk.locator('#result[data-outcome="welcome"]').wait_for()
    desk.get_by_text("Check-in zurücknehmen").click()
    desk.fill("#result input[name=reason]", "falsche Person")
    desk.get_by_role("button", name="Zurücknehmen").click()
    card = desk.locator('#result[data-outcome="undone"]')
    card.wait_for()
    assert "Check-in zurückgenommen" in card.inner_text()
    assert venue["kaya"]["name"] in card.inner_text()
    db = live_server.db()
    kaya = attendees.get(db, venue["kaya"]["id"])
    last = attendees.history(db, kaya["id"])[-1]
    db.close()
    assert kaya["checked_in_at"] is None
    assert (last["action"], last["detail"]["reason"]) == ("checkin_undone", "falsche Person")


def test_self_checkin_welcomes_and_clears_itself(
    browser: Any, live_server: Any, venue: Any
) -> None:
    live_server.app.config["DESK_SELF_CLEAR_SECONDS"] = 1
    tablet = open_desk(browser, live_server, "Tablet", "self")
    try:
        tablet.wait_for_selector("#scan-input:focus")
        assert tablet.locator("#hits").count() == 0  # nothing to search, no lists
        scan(tablet, venue["mueller"]["code"])
        tablet.locator('#result[data-outcome="welcome"]').wait_for()
        assert tablet.locator("#result [data-qr]").count() == 0  # never a private link here
        tablet.wait_for_selector("#result.result-empty", state="attached", timeout=5000)
        assert "Jürgen" not in tablet.inner_text("body")
    finally:
        tablet.context.close()


def test_desk_page_screenshots(desk: Any, venue: Any, tmp_path: Any) -> None:
    """The pages render at tablet size without anything cut off horizontally."""
    desk.set_viewport_size({"width": 1024, "height": 768})
    scan(desk, venue["mueller"]["code"])
    desk.locator('#result[data-outcome="welcome"]').wait_for()
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024
    desk.screenshot(path=str(tmp_path / "desk.png"), full_page=True)


def y4m_video(path: Any, text: str) -> None:
    """A short YUV4MPEG2 video (what Chromium's fake camera plays) of a QR code of ``text``."""
    import qrcode
    from PIL import Image

    canvas = Image.new("RGB", (640, 480), "white")
    # Small enough to lie inside the scanner's scan region (the middle two thirds).
    code = qrcode.make(text, border=2).convert("RGB").resize((260, 260), Image.NEAREST)
    canvas.paste(code, (190, 110))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (320, 240)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        out.write(frame * 10)


def test_camera_scans_a_badge(browser: Any, live_server: Any, venue: Any, tmp_path: Any) -> None:
    """The vendored scanner reads the badge QR from a (fake) camera and checks the person in."""
    from conftest import CHROMIUM

    video = tmp_path / "badge.y4m"
    y4m_video(video, f"http://kiosk.test/b/{venue['kaya']['code']}")
    db = live_server.db()
    enabled = desks.add(db, "Kamera", "desk")
    token = desks.new_link(db, enabled["id"])
    db.close()
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = chromium.new_context(locale="de-DE", base_url=live_server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"/desk/join/{token}")
        page.click("#camera-toggle")
        card = page.locator(f'#result[data-code="{venue["kaya"]["code"]}"]')
        card.wait_for()
        assert card.get_attribute("data-outcome") == "welcome"
        assert not [e for e in errors if "Content Security Policy" in e or "Error" in e]
    finally:
        chromium.close()
