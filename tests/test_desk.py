"""The desk's routes: roles, scan, search, undo, check-out, consent, walk-in, self check-in."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from kiosk import attendees, audit, badges, checkin, desks, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

from conftest import by_id, read_html

HX = {"HX-Request": "true"}


@pytest.fixture
def anna(db: Any, event: events.Event) -> dict[str, Any]:
    return attendees.create(
        db,
        event,
        AttendeeData(first_name="Anna", last_name="Müller", organisation="Max-Eyth-Schule"),
        how="test",
    )


def outcome(response: Any) -> str:
    found = re.search(r'id="result"[^>]*data-outcome="([^"]+)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


def desk_client(app: Any, db: Any, name: str = "Eingang 1", mode: str = "desk") -> Any:
    """A fresh browser that opened a one-time desk link."""
    desk = desks.add(db, name, mode)
    token = desks.new_link(db, desk["id"])
    client = app.test_client()
    response = client.get(f"/desk/join/{token}")
    assert response.status_code == 302
    return client


@pytest.fixture
def desk(app: Any, db: Any, event: events.Event) -> Any:
    return desk_client(app, db)


# -- who may use the desk -------------------------------------------------------------------------


def test_desk_pages_need_a_desk_or_the_organiser(client: Any, event: events.Event) -> None:
    for path in ("/desk/", "/desk/search?q=a", "/desk/counters", "/desk/walkin"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_desk_link_makes_a_desk_that_cannot_reach_organiser_pages(
    desk: Any, event: events.Event
) -> None:
    assert desk.get("/desk/").status_code == 200
    for path in ("/admin/", "/admin/dashboard", "/admin/after", "/admin/desks"):
        assert desk.get(path).status_code == 403


def test_desk_link_works_only_once(app: Any, db: Any, event: events.Event) -> None:
    enabled = desks.add(db, "Eingang", "desk")
    token = desks.new_link(db, enabled["id"])
    assert app.test_client().get(f"/desk/join/{token}").status_code == 302
    second = app.test_client()
    refused = second.get(f"/desk/join/{token}")
    assert refused.status_code == 403 and "Dieser Desk-Link gilt nicht mehr." in refused.text
    assert "/login" in second.get("/desk/").location  # the second device is no desk


def test_removed_desk_loses_access(app: Any, db: Any, event: events.Event) -> None:
    client = desk_client(app, db, "Eingang")
    desks.remove(db, kdb.one(db, "SELECT id FROM desks")["id"])
    polled = client.get("/desk/counters", headers=HX)
    assert polled.headers["HX-Redirect"].startswith("/login")
    response = client.get("/desk/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_removed_desk_gets_nothing_from_other_pages_either(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    client = desk_client(app, db, "Eingang")
    for path in (f"/badges/{anna['id']}.pdf", f"/suggestions/desk/{anna['id']}", "/desk/swap"):
        assert client.get(path).status_code == 200, path  # while the desk exists
    desks.remove(db, kdb.one(db, "SELECT id FROM desks")["id"])
    for path in (f"/badges/{anna['id']}.pdf", f"/suggestions/desk/{anna['id']}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_a_desk_prints_badges_of_its_own_event_only(
    desk: Any, db: Any, event: events.Event, anna: Any
) -> None:
    other = events.create(db, "Andere Veranstaltung")
    stranger = attendees.create(db, other, AttendeeData(first_name="Ole", last_name="X"), how="t")
    events.choose(db, event.id)
    assert desk.get(f"/badges/{anna['id']}.pdf").status_code == 200
    assert desk.get(f"/badges/{stranger['id']}.pdf").status_code == 404
    assert attendees.get(db, stranger["id"])["badge_print_count"] == 0


def test_desk_pages_allow_the_camera_worker_and_nothing_outside(desk: Any) -> None:
    policy = desk.get("/desk/").headers["Content-Security-Policy"]
    assert "worker-src 'self' blob:" in policy and "default-src 'self'" in policy


# -- scanning -------------------------------------------------------------------------------------


def test_scan_shows_the_welcome_card_with_desk_name(desk: Any, db: Any, anna: Any) -> None:
    response = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    html = response.get_data(as_text=True)
    assert outcome(response) == "welcome"
    assert "Willkommen, Anna!" in html and "Max-Eyth-Schule" in html
    assert '<div id="hits" class="hits" hx-swap-oob="true">' in html
    assert "<html" not in html  # a fragment, not a page
    assert attendees.get(db, anna["id"])["checked_in_desk"] == "Eingang 1"


def test_scan_of_the_qwertz_mangled_url_checks_in(desk: Any, anna: Any) -> None:
    typed = f"httpÖ--kiosk.test-b-{anna['code'].lower()}"
    assert outcome(desk.post("/desk/scan", data={"code": typed}, headers=HX)) == "welcome"


def test_second_scan_says_already_with_time_and_desk(
    app: Any, db: Any, desk: Any, anna: Any
) -> None:
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    other = desk_client(app, db, "Eingang 2")
    response = other.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    assert outcome(response) == "already_checked_in"
    assert "„Eingang 1“" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [("unknown", "unknown_code"), ("other", "other_event"), ("cancelled", "cancelled")],
)
def test_refusals_show_their_card(desk: Any, db: Any, anna: Any, setup: str, expected: str) -> None:
    code = anna["code"]
    if setup == "unknown":
        code = attendees.new_code()
    elif setup == "other":
        other = events.create(db, "Messe")
        code = attendees.create(db, other, AttendeeData(first_name="Ole"), how="t")["code"]
        events.choose(db, anna["event_id"])
    else:
        db.execute("UPDATE attendees SET status = 'cancelled' WHERE id = ?", [anna["id"]])
    response = desk.post("/desk/scan", data={"code": code}, headers=HX)
    assert outcome(response) == expected
    assert "result-bad" in response.get_data(as_text=True)


def test_scan_without_javascript_redirects_and_shows_the_result_once(desk: Any, anna: Any) -> None:
    response = desk.post("/desk/scan", data={"code": anna["code"]})
    assert response.status_code == 303 and response.location.endswith("/desk/")
    assert outcome(desk.get("/desk/")) == "welcome"
    assert outcome(desk.get("/desk/")) == ""


def test_welcome_card_shows_the_private_link_qr_only_when_fresh(
    desk: Any, db: Any, anna: Any
) -> None:
    link = f'data-qr="http://kiosk.test/me/{anna["secret"]}"'
    first = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    assert link in first.get_data(as_text=True)
    again = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    assert "data-qr" not in again.get_data(as_text=True)
    shown = desk.get(f"/desk/attendee/{anna['id']}", headers=HX)
    assert outcome(shown) == "show" and link in shown.get_data(as_text=True)


def test_private_link_qr_image_for_browsers_without_javascript(
    desk: Any, tablet: Any, anna: Any
) -> None:
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)  # this desk checked her in
    response = desk.get(f"/desk/attendee/{anna['id']}/qr.svg")
    assert response.mimetype == "image/svg+xml" and response.data.startswith(b"<svg")
    assert tablet.get(f"/desk/attendee/{anna['id']}/qr.svg").status_code == 403


def test_not_printed_badge_is_pointed_out(desk: Any, db: Any, anna: Any) -> None:
    html = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX).get_data(as_text=True)
    assert "Badge noch nicht gedruckt" in html
    db.execute("UPDATE attendees SET badge_printed_at = '2026-01-01' WHERE id = ?", [anna["id"]])
    html = desk.get(f"/desk/attendee/{anna['id']}", headers=HX).get_data(as_text=True)
    assert "Badge noch nicht gedruckt" not in html


# -- search, then check in from a result ----------------------------------------------------------


@pytest.mark.parametrize("query", ["Muller", "Mueller", "müller", "Mülelr"])
def test_search_finds_mueller(desk: Any, anna: Any, query: str) -> None:
    response = desk.get("/desk/search", query_string={"q": query}, headers=HX)
    html = response.get_data(as_text=True)
    assert "Anna Müller" in html
    assert 'id="result" class="result result-empty" hx-swap-oob="true"' in html


def test_search_ignores_scanned_codes_and_says_when_nobody_matches(desk: Any, anna: Any) -> None:
    html = desk.get("/desk/search", query_string={"q": anna["code"]}, headers=HX).get_data(
        as_text=True
    )
    assert "Anna" not in html
    html = desk.get("/desk/search", query_string={"q": "Zzyzx"}, headers=HX).get_data(as_text=True)
    assert "Niemand gefunden" in html


def test_check_in_from_a_search_result(desk: Any, db: Any, anna: Any) -> None:
    response = desk.post(f"/desk/attendee/{anna['id']}/checkin", headers=HX)
    assert outcome(response) == "welcome"
    assert attendees.history(db, anna["id"])[-1]["detail"]["how"] == "search"
    hits = desk.get("/desk/search", query_string={"q": "anna"}, headers=HX)
    assert "da seit" in hits.get_data(as_text=True)


# -- undo, check-out, consent ---------------------------------------------------------------------


def test_undo_needs_a_reason_then_takes_the_checkin_back(desk: Any, db: Any, anna: Any) -> None:
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    url = f"/desk/attendee/{anna['id']}/undo"
    assert outcome(desk.post(url, data={"reason": ""}, headers=HX)) == "reason_missing"
    assert outcome(desk.post(url, data={"reason": "falsche Person"}, headers=HX)) == "undone"
    assert attendees.get(db, anna["id"])["checked_in_at"] is None
    assert outcome(desk.post(url, data={"reason": "nochmal"}, headers=HX)) == "not_checked_in"


def test_every_link_and_form_on_the_welcome_card_reaches_its_route(
    app: Any, desk: Any, anna: Any
) -> None:
    html = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX).get_data(as_text=True)
    targets = set(re.findall(r'(?:action|hx-post|hx-get|href|src)="(/[^"]*)"', html))
    adapter = app.url_map.bind("kiosk.test")
    found = {}
    for target in targets:
        method = "POST" if f'hx-post="{target}"' in html else "GET"
        found[target] = adapter.match(target, method=method)[0]  # raises for a wrong URL
    # The card writes the attendee's action URLs from one base: each must be the route's.
    assert {
        "desk.qr",
        "desk.check_out",
        "desk.undo",
        "desk.consent",
        "badges.single",
    } <= set(found.values())


def test_someone_who_checked_out_is_not_shown_as_here(desk: Any, organiser: Any, anna: Any) -> None:
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    hits = desk.get("/desk/search?q=Müller", headers=HX).get_data(as_text=True)
    assert "hit-in" in hits and "da seit" in hits
    desk.post(f"/desk/attendee/{anna['id']}/checkout", headers=HX)
    hits = desk.get("/desk/search?q=Müller", headers=HX).get_data(as_text=True)
    assert "hit-in" not in hits and "da seit" not in hits and "Einchecken" in hits
    listed = organiser.get("/admin/attendees").get_data(as_text=True)
    assert "gegangen" in listed and ">da<" not in listed


def test_check_out_and_back_in(desk: Any, db: Any, anna: Any) -> None:
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    assert outcome(desk.post(f"/desk/attendee/{anna['id']}/checkout", headers=HX)) == (
        "checked_out"
    )
    back = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    assert outcome(back) == "again" and "Willkommen zurück" in back.get_data(as_text=True)


def test_one_tap_consent_is_recorded_as_given_at_the_desk(desk: Any, db: Any, anna: Any) -> None:
    html = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX).get_data(as_text=True)
    assert "zum Kennenlernen vorschlagen" in html
    response = desk.post(f"/desk/attendee/{anna['id']}/consent", data={"given": "yes"}, headers=HX)
    assert outcome(response) == "consent"
    assert "zum Kennenlernen vorschlagen" not in response.get_data(as_text=True)
    stored = attendees.get(db, anna["id"])
    assert stored["consent_matchmaking"] is True and stored["consent_matchmaking_how"] == "desk"


def test_sharing_contact_details_is_one_tap_at_the_desk_when_never_set(
    desk: Any, db: Any, anna: Any
) -> None:
    assert anna["consent_share_contact"] is None  # the list had no column for it
    html = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX).get_data(as_text=True)
    question = "Möchten Sie Ihre Kontaktdaten mit Personen teilen, mit denen Sie Kontakte tauschen?"
    assert question in html
    response = desk.post(
        f"/desk/attendee/{anna['id']}/consent",
        data={"given": "no", "purpose": "share_contact"},
        headers=HX,
    )
    assert outcome(response) == "consent" and question not in response.get_data(as_text=True)
    stored = attendees.get(db, anna["id"])
    assert (
        stored["consent_share_contact"] is False and stored["consent_share_contact_how"] == "desk"
    )
    assert stored["consent_matchmaking"] is None  # the other question is still open
    refused = desk.post(
        f"/desk/attendee/{anna['id']}/consent", data={"given": "yes", "purpose": "mail"}, headers=HX
    )
    assert outcome(refused) == "not_found"
    assert attendees.get(db, anna["id"])["consent_mail"] is None


# -- walk-in --------------------------------------------------------------------------------------


def test_walk_in_form_creates_checks_in_and_shows_the_welcome(
    desk: Any, db: Any, event: events.Event
) -> None:
    assert desk.get("/desk/walkin").status_code == 200
    response = desk.post(
        "/desk/walkin",
        data={
            "first_name": "Kemal",
            "last_name": "Kaya",
            "organisation": "Tischlerei Brandt",
            "organisation_type": "Betrieb",
            "interests": "Inklusion, Mentoring",
            "consent_matchmaking": "on",
        },
    )
    assert response.status_code == 303
    page = desk.get("/desk/")
    assert outcome(page) == "walk_in" and "Willkommen, Kemal!" in page.get_data(as_text=True)
    kemal = attendees.list_for_event(db, event.id, query="Kaya")[0]
    assert kemal["checked_in_desk"] == "Eingang 1"
    assert kemal["consent_matchmaking"] is True and kemal["consent_share_contact"] is None
    assert kemal["interests"] == ["Inklusion", "Mentoring"]


def test_walk_in_without_a_name_or_with_a_bad_email_is_shown_again(desk: Any) -> None:
    response = desk.post("/desk/walkin", data={"organisation": "Firma"})
    assert response.status_code == 422 and "Bitte Vor- oder Nachnamen" in response.get_data(
        as_text=True
    )
    response = desk.post("/desk/walkin", data={"first_name": "Ole", "email": "kaputt@"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="Ole"' in html
    assert "Diese E-Mail-Adresse sieht nicht gültig aus." in html


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_walk_in_field_errors_are_tied_to_their_fields(desk: Any, headers: dict[str, str]) -> None:
    response = desk.post(
        "/desk/walkin", data={"first_name": "Ole", "email": "kaputt@"}, headers=headers
    )
    assert response.status_code == 422
    elements = by_id(read_html(response.get_data(as_text=True)))
    email = elements["w-email"]
    assert email.attrs.get("aria-invalid") == "true"
    described = [elements[i].text.strip() for i in email.attrs["aria-describedby"].split()]
    assert "Diese E-Mail-Adresse sieht nicht gültig aus." in described
    assert "aria-invalid" not in elements["w-first"].attrs
    assert "aria-describedby" not in elements["w-first"].attrs


def test_walk_in_of_a_registered_person_offers_their_registration(
    desk: Any, db: Any, anna: Any, event: events.Event
) -> None:
    response = desk.post(
        "/desk/walkin",
        data={"first_name": "Anna", "last_name": "Müller", "organisation": "Max-Eyth-Schule"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "ist schon angemeldet" in html
    assert f"/desk/attendee/{anna['id']}/checkin" in html
    assert attendees.count(db, event.id)["registered"] == 1


# -- counters -------------------------------------------------------------------------------------


def test_counters_fragment_counts_arrivals(desk: Any, anna: Any) -> None:
    before = desk.get("/desk/counters", headers=HX).get_data(as_text=True)
    assert '<strong data-counter="arrived">0</strong>' in before
    desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX)
    after = desk.get("/desk/counters", headers=HX).get_data(as_text=True)
    assert '<strong data-counter="arrived">1</strong>' in after
    assert 'hx-trigger="every 2s"' in after


# -- self check-in --------------------------------------------------------------------------------


@pytest.fixture
def tablet(app: Any, db: Any, event: events.Event) -> Any:
    return desk_client(app, db, "Tablet Tür", "self")


def test_self_checkin_tablet_sees_only_its_screen(tablet: Any, anna: Any) -> None:
    assert tablet.get("/desk/").location.endswith("/desk/self")
    assert tablet.get("/desk/self").status_code == 200
    for path in ("/desk/search?q=anna", "/desk/walkin", f"/desk/attendee/{anna['id']}"):
        assert tablet.get(path).status_code == 403
    assert tablet.post(f"/desk/attendee/{anna['id']}/checkin").status_code == 403
    # Nor on the pages of other areas that desks may use: a badge holds a name.
    for path in (f"/badges/{anna['id']}.pdf", f"/suggestions/desk/{anna['id']}", "/desk/swap"):
        assert tablet.get(path).status_code == 403, path


def test_a_desk_turned_into_a_self_tablet_becomes_one_at_once(
    desk: Any, db: Any, anna: Any
) -> None:
    assert desk.get("/desk/walkin").status_code == 200
    desks.add(db, "Eingang 1", "self")
    assert desk.get("/desk/walkin").status_code == 403
    assert desk.get("/desk/").location.endswith("/desk/self")


def test_self_checkin_welcomes_once_without_the_private_qr(tablet: Any, anna: Any) -> None:
    first = tablet.post("/desk/self/scan", data={"code": anna["code"]}, headers=HX)
    html = first.get_data(as_text=True)
    assert outcome(first) == "welcome" and "Willkommen, Anna!" in html
    assert "data-qr=" not in html and "/me/" not in html  # a badge is public, even a photo
    assert 'data-clear-after="8"' in html
    again = tablet.post("/desk/self/scan", data={"code": anna["code"]}, headers=HX)
    html = again.get_data(as_text=True)
    assert outcome(again) == "already_checked_in"
    assert "data-qr" not in html and "Anna" not in html  # a badge is public: no private QR again


def test_self_checkin_unknown_badge_tells_nothing(tablet: Any, anna: Any) -> None:
    response = tablet.post("/desk/self/scan", data={"code": "Müller"}, headers=HX)
    html = response.get_data(as_text=True)
    assert outcome(response) == "unknown_code" and "am Empfang" in html and "Anna" not in html


# -- the organiser's desk and dashboard pages -----------------------------------------------------


def test_organiser_makes_a_desk_link_for_another_device(
    app: Any, organiser: Any, event: events.Event
) -> None:
    response = organiser.post("/admin/desks", data={"name": "Eingang rechts", "mode": "desk"})
    assert response.status_code == 303
    page = organiser.get("/admin/desks").get_data(as_text=True)
    link = re.search(r"http://kiosk\.test(/desk/join/[\w-]+)", page)
    assert link and "Eingang rechts" in page and "<svg" in page
    device = app.test_client()
    assert device.get(link.group(1)).status_code == 302
    assert "Eingang rechts" in device.get("/desk/").get_data(as_text=True)


def test_organiser_turns_this_browser_into_a_desk(organiser: Any, event: events.Event) -> None:
    response = organiser.post("/admin/desks", data={"name": "Laptop", "action": "here"})
    assert response.status_code == 303 and response.location.endswith("/desk/")
    assert "Laptop" in organiser.get("/desk/").get_data(as_text=True)
    assert organiser.get("/admin/").status_code == 403


def test_dashboard_shows_arrivals_types_and_who_is_missing(
    organiser: Any, db: Any, event: events.Event, anna: Any
) -> None:
    ole = attendees.create(
        db, event, AttendeeData(first_name="Ole", organisation_type="Betrieb"), how="t"
    )
    checkin.check_in(db, event, ole["id"])
    html = organiser.get("/admin/dashboard").get_data(as_text=True)
    assert '<svg class="chart"' in html and 'class="bar"' in html
    assert "Betrieb" in html and "1 / 1" in html
    assert "Noch nicht da (1)" in html and "Anna Müller" in html


def test_checkin_log_csv_download_is_neutralised_and_audited(
    organiser: Any, db: Any, event: events.Event
) -> None:
    evil = attendees.create(db, event, AttendeeData(first_name="=cmd|' /C calc'!A0"), how="t")
    checkin.check_in(db, event, evil["id"], desk="Eingang")
    assert organiser.get("/admin/dashboard/checkins.csv").status_code == 404
    response = organiser.post("/admin/after/export/checkins", data={"format": "csv"})
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:3] == ["Zeit", "Aktion", "Desk"]
    assert table[-1][1:3] == ["Check-in", "Eingang"]
    assert table[-1][4] == "'=cmd|' /C calc'!A0"
    assert [(e["action"], e["what"], e["rows"]) for e in audit.entries(db, event.id)] == [
        ("export", "checkins.csv", 2)
    ]


def test_walk_in_card_opens_the_badge_pdf_which_changes_nothing(
    desk: Any, db: Any, event: events.Event
) -> None:
    desk.post("/desk/walkin", data={"first_name": "Ole", "last_name": "Nowak"})
    html = desk.get("/desk/").get_data(as_text=True)
    ole = attendees.list_for_event(db, event.id, query="Nowak")[0]
    assert f'href="/badges/{ole["id"]}.pdf"' in html
    pdf = desk.get(f"/badges/{ole['id']}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # a PDF opened is not a badge printed (and a GET records nothing) ...
    assert attendees.get(db, ole["id"])["badge_print_count"] == 0
    assert badges.print_log(db, ole["id"]) == []
    # ... until the helper says it came out of the printer
    assert f'action="/badges/{ole["id"]}/printed"' in html
    done = desk.post(f"/badges/{ole['id']}/printed", headers=HX).get_data(as_text=True)
    assert "Badge als gedruckt vermerkt" in done
    assert [e["how"] for e in badges.print_log(db, ole["id"])] == ["desk Eingang 1"]
    shown = desk.get(f"/desk/attendee/{ole['id']}", headers=HX).get_data(as_text=True)
    assert "Badge noch nicht gedruckt" not in shown
    assert desk.post("/badges/99999/printed", headers=HX).status_code == 404


def test_print_on_arrival_without_a_printer_offers_the_pdf(
    desk: Any, db: Any, event: events.Event, anna: Any
) -> None:
    events.update_settings(db, event.id, {"print_on_arrival": True})
    html = desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX).get_data(as_text=True)
    assert "Badge noch nicht gedruckt" in html and f"/badges/{anna['id']}.pdf" in html
    assert "Badge wird gedruckt" not in html
