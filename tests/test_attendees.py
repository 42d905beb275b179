"""Attendees: codes, secrets, create, update, consents, log, persons across events."""

import math
import re

import pytest

from kiosk import attendees, events
from kiosk.attendees import CODE_ALPHABET, AttendeeData


def anna(**changes) -> AttendeeData:
    values = dict(
        first_name="Anna",
        last_name="Müller",
        email="Anna.Mueller@ihk.example",
        organisation="IHK Kassel",
        organisation_type="Kammer",
        interests="Inklusion, Azubi-Sharing",
        consent_matchmaking=True,
    )
    values.update(changes)
    return AttendeeData(**values)


def test_badge_code_has_at_least_100_bits_and_no_y_or_z() -> None:
    codes = {attendees.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{20}}", c) for c in codes)
    assert "Y" not in CODE_ALPHABET and "Z" not in CODE_ALPHABET
    assert attendees.CODE_LENGTH * math.log2(len(CODE_ALPHABET)) >= 100


def test_create_stores_cleaned_values_and_a_separate_secret(db, event) -> None:
    a = attendees.create(db, event, anna(first_name="  Anna\u202e "), how="test")
    assert a["first_name"] == "Anna"
    assert a["email"] == "anna.mueller@ihk.example"
    assert a["interests"] == ["Inklusion", "Azubi-Sharing"]
    assert a["secret"] != a["code"] and a["code"] not in a["secret"]
    assert a["consent_matchmaking"] is True and a["consent_share_contact"] is None
    assert a["consent_matchmaking_how"] == "test" and a["consent_matchmaking_at"]


def test_create_refuses_a_person_without_name(db, event) -> None:
    with pytest.raises(attendees.AttendeeError) as info:
        attendees.create(db, event, AttendeeData(email="x@y.example"), how="test")
    assert info.value.code == "name_missing"


def test_create_and_update_refuse_an_email_mail_cannot_reach(db, event) -> None:
    with pytest.raises(attendees.AttendeeError) as info:
        attendees.create(db, event, anna(email="anna@@ihk"), how="test")
    assert info.value.problems == [("email", "email_invalid")]
    a = attendees.create(db, event, anna(), how="test")
    with pytest.raises(attendees.AttendeeError) as info:
        attendees.update(db, a["id"], anna(first_name="", last_name="", email="x y"), how="t")
    assert info.value.problems == [("first_name", "name_missing"), ("email", "email_invalid")]
    assert attendees.get(db, a["id"])["email"] == "anna.mueller@ihk.example"


def test_in_event_finds_only_attendees_of_that_event(db, event) -> None:
    a = attendees.create(db, event, anna(), how="test")
    assert attendees.in_event(db, event.id, a["id"])["id"] == a["id"]
    other = events.create(db, "Anderes Treffen")
    with pytest.raises(attendees.AttendeeError) as info:
        attendees.in_event(db, other.id, a["id"])
    assert info.value.code == "other_event"
    with pytest.raises(attendees.AttendeeError) as info:
        attendees.in_event(db, event.id, 999_999)
    assert info.value.code == "not_found"


def test_set_consents_writes_and_logs_only_what_changed(db, event) -> None:
    a = attendees.create(db, event, anna(), how="test")  # matchmaking yes, sharing never asked
    wanted = {"matchmaking": True, "share_contact": False}
    updated, changed = attendees.set_consents(db, a["id"], wanted, how="own page")
    assert changed == [] and updated["consent_share_contact"] is None
    wanted = {"matchmaking": False, "share_contact": True}
    updated, changed = attendees.set_consents(db, a["id"], wanted, how="own page")
    assert changed == ["matchmaking", "share_contact"]
    assert updated["consent_matchmaking"] is False and updated["consent_share_contact"] is True
    logged = [e["action"] for e in attendees.history(db, a["id"])]
    assert logged == ["created", "consent_withdrawn", "consent_given"]


def test_update_reports_changed_fields_and_logs_them(db, event) -> None:
    a = attendees.create(db, event, anna(), how="test")
    _, changed = attendees.update(db, a["id"], anna(), how="test")
    assert changed == []
    updated, changed = attendees.update(db, a["id"], anna(role="Ausbildungsberaterin"), how="test")
    assert changed == ["role"] and updated["role"] == "Ausbildungsberaterin"
    actions = [e["action"] for e in attendees.history(db, a["id"])]
    assert actions == ["created", "edited"]


def test_consent_can_be_withdrawn_and_the_log_keeps_when_and_how(db, event) -> None:
    a = attendees.create(db, event, anna(), how="import")
    after = attendees.set_consent(db, a["id"], "matchmaking", False, how="own page")
    assert after["consent_matchmaking"] is False
    assert after["consent_matchmaking_how"] == "own page"
    last = attendees.history(db, a["id"])[-1]
    assert last["action"] == "consent_withdrawn" and last["detail"]["purpose"] == "matchmaking"


