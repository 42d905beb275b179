"""Matchmaking: who is suggested to whom, why, how balanced, and the table plan (services)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kiosk import attendees, demo, events, matching
from kiosk import db as kdb
from kiosk.attendees import AttendeeData
from kiosk.matching import current as matching_current
from kiosk.text import fold, is_yes, split_list

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


def _check_in(db: Any, attendee_id: int) -> None:
    with kdb.transaction(db):
        db["attendees"].update(attendee_id, {"checked_in_at": kdb.now()})


def _ids(suggestions: list[matching.Suggestion]) -> list[int]:
    return [s.attendee_id for s in suggestions]


def _fold_org(value: str) -> str:
    return "".join(c for c in fold(value) if c.isalnum())


# -- comparing interests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Praktikumsplatz", "Praktikumsplätze"),
        ("Ausbildungsplatz", "Ausbildungsplätze"),
        ("Auszubildende", "Auszubildender"),
        ("Auszubildende", "Auszubildenden"),
        ("Azubi-Sharing", "azubi sharing"),
        ("Azubi-Sharing", "AzubiSharing"),
        ("Praktikumsplätze", "Praktikumsplaetze"),
        ("Elektroniker/in", "Elektroniker"),
        ("Kaufmann/-frau für Büromanagement", "Kaufmann für Büromanagement"),
        ("Medizinische/r Fachangestellte/r", "Medizinischer Fachangestellter"),
        ("Lehrer:innen", "Lehrer"),
        ("Azubis", "Azubi"),
    ],
)
def test_term_key_treats_spellings_as_one(a: str, b: str) -> None:
    assert matching.term_key(a) == matching.term_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lehre", "Lehrer"),
        ("Schule", "Schüler"),
        ("Inklusion", "Integration"),
        ("Schule/Beruf", "Schule"),
    ],
)
def test_term_key_keeps_different_words_apart(a: str, b: str) -> None:
    assert matching.term_key(a) != matching.term_key(b)


def test_synonyms_parse_and_format_round_trip() -> None:
    parsed = matching.parse_synonyms(
        "BO = Berufsorientierung\nAzubis, Lehrlinge = Auszubildende\n\nx"
    )
    assert parsed == {
        "BO": "Berufsorientierung",
        "Azubis": "Auszubildende",
        "Lehrlinge": "Auszubildende",
    }
    # An alias that already folds to its meaning needs no line.
    assert matching.parse_synonyms("Praktikumsplatz = Praktikumsplätze") == {}
    assert matching.parse_synonyms(matching.format_synonyms(parsed)) == parsed


def test_synonym_of_the_event_makes_a_shared_interest(db, event) -> None:
    a = _person(db, event, "Ada", "Schule A", interests=["BO"])
    b = _person(db, event, "Ben", "Betrieb B", interests=["Berufsorientierung"])
    _person(db, event, "Cem", "Betrieb C", interests=["Inklusion"])
    before = matching.for_attendee(db, event, a["id"])
    assert not any(r.kind == "shared_interest" for s in before for r in s.reasons)

    events.update_settings(db, event.id, {"synonyms": {"BO": "Berufsorientierung"}})
    after = matching.for_attendee(db, event, a["id"])
    assert after[0].attendee_id == b["id"]
    shared = [r for r in after[0].reasons if r.kind == "shared_interest"]
    assert shared == [matching.Reason("shared_interest", ("Berufsorientierung",))]


# -- who may be suggested ------------------------------------------------------------------------


@pytest.fixture
def demo_event(db) -> events.Event:
    event, _ = demo.ensure_demo(db)
    return event


def test_demo_never_suggests_without_consent_or_within_an_organisation(db, demo_event) -> None:
    everyone = {a["id"]: a for a in attendees.list_for_event(db, demo_event.id)}
    result = matching.for_everybody(db, demo_event)
    assert result.model.n == sum(1 for a in everyone.values() if a["consent_matchmaking"])
    pairs = 0
    for i, items in enumerate(result.lists):
        me = everyone[result.model.profiles[i].id]
        for j, _ in items:
            other = everyone[result.model.profiles[j].id]
            assert me["consent_matchmaking"] and other["consent_matchmaking"]
            assert _fold_org(me["organisation"]) != _fold_org(other["organisation"])
            pairs += 1
    assert pairs > 0
    refused = next(a for a in everyone.values() if not a["consent_matchmaking"])
    assert matching.for_attendee(db, demo_event, refused["id"]) == []


def test_same_organisation_is_compared_folded(db, event) -> None:
    a = _person(db, event, "Ada", "Jobcenter Stadt Kassel", interests=["Inklusion"])
    _person(db, event, "Ben", "JOBCENTER  stadt kassel", interests=["Inklusion"])
    c = _person(db, event, "Cem", "Caritas", interests=["Inklusion"])
    assert _ids(matching.for_attendee(db, event, a["id"])) == [c["id"]]


def test_cancelled_and_non_consenting_people_are_not_suggested(db, event) -> None:
    a = _person(db, event, "Ada", "A", interests=["Inklusion"])
    no = _person(db, event, "Ben", "B", interests=["Inklusion"], consent_matchmaking=False)
    gone = _person(db, event, "Cem", "C", interests=["Inklusion"])
    with kdb.transaction(db):
        db["attendees"].update(gone["id"], {"status": "cancelled"})
    ok = _person(db, event, "Dora", "D", interests=["Inklusion"])
    assert _ids(matching.for_attendee(db, event, a["id"])) == [ok["id"]]
    assert matching.for_attendee(db, event, no["id"]) == []


def test_demo_everyone_with_three_eligible_gets_three(db, demo_event) -> None:
    result = matching.for_everybody(db, demo_event, 5)
    model = result.model
    orgs = Counter(_fold_org(p.organisation) for p in model.profiles)
    for i, p in enumerate(model.profiles):
        eligible = model.n - orgs[_fold_org(p.organisation)]
        if eligible >= matching.MIN_SUGGESTIONS:
            assert len(result.lists[i]) >= matching.MIN_SUGGESTIONS, p.name


def test_demo_balance_bound_holds_and_everybody_is_suggested(db, demo_event) -> None:
    result = matching.for_everybody(db, demo_event, 5)
    appearances = Counter(j for items in result.lists for j, _ in items)
    assert max(appearances.values()) <= result.bound
    # Lists of 5 in a room of peers: 1.5 x 5, rounded up, unless demand is concentrated.
    assert result.bound >= 8
    assert result.overflow == 0
    assert set(appearances) == set(range(result.model.n)), "someone is suggested to nobody"


def test_bound_follows_concentrated_demand() -> None:
    import numpy as np

    peers = np.full(100, 10.0)
    assert matching.bound_for(peers, 10) == 15
    fair = np.concatenate([np.full(40, 180.0), np.full(1500, 0.2)])
    assert matching.bound_for(fair, 5) >= 200


# -- ranking ---------------------------------------------------------------------------------------


def test_planted_complementary_pair_finds_each_other_first(db, demo_event) -> None:
    offer = _person(db, demo_event, "Olga", "Holzbau Olga GmbH", offers=["Azubi-Tauschbörse Holz"])
    seek = _person(db, demo_event, "Sami", "Förderschule Sami", seeks=["Azubi-Tauschbörsen Holz"])
    mine = matching.for_attendee(db, demo_event, offer["id"])
    theirs = matching.for_attendee(db, demo_event, seek["id"])
    assert mine[0].attendee_id == seek["id"]
    assert theirs[0].attendee_id == offer["id"]
    assert theirs[0].reasons[0].kind == "offers_what_you_seek"
    assert mine[0].reasons[0].kind == "seeks_what_you_offer"
    assert mine[0].reasons[0].items[0] in ("Azubi-Tauschbörse Holz", "Azubi-Tauschbörsen Holz")


def test_present_people_outrank_absent_equals(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Inklusion", "Mentoring"])
    absent = _person(db, event, "Ben", "B", interests=["Inklusion", "Mentoring"])
    present = _person(db, event, "Cem", "C", interests=["Inklusion", "Mentoring"])
    _person(db, event, "Dora", "D", interests=["Sprachförderung"])
    _check_in(db, present["id"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found)[:2] == [present["id"], absent["id"]]
    assert matching.Reason("here_now") in found[0].reasons
    assert matching.Reason("here_now") not in found[1].reasons


def test_rare_shared_interest_beats_a_common_one(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Azubi-Sharing", "Berufsorientierung"])
    rare = _person(db, event, "Ben", "B", interests=["Azubi-Sharing"])
    common = _person(db, event, "Cem", "C", interests=["Berufsorientierung"])
    for k in range(6):
        _person(db, event, f"Filler{k}", f"F{k}", interests=["Berufsorientierung"])
    assert _ids(matching.for_attendee(db, event, me["id"]))[0] == rare["id"]
    assert common["id"] in _ids(matching.for_attendee(db, event, me["id"]))


def test_offer_for_a_seek_weighs_more_than_a_shared_topic(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Inklusion"], seeks=["Praktikumsplätze"])
    topic = _person(db, event, "Ben", "B", interests=["Inklusion"])
    offers = _person(db, event, "Cem", "C", offers=["Praktikumsplatz"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found)[:2] == [offers["id"], topic["id"]]
    assert found[0].reasons[0] == matching.Reason("offers_what_you_seek", ("Praktikumsplatz",))


def test_other_project_is_preferred_over_own_project(db, event) -> None:
    me = _person(db, event, "Ada", "A", project="OloV", interests=["Inklusion"])
    same = _person(db, event, "Ben", "B", project="olov", interests=["Inklusion"])
    other = _person(db, event, "Cem", "C", project="Praxistage", interests=["Inklusion"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found) == [other["id"], same["id"]]
    assert matching.Reason("other_project", ("Praxistage",)) in found[0].reasons
    assert all(r.kind != "other_project" for r in found[1].reasons)


def _contact(db: Any, event: events.Event, a: int, b: int) -> None:
    with kdb.transaction(db):
        for owner, other in ((a, b), (b, a)):
            db["contacts"].insert(
                {
                    "event_id": event.id,
                    "owner_id": owner,
                    "other_id": other,
                    "created_at": kdb.now(),
                }
            )


def test_people_already_met_rank_below_new_faces(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Inklusion", "Mentoring", "Azubi-Sharing"])
    met = _person(db, event, "Ben", "B", interests=["Inklusion", "Mentoring", "Azubi-Sharing"])
    new = _person(db, event, "Cem", "C", interests=["Mentoring"])
    _contact(db, event, me["id"], met["id"])
    found = matching.for_attendee(db, event, me["id"])
    assert _ids(found) == [new["id"], met["id"]]
    assert matching.Reason("met_before") in found[1].reasons


def test_a_contact_at_an_earlier_event_of_the_network_counts_as_met(db) -> None:
    earlier = events.create(db, "Treffen 1", event_date="2026-03-01", network="Nordhessen")
    a1 = _person(db, earlier, "Ada", "A", email="ada@a.example")
    b1 = _person(db, earlier, "Ben", "B", email="ben@b.example")
    _contact(db, earlier, a1["id"], b1["id"])
    later = events.create(db, "Treffen 2", event_date="2026-06-01", network="Nordhessen")
    a2 = _person(db, later, "Ada", "A", email="ada@a.example", interests=["Inklusion", "Mentoring"])
    b2 = _person(db, later, "Ben", "B", email="ben@b.example", interests=["Inklusion", "Mentoring"])
    c2 = _person(db, later, "Cem", "C", interests=["Mentoring"])
    assert _ids(matching.for_attendee(db, later, a2["id"])) == [c2["id"], b2["id"]]
    # Another network's history does not count.
    other = events.create(db, "Woanders", event_date="2026-06-01", network="Südhessen")
    a3 = _person(db, other, "Ada", "A", email="ada@a.example", interests=["Inklusion"])
    b3 = _person(db, other, "Ben", "B", email="ben@b.example", interests=["Inklusion"])
    _person(db, other, "Cem", "C", interests=["Elternarbeit"])
    assert _ids(matching.for_attendee(db, other, a3["id"]))[0] == b3["id"]


def test_feedback_met_moves_below_and_not_a_fit_removes_for_good(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Inklusion", "Mentoring"])
    b = _person(db, event, "Ben", "B", interests=["Inklusion", "Mentoring"])
    c = _person(db, event, "Cem", "C", interests=["Inklusion"])
    d = _person(db, event, "Dora", "D", interests=["Mentoring"])
    _person(db, event, "Emil", "E", interests=["Elternarbeit"])  # nothing in common: never
    assert _ids(matching.for_attendee(db, event, me["id"]))[0] == b["id"]
    assert sorted(_ids(matching.for_attendee(db, event, me["id"]))) == [b["id"], c["id"], d["id"]]

    matching.record_feedback(db, event, me["id"], b["id"], "met")
    assert _ids(matching.for_attendee(db, event, me["id"]))[-1] == b["id"]

    matching.record_feedback(db, event, me["id"], c["id"], "not_a_fit")
    assert c["id"] not in _ids(matching.for_attendee(db, event, me["id"]))
    # Not a fit works both ways: Cem is not sent to Ada either.
    assert me["id"] not in _ids(matching.for_attendee(db, event, c["id"]))
    assert matching.feedback_of(db, me["id"]) == {b["id"]: "met", c["id"]: "not_a_fit"}


def test_feedback_is_checked(db, event) -> None:
    me = _person(db, event, "Ada", "A")
    other_event = events.create(db, "Anderes Treffen")
    stranger = _person(db, other_event, "Ben", "B")
    with pytest.raises(matching.MatchingError) as bad:
        matching.record_feedback(db, event, me["id"], stranger["id"], "met")
    assert bad.value.code == "not_found"
    with pytest.raises(matching.MatchingError) as verdict:
        matching.record_feedback(db, event, me["id"], me["id"], "great")
    assert verdict.value.code == "bad_verdict"


def test_deleting_an_attendee_removes_their_feedback(db, event) -> None:
    me = _person(db, event, "Ada", "A")
    other = _person(db, event, "Ben", "B")
    matching.record_feedback(db, event, me["id"], other["id"], "not_a_fit")
    attendees.delete(db, other["id"])
    assert kdb.rows(db, "SELECT * FROM suggestion_feedback") == []


# -- reasons ---------------------------------------------------------------------------------------


def test_demo_reasons_match_the_data(db, demo_event) -> None:
    result = matching.for_everybody(db, demo_event)
    by_id = {a["id"]: a for a in attendees.list_for_event(db, demo_event.id)}
    key = matching.term_key
    checked = Counter()
    for profile in result.model.profiles:
        me = by_id[profile.id]
        for s in result.suggestions(profile.id):
            other = by_id[s.attendee_id]
            for reason in s.reasons:
                items = {key(x) for x in reason.items}
                if reason.kind == "shared_interest":
                    assert items <= {key(x) for x in me["interests"]}
                    assert items <= {key(x) for x in other["interests"]}
                elif reason.kind == "offers_what_you_seek":
                    assert items <= {key(x) for x in me["seeks"]}
                    assert items <= {key(x) for x in other["offers"]}
                elif reason.kind == "seeks_what_you_offer":
                    assert items <= {key(x) for x in me["offers"]}
                    assert items <= {key(x) for x in other["seeks"]}
                elif reason.kind == "other_project":
                    assert reason.items == (other["project"],)
                    assert fold(me["project"]) != fold(other["project"])
                checked[reason.kind] += 1
            here = matching.Reason("here_now") in s.reasons
            assert here == bool(other["checked_in_at"])
            shared = {key(x) for x in me["interests"]} & {key(x) for x in other["interests"]}
            if shared:
                assert any(r.kind == "shared_interest" for r in s.reasons)
    assert {"shared_interest", "offers_what_you_seek", "seeks_what_you_offer"} <= set(checked)
    assert {"here_now", "other_project"} <= set(checked)


def test_reason_sentences_in_german_du_sie_and_english() -> None:
    reasons = (
        matching.Reason("shared_interest", ("Azubi-Sharing", "Inklusion")),
        matching.Reason("offers_what_you_seek", ("Praktikumsplätze",)),
        matching.Reason("here_now"),
        matching.Reason("same_project", ("OloV",)),
    )
    assert matching.reason_text(reasons, "de", name="Ben") == (
        "Sie interessieren sich beide für Azubi-Sharing und Inklusion. "
        "Ben bietet, was Sie suchen: Praktikumsplätze. Ben ist gerade da. "
        "Sie sind im selben Projekt (OloV), darum steht Ben weiter unten."
    )
    assert matching.reason_text(reasons, "de", "du", name="Ben") == (
        "Ihr interessiert euch beide für Azubi-Sharing und Inklusion. "
        "Ben bietet, was du suchst: Praktikumsplätze. Ben ist gerade da. "
        "Ihr seid im selben Projekt (OloV), darum steht Ben weiter unten."
    )
    assert matching.reason_text(reasons, "en", "du", name="Ben") == (
        "You are both interested in Azubi-Sharing and Inklusion. "
        "Ben offers what you are looking for: Praktikumsplätze. Ben is here now. "
        "You are in the same project (OloV), so Ben is further down."
    )
    # Every sentence of every form starts with a capital and ends with a full stop.
    for lang, address in (("de", "Sie"), ("de", "du"), ("en", "Sie")):
        texts = matching.texts_for(lang, address)
        for kind in texts.keys() - {"and", "someone"}:
            sentence = matching.reason_text([matching.Reason(kind, ("X",))], lang, address)
            assert sentence[0].isupper() and sentence.endswith("."), (lang, address, kind)


def test_top_for_print_gives_plain_lines(db, demo_event) -> None:
    person = next(
        a for a in attendees.list_for_event(db, demo_event.id) if a["consent_matchmaking"]
    )
    lines = matching.top_for_print(db, person)
    assert len(lines) == 3
    first = matching.for_attendee(db, demo_event, person["id"], 1)[0]
    assert lines[0].startswith(f"1. {first.name} ({first.organisation}): ")
    assert first.reason_text("de") in lines[0]


def test_the_slip_is_empty_without_consent_or_for_a_cancelled_registration(db, demo_event) -> None:
    consenting = [
        a for a in attendees.list_for_event(db, demo_event.id) if a["consent_matchmaking"]
    ]
    refused = next(
        a for a in attendees.list_for_event(db, demo_event.id) if not a["consent_matchmaking"]
    )
    assert matching.top_for_print(db, refused) == []
    cancelled = {**consenting[0], "status": "cancelled"}
    assert matching.top_for_print(db, cancelled) == []


def test_shown_suggestions_are_remembered_once_with_when_first(db, demo_event) -> None:
    person = next(
        a for a in attendees.list_for_event(db, demo_event.id) if a["consent_matchmaking"]
    )
    shown = matching.to_show(db, person, 3)
    again = matching.to_show(db, person, 3)
    assert [s.attendee_id for s in shown] == [s.attendee_id for s in again]
    rows = kdb.rows(
        db,
        "SELECT other_id, first_at FROM suggestions_shown WHERE attendee_id = ?",
        [person["id"]],
    )
    assert sorted(r["other_id"] for r in rows) == sorted(s.attendee_id for s in shown)
    assert len({r["first_at"] for r in rows}) == 1


# -- the training fair ---------------------------------------------------------------------------


def _import_fair(db: Any, event: events.Event, path: Path) -> None:
    """The fair through the import area; its "Einwilligung" column is the matchmaking consent."""
    try:
        from kiosk import importing
    except ImportError:
        importing = None
    if importing is not None:
        table = importing.read_file(path.read_bytes(), path.name)
        mapping = [
            "consent_matchmaking" if fold(h) == "einwilligung" else target
            for h, target in zip(table.header, importing.auto_mapping(table.header), strict=True)
        ]
        importing.run(db, event, table, mapping)
        return
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    with kdb.transaction(db):
        for values in rows:
            row = dict(zip(header, values, strict=False))
            attendees.create(
                db,
                event,
                AttendeeData(
                    first_name=row["Vorname"] or "",
                    last_name=row["Nachname"] or "",
                    email=row["E-Mail"] or "",
                    organisation=row["Organisation"] or "",
                    role=row["Rolle"] or "",
                    interests=split_list(row["Interessen"]),
                    offers=split_list(row["Bietet"]),
                    seeks=split_list(row["Sucht"]),
                    consent_matchmaking=is_yes(row["Einwilligung"]),
                ),
                how="test",
            )


@pytest.fixture(scope="module")
def fair(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The training fair imported once for this module's tests (read-only use)."""
    path = tmp_path_factory.mktemp("fair") / "kiosk.sqlite3"
    kdb.init(path)
    database = kdb.connect(path)
    event = events.create(database, "Ausbildungsmesse", network="Messe")
    _import_fair(database, event, FAIR)
    yield database, event, matching.for_everybody(database, event, 5)
    database.close()


