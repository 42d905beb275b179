"""Suggestions in a real browser: a pupil's list at a fair, the organiser's matching settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kiosk import attendees, events
from kiosk.attendees import AttendeeData

#: Set to a folder to keep screenshots of the pages (to look at them).
SHOTS = os.environ.get("KIOSK_SHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _fair(live_server: Any) -> dict[str, Any]:
    database = live_server.db()
    event = events.create(database, "Ausbildungsmesse Kassel")
    events.choose(database, event.id)

    def person(first: str, org: str, **data: Any) -> dict[str, Any]:
        return attendees.create(
            database,
            event,
            AttendeeData(
                first_name=first,
                last_name="Muster",
                organisation=org,
                consent_matchmaking=True,
                **data,
            ),
            how="t",
        )

    people = {
        "hotel": person(
            "Ina",
            "Hotel Wilhelmshöhe",
            role="Aussteller",
            offers=["Koch/Köchin", "Fachkraft im Gastgewerbe"],
        ),
        "bakery": person("Ole", "Bäckerei Krüger", role="Aussteller", offers=["Koch/Köchin"]),
        "roads": person("Tom", "Straßenbau Nord", role="Aussteller", offers=["Straßenbauer/in"]),
        "ada": person(
            "Ada",
            "Gesamtschule Waldau",
            role="Besucher",
            seeks=["Fachkraft im Gastgewerbe", "Koch/Köchin"],
        ),
        "ben": person(
            "Ben", "Realschule Bettenhausen", role="Besucher", seeks=["Zahntechniker/in"]
        ),
    }
    for k in range(4):
        person(f"Schüler{k}", f"Schule {k}", role="Besucher", seeks=["Straßenbauer/in"])
    database.close()
    return people


def test_a_pupil_sees_only_real_matches_addressed_as_du(page: Any, live_server: Any) -> None:
    people = _fair(live_server)
    page.goto(f"/me/{people['ada']['secret']}")
    section = page.locator("#suggestions")
    section.get_by_text("Wen du treffen solltest").wait_for()
    names = section.locator(".suggestion-name").all_inner_texts()
    assert [n.strip() for n in names] == ["Ina Muster", "Ole Muster"]  # not the road builder
    assert "Ina Muster bietet, was du suchst: Fachkraft im Gastgewerbe und Koch/Köchin." in (
        section.inner_text()
    )
    assert section.locator("#few-matches a").get_attribute("href").endswith("#my-data")
    _shot(page, "fair-pupil")
    section.locator(".suggestion").first.get_by_role("button", name="Passt nicht").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#suggestions .suggestion').length === 1"
    )

    page.goto(f"/me/{people['ben']['secret']}")
    empty = page.locator("#no-match")
    assert "Noch keine passenden Personen — ergänze deine Interessen" in empty.inner_text()
    empty.get_by_role("link", name="Meine Angaben").click()
    page.fill("#topic-seeks", "Zahntechniker/in, Koch/Köchin")
    page.get_by_role("button", name="Angaben speichern").click()
    page.locator("#suggestions .suggestion").first.wait_for()
    assert "Koch/Köchin" in page.locator("#suggestions").inner_text()
    _shot(page, "fair-pupil-added")


def test_organiser_sets_who_meets_whom(organiser_page: Any, live_server: Any) -> None:
    _fair(live_server)
    page = organiser_page
    page.goto("/admin/matching")
    now = page.locator("#rule-now")
    assert "nach Rolle" in now.inner_text() and "automatisch" in now.inner_text()
    _shot(page, "matching-settings")
    page.check("input[name=matching_rule][value=all]")
    page.check("input[name=address_form][value=Sie]")
    page.locator("#matching-settings").get_by_role("button", name="Speichern").click()
    page.get_by_text("Einstellungen gespeichert.").wait_for()
    assert "alle mit allen" in page.locator("#rule-now").inner_text()
    assert page.locator("input[name=address_form][value=Sie]").is_checked()


def test_import_without_consent_says_how_to_collect_it(
    organiser_page: Any, live_server: Any
) -> None:
    from conftest import SHARED_DATA

    database = live_server.db()
    events.choose(database, events.create(database, "Netzwerktreffen").id)
    database.close()
    page = organiser_page
    page.goto("/admin/import")
    page.set_input_files("input[type=file]", str(SHARED_DATA / "online-registration-export.csv"))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    warning = page.locator("#no-matchmaking-consent")
    warning.wait_for()
    assert "Niemand hat der Vermittlung zugestimmt" in warning.inner_text()
    _shot(page, "import-no-consent")