def test_log_is_append_only(db, event) -> None:
    a = attendees.create(db, event, anna(), how="test")
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE attendee_log SET action = 'x' WHERE attendee_id = ?", [a["id"]])


def test_same_person_is_recognised_at_a_later_event_of_the_network(db) -> None:
    spring = events.create(db, "Frühjahr", network="Netz")
    autumn = events.create(db, "Herbst", network="Netz")
    other = events.create(db, "Anderes", network="Anderes Netz")
    first = attendees.create(db, spring, anna(), how="test")
    again = attendees.create(db, autumn, anna(email="ANNA.MUELLER@ihk.example"), how="test")
    elsewhere = attendees.create(db, other, anna(), how="test")
    assert first["person_id"] == again["person_id"]
    assert elsewhere["person_id"] != first["person_id"]


def test_person_without_email_is_recognised_by_name_and_organisation(db) -> None:
    spring = events.create(db, "Frühjahr", network="Netz")
    autumn = events.create(db, "Herbst", network="Netz")
    first = attendees.create(db, spring, anna(email=""), how="test")
    again = attendees.create(db, autumn, anna(email="", last_name="Mueller"), how="test")
    other = attendees.create(db, autumn, anna(email="", organisation="HWK Kassel"), how="test")
    assert first["person_id"] == again["person_id"] != other["person_id"]


@pytest.mark.parametrize(
    "scanned",
    [
        "{code}",
        "{lower}",
        "http://kiosk.test/b/{code}",
        "HTTPÖ--KIOSK.TEST-B-{code}",  # a QWERTZ scanner: ':' -> 'Ö', '/' -> '-'
        "httpsÖ--192.168.178.20Ö8000-b-{lower}",
        "  {code}\r\n",
    ],
)
def test_find_code_reads_every_shape_a_desk_receives(scanned: str) -> None:
    code = attendees.new_code()
    assert attendees.find_code(scanned.format(code=code, lower=code.lower())) == code


@pytest.mark.parametrize("scanned", ["", "hello", "ABC", "http://kiosk.test/b/", "Y" * 20])
def test_find_code_returns_none_without_a_code(scanned: str) -> None:
    assert attendees.find_code(scanned) is None


def test_search_finds_umlaut_variants(db, event) -> None:
    attendees.create(db, event, anna(), how="test")
    attendees.create(db, event, anna(first_name="Jan", last_name="Weiß", email=""), how="test")
    for query in ("Muller", "mueller", "MÜLLER", "anna m"):
        assert [a["last_name"] for a in attendees.list_for_event(db, event.id, query=query)] == [
            "Müller"
        ]
    assert len(attendees.list_for_event(db, event.id, query="weiss")) == 1
    assert attendees.list_for_event(db, event.id, query="%") == []


def test_list_sorts_by_last_name_with_diacritics_in_place(db, event) -> None:
    for last in ("Zimmermann", "Đorđević", "Öztürk", "Becker"):
        attendees.create(db, event, anna(last_name=last, email=""), how="test")
    names = [a["last_name"] for a in attendees.list_for_event(db, event.id)]
    assert names == ["Becker", "Đorđević", "Öztürk", "Zimmermann"]


def test_delete_removes_the_attendee_and_their_contacts(db, event) -> None:
    a = attendees.create(db, event, anna(), how="test")
    b = attendees.create(db, event, anna(first_name="Ben", email="ben@x.example"), how="test")
    db["contacts"].insert(
        {"event_id": event.id, "owner_id": b["id"], "other_id": a["id"], "created_at": "t"}
    )
    attendees.delete(db, a["id"])
    assert db["attendees"].count == 1
    assert db["contacts"].count == 0


def test_find_attendee_by_email_code_or_name(db, event) -> None:
    ada = attendees.create(
        db, event, AttendeeData(first_name="Ada", last_name="Test", email="ada@a.example"), how="t"
    )
    attendees.create(db, event, AttendeeData(first_name="Adam", last_name="Test"), how="t")
    assert attendees.find_attendee(db, event, "ADA@a.example")["id"] == ada["id"]
    url = f"http://kiosk.test/b/{ada['code']}"
    assert attendees.find_attendee(db, event, url)["id"] == ada["id"]
    assert attendees.find_attendee(db, event, "Ada Test")["id"] == ada["id"]
    with pytest.raises(attendees.AttendeeError) as many:
        attendees.find_attendee(db, event, "Test")
    assert many.value.code == "ambiguous_person"
    with pytest.raises(attendees.AttendeeError) as none:
        attendees.find_attendee(db, event, "Zacharias")
    assert none.value.code == "unknown_person"


def test_how_someone_takes_part_is_read_from_the_words_people_use(db, event) -> None:
    for said, stored in (
        ("Vor Ort", "on-site"),
        ("Präsenz", "on-site"),
        ("digital", "online"),
        ("Online", "online"),
        ("vielleicht", ""),
    ):
        person = attendees.create(
            db, event, AttendeeData(first_name=said, last_name="X", attendance=said), how="t"
        )
        assert person["attendance"] == stored, said