def test_fair_pupils_get_companies_that_train_their_trades(fair) -> None:
    _, _, result = fair
    model = result.model
    assert model.n > 1000
    companies = [i for i, p in enumerate(model.profiles) if p.role == "Aussteller"]
    pupils = [i for i, p in enumerate(model.profiles) if p.role == "Besucher"]
    assert len(companies) == 40 and len(pupils) > 1000
    trained = set().union(*(model.profiles[i].offers for i in companies))
    served = 0
    for i in pupils:
        pupil = model.profiles[i]
        if not pupil.seeks & trained:
            continue
        first, _ = result.lists[i][0]
        company = model.profiles[first]
        assert company.role == "Aussteller", pupil.name
        assert company.offers & pupil.seeks
        served += 1
    assert served > 1000


def test_fair_companies_get_pupils_who_seek_their_trades(fair) -> None:
    _, _, result = fair
    model = result.model
    for i, company in enumerate(model.profiles):
        if company.role != "Aussteller":
            continue
        assert len(result.lists[i]) == 5
        for j, _ in result.lists[i]:
            pupil = model.profiles[j]
            assert pupil.role == "Besucher"
            assert pupil.seeks & company.offers
        first = result.suggestions(company.id, 1)[0]
        assert first.reasons[0].kind == "seeks_what_you_offer"


