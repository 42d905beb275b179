"""Matchmaking quality: every suggestion has something in common, the needed provider comes first
and stays, presence only orders, who meets whom per event, measured on the training fair."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from kiosk import attendees, events, importing, matching
from kiosk import db as kdb
from kiosk.attendees import AttendeeData
from kiosk.matching import Model, Profile

from conftest import SHARED_DATA

FAIR = SHARED_DATA / "ausbildungsmesse.xlsx"


def _person(db: Any, event: events.Event, first: str, org: str, **data: Any) -> dict[str, Any]:
    data.setdefault("consent_matchmaking", True)
    return attendees.create(
        db,
        event,
        AttendeeData(first_name=first, last_name="Test", organisation=org, **data),
        how="t",
    )


def _check_in(db: Any, *ids: int) -> None:
    with kdb.transaction(db):
        for attendee_id in ids:
            db["attendees"].update(attendee_id, {"checked_in_at": kdb.now()})


def _ids(found: list[matching.Suggestion]) -> list[int]:
    return [s.attendee_id for s in found]


def _profile(k: int, org: str, **lists: Any) -> Profile:
    return Profile(
        id=k,
        person_id=k,
        code=f"C{k:019d}",
        name=f"P{k}",
        organisation=org,
        project="",
        role=lists.pop("role", ""),
        interests=frozenset(lists.get("interests", ())),
        offers=frozenset(lists.get("offers", ())),
        seeks=frozenset(lists.get("seeks", ())),
        present=lists.get("present", False),
    )


# -- every suggestion has a real reason -----------------------------------------------------------


def test_nothing_in_common_is_never_suggested_and_lists_are_not_padded(db, event) -> None:
    me = _person(db, event, "Ada", "A", seeks=["Fachkraft im Gastgewerbe"])
    hotel = _person(db, event, "Ben", "Hotel", offers=["Fachkraft im Gastgewerbe"])
    for k in range(12):
        _person(db, event, f"Fremd{k}", f"Schule {k}", seeks=["Straßenbauer/in"])
    stranger = _person(db, event, "Cem", "Straßenbau GmbH", offers=["Straßenbauer/in"])
    _check_in(db, stranger["id"])  # being here is no reason by itself
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found) == [hotel["id"]]
    assert found[0].reasons[0] == matching.Reason(
        "offers_what_you_seek", ("Fachkraft im Gastgewerbe",)
    )
    result = matching.for_everybody(db, event)
    assert matching.measure(result).without_common == 0
    for i, items in enumerate(result.lists):
        for j, _ in items:
            assert result.model.fit(i, j) > 0


def test_presence_only_orders_and_checking_in_drops_nobody(db, demo_event) -> None:
    before = matching.for_everybody(db, demo_event)
    members = {p.id: set(_ids(before.suggestions(p.id))) for p in before.model.profiles}
    absent = [p.id for p in before.model.profiles if not p.present]
    _check_in(db, *random.Random(1).sample(absent, len(absent) // 2))
    after = matching.for_everybody(db, demo_event)
    for p in after.model.profiles:
        found = after.suggestions(p.id)
        assert set(_ids(found)) == members[p.id], p.name
        here = [matching.Reason("here_now") in s.reasons for s in found]
        # Among equally good fits, those who are here come first.
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
        assert here == [matching.Reason("here_now") in s.reasons for s in found]


@pytest.fixture
def demo_event(db) -> events.Event:
    from kiosk import demo

    event, _ = demo.ensure_demo(db)
    return event


def test_empty_list_says_why_and_links_to_the_own_page(client, db, event) -> None:
    me = _person(db, event, "Ada", "A", seeks=["Zahntechniker/in"])
    _person(db, event, "Ben", "B", offers=["Koch/Köchin"])
    page = client.get(f"/me/{me['secret']}/suggestions").get_data(as_text=True)
    assert "Noch keine passenden Personen — ergänzen Sie Ihre Interessen" in page
    assert f'href="/me/{me["secret"]}#my-data"' in page
    assert "Ben Test" not in page


# -- ranking -------------------------------------------------------------------------------------


def test_offer_for_a_seek_beats_a_shared_interest_of_the_same_rarity(db, event) -> None:
    me = _person(db, event, "Ada", "Jobcenter", seeks=["Ausbildungsplätze"], interests=["Hotel"])
    offers = _person(db, event, "Ben", "Stadtreinigung", offers=["Ausbildungsplätze"])
    shares = _person(db, event, "Cem", "Hotel AG", interests=["Hotel"])
    # Both items are equally common: two more people offer places, two more like hotels.
    for k in range(2):
        _person(db, event, f"Off{k}", f"Betrieb {k}", offers=["Ausbildungsplatz"])
        _person(db, event, f"Int{k}", f"Pension {k}", interests=["Hotel"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found).index(offers["id"]) < _ids(found).index(shares["id"])
    assert found[0].fit >= next(s.fit for s in found if s.attendee_id == shares["id"])


def test_same_project_discount_is_said_in_the_reason(db, event) -> None:
    me = _person(db, event, "Ada", "A", project="OloV", interests=["Inklusion"])
    same = _person(db, event, "Ben", "B", project="olov", interests=["Inklusion"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found) == [same["id"]]
    assert matching.Reason("same_project", ("olov",)) in found[0].reasons
    assert "darum steht Ben Test weiter unten" in found[0].reason_text("de")


# -- balance -------------------------------------------------------------------------------------


def test_the_only_provider_stays_in_the_lists_of_those_who_need_it() -> None:
    """A company 600 pupils want most (the bound cuts it) that alone trains one trade: the 30
    pupils seeking that trade keep it, although three other companies fit them better."""
    rng = random.Random(3)
    trades = [f"t{k}" for k in range(20)]
    profiles = [_profile(1, "Solo", offers={*trades, "rare"}, role="Aussteller")]
    profiles += [
        _profile(2 + k, f"Firma {k}", offers={t}, role="Aussteller") for k, t in enumerate(trades)
    ]
    profiles += [
        _profile(50 + k, f"Betrieb {k}", offers={"u1", "u2", "u3"}, role="Aussteller")
        for k in range(5)
    ]
    pupils = [
        _profile(100 + n, f"Schule {n % 9}", seeks=set(rng.sample(trades, 10)), role="Besucher")
        for n in range(600)
    ]
    needy = [
        _profile(800 + n, f"Schule {n % 9}", seeks={"rare", "u1", "u2", "u3"}, role="Besucher")
        for n in range(30)
    ]
    model = Model(profiles + pupils + needy, rule="roles")
    result = matching.plan(model, 5)
    solo = model.index[1]
    assert result.load[solo] >= result.bound  # the bound binds on it ...
    for pupil in needy:  # ... yet everyone who needs it keeps it
        assert solo in {j for j, _ in result.lists[model.index[pupil.id]]}, pupil.name
    quality = matching.measure(result)
    assert quality.sole_seekers == 30 and quality.sole_provider_kept == 1
    assert quality.without_common == 0 and quality.provider_first == 1


def test_nobody_reaches_the_bound_without_something_in_common() -> None:
    profiles = [_profile(1, "Star", interests={"x"})]
    profiles += [_profile(2 + n, f"Org {n}", interests={f"own {n}"}) for n in range(40)]
    result = matching.plan(Model(profiles), 10)
    assert int(result.load.max()) == 0
    assert all(items == [] for items in result.lists)


# -- who meets whom ------------------------------------------------------------------------------


def test_at_a_fair_pupils_meet_exhibitors_not_each_other(db, event) -> None:
    pupil = _person(db, event, "Ada", "Schule A", role="Besucher", interests=["Fußball"])
    friend = _person(db, event, "Ben", "Schule B", role="Besucher", interests=["Fußball"])
    firm = _person(
        db, event, "Cem", "Autohaus", role="Aussteller", offers=["Kfz"], interests=["Fußball"]
    )
    _person(db, event, "Dora", "Schule C", role="Besucher", seeks=["Kfz"])
    rule = matching.current_rule(db, event)
    assert (rule.rule, rule.chosen, rule.exhibitors, rule.visitors) == ("roles", False, 1, 3)
    assert _ids(matching.for_attendee(db, event, pupil["id"])) == [firm["id"]]

    events.update_settings(db, event.id, {"matching_rule": "all"})
    assert matching.current_rule(db, event).chosen
    assert friend["id"] in _ids(matching.for_attendee(db, event, pupil["id"]))


def test_a_network_meeting_is_everyone_with_everyone(db, event) -> None:
    path = SHARED_DATA / "netzwerktreffen-excel.csv"
    table = importing.read_file(path.read_bytes(), path.name)
    importing.run(db, event, table, importing.auto_mapping(table.header))
    rule = matching.current_rule(db, event)
    assert rule.rule == "all" and rule.visitors_offering > 0


# -- the training fair, measured -----------------------------------------------------------------


def _import(db: Any, event: events.Event, path: Path) -> None:
    table = importing.read_file(path.read_bytes(), path.name)
    importing.run(db, event, table, importing.auto_mapping(table.header))


@pytest.fixture(scope="module")
def fair(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fair, plus one company that alone trains a trade 30 pupils also seek: its plans with
    nobody and with a fifth of the people checked in."""
    path = tmp_path_factory.mktemp("fair") / "kiosk.sqlite3"
    kdb.init(path)
    database = kdb.connect(path)
    event = events.create(database, "Ausbildungsmesse", network="Messe")
    _import(database, event, FAIR)
    _person(
        database, event, "Zora", "Zahntechnik Solo", role="Aussteller", offers=["Zahntechniker/in"]
    )
    pupils = kdb.rows(
        database,
        "SELECT id, seeks FROM attendees WHERE role = 'Besucher' AND consent_matchmaking = 1 "
        "ORDER BY id LIMIT 30",
    )
    with kdb.transaction(database):
        for p in pupils:
            seeks = [*json.loads(p["seeks"] or "[]"), "Zahntechniker/in"]
            database["attendees"].update(p["id"], {"seeks": json.dumps(seeks)})
    nobody_here = matching.for_everybody(database, event)
    ids = [r["id"] for r in kdb.rows(database, "SELECT id FROM attendees ORDER BY id")]
    _check_in(database, *random.Random(7).sample(ids, len(ids) // 5))
    some_here = matching.for_everybody(database, event)
    yield nobody_here, some_here
    database.close()


@pytest.mark.parametrize("which", [0, 1], ids=["nobody here", "a fifth here"])
def test_fair_quality_figures(fair, which: int) -> None:
    result = fair[which]
    quality = matching.measure(result)
    assert result.model.rule == "roles"
    assert quality.suggestions > 9000
    assert quality.without_common == 0
    assert quality.seekers > 1000 and quality.provider_first == 1
    assert quality.sole_seekers == 30 and quality.sole_provider_kept == 1
    assert quality.empty_lists == 0


def test_fair_checking_in_changes_no_list(fair) -> None:
    nobody_here, some_here = fair
    for p in nobody_here.model.profiles:
        assert set(_ids(nobody_here.suggestions(p.id))) == set(_ids(some_here.suggestions(p.id)))


def test_fair_load_follows_need(fair) -> None:
    result, _ = fair
    model = result.model
    companies = [i for i, p in enumerate(model.profiles) if p.role == "Aussteller"]
    pupils = [i for i, p in enumerate(model.profiles) if p.role == "Besucher"]
    for i in pupils:  # pupils meet companies only, never other pupils
        assert all(model.profiles[j].role == "Aussteller" for j, _ in result.lists[i])
    assert int(result.load.max()) <= max(result.bound, 30)
    # Companies training the same trades share its pupils: none is left with a handful.
    assert min(int(result.load[i]) for i in companies) >= 30


def test_rule_is_inferred_from_roles_or_organisation_types() -> None:
    fair = [_profile(1, "Autohaus", role="Aussteller", offers={"kfz"})]
    fair += [_profile(2 + k, f"Schule {k}", role="Besucher", seeks={"kfz"}) for k in range(5)]
    assert matching.infer_rule(fair).rule == "roles"
    # Organisation types say the same when the role column names functions.
    typed = [
        Profile(**{**p.__dict__, "role": "Ausbildungsleitung", "organisation_type": t})
        for p, t in zip(fair, ["Betrieb"] + ["Schule"] * 5, strict=True)
    ]
    assert matching.infer_rule(typed).rule == "roles"
    # A network meeting of many companies and a few schools stays everyone with everyone,
    # even when only the companies offer something.
    meeting = [
        Profile(**{**p.__dict__, "organisation_type": "Betrieb" if k < 4 else "Schule"})
        for k, p in enumerate(
            [_profile(k, f"Firma {k}", offers={"praktikum"}) for k in range(4)]
            + [_profile(10 + k, f"Schule {k}", interests={"inklusion"}) for k in range(2)]
        )
    ]
    assert matching.infer_rule(meeting).rule == "all"
    # Once visitors offer something too, it is a meeting of equals.
    fair.append(_profile(99, "Schule X", role="Besucher", offers={"kfz"}))
    assert matching.infer_rule(fair).rule == "all"


def test_pair_scores_agree_with_the_score_matrix(db, demo_event) -> None:
    import numpy as np

    model = matching.for_everybody(db, demo_event).model
    rng = np.random.default_rng(4)
    rows = rng.integers(0, model.n, 500)
    cols = rng.integers(0, model.n, 500)
    full = model.scores(0, model.n)
    expected = full[rows, cols]
    found = model.pair_scores(rows, cols)
    assert np.array_equal(np.isinf(expected), np.isinf(found))
    finite = np.isfinite(expected)
    assert np.allclose(expected[finite], found[finite], atol=1e-4)


def test_the_data_version_changes_with_everything_matching_reads(db, event) -> None:
    other_event = events.create(db, "Woanders")
    a = _person(db, event, "Ada", "A", interests=["Inklusion"])
    b = _person(db, event, "Ben", "B", interests=["Inklusion"])
    seen = [matching.data_version(db, event)]

    def changed() -> bool:
        seen.append(matching.data_version(db, event))
        return seen[-1] != seen[-2]

    _person(db, other_event, "Cem", "C")
    assert not changed()  # another event's attendee
    _check_in(db, a["id"])
    assert changed()
    attendees.set_consent(db, b["id"], "matchmaking", False, how="t")
    assert changed()
    with kdb.transaction(db):
        db["attendees"].update(b["id"], {"interests": '["Mentoring"]'})
    assert changed()
    from kiosk import contacts

    contacts.swap(db, event, a["id"], b["id"], how="desk")
    assert changed()
    matching.record_feedback(db, event, a["id"], b["id"], "not_a_fit")
    assert changed()
    attendees.delete(db, b["id"])
    assert changed()
    assert not changed()  # nothing happened
    events.update_settings(db, event.id, {"matching_rule": "roles"})
    assert matching.data_version(db, events.get(db, event.id)) != seen[-1]
