"""The organiser's pages: events, the attendee list and search, add, edit, delete."""

import re
from datetime import datetime

import pytest

from kiosk import attendees, events
from kiosk.attendees import AttendeeData


def add(db, event, **values) -> dict:
    values.setdefault("first_name", "Anna")
    values.setdefault("last_name", "Müller")
    return attendees.create(db, event, AttendeeData(**values), how="test")


def test_overview_without_event_offers_to_create_one(organiser) -> None:
    html = organiser.get("/admin/").get_data(as_text=True)
    assert "Neue Veranstaltung" in html and "Aktuelle Veranstaltung" not in html


def test_before_any_event_every_menu_item_answers(organiser) -> None:
    html = organiser.get("/admin/").get_data(as_text=True)
    nav = html[html.index('<nav class="mainnav"') : html.index("</nav>")]
    links = re.findall(r'href="([^"#]+)', nav)
    assert "Veranstaltung anlegen" in nav and "Teilnehmende" not in nav
    for url in links:
        assert organiser.get(url).status_code == 200, url


def test_the_menu_has_the_desks_and_says_what_check_in_does(organiser, event) -> None:
    html = organiser.get("/admin/").get_data(as_text=True)
    nav = html[html.index('<nav class="mainnav"') : html.index("</nav>")]
    assert 'href="/admin/desks">Desks</a>' in nav
    checkin = re.search(r'<a href="/desk/" id="nav-checkin"\s+title="([^"]+)">([^<]+)</a>', nav)
    assert (
        checkin and "Desk" in checkin.group(1) and checkin.group(2) == "Check-in in diesem Browser"
    )
    for url in re.findall(r'href="([^"#]+)', nav):
        assert organiser.get(url).status_code == 200, url
    desk = organiser.get("/desk/").get_data(as_text=True)
    assert "Dieser Browser checkt als Desk" in desk


def test_pages_have_a_favicon(client, app) -> None:
    html = client.get("/setup").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert len(icons) == 2
    for url in icons:
        response = client.get(url)
        assert response.status_code == 200 and response.data
        response.close()


def test_dates_and_times_read_as_the_language_writes_them(organiser, db, event) -> None:
    events.rename(db, event.id, event.name, "2027-03-12")
    person = add(db, event)
    logged = db.execute("SELECT at FROM attendee_log WHERE attendee_id = ?", [person["id"]])
    stamp = logged.fetchone()[0]
    html = organiser.get("/admin/").get_data(as_text=True)
    assert "12.03.2027" in html and "2027-03-12" not in html
    page = organiser.get(f"/admin/attendees/{person['id']}").get_data(as_text=True)
    local = datetime.fromisoformat(stamp).astimezone()  # this laptop's time, German format
    assert local.strftime("%d.%m.%Y, %H:%M") in page
    organiser.post("/lang/en", data={"next": "/admin/"})
    assert "12 Mar 2027" in organiser.get("/admin/").get_data(as_text=True)


def test_create_and_choose_events(organiser, db) -> None:
    response = organiser.post("/admin/events", data={"name": "Brunch", "date": "2027-03-01"})
    assert response.status_code == 303
    organiser.post("/admin/events", data={"name": "Messe"})
    brunch = events.by_slug(db, "brunch")
    organiser.post(f"/admin/events/{brunch.id}/choose")
    html = organiser.get("/admin/").get_data(as_text=True)
    assert "<h1>Brunch</h1>" in html


def test_create_event_without_name_shows_why(organiser) -> None:
    response = organiser.post("/admin/events", data={"name": " "}, follow_redirects=True)
    assert "Veranstaltung nicht angelegt" in response.get_data(as_text=True)