def test_fair_bound_spreads_pupils_over_companies(fair) -> None:
    _, _, result = fair
    model = result.model
    appearances = Counter(j for items in result.lists for j, _ in items)
    assert max(appearances.values()) <= result.bound
    assert result.overflow == 0
    companies = [i for i, p in enumerate(model.profiles) if p.role == "Aussteller"]
    # Every company is suggested to pupils, not only the few with the most popular trades.
    assert all(appearances[i] >= 10 for i in companies)
    for i, items in enumerate(result.lists):
        for j, _ in items:
            assert model.org[i] != model.org[j]  # never a classmate from one's own school


# -- table plans ---------------------------------------------------------------------------------


def _brunch(db: Any, event: events.Event, n: int) -> list[dict[str, Any]]:
    people = []
    topics = ["Inklusion", "Mentoring", "Azubi-Sharing", "Elternarbeit", "Sprachförderung"]
    for k in range(n):
        person = _person(
            db,
            event,
            f"P{k}",
            f"Organisation {k % 12}",
            project=f"Projekt {k % 5}",
            interests=[topics[k % 5], topics[(k * 3) % 5]],
            consent_matchmaking=k % 7 != 0,
        )
        _check_in(db, person["id"])
        people.append(person)
    return people


def test_table_plan_for_a_brunch_mixes_and_never_repeats(db, event) -> None:
    people = _brunch(db, event, 60)
    plan = matching.make_table_plan(db, event, 6, 3)
    org_of = {p["id"]: p["organisation"] for p in people}
    together: Counter[tuple[int, int]] = Counter()
    for tables in plan.rounds:
        assert sorted(len(t) for t in tables) == [6] * 10
        assert sorted(a for t in tables for a in t) == sorted(p["id"] for p in people)
        for table in tables:
            # 12 organisations of 5 people each: a table of 6 can always avoid doubles.
            assert len({org_of[a] for a in table}) == len(table)
            for x, a in enumerate(table):
                for b in table[x + 1 :]:
                    together[(min(a, b), max(a, b))] += 1
    assert max(together.values()) == 1
    assert plan.repeats == 0
    stored = matching.latest_table_plan(db, event)
    assert stored is not None and stored.rounds == plan.rounds and stored.table_size == 6


