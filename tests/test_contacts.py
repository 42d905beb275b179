"""Contacts: swapping both ways, what consent lets each side see, notes, vCards, desk swap mode."""

from __future__ import annotations

import re

import pytest
import vobject

from kiosk import attendees, contacts, desks, events, privacy
from kiosk import db as kdb
from kiosk.contacts import ContactError


def person(db, event, first, last, *, share=None, **extra):
    data = attendees.AttendeeData(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.org",
        phone="0561 12345",
        organisation=extra.pop("organisation", f"Org {last}"),
        project=extra.pop("project", "Übergang Schule–Beruf"),
        consent_share_contact=share,
        **extra,
    )
    return attendees.create(db, event, data, how="test")


@pytest.fixture
def anna(db, event):
    return person(db, event, "Anna", "Müller", share=True)


@pytest.fixture
def ben(db, event):
    return person(db, event, "Ben", "Öztürk", share=False)


def contact_rows(db):
    return kdb.rows(db, "SELECT owner_id, other_id, how FROM contacts ORDER BY owner_id")


# -- swap ----------------------------------------------------------------------------------------


def test_swap_records_the_contact_for_both(db, event, anna, ben) -> None:
    assert contacts.swap(db, event, anna["id"], ben["id"], how="phone") is True
    assert contact_rows(db) == [
        {"owner_id": anna["id"], "other_id": ben["id"], "how": "phone"},
        {"owner_id": ben["id"], "other_id": anna["id"], "how": "phone"},
    ]
    actions = [e["action"] for e in attendees.history(db, ben["id"])]
    assert actions.count("contact_added") == 1


