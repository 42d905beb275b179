"""A hybrid meeting as its people see it in a real browser: the dashboard's lists following
arrivals live, suggestions that say whom one asked already, the own page on a phone for who
joins online and who comes (in German and English, by keyboard), the room list to print."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from kiosk import attendees, checkin, contact_requests, events, matching, online
from kiosk.attendees import AttendeeData

VIDEO = "https://meet.example.org/netzwerk"
PLACE = "Rathaus Kassel, Bürgersaal"
PHONE = {"width": 390, "height": 844}


def _hybrid(db, name="Netzwerktreffen hybrid"):
    event = events.create(db, name, network="Landkreis")
    events.rename(db, event.id, event.name, datetime.now().date().isoformat())
    settings = {"format": "hybrid", "start_time": "00:00", "end_time": "23:59"}
    return events.update_settings(db, event.id, {**settings, "place": PLACE, "video_url": VIDEO})


def _person(db, event, first, last, organisation, attendance="on-site", kind="Schule"):
    data = AttendeeData(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.org",
        organisation=organisation,
        organisation_type=kind,
        interests=["Berufsorientierung", "Praktikumsplätze"],
        attendance=attendance,
        consent_matchmaking=True,
        consent_share_contact=True,
    )
    return attendees.create(db, event, data, how="test")


def test_dashboard_lists_follow_arrivals_without_a_reload(live_server, organiser_page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    vera = _person(db, event, "Vera", "Adler", "Schule am Berg")
    _person(db, event, "Vito", "Berg", "Tischlerei Berg", kind="Betrieb")
    _person(db, event, "Olaf", "Clausen", "Jobcenter", attendance="online", kind="Jobcenter")
    db.close()
    orga = organiser_page
    orga.goto("/admin/dashboard")
    missing = orga.locator("#missing")
    expect(missing.locator("h2")).to_have_text("Noch nicht da (3)")
    expect(missing.locator("tr", has_text="Olaf Clausen")).to_contain_text("online")
    expect(missing.locator("tr", has_text="Vera Adler")).not_to_contain_text("online")
    schools = orga.locator("#by-type tr", has_text="Schule")
    expect(schools).to_contain_text("0 / 1")

    # Nothing changed: the poll answers 204 and the page keeps what it shows.
    seen = orga.locator("#dashboard-lists").get_attribute("hx-get")
    assert orga.request.get(seen).status == 204

    db = live_server.db()
    checkin.check_in(db, events.get(db, event.id), vera["id"], desk="Eingang")
    db.close()
    expect(missing.locator("h2")).to_have_text("Noch nicht da (2)", timeout=10_000)
    expect(missing).not_to_contain_text("Vera Adler")
    expect(schools).to_contain_text("1 / 1")
    assert orga.request.get(seen).status == 200  # the old stamp is stale now


def test_suggestions_say_whom_one_asked_or_has_as_contact(live_server, page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    anna = _person(db, event, "Anna", "Arndt", "Schule am Berg", attendance="online")
    ben = _person(db, event, "Ben", "Brandt", "Tischlerei Brandt", kind="Betrieb")
    cem = _person(db, event, "Cem", "Celik", "Jobcenter", kind="Jobcenter")
    names = {s.name for s in matching.to_show(db, anna)}
    assert {"Ben Brandt", "Cem Celik"} <= names
    db.close()

    page.set_viewport_size(PHONE)
    page.goto(f"/me/{anna['secret']}")
    suggestion = page.locator("#suggestions li.suggestion", has_text="Ben Brandt")
    suggestion.get_by_role("button", name="Kontakt anfragen").click()
    expect(page.locator(".flash-ok")).to_contain_text("Anfrage geschickt")
    expect(suggestion.locator(".tag", has_text="angefragt")).to_be_visible()
    expect(suggestion.get_by_role("button", name="Kontakt anfragen")).to_have_count(0)
    other = page.locator("#suggestions li.suggestion", has_text="Cem Celik")
    expect(other.get_by_role("button", name="Kontakt anfragen")).to_be_visible()

    # Ben accepts: Anna's list says the contact is saved (also after the list refreshes).
    db = live_server.db()
    [asked] = contact_requests.incoming(db, attendees.get(db, ben["id"]))
    contact_requests.answer(
        db, events.get(db, event.id), ben["id"], asked["request_id"], accept=True
    )
    db.close()
    page.reload()
    expect(suggestion.locator(".tag", has_text="Kontakt gespeichert")).to_be_visible()
    expect(page.locator(".me-jump")).not_to_contain_text("Kontaktanfragen")
    expect(suggestion.get_by_role("button", name="Kontakt anfragen")).to_have_count(0)
    refreshed = page.request.get(
        f"/me/{anna['secret']}/suggestions", headers={"HX-Request": "true"}
    ).text()
    assert "Kontakt gespeichert" in refreshed, refreshed
    assert cem["code"] not in refreshed  # others are named by reference, never by badge code


def test_own_page_on_a_phone_for_who_joins_online(live_server, page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    olaf = _person(db, event, "Olaf", "Clausen", "Jobcenter", attendance="online")
    db.close()
    page.set_viewport_size(PHONE)
    page.goto(f"/me/{olaf['secret']}")
    card = page.locator("#online")
    expect(card.locator("h2")).to_have_text("Online dabei")
    today = datetime.now().date()
    expect(card).to_contain_text(f"{today:%d.%m.%Y} · 00:00–23:59 Uhr")
    expect(card).not_to_contain_text(PLACE)
    hello = page.locator(".me-hello")
    expect(hello).to_contain_text("Kontakt anfragen")
    expect(hello).not_to_contain_text("Namensschild")
    expect(page.locator("#my-data")).not_to_contain_text("Badge-Code")
    expect(page.locator("#contacts .empty")).to_contain_text("Kontakt anfragen")
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # By keyboard: "Ich bin dabei" is reached with Tab and pressed with Enter.
    button = card.get_by_role("button", name="Ich bin dabei")
    for _ in range(40):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError("'Ich bin dabei' cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(card).to_contain_text("Sie sind online eingecheckt.")
    expect(card.locator("#video-link")).to_have_class("button primary")
    expect(card.locator("#video-link")).to_have_attribute("href", VIDEO)

    page.locator("button[lang=en]").click()
    expect(card.locator("h2")).to_have_text("Taking part online")
    expect(card).to_contain_text("You are checked in online.")
    expect(page.locator(".me-hello")).to_contain_text("Ask for contact")


def test_own_page_on_a_phone_for_who_comes(live_server, page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    vera = _person(db, event, "Vera", "Adler", "Schule am Berg")
    db.close()
    page.set_viewport_size(PHONE)
    page.goto(f"/me/{vera['secret']}")
    card = page.locator("#online")
    expect(card.locator("h2")).to_have_text("Vor Ort dabei")
    expect(card).to_contain_text(f"Ort: {PLACE}")
    expect(card).to_contain_text("am Empfang")
    expect(card.get_by_role("button", name="Ich bin dabei")).to_have_count(0)
    expect(page.locator("#video-link")).to_have_count(0)
    expect(page.locator(".me-hello")).to_contain_text("Namensschild")
    page.locator("button[lang=en]").click()
    expect(card.locator("h2")).to_have_text("Taking part on site")
    expect(card).to_contain_text(f"Place: {PLACE}")
    # Once checked in at the desk, the card no longer sends her there.
    db = live_server.db()
    checkin.check_in(db, events.get(db, event.id), vera["id"], desk="Eingang")
    db.close()
    page.locator("button[lang=de]").click()
    expect(card).to_contain_text("Sie sind eingecheckt.")
    expect(card).not_to_contain_text("am Empfang")


def test_people_page_has_a_way_back_at_the_top_and_a_labelled_search(live_server, page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    anna = _person(db, event, "Anna", "Arndt", "Schule am Berg", attendance="online")
    _person(db, event, "Ben", "Brandt", "Tischlerei Brandt", kind="Betrieb")
    db.close()
    page.set_viewport_size(PHONE)
    page.goto(f"/me/{anna['secret']}/people")
    back = page.get_by_role("link", name="Zurück zu meiner Seite").first
    assert back.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    search = page.get_by_label("Personen suchen")
    search.fill("zzz")
    expect(page.locator("#people-rows")).to_contain_text("Niemand gefunden.")
    search.fill("bra")
    expect(page.locator("#people-rows li")).to_have_count(1)


def test_room_plan_for_who_joins_online_speaks_of_rooms_and_prints(
    live_server, organiser_page
) -> None:
    db = live_server.db()
    event = _hybrid(db)
    for i, (first, org) in enumerate((("Olaf", "A"), ("Ona", "B"), ("Oskar", "C"), ("Ole", "D"))):
        _person(db, event, first, f"Nr{i}", f"Organisation {org}", attendance="online")
    there = _person(db, event, "Vera", "Adler", "Schule am Berg")
    checkin.check_in(db, event, there["id"], desk="Eingang")
    # Two of them registered with their office's address.
    db.execute(
        "UPDATE attendees SET email = 'buero@example.org' WHERE first_name IN ('Olaf', 'Ona')"
    )
    db.conn.commit()
    db.close()
    orga = organiser_page
    orga.goto("/admin/tables")
    expect(orga.get_by_label("Alle, die vor Ort da sind (eingecheckt)")).to_be_visible()
    orga.get_by_label("Alle, die online teilnehmen (Breakout-Räume)").check()
    orga.fill("#table_size", "2")
    orga.fill("#rounds", "2")
    orga.get_by_role("button", name="Tischplan erstellen").click()
    plan = orga.locator("#table-plan")
    expect(plan).to_contain_text("4 Personen, 2 Räume, 2 Runden")
    expect(plan.locator(".table-no").first).to_have_text("Raum 1")
    expect(plan).not_to_contain_text("Vera Adler")
    expect(plan.get_by_role("link", name="Runde 1 (Beamer)")).to_have_count(0)
    orga.get_by_role("link", name="Breakout-Räume (Zoom, BigBlueButton, Jitsi)").click()
    expect(orga.get_by_role("button", name="Drucken")).to_be_visible()
    expect(
        orga.locator(
            ".flash-warn", has_text="Eine Person teilt ihre E-Mail-Adresse mit einer anderen"
        )
    ).to_be_visible()
    expect(orga.locator("#round-1 .tag-warn", has_text="E-Mail doppelt")).to_have_count(1)
    orga.emulate_media(media="print")
    expect(orga.locator(".no-print").first).to_be_hidden()
    expect(orga.locator("#round-1")).to_contain_text("Raum 1")
    expect(orga.locator("#round-2")).to_be_visible()


def test_missing_list_keeps_its_scroll_position_when_someone_arrives(
    live_server, organiser_page
) -> None:
    db = live_server.db()
    event = _hybrid(db)
    made = [_person(db, event, f"Person{n:02d}", f"Nachname{n:02d}", f"Org {n}") for n in range(60)]
    db.close()
    orga = organiser_page
    orga.goto("/admin/dashboard")
    listing = orga.locator("#missing-list")
    expect(orga.locator("#missing h2")).to_have_text("Noch nicht da (60)")
    listing.evaluate("list => { list.scrollTop = 300; }")
    db = live_server.db()
    checkin.check_in(db, events.get(db, event.id), made[0]["id"], desk="Eingang")
    db.close()
    expect(orga.locator("#missing h2")).to_have_text("Noch nicht da (59)", timeout=10_000)
    assert orga.locator("#missing-list").evaluate("list => list.scrollTop") == 300


def test_attendee_list_marks_who_joins_online_at_a_hybrid_event(live_server, organiser_page):
    db = live_server.db()
    event = _hybrid(db)
    _person(db, event, "Vera", "Adler", "Schule am Berg")
    _person(db, event, "Olaf", "Clausen", "Jobcenter", attendance="online")
    db.close()
    orga = organiser_page
    orga.goto("/admin/attendees")
    expect(orga.locator("tr", has_text="Clausen").locator(".tag-online")).to_have_text("online")
    expect(orga.locator("tr", has_text="Adler").locator(".tag-online")).to_have_count(0)


def test_online_event_dashboard_counts_online_without_an_empty_on_site_counter(
    live_server, organiser_page
) -> None:
    db = live_server.db()
    event = _hybrid(db)
    event = events.update_settings(db, event.id, {"format": "online"})
    olaf = _person(db, event, "Olaf", "Clausen", "Jobcenter")
    _person(db, event, "Ona", "Dorn", "Schule am Berg")
    db.close()
    orga = organiser_page
    orga.goto("/admin/dashboard")
    panel = orga.locator("#hybrid-counters")
    expect(panel.locator('[data-counter="online"]')).to_have_text("0")
    expect(panel.locator('[data-counter="on-site"]')).to_have_count(0)
    db = live_server.db()
    online.check_in(db, events.get(db, event.id), olaf["id"])
    db.close()
    expect(panel.locator('[data-counter="online"]')).to_have_text("1", timeout=10_000)
    expect(panel).to_contain_text("1 / 2 online")
    expect(orga.locator("#missing h2")).to_have_text("Noch nicht da (1)", timeout=10_000)


def test_asking_far_down_the_people_list_comes_back_to_that_person(live_server, page) -> None:
    db = live_server.db()
    event = _hybrid(db)
    anna = _person(db, event, "Anna", "Arndt", "Schule am Berg", attendance="online")
    for n in range(30):
        _person(db, event, f"Person{n:02d}", f"Nachname{n:02d}", f"Organisation {n}")
    db.close()
    page.set_viewport_size(PHONE)
    page.goto(f"/me/{anna['secret']}/people")
    row = page.locator("#people-rows li", has_text="Person25 Nachname25")
    row.get_by_role("button", name="Kontakt anfragen").click()
    expect(row.locator(".tag")).to_have_text("angefragt")
    expect(row).to_be_in_viewport()
    assert page.url.endswith("#person-26")


def test_ich_bin_dabei_appears_when_the_event_begins_without_a_reload(
    live_server, page, monkeypatch
) -> None:
    from datetime import timedelta

    from kiosk.web import pages

    monkeypatch.setattr(pages, "ONLINE_POLL_SECONDS", 1)
    db = live_server.db()
    event = _hybrid(db)
    tomorrow = (datetime.now().date() + timedelta(days=1)).isoformat()
    events.rename(db, event.id, event.name, tomorrow)
    olaf = _person(db, event, "Olaf", "Clausen", "Jobcenter", attendance="online")
    db.close()
    page.set_viewport_size(PHONE)
    page.goto(f"/me/{olaf['secret']}")
    card = page.locator("#online")
    expect(card).to_contain_text("erscheint hier, sobald die Veranstaltung beginnt")
    expect(card.get_by_role("button", name="Ich bin dabei")).to_have_count(0)
    db = live_server.db()
    events.rename(db, event.id, event.name, datetime.now().date().isoformat())
    db.close()
    expect(card.get_by_role("button", name="Ich bin dabei")).to_be_visible(timeout=10_000)
    card.get_by_role("button", name="Ich bin dabei").click()
    expect(page.locator("#online")).to_contain_text("Sie sind online eingecheckt.")