def test_table_plan_seats_only_people_present_unless_asked(db, event) -> None:
    here = [_person(db, event, f"H{k}", f"O{k}") for k in range(5)]
    for person in here:
        _check_in(db, person["id"])
    away = _person(db, event, "Away", "X")
    plan = matching.make_table_plan(db, event, 2, 1)
    seated = {a for t in plan.rounds[0] for a in t}
    assert seated == {p["id"] for p in here}
    assert sorted(len(t) for t in plan.rounds[0]) == [2, 3]
    everybody = matching.make_table_plan(db, event, 2, 1, who="all")
    assert away["id"] in {a for t in everybody.rounds[0] for a in t}


def test_table_plan_refuses_bad_sizes(db, event) -> None:
    with pytest.raises(matching.MatchingError) as few:
        matching.make_table_plan(db, event, 6, 3)
    assert few.value.code == "too_few_people"
    with pytest.raises(matching.MatchingError) as size:
        matching.make_table_plan(db, event, 1, 3)
    assert size.value.code == "bad_table_size"


def test_table_plan_for_300_at_a_fair_never_repeats(db, event) -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    n = 300
    org = rng.integers(0, 40, n)
    cost = matching.TABLE_SAME_ORG_COST * (org[:, None] == org[None, :]).astype(float)
    cost -= rng.random((n, n))
    cost = (cost + cost.T) / 2
    np.fill_diagonal(cost, 0)
    plan = matching.seat_rounds(cost, 6, 4)
    assert plan.repeats == 0
    assert all(sorted(len(t) for t in r) == [6] * 50 for r in plan.rounds)