def test_attendee_list_and_search_fragment(organiser, db, event) -> None:
    add(db, event)
    add(db, event, first_name="Jan", last_name="Weiß")
    page = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "Müller" in page and "Weiß" in page and "<html" in page
    response = organiser.get("/admin/attendees?q=mueller", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="attendee-rows">')
    assert "Müller" in fragment and "Weiß" not in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_add_attendee_with_problems_keeps_the_input(organiser, event) -> None:
    response = organiser.post(
        "/admin/attendees/new", data={"first_name": "", "email": "kaputt@", "organisation": "HWK"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte Vor- oder Nachnamen angeben." in html
    assert "nicht gültig" in html and 'value="HWK"' in html


def test_add_edit_delete_attendee(organiser, db, event) -> None:
    response = organiser.post(
        "/admin/attendees/new",
        data={
            "first_name": "Olena",
            "last_name": "Petrenko",
            "interests": "Inklusion, Mentoring",
            "consent_matchmaking": "on",
        },
    )
    assert response.status_code == 303
    (olena,) = attendees.list_for_event(db, event.id)
    assert olena["interests"] == ["Inklusion", "Mentoring"] and olena["consent_matchmaking"]
    assert olena["consent_share_contact"] is None  # not asked: she decides herself
    organiser.post(
        f"/admin/attendees/{olena['id']}",
        data={"first_name": "Olena", "last_name": "Petrenko-Schmidt"},
    )
    assert attendees.get(db, olena["id"])["last_name"] == "Petrenko-Schmidt"
    assert attendees.get(db, olena["id"])["consent_matchmaking"] is True  # not in the form: kept
    organiser.post(
        f"/admin/attendees/{olena['id']}",
        data={"first_name": "Olena", "last_name": "Petrenko", "consent_matchmaking": "no"},
    )
    assert attendees.get(db, olena["id"])["consent_matchmaking"] is False
    organiser.post(f"/admin/attendees/{olena['id']}/delete")
    assert attendees.list_for_event(db, event.id) == []


def test_attendee_of_another_event_is_not_found(organiser, db, event) -> None:
    other = events.create(db, "Anderes")
    stranger = add(db, event)
    events.choose(db, other.id)
    response = organiser.get(f"/admin/attendees/{stranger['id']}")
    assert response.status_code == 404 and "Anna" not in response.get_data(as_text=True)
    response = organiser.post(f"/admin/attendees/{stranger['id']}/delete")
    assert response.status_code == 404 and attendees.get(db, stranger["id"])["first_name"] == "Anna"


def test_hostile_values_are_shown_as_text(organiser, db, event) -> None:
    add(
        db,
        event,
        first_name="<script>alert(1)</script>",
        last_name="{{ 7*7 }}",
        organisation='=HYPERLINK("http://x")',
    )
    html = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Signed tokens are random text that may hold "49": only the page's own text counts.
    text = re.sub(r'(content|value)="[^"]*"', "", html)
    assert "{{ 7*7 }}" in text and "49" not in text


def test_edit_event_name_date_and_retention(organiser, db, event) -> None:
    response = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={"name": "Brunch im Rathaus", "date": "2027-01-15", "retention_days": "14"},
    )
    assert response.status_code == 303
    changed = events.get(db, event.id)
    assert (changed.name, changed.date, changed.settings["retention_days"]) == (
        "Brunch im Rathaus",
        "2027-01-15",
        14,
    )
    bad = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={"name": "X", "date": "2027-01-15", "retention_days": "9999"},
    )
    assert bad.status_code == 422 and events.get(db, event.id).settings["retention_days"] == 14
    # A bad name after a good retention saves neither, and says why in German.
    nameless = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={"name": " ", "date": "2027-01-15", "retention_days": "60"},
    )
    assert nameless.status_code == 422
    assert "Bitte einen Namen angeben." in nameless.get_data(as_text=True)
    kept = events.get(db, event.id)
    assert (kept.name, kept.settings["retention_days"]) == ("Brunch im Rathaus", 14)
    with pytest.raises(events.EventError) as refused:
        events.update_settings(db, event.id, {"retention_days": 0})
    assert refused.value.code == "bad_retention"


def test_attendee_page_shows_the_history(organiser, db, event) -> None:
    anna = add(db, event)
    attendees.update(db, anna["id"], AttendeeData(first_name="Anna", last_name="Meier"), how="test")
    html = organiser.get(f"/admin/attendees/{anna['id']}").get_data(as_text=True)
    assert "Verlauf (2)" in html and "last_name" in html


def test_attendee_page_offers_the_private_link_to_send(organiser, db, event) -> None:
    anna = add(db, event)
    html = organiser.get(f"/admin/attendees/{anna['id']}").get_data(as_text=True)
    assert f'value="http://kiosk.test/me/{anna["secret"]}"' in html


def test_the_organiser_form_never_decides_a_consent_nobody_gave(organiser, db, event) -> None:
    anna = add(db, event)
    form = {"first_name": "Anna", "last_name": "Müller", "consent_share_contact": "no"}
    organiser.post(f"/admin/attendees/{anna['id']}", data={**form, "consent_mail": ""})
    saved = attendees.get(db, anna["id"])
    assert saved["consent_share_contact"] is False and saved["consent_share_contact_how"]
    assert saved["consent_matchmaking"] is None and saved["consent_mail"] is None
    html = organiser.get(f"/admin/attendees/{anna['id']}").get_data(as_text=True)
    assert re.search(r'name="consent_mail">\s*<option value="" selected>', html)