def test_swap_again_is_idempotent_from_either_side(db, event, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    assert contacts.swap(db, event, anna["id"], ben["id"], how="phone") is False
    assert contacts.swap(db, event, ben["id"], anna["id"], how="desk") is False
    assert len(contact_rows(db)) == 2


def test_swap_state_says_what_a_phone_may_do_with_a_badge(db, event, anna, ben) -> None:
    assert contacts.swap_state(db, None, ben) == "anonymous"
    assert contacts.swap_state(db, anna, anna) == "self"
    assert contacts.swap_state(db, anna, ben) == "can_save"
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    assert contacts.swap_state(db, anna, ben) == "saved"
    elsewhere = events.create(db, "Anderes Treffen")
    stranger = attendees.create(db, elsewhere, attendees.AttendeeData(first_name="Cem"), how="test")
    assert contacts.swap_state(db, anna, stranger) == "other_event"


def test_swap_with_oneself_is_refused(db, event, anna) -> None:
    with pytest.raises(ContactError) as info:
        contacts.swap(db, event, anna["id"], anna["id"], how="phone")
    assert info.value.code == "self"


def test_swap_across_events_is_refused(db, event, anna) -> None:
    other_event = events.create(db, "Anderes Treffen")
    stranger = person(db, other_event, "Cem", "Yilmaz")
    with pytest.raises(ContactError) as info:
        contacts.swap(db, event, anna["id"], stranger["id"], how="phone")
    assert info.value.code == "other_event"
    assert contact_rows(db) == []


def test_swap_with_unknown_attendee_is_refused(db, event, anna) -> None:
    with pytest.raises(ContactError) as info:
        contacts.swap(db, event, anna["id"], 9999, how="phone")
    assert info.value.code == "not_found"


# -- the consent matrix ----------------------------------------------------------------------


MATRIX = [(True, True), (True, False), (False, True), (False, False), (None, True)]


@pytest.mark.parametrize(("a_shares", "b_shares"), MATRIX)
def test_each_side_sees_contact_details_only_if_the_other_shares(
    db, event, a_shares, b_shares
) -> None:
    a = person(db, event, "Anna", "Müller", share=a_shares)
    b = person(db, event, "Ben", "Öztürk", share=b_shares)
    contacts.swap(db, event, a["id"], b["id"], how="phone")
    [seen_by_a] = contacts.list_for(db, a["id"])
    [seen_by_b] = contacts.list_for(db, b["id"])
    assert seen_by_a["name"] == "Ben Öztürk" and seen_by_b["name"] == "Anna Müller"
    assert seen_by_a["organisation"] == "Org Öztürk" and seen_by_a["project"]
    assert (seen_by_a["email"], seen_by_a["phone"]) == (
        ("ben@example.org", "0561 12345") if b_shares else ("", "")
    )
    assert (seen_by_b["email"], seen_by_b["phone"]) == (
        ("anna@example.org", "0561 12345") if a_shares else ("", "")
    )
    assert seen_by_a["shares"] is bool(b_shares) and seen_by_b["shares"] is bool(a_shares)


@pytest.mark.parametrize(("a_shares", "b_shares"), MATRIX)
def test_own_pages_follow_the_consent_matrix(db, event, client, a_shares, b_shares) -> None:
    a = person(db, event, "Anna", "Müller", share=a_shares)
    b = person(db, event, "Ben", "Öztürk", share=b_shares)
    contacts.swap(db, event, a["id"], b["id"], how="phone")
    page_a = client.get(f"/me/{a['secret']}").get_data(as_text=True)
    page_b = client.get(f"/me/{b['secret']}").get_data(as_text=True)
    assert "Ben Öztürk" in page_a and "Anna Müller" in page_b
    assert ("ben@example.org" in page_a) is bool(b_shares)
    assert ("anna@example.org" in page_b) is bool(a_shares)
    # Each always sees their own details.
    assert "anna@example.org" in page_a and "ben@example.org" in page_b


def test_withdrawing_consent_hides_details_at_once(db, event, client, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    assert contacts.list_for(db, ben["id"])[0]["email"] == "anna@example.org"
    response = client.post(f"/me/{anna['secret']}/consents", data={})
    assert response.status_code == 303
    assert contacts.list_for(db, ben["id"])[0]["email"] == ""
    withdrawn = attendees.get(db, anna["id"])
    assert withdrawn["consent_share_contact"] is False
    assert withdrawn["consent_share_contact_how"] == "own page"
    assert "anna@example.org" not in client.get(f"/me/{ben['secret']}").get_data(as_text=True)


# -- notes and removal -----------------------------------------------------------------------


def test_note_is_private_to_its_owner(db, event, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    [mine] = contacts.list_for(db, anna["id"])
    saved = contacts.set_note(db, anna["id"], mine["id"], "Praktikum\n\n\n\nim Mai\x07 anfragen")
    assert saved["note"] == "Praktikum\n\nim Mai anfragen"
    assert contacts.list_for(db, ben["id"])[0]["note"] == ""
    with pytest.raises(ContactError) as info:
        contacts.set_note(db, ben["id"], mine["id"], "fremd")
    assert info.value.code == "not_found"
    assert contacts.get(db, anna["id"], mine["id"])["note"] == "Praktikum\n\nim Mai anfragen"


def test_note_is_capped() -> None:
    assert len(contacts.clean_note("x" * 5000)) == contacts.MAX_NOTE_LENGTH


def test_remove_takes_the_contact_off_ones_own_list_only(db, event, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    [mine] = contacts.list_for(db, anna["id"])
    with pytest.raises(ContactError):
        contacts.remove(db, ben["id"], mine["id"])
    contacts.remove(db, anna["id"], mine["id"])
    assert contacts.list_for(db, anna["id"]) == []
    assert [c["name"] for c in contacts.list_for(db, ben["id"])] == ["Anna Müller"]
    assert not contacts.has_contact(db, anna["id"], ben["id"])
    assert contacts.has_contact(db, ben["id"], anna["id"])


def test_deleting_an_attendee_deletes_their_contacts_both_ways(db, event, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    attendees.delete(db, anna["id"])
    assert contact_rows(db) == []


# -- vCards ----------------------------------------------------------------------------------

TRICKY = {
    "other_id": 7,
    "first_name": "Zoë",
    "last_name": "Groß-Đorđević",
    "name": "Zoë Groß-Đorđević",
    "organisation": "Schule Nord; Kassel, \\ Außenstelle",
    "project": ", ".join(["Übergang Schule–Beruf; Werkstatt"] * 4),
    "role": "Lehrerin",
    "email": "zoe@example.org",
    "phone": "+49 561 123 45",
    "note": "Praktikum im Mai\nAnrufen; nicht mailen, danke \\o/",
}


def test_vcard_parses_back_with_names_escaping_and_folding_intact() -> None:
    text = contacts.vcard_one(TRICKY, event_name="Netzwerkbrunch Kassel")
    raw_lines = text.split("\r\n")
    assert raw_lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"] and raw_lines[-1] == ""
    assert all(len(line.encode("utf-8")) <= 75 for line in raw_lines)
    assert any(line.startswith(" ") for line in raw_lines), "long ORG line must be folded"
    assert "\n" not in text.replace("\r\n", "")
    card = vobject.readOne(text)
    assert card.n.value.family == "Groß-Đorđević" and card.n.value.given == "Zoë"
    assert card.fn.value == "Zoë Groß-Đorđević"
    assert card.org.value == [TRICKY["organisation"], TRICKY["project"]]
    assert card.title.value == "Lehrerin"
    assert card.email.value == "zoe@example.org"
    assert card.tel.value == "+49 561 123 45"
    assert card.note.value == "Kennengelernt bei: Netzwerkbrunch Kassel\n" + TRICKY["note"]


def test_vcard_of_all_contacts_holds_one_card_each(db, event, anna, ben) -> None:
    cem = person(db, event, "Cem", "Çelik", share=True)
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    contacts.swap(db, event, anna["id"], cem["id"], how="desk")
    cards = list(vobject.readComponents(contacts.vcard(contacts.list_for(db, anna["id"]))))
    by_name = {c.fn.value: c for c in cards}
    assert set(by_name) == {"Ben Öztürk", "Cem Çelik"}
    # Ben does not share: his card has no e-mail and no phone.
    assert "email" not in by_name["Ben Öztürk"].contents
    assert "tel" not in by_name["Ben Öztürk"].contents
    assert by_name["Cem Çelik"].email.value == "cem@example.org"


def test_vcard_filename_is_plain() -> None:
    assert contacts.vcard_filename("Jürgen Groß") == "jurgen-gross.vcf"
    assert contacts.vcard_filename("Ça; va/../x") == "ca-va-x.vcf"
    assert contacts.vcard_filename("") == "kontakt.vcf"


# -- the desk's swap mode --------------------------------------------------------------------


def test_desk_pairs_two_badges_within_the_window(db, event, anna, ben) -> None:
    first = contacts.desk_scan(db, event, anna["code"], None, desk="Eingang", now=1000.0)
    assert first.first is None and first.pending == {"attendee_id": anna["id"], "at": 1000.0}
    url = f"https://kiosk.example/b/{ben['code'].lower()}"
    second = contacts.desk_scan(db, event, url, first.pending, desk="Eingang", now=1029.0)
    assert second.first["id"] == anna["id"] and second.attendee["id"] == ben["id"]
    assert second.created is True and second.pending is None
    assert contact_rows(db) == [
        {"owner_id": anna["id"], "other_id": ben["id"], "how": "desk"},
        {"owner_id": ben["id"], "other_id": anna["id"], "how": "desk"},
    ]


def test_desk_starts_afresh_after_thirty_seconds(db, event, anna, ben) -> None:
    first = contacts.desk_scan(db, event, anna["code"], None, desk="", now=1000.0)
    late = contacts.desk_scan(db, event, ben["code"], first.pending, desk="", now=1031.0)
    assert late.expired is True and late.first is None
    assert late.pending["attendee_id"] == ben["id"]
    assert contact_rows(db) == []
    assert contacts.pending_attendee(db, late.pending, now=1031.0 + 31) is None
    assert contacts.pending_attendee(db, late.pending, now=1031.0 + 29)["id"] == ben["id"]


def test_desk_refuses_the_same_badge_twice_and_unknown_badges(db, event, anna) -> None:
    first = contacts.desk_scan(db, event, anna["code"], None, desk="", now=0.0)
    with pytest.raises(ContactError) as info:
        contacts.desk_scan(db, event, anna["code"], first.pending, desk="", now=1.0)
    assert info.value.code == "same_badge"
    with pytest.raises(ContactError) as info:
        contacts.desk_scan(db, event, "0" * 20, None, desk="", now=1.0)
    assert info.value.code == "unknown_code"
    with pytest.raises(ContactError) as info:
        contacts.desk_scan(db, event, "hallo", None, desk="", now=1.0)
    assert info.value.code == "no_code"
    other_event = events.create(db, "Anderes Treffen")
    stranger = person(db, other_event, "Cem", "Yilmaz")
    with pytest.raises(ContactError) as info:
        contacts.desk_scan(db, event, stranger["code"], None, desk="", now=1.0)
    assert info.value.code == "unknown_code"


@pytest.fixture
def desk(db, client):
    """A client enabled as the desk 'Eingang'."""
    enabled = desks.add(db, "Eingang")
    with client.session_transaction() as session:
        session["role"] = "desk"
        session["desk"] = enabled["name"]
        session["desk_id"] = enabled["id"]
    return client


def test_desk_swap_page_needs_a_desk(client, event) -> None:
    response = client.get("/desk/swap")
    assert response.status_code == 302 and "/login" in response.location
    assert client.post("/desk/swap", data={"code": "x"}).status_code == 302


def test_desk_swap_route_shows_both_names(db, event, desk, anna, ben) -> None:
    response = desk.post("/desk/swap", data={"code": anna["code"]})
    assert response.status_code == 303
    page = desk.get("/desk/swap").get_data(as_text=True)
    assert "Anna Müller" in page and "zweiten Badge" in page
    response = desk.post("/desk/swap", data={"code": ben["code"]}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="swap-panel"')
    assert "Kontakt gespeichert" in html and "Anna Müller" in html and "Ben Öztürk" in html
    assert "teilt E-Mail und Telefon" in html and "teilt nur Name" in html
    assert contacts.has_contact(db, anna["id"], ben["id"])
    assert contacts.has_contact(db, ben["id"], anna["id"])
    [row] = kdb.rows(db, "SELECT desk FROM contacts WHERE owner_id = ?", [anna["id"]])
    assert row["desk"] == "Eingang"
    # The next scan starts a new pair.
    again = desk.post("/desk/swap", data={"code": ben["code"]}, headers={"HX-Request": "true"})
    assert "zweiten Badge" in again.get_data(as_text=True)


def test_desk_swap_route_expires_and_cancels(db, event, desk, anna, ben) -> None:
    with desk.session_transaction() as session:
        session["swap_pending"] = {"attendee_id": anna["id"], "at": 0.0}
    desk.post("/desk/swap", data={"code": ben["code"]})
    page = desk.get("/desk/swap").get_data(as_text=True)
    assert "neu begonnen" in page and "1. Ben Öztürk" in page
    assert contact_rows(db) == []
    desk.post("/desk/swap/cancel")
    page = desk.get("/desk/swap").get_data(as_text=True)
    assert "Ben Öztürk" not in page and "Erster Badge" in page


def test_desk_swap_route_reports_an_unknown_badge(event, desk) -> None:
    html = desk.post(
        "/desk/swap", data={"code": "1" * 20}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Unbekannter Badge" in html


# -- the privacy notice ----------------------------------------------------------------------


def test_default_privacy_notice_is_made_from_the_event(db, event) -> None:
    event = events.update_settings(db, event.id, {"retention_days": 45})
    text = privacy.notice(event)
    assert "Netzwerkbrunch Test" in text and "22.11.2026" in text and "Testnetz" in text
    assert "45 Tage" in text and privacy.needs_editing(event)
    for heading in ("verantwortlich", "Wofür", "teilen", "Wie lange", "Rechte"):
        assert re.search(rf"^## .*{heading}", text, re.MULTILINE | re.IGNORECASE), heading
    english = privacy.notice(event, "en")
    assert "Who is responsible?" in english and "45 days" in english
    assert "22 Nov 2026" in english


def test_the_notice_never_shows_a_placeholder_and_names_the_controller(db, event) -> None:
    legacy = "## Wer?\nVerantwortlich: [bitte eintragen: Name, Anschrift und E-Mail]"
    event = events.update_settings(db, event.id, {"privacy_notice": legacy})
    for lang in ("de", "en"):
        assert "[" not in privacy.notice(event, lang)
    assert "Orga-Team" in privacy.notice(event)
    with pytest.raises(events.EventError) as info:
        events.update_settings(db, event.id, {"controller_email": "keine-adresse"})
    assert info.value.code == "bad_controller_email"
    event = events.update_settings(
        db,
        event.id,
        {
            "controller_name": "Bildungswerk Nord e. V.",
            "controller_address": "Hauptstr. 1\r\n34117 Kassel",
            "controller_email": "datenschutz@bildungswerk.example",
        },
    )
    assert not privacy.needs_editing(event)
    expected = "Bildungswerk Nord e. V., Hauptstr. 1, 34117 Kassel"
    assert expected in privacy.notice(event)  # the placeholder of the organiser's text
    event = privacy.set_notice(db, event, "")
    assert f"{expected}, E-Mail: datenschutz@bildungswerk.example" in privacy.notice(event)
    assert f"{expected}, e-mail: datenschutz@bildungswerk.example" in privacy.notice(event, "en")


def test_privacy_notice_is_stored_and_the_unchanged_default_is_not(db, event) -> None:
    event = privacy.set_notice(db, event, privacy.default_notice(event))
    assert event.settings["privacy_notice"] == ""
    event = privacy.set_notice(db, event, "## Verantwortlich\r\nVerein X, Kassel  \r\n")
    assert event.settings["privacy_notice"] == "## Verantwortlich\nVerein X, Kassel"
    assert privacy.notice(event) == "## Verantwortlich\nVerein X, Kassel"
    assert "Who is responsible?" in privacy.notice(event, "en")  # English keeps its default
    event = privacy.set_notice(db, event, "## Controller\nVerein X", "en")
    assert privacy.notice(event, "en") == "## Controller\nVerein X"


def test_notice_blocks() -> None:
    text = "## Wer?\nVerein X\nKassel\n\n- eins\n- zwei\n\n- drei\n\nText\n- Punkt"
    assert privacy.notice_blocks(text) == [
        ("h", "Wer?"),
        ("p", ["Verein X", "Kassel"]),
        ("ul", ["eins", "zwei"]),
        ("ul", ["drei"]),
        ("p", ["Text"]),
        ("ul", ["Punkt"]),
    ]
