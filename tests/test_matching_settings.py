"""Matchmaking per event: who meets whom and the address form on the organiser's page, the import
that warns when nobody consented, and `kiosk suggest` for one person and for everybody."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kiosk import attendees, events, importing, matching
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

from conftest import SHARED_DATA

ONLINE = SHARED_DATA / "online-registration-export.csv"
BRUNCH = SHARED_DATA / "netzwerktreffen-excel.csv"


def _person(db: Any, event: events.Event, first: str, org: str, **data: Any) -> dict[str, Any]:
    data.setdefault("consent_matchmaking", True)
    return attendees.create(
        db,
        event,
        AttendeeData(first_name=first, last_name="Test", organisation=org, **data),
        how="t",
    )


def _fair(db: Any, event: events.Event) -> dict[str, dict[str, Any]]:
    """A small fair: two companies, three pupils of three schools."""
    return {
        "firm": _person(
            db, event, "Ole", "Autohaus", role="Aussteller", offers=["Kfz-Mechatroniker/in"]
        ),
        "hotel": _person(
            db, event, "Ina", "Hotel", role="Aussteller", offers=["Koch/Köchin"], interests=["Judo"]
        ),
        "ada": _person(
            db, event, "Ada", "Schule A", role="Besucher", seeks=["Koch/Köchin"], interests=["Judo"]
        ),
        "ben": _person(db, event, "Ben", "Schule B", role="Besucher", interests=["Judo"]),
        "cem": _person(db, event, "Cem", "Schule C", role="Besucher", seeks=["Kfz-Mechatroniker"]),
    }


# -- the organiser's settings ----------------------------------------------------------------------


def test_matching_page_shows_the_inferred_rule_and_stores_choices(db, organiser, event) -> None:
    people = _fair(db, event)
    html = organiser.get("/admin/matching").get_data(as_text=True)
    assert "automatisch – jetzt: nach Rolle: Besuchende mit Ausstellenden (Messe)" in html
    assert "2 Ausstellende, 3 Besuchende" in html
    assert re.search(r'id="rule-now">.*nach Rolle.*\(automatisch\)', html)
    assert "automatisch – jetzt: „du“" in html  # most are pupils
    # Ben shares only a hobby with Ada: a pupil, so not suggested under "roles".
    assert [s.name for s in matching.for_attendee(db, event, people["ada"]["id"])] == ["Ina Test"]

    response = organiser.post(
        "/admin/matching/settings",
        data={"matching_rule": "all", "address_form": "Sie", "contact_save_limit": "12"},
    )
    assert response.status_code == 303
    settings = events.get(db, event.id).settings
    assert (settings["matching_rule"], settings["address_form"]) == ("all", "Sie")
    assert settings["contact_save_limit"] == 12
    names = [s.name for s in matching.for_attendee(db, event, people["ada"]["id"])]
    assert "Ben Test" in names
    html = organiser.get("/admin/matching").get_data(as_text=True)
    assert re.search(r'id="rule-now">.*alle mit allen', html)
    bad = organiser.post(
        "/admin/matching/settings",
        data={"matching_rule": "x", "address_form": "Sie", "contact_save_limit": "12"},
    )
    assert bad.status_code == 303
    assert events.get(db, event.id).settings["matching_rule"] == "all"


def test_pupils_at_a_fair_are_addressed_as_du(db, client, event) -> None:
    people = _fair(db, event)
    ada = people["ada"]
    page = client.get(f"/me/{ada['secret']}").get_data(as_text=True)
    assert "Wen du treffen solltest" in page
    assert "Ina Test bietet, was du suchst: Koch/Köchin." in page
    assert "Ihr interessiert euch beide für Judo." in page
    assert "Dies ist deine persönliche Seite" in page
    assert "Wen Sie treffen sollten" not in page
    events.update_settings(db, event.id, {"address_form": "Sie"})
    page = client.get(f"/me/{ada['secret']}").get_data(as_text=True)
    assert "Wen Sie treffen sollten" in page
    assert "Ina Test bietet, was Sie suchen: Koch/Köchin." in page


def test_desk_and_self_check_in_say_du_at_a_fair(db, organiser, event) -> None:
    people = _fair(db, event)
    events.update_settings(db, event.id, {"address_form": "du"})
    with kdb.transaction(db):
        db["attendees"].update(people["cem"]["id"], {"consent_matchmaking": None})
    card = organiser.post(
        "/desk/scan", data={"code": people["cem"]["code"]}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Willkommen, Cem!" in card
    assert "Dürfen wir dich anderen Teilnehmenden zum Kennenlernen vorschlagen?" in card
    top = organiser.get(f"/suggestions/desk/{people['ada']['id']}").get_data(as_text=True)
    assert "Ina Test bietet, was du suchst" in top


# -- the import ------------------------------------------------------------------------------------


def test_import_without_matchmaking_consent_warns_on_the_page(organiser, db, event) -> None:
    with ONLINE.open("rb") as f:
        response = organiser.post(
            "/admin/import",
            data={"file": (f, ONLINE.name)},
            content_type="multipart/form-data",
        )
    preview = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Niemand hat der Vermittlung zugestimmt" in preview
    token = response.headers["Location"].rsplit("/", 1)[1]
    done = organiser.post(f"/admin/import/{token}/confirm")
    html = organiser.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="no-matchmaking-consent"' in html
    assert "beim Einchecken" in html and "auf ihrer eigenen Seite" in html
    # Nobody said no either: the desk asks each person when they check in.
    found = attendees.list_for_event(db, event.id)
    assert found and all(a["consent_matchmaking"] is None for a in found)


def test_import_with_matchmaking_consent_does_not_warn(db, event) -> None:
    table = importing.read_file(BRUNCH.read_bytes(), BRUNCH.name)
    result = importing.run(db, event, table, importing.auto_mapping(table.header))
    assert result.notices == []
    assert not importing.nobody_consents(db, event)
    table = importing.read_file(ONLINE.read_bytes(), ONLINE.name)
    assert importing.run(db, event, table, dry_run=True).notices == ["no_matchmaking_consent"]


def test_import_command_warns_without_matchmaking_consent(runner) -> None:
    runner.invoke("event", "create", "Treffen")
    result = runner.invoke("import", str(ONLINE))
    assert result.exit_code == 0, result.output
    assert "Warning: nobody has consented to matchmaking" in result.output
    as_json = runner.invoke("import", str(ONLINE), "--json", "--dry-run")
    assert json.loads(as_json.output)["notices"] == ["no_matchmaking_consent"]


# -- the command line ------------------------------------------------------------------------------


def _fair_in(runner: Any) -> dict[str, dict[str, Any]]:
    runner.invoke("event", "create", "Messe")
    database = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.current(database)
    people = _fair(database, event)
    people["eva"] = _person(database, event, "Eva", "Schule E", consent_matchmaking=False)
    people["dan"] = _person(database, event, "Dan", "Schule D", role="Besucher", seeks=["Schach"])
    database.close()
    return people


def test_suggest_without_consent_fails_in_both_forms(runner) -> None:
    people = _fair_in(runner)
    for extra in ((), ("--json",)):
        result = runner.invoke("suggest", people["eva"]["code"], *extra)
        assert result.exit_code == 1, result.output
        assert "has not consented to matchmaking" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_suggest_all_gives_everybody_with_load_figures(runner) -> None:
    people = _fair_in(runner)
    found = json.loads(runner.invoke("suggest", "--all", "--json").output)
    by_code = {entry["code"]: entry for entry in found}
    assert people["eva"]["code"] not in by_code
    assert set(by_code) == {p["code"] for k, p in people.items() if k != "eva"}
    for code, entry in by_code.items():
        one = json.loads(runner.invoke("suggest", code, "--json").output)
        assert entry["suggestions"] == one
    assert [s["code"] for s in by_code[people["ada"]["code"]]["suggestions"]] == [
        people["hotel"]["code"]
    ]
    assert by_code[people["hotel"]["code"]]["load"] == 2  # to Ada (a trade) and Ben (a hobby)
    assert by_code[people["dan"]["code"]]["suggestions"] == []  # nobody offers what Dan seeks

    text = runner.invoke("suggest", "--all")
    assert text.exit_code == 0, text.output
    assert "Ada Test · Schule A" in text.output
    assert re.search(r"6 people take part; most suggested 2 times", text.output)
    assert "without suggestions 1" in text.output
    both = runner.invoke("suggest", people["ada"]["code"], "--all")
    assert both.exit_code != 0


def test_bench_prints_quality_figures(tmp_path: Path) -> None:
    """The benchmark's quality part runs on the shared files (the figures are asserted in
    test_matching_quality.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_matching", Path(__file__).resolve().parents[1] / "bench" / "matching.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    found = dict(bench.quality_of_file(BRUNCH))
    assert found["rule"] == "all"
    assert found["nobody here"].without_common == 0
    assert found["nobody here"].load_ratio <= bench.LOAD_RATIO_TARGET