def test_someone_who_checked_out_is_no_longer_here(db, event) -> None:
    me = _person(db, event, "Ada", "A", interests=["Inklusion"])
    left = _person(db, event, "Ben", "B", interests=["Inklusion"])
    _check_in(db, left["id"])
    assert matching.Reason("here_now") in matching.for_attendee(db, event, me["id"])[0].reasons
    with kdb.transaction(db):
        db["attendees"].update(left["id"], {"checked_out_at": kdb.now()})
    assert matching.Reason("here_now") not in matching.for_attendee(db, event, me["id"])[0].reasons


def test_a_slow_plan_is_reused_for_a_while_but_refusals_count_at_once(
    db, event, monkeypatch
) -> None:
    monkeypatch.setattr(matching_current, "LARGE_EVENT_PEOPLE", 3)  # as large as a big fair
    a = _person(db, event, "Ada", "A", interests=["Inklusion"])
    b = _person(db, event, "Ben", "B", interests=["Inklusion"])
    _person(db, event, "Cem", "C", interests=["Elternarbeit"])
    first = matching.current_plan(db, event)
    assert matching.current_plan(db, event) is first  # nothing changed
    first.build_seconds = 10 * matching.CHEAP_BUILD_SECONDS  # as slow as a big fair
    matching.record_feedback(db, event, a["id"], b["id"], "not_a_fit")
    assert matching.current_plan(db, event) is first
    assert b["id"] not in _ids(matching.for_attendee(db, event, a["id"]))
    # Someone who consented after the plan was made still gets suggestions at once.
    late = _person(db, event, "Dora", "D", interests=["Inklusion"])
    assert a["id"] in _ids(matching.for_attendee(db, event, late["id"]))
    second = matching.current_plan(db, event)
    assert second is not first
    # A cheap plan is rebuilt on every change.
    matching.record_feedback(db, event, a["id"], late["id"], "met")
    assert matching.current_plan(db, event) is not second


def test_a_small_events_plan_is_rebuilt_even_after_one_slow_build(db, event) -> None:
    # One slow build of a brunch's plan (a busy laptop) must not freeze "Passt nicht" for 30 s.
    a = _person(db, event, "Ada", "A", interests=["Inklusion"])
    b = _person(db, event, "Ben", "B", interests=["Inklusion"])
    c = _person(db, event, "Cem", "C", interests=["Inklusion"])
    first = matching.current_plan(db, event)
    first.build_seconds = 10 * matching.CHEAP_BUILD_SECONDS
    matching.record_feedback(db, event, a["id"], b["id"], "not_a_fit")
    assert matching.current_plan(db, event) is not first
    assert _ids(matching.for_attendee(db, event, a["id"])) == [c["id"]]
