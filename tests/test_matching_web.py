"""Matching where people see it: the command, organiser pages, the attendee's list, the slip."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from pypdf import PdfReader

from kiosk import attendees, checkin, create_app, demo, events, matching, references
from kiosk import db as kdb
from kiosk.attendees import AttendeeData


def _person(db: Any, event: events.Event, first: str, org: str, **data: Any) -> dict[str, Any]:
    data.setdefault("consent_matchmaking", True)
    return attendees.create(
        db,
        event,
        AttendeeData(first_name=first, last_name="Beispiel", organisation=org, **data),
        how="test",
    )


@pytest.fixture
def trio(db, event) -> dict[str, dict[str, Any]]:
    """Three consenting people of three organisations; Ada seeks what Ben offers."""
    return {
        "ada": _person(
            db,
            event,
            "Ada",
            "Max-Eyth-Schule",
            email="ada@schule.example",
            interests=["Inklusion"],
            seeks=["Praktikumsplätze"],
        ),
        "ben": _person(
            db,
            event,
            "Ben",
            "Elektro Nowak",
            project="Azubi-Sharing Nordhessen",
            offers=["Praktikumsplatz"],
            interests=["Inklusion"],
        ),
        "cem": _person(db, event, "Cem", "Caritas", interests=["Elternarbeit", "Inklusion"]),
    }


# -- the command -----------------------------------------------------------------------------------


def test_suggest_command_prints_reasons_and_json(runner) -> None:
    runner.invoke("demo", "--no-serve")
    database = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.by_slug(database, demo.DEMO_SLUG)
    person = next(
        a for a in attendees.list_for_event(database, event.id) if a["consent_matchmaking"]
    )
    expected = matching.for_attendee(database, event, person["id"], 3)
    database.close()

    text = runner.invoke("suggest", person["email"], "-n", "3")
    assert text.exit_code == 0, text.output
    assert expected[0].name in text.output
    assert expected[0].reason_text("de") in text.output

    by_code = runner.invoke("suggest", person["code"], "--json", "-n", "3", "--lang", "en")
    found = json.loads(by_code.output)
    assert [s["code"] for s in found] == [s.code for s in expected]
    first = found[0]
    assert {"code", "name", "organisation", "score", "reasons", "reason_text"} <= set(first)
    assert all({"kind", "items"} <= set(r) for r in first["reasons"])
    assert first["reason_text"] == expected[0].reason_text("en")

    by_name = runner.invoke("suggest", person["name"], "--event", demo.DEMO_SLUG, "--json")
    assert json.loads(by_name.output)[0]["code"] == expected[0].code


def test_suggest_command_fails_with_one_line(runner) -> None:
    runner.invoke("demo", "--no-serve")
    result = runner.invoke("suggest", "Niemand Unbekannt")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: Nobody")
    assert len(result.output.strip().splitlines()) == 1


# -- the organiser's pages -----------------------------------------------------------------------


def test_matching_pages_need_the_organiser(client, event) -> None:
    for url in ("/admin/matching", "/admin/matching/network", "/admin/tables"):
        assert client.get(url).status_code == 302


def test_overview_lists_suggestions_and_no_good_match(organiser, trio) -> None:
    page = organiser.get("/admin/matching").get_data(as_text=True)
    assert "Vernetzung" in page
    assert "bietet, was Sie suchen: Praktikumsplatz" in page
    # Cem shares nothing with anybody: the organiser should introduce Cem by hand.
    lonely = page.split('id="lonely"')[1].split("</section>")[0]
    assert "Cem Beispiel" in lonely and "Ada Beispiel" not in lonely
    rows = organiser.get("/admin/matching?q=elektro", headers={"HX-Request": "true"})
    fragment = rows.get_data(as_text=True)
    assert fragment.startswith('<div id="matching-rows">')
    assert "<strong>Ben Beispiel</strong>" in fragment
    assert "<strong>Ada Beispiel</strong>" not in fragment


def test_network_picture_is_svg_drawn_by_the_server(db, organiser, event, trio) -> None:
    with kdb.transaction(db):
        for owner, other in ((trio["ada"], trio["cem"]), (trio["cem"], trio["ada"])):
            db["contacts"].insert(
                {
                    "event_id": event.id,
                    "owner_id": owner["id"],
                    "other_id": other["id"],
                    "created_at": kdb.now(),
                }
            )
    page = organiser.get("/admin/matching/network").get_data(as_text=True)
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert svg.count("<circle") == 2  # nobody arrived yet: only the two who swapped contacts
    for person in trio.values():
        checkin.check_in(db, event, person["id"])
    page = organiser.get("/admin/matching/network").get_data(as_text=True)
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert svg.count("<circle") == 3  # the three organisations that came
    assert svg.count("<line") == 1  # the one contact between two of them
    edges = page.split('id="network-edges"')[1]
    assert "Caritas – Max-Eyth-Schule" in edges
    assert organiser.get("/admin/matching/network?by=project").status_code == 200
    assert organiser.get("/admin/matching/network?by=nonsense").status_code == 400


def test_synonym_editor_stores_and_shows_lines(db, organiser, event) -> None:
    response = organiser.post(
        "/admin/matching/synonyms",
        data={"synonyms": "BO = Berufsorientierung\nEQ = Einstiegsqualifizierung"},
    )
    assert response.status_code == 303
    assert events.get(db, event.id).settings["synonyms"] == {
        "BO": "Berufsorientierung",
        "EQ": "Einstiegsqualifizierung",
    }
    page = organiser.get("/admin/matching/synonyms").get_data(as_text=True)
    assert "BO = Berufsorientierung" in page


def test_table_plan_pages(db, organiser, event) -> None:
    for k in range(14):
        person = _person(db, event, f"P{k}", f"Org {k % 4}", consent_matchmaking=k % 2 == 0)
        if k < 12:
            with kdb.transaction(db):
                db["attendees"].update(person["id"], {"checked_in_at": kdb.now()})
    assert organiser.post("/admin/tables", data={"table_size": 4, "rounds": 2}).status_code == 303
    plan = matching.latest_table_plan(db, event)
    assert plan is not None and len(plan.rounds) == 2 and len(plan.rounds[0]) == 3
    page = organiser.get("/admin/tables").get_data(as_text=True)
    assert "Runde 2 (Beamer)" in page
    projector = organiser.get("/admin/tables/2").get_data(as_text=True)
    assert "Runde 2 von 2" in projector and 'class="topbar"' not in projector
    assert projector.count('class="table-card"') == 3
    printed = organiser.get("/admin/tables/print").get_data(as_text=True)
    assert printed.count('class="print-round"') == 2
    assert organiser.get("/admin/tables/3").status_code == 404
    bad = organiser.post(
        "/admin/tables", data={"table_size": 1, "rounds": 2}, follow_redirects=True
    )
    assert "Tischgröße" in bad.get_data(as_text=True)


def test_slip_pdf_has_the_top_three(db, organiser, event, trio) -> None:
    response = organiser.get(f"/suggestions/{trio['ada']['id']}/slip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (298, 420)  # A6 in points
    text = reader.pages[0].extract_text()
    assert "Ada Beispiel" in text and "1. Ben Beispiel" in text
    assert "Praktikumsplatz" in text


def test_desk_card_and_slip_need_a_desk(client, trio) -> None:
    assert client.get(f"/suggestions/desk/{trio['ada']['id']}").status_code == 302
    assert client.get(f"/suggestions/{trio['ada']['id']}/slip.pdf").status_code == 302


def test_desk_card_shows_the_top_three(organiser, trio) -> None:
    card = organiser.get(f"/suggestions/desk/{trio['ada']['id']}").get_data(as_text=True)
    assert 'id="desk-suggestions"' in card
    assert card.index("Ben Beispiel") < card.index("Cem Beispiel")
    assert "<form" not in card


# -- the attendee's own list -----------------------------------------------------------------------


def _ref(client: Any, viewer: dict[str, Any], other: dict[str, Any]) -> str:
    return references.reference(client.application.secret_key, viewer["id"], other["id"])


def test_own_list_and_feedback_by_private_link(db, client, event, trio) -> None:
    ada, ben = trio["ada"], trio["ben"]
    page = client.get(f"/me/{ada['secret']}/suggestions").get_data(as_text=True)
    assert page.index("Ben Beispiel") < page.index("Cem Beispiel")
    assert 'hx-trigger="every 30s"' in page
    # Others are named by Ada's own references, never by their badge codes.
    assert ben["code"] not in page and trio["cem"]["code"] not in page
    assert f'id="suggestion-{_ref(client, ada, ben)}"' in page
    refused = client.post(
        f"/me/{ada['secret']}/suggestions/{ben['code']}", data={"verdict": "not_a_fit"}
    )
    assert refused.status_code == 404  # a badge code is no reference
    response = client.post(
        f"/me/{ada['secret']}/suggestions/{_ref(client, ada, ben)}", data={"verdict": "not_a_fit"}
    )
    assert response.status_code == 303
    assert matching.feedback_of(db, ada["id"]) == {ben["id"]: "not_a_fit"}
    again = client.get(f"/me/{ada['secret']}/suggestions", headers={"HX-Request": "true"})
    fragment = again.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card suggestions"')
    assert "Ben Beispiel" not in fragment and "Cem Beispiel" in fragment


def test_feedback_by_htmx_answers_with_the_list(db, client, trio) -> None:
    ada, ben = trio["ada"], trio["ben"]
    response = client.post(
        f"/me/{ada['secret']}/suggestions/{_ref(client, ada, ben)}",
        data={"verdict": "met"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    listed = re.findall(r'id="suggestion-([\w-]+)"', response.get_data(as_text=True))
    assert listed == [_ref(client, ada, trio["cem"]), _ref(client, ada, ben)]


def test_feedback_refuses_strangers_and_nonsense(db, client, event, trio) -> None:
    ada = trio["ada"]
    assert client.get("/me/not-a-secret/suggestions").status_code == 404
    ben_ref = _ref(client, ada, trio["ben"])
    assert (
        client.post(f"/me/not-a-secret/suggestions/{ben_ref}", data={"verdict": "met"}).status_code
        == 404
    )
    other_event = events.create(db, "Anderswo")
    stranger = _person(db, other_event, "Dora", "Dora GmbH")
    url = f"/me/{ada['secret']}/suggestions/{_ref(client, ada, stranger)}"
    assert client.post(url, data={"verdict": "met"}).status_code == 404
    # A reference is the viewer's own: Ben's reference of Cem means nothing to Ada.
    url = f"/me/{ada['secret']}/suggestions/{_ref(client, trio['ben'], trio['cem'])}"
    assert client.post(url, data={"verdict": "met"}).status_code == 404
    url = f"/me/{ada['secret']}/suggestions/{ben_ref}"
    assert client.post(url, data={"verdict": "toll"}).status_code == 400
    assert kdb.rows(db, "SELECT * FROM suggestion_feedback") == []  # nothing was recorded


def test_own_list_without_consent_explains_why(db, client, event) -> None:
    person = _person(db, event, "Eva", "Eva AG", consent_matchmaking=False)
    page = client.get(f"/me/{person['secret']}/suggestions").get_data(as_text=True)
    assert "Stimmen Sie der Vernetzung zu" in page


def test_feedback_needs_a_csrf_token(tmp_path) -> None:
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE": str(tmp_path / "k.sqlite3"), "SECRET_KEY": "s"}
    )
    database = kdb.connect(app.config["DATABASE"])
    event = events.create(database, "Treffen")
    ada = _person(database, event, "Ada", "A")
    ben = _person(database, event, "Ben", "B")
    database.close()
    client = app.test_client()
    url = f"/me/{ada['secret']}/suggestions/{_ref(client, ada, ben)}"
    assert client.post(url, data={"verdict": "met"}).status_code == 400
    page = client.get(f"/me/{ada['secret']}/suggestions").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(url, data={"verdict": "met", "csrf_token": token}).status_code == 303


# -- a real browser --------------------------------------------------------------------------------


def test_table_plan_and_network_in_a_browser(organiser_page, live_server) -> None:
    database = live_server.db()
    event, _ = demo.ensure_demo(database)
    events.choose(database, event.id)
    database.close()
    page = organiser_page
    page.goto("/admin/tables")
    page.fill("#table_size", "5")
    page.fill("#rounds", "2")
    page.check("input[name=who][value=all]")
    page.click("button.primary[type=submit]")
    page.wait_for_selector("#table-plan")
    page.click("text=Runde 1 (Beamer)")
    page.wait_for_selector(".projector-head")
    assert page.locator(".table-card").count() == 16  # 80 registered at tables of 5
    big = page.eval_on_selector(".seat-name", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert big >= 20
    page.goto("/admin/matching/network")
    arrived = {  # the picture shows the organisations whose people came
        a["organisation"]
        for a in attendees.list_for_event(live_server.db(), event.id)
        if a["checked_in_at"]
    }
    assert page.locator("svg.network circle").count() >= len(arrived)
    box = page.locator("svg.network").bounding_box()
    assert box["width"] > 400


# -- wired into the other pages ------------------------------------------------------------------


def test_own_page_shows_the_suggestions_with_buttons(client, trio) -> None:
    page = client.get(f"/me/{trio['ada']['secret']}").get_data(as_text=True)
    section = page.split('id="suggestions"')[1].split("</section>")[0]
    assert section.index("Ben Beispiel") < section.index("Cem Beispiel")
    assert "Ben Beispiel bietet, was Sie suchen: Praktikumsplatz." in section
    assert section.count('value="not_a_fit"') == 2
    assert "css/matching.css" in page


def test_desk_welcome_card_loads_the_top_three(organiser, trio) -> None:
    card = organiser.post(
        "/desk/scan", data={"code": trio["ada"]["code"]}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    loader = f'hx-get="/suggestions/desk/{trio["ada"]["id"]}"'
    assert loader in card and 'hx-trigger="load"' in card
    top = organiser.get(f"/suggestions/desk/{trio['ada']['id']}").get_data(as_text=True)
    assert "Ben Beispiel" in top


def test_slip_of_another_events_attendee_is_not_found(db, organiser, event, trio) -> None:
    events.create(db, "Andere Veranstaltung")  # now the current event
    assert organiser.get(f"/suggestions/{trio['ada']['id']}/slip.pdf").status_code == 404
