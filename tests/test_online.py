"""Online and hybrid events: the event form, the own page online, "Ich bin dabei", the hybrid
counts, contact requests without a badge."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk import attendees, contact_requests, contacts, events, online, references, retention
from kiosk import db as kdb


def person(db, event, first, *, attendance="", matchmaking=True, share=True, org=None):
    data = attendees.AttendeeData(
        first_name=first,
        last_name="Test",
        email=f"{first.lower()}@example.org",
        phone="0171 2345678",
        organisation=org or f"Org {first}",
        interests=["Ausbildung"],
        attendance=attendance,
        consent_matchmaking=matchmaking,
        consent_share_contact=share,
    )
    return attendees.create(db, event, data, how="test")


def today_all_day(db, event, shape="hybrid", video="https://meet.example.org/netz"):
    """The event takes place today, all day long, so its window is open now."""
    events.rename(db, event.id, event.name, datetime.now().date().isoformat())
    return events.update_settings(
        db,
        event.id,
        {"format": shape, "start_time": "00:00", "end_time": "23:59", "video_url": video},
    )


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the event form ------------------------------------------------------------------------------


def test_event_form_edits_format_times_place_and_video_link(organiser, db, event) -> None:
    page = text(organiser.get(f"/admin/events/{event.id}/edit"))
    assert 'name="video_url"' in page and 'name="format"' in page
    response = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={
            "name": event.name,
            "date": "2026-11-22",
            "retention_days": "30",
            "format": "hybrid",
            "start_time": "09:30",
            "end_time": "12:00",
            "place": "Rathaus Kassel, Saal 2",
            "video_url": "https://bbb.example.org/b/netz",
        },
    )
    assert response.status_code == 303
    s = events.get(db, event.id).settings
    assert (s["format"], s["start_time"], s["end_time"]) == ("hybrid", "09:30", "12:00")
    assert (s["place"], s["video_url"]) == (
        "Rathaus Kassel, Saal 2",
        "https://bbb.example.org/b/netz",
    )
    bad = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={
            "name": event.name,
            "retention_days": "30",
            "video_url": "http://insecure.example.org",
        },
    )
    assert bad.status_code == 422
    assert "muss mit https:// beginnen" in text(bad)
    assert events.get(db, event.id).settings["video_url"] == "https://bbb.example.org/b/netz"


# -- the own page online -------------------------------------------------------------------------


def test_video_link_only_for_online_attendees(client, db, event) -> None:
    event = today_all_day(db, event)
    there = person(db, event, "Vera", attendance="on-site")
    remote = person(db, event, "Olaf", attendance="online")
    on_site_page = text(client.get(f"/me/{there['secret']}"))
    assert "meet.example.org" not in on_site_page and "Ich bin dabei" not in on_site_page
    assert "Vor Ort dabei" in on_site_page and "am Empfang" in on_site_page
    online_page = text(client.get(f"/me/{remote['secret']}"))
    assert 'href="https://meet.example.org/netz"' in online_page
    assert "Ich bin dabei" in online_page and "Online dabei" in online_page
    assert "Badge-Code" not in online_page and "Kontakt anfragen" in online_page
    # At an on-site event nobody gets the link, whatever their list says.
    events.update_settings(db, event.id, {"format": "on-site"})
    assert "meet.example.org" not in text(client.get(f"/me/{remote['secret']}"))


def test_ich_bin_dabei_checks_in_at_the_desk_online(client, db, event) -> None:
    event = today_all_day(db, event)
    remote = person(db, event, "Olaf", attendance="online")
    response = client.post(f"/me/{remote['secret']}/online")
    assert response.status_code == 303
    stored = attendees.get(db, remote["id"])
    assert stored["checked_in_at"] and stored["checked_in_desk"] == online.ONLINE_DESK
    log = [e for e in attendees.history(db, remote["id"]) if e["action"] == "checked_in"]
    assert len(log) == 1 and log[0]["desk"] == "online" and log[0]["detail"]["how"] == "online"
    # A second tap changes nothing; the page says they are in.
    client.post(f"/me/{remote['secret']}/online")
    assert len([e for e in attendees.history(db, remote["id"]) if e["action"] == "checked_in"]) == 1
    assert "Sie sind online eingecheckt" in text(client.get(f"/me/{remote['secret']}"))


def test_online_check_in_only_during_the_window_and_only_online(db, event) -> None:
    event = events.update_settings(
        db, event.id, {"format": "hybrid", "start_time": "10:00", "end_time": "12:00"}
    )
    remote = person(db, event, "Olaf", attendance="online")
    there = person(db, event, "Vera", attendance="on-site")
    span = online.window(event)
    assert span is not None
    before = span.starts - timedelta(minutes=online.OPENS_MINUTES_BEFORE + 1)
    assert online.own_page_state(event, remote, before) == "early"
    with pytest.raises(online.OnlineError) as early:
        online.check_in(db, event, remote["id"], now=before)
    assert early.value.code == "closed"
    assert online.own_page_state(event, remote, span.ends) == "over"
    with pytest.raises(online.OnlineError) as late:
        online.check_in(db, event, remote["id"], now=span.ends)
    assert late.value.code == "closed"
    with pytest.raises(online.OnlineError) as wrong:
        online.check_in(db, event, there["id"], now=span.starts)
    assert wrong.value.code == "not_online"
    assert online.own_page_state(event, there, span.starts) == ""
    assert online.check_in(db, event, remote["id"], now=span.opens) is not None


def test_dashboard_and_report_count_on_site_and_online_apart(organiser, db, event) -> None:
    from kiosk import checkin, report

    event = today_all_day(db, event)
    remote = [person(db, event, n, attendance="online") for n in ("Olaf", "Ona", "Oskar")]
    there = [person(db, event, n, attendance="on-site") for n in ("Vera", "Vito")]
    for r in remote[:2]:
        online.check_in(db, event, r["id"])
    checkin.check_in(db, event, there[0]["id"], desk="Eingang")
    assert online.arrivals(db, event) == {
        "on_site": 1,
        "online": 2,
        "registered_on_site": 2,
        "registered_online": 3,
    }
    panel = text(organiser.get("/admin/dashboard/hybrid", headers={"HX-Request": "true"}))
    assert 'data-counter="on-site">1<' in panel and 'data-counter="online">2<' in panel
    assert "vor Ort" in text(organiser.get("/admin/dashboard"))
    figures = report.figures(db, event)
    assert (figures["attendance"]["arrived_on_site"], figures["attendance"]["arrived_online"]) == (
        1,
        2,
    )
    assert "Davon 1 vor Ort und 2 online." in report.html(figures, event)
    assert "Of them, 1 on site and 2 online." in report.html(figures, event, "en")


# -- contact requests ----------------------------------------------------------------------------


def test_a_request_accepted_swaps_contacts_by_each_ones_consent(client, db, event) -> None:
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben", share=False)
    ref = references.reference(client.application.secret_key, anna["id"], ben["id"])
    people_page = client.get(f"/me/{anna['secret']}/people").get_data(as_text=True)
    assert f'value="{ref}"' in people_page and ben["code"] not in people_page
    response = client.post(f"/me/{anna['secret']}/requests", data={"ref": ref})
    assert response.status_code == 303
    assert not contacts.has_contact(db, anna["id"], ben["id"])  # not before Ben accepts
    ben_page = text(client.get(f"/me/{ben['secret']}"))
    assert "Kontaktanfragen" in ben_page and "Anna Test" in ben_page
    (request_row,) = contact_requests.incoming(db, attendees.get(db, ben["id"]))
    answer_url = f"/me/{ben['secret']}/requests/{request_row['request_id']}"
    client.post(answer_url, data={"answer": "accept"})
    anna_contacts = contacts.list_for(db, anna["id"])
    ben_contacts = contacts.list_for(db, ben["id"])
    assert [c["name"] for c in anna_contacts] == ["Ben Test"]
    assert anna_contacts[0]["email"] == ""  # Ben shares nothing
    assert ben_contacts[0]["email"] == "anna@example.org" and ben_contacts[0]["how"] == "request"
    assert contact_requests.incoming(db, attendees.get(db, ben["id"])) == []


def test_declined_is_not_reported_and_asking_again_changes_nothing(client, db, event) -> None:
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben")
    assert contact_requests.send(db, event, anna["id"], ben["id"]) == "sent"
    (row,) = contact_requests.incoming(db, ben)
    assert contact_requests.answer(db, event, ben["id"], row["request_id"], accept=False) is False
    assert contact_requests.send(db, event, anna["id"], ben["id"]) == "pending"
    assert contact_requests.incoming(db, ben) == []
    # Anna's list still reads "angefragt": nothing tells her Ben declined.
    assert contact_requests.states(db, anna)[ben["id"]] == "asked"
    assert [p["name"] for p in contact_requests.people(db, event, anna, "org bEn")] == ["Ben Test"]
    assert contact_requests.people(db, event, anna, "ben@example") == []  # not by e-mail
    people = text(client.get(f"/me/{anna['secret']}/people?q=ben"))
    assert "Ben Test" in people and "angefragt" in people and "abgelehnt" not in people


def test_asking_back_is_accepting(db, event) -> None:
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben")
    contact_requests.send(db, event, anna["id"], ben["id"])
    assert contact_requests.send(db, event, ben["id"], anna["id"]) == "accepted"
    assert contacts.has_contact(db, anna["id"], ben["id"])


def test_nothing_for_or_about_people_without_consent(client, db, event) -> None:
    anna = person(db, event, "Anna")
    shy = person(db, event, "Sam", matchmaking=False)
    undecided = person(db, event, "Uli", matchmaking=None)
    listed = text(client.get(f"/me/{anna['secret']}/people"))
    assert "Sam Test" not in listed and "Uli Test" not in listed
    for target in (shy, undecided):
        with pytest.raises(contact_requests.RequestError) as refused:
            contact_requests.send(db, event, anna["id"], target["id"])
        assert refused.value.code == "not_found"
    # Without consent one neither sees the list nor asks, and sees no requests.
    assert "Anna Test" not in text(client.get(f"/me/{shy['secret']}/people"))
    with pytest.raises(contact_requests.RequestError) as no_consent:
        contact_requests.send(db, event, shy["id"], anna["id"])
    assert no_consent.value.code == "no_consent"
    ben = person(db, event, "Ben")
    contact_requests.send(db, event, ben["id"], anna["id"])
    attendees.set_consents(db, anna["id"], {"matchmaking": False}, how="test")
    assert contact_requests.incoming(db, attendees.get(db, anna["id"])) == []
    assert "Kontaktanfragen" not in text(client.get(f"/me/{anna['secret']}"))


def test_requests_are_throttled_per_person(db, event) -> None:
    anna = person(db, event, "Anna")
    others = [person(db, event, f"P{n}") for n in range(contact_requests.REQUESTS_PER_HOUR + 1)]
    for other in others[:-1]:
        assert contact_requests.send(db, event, anna["id"], other["id"]) == "sent"
    with pytest.raises(contact_requests.RequestError) as throttled:
        contact_requests.send(db, event, anna["id"], others[-1]["id"])
    assert throttled.value.code == "too_many"


def test_erasure_and_purge_remove_requests(db, event) -> None:
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben")
    carl = person(db, event, "Carl")
    contact_requests.send(db, event, anna["id"], ben["id"])
    contact_requests.send(db, event, carl["id"], ben["id"])
    retention.erase(db, event, anna["id"], who="organiser")
    rows = kdb.rows(db, "SELECT from_id FROM contact_requests")
    assert [r["from_id"] for r in rows] == [carl["id"]]
    retention.purge(db, event, who="organiser")
    assert kdb.rows(db, "SELECT * FROM contact_requests") == []


# -- the organiser resends one person's link -----------------------------------------------------


def test_resend_link_is_a_second_logged_mail_to_that_person(organiser, db, event, smtp_server):
    from test_mail import configure

    from kiosk import mail

    configure(db, event, smtp_server)
    anna = person(db, event, "Anna")
    person(db, event, "Ben")
    event = events.get(db, event.id)
    report = mail.send_out(db, event, "link", secret="test", base_url="http://kiosk.test")
    assert report.sent == 2
    page = text(organiser.get(f"/admin/attendees/{anna['id']}"))
    assert "verschickt" in page and f"/admin/attendees/{anna['id']}/resend-link" in page
    response = organiser.post(f"/admin/attendees/{anna['id']}/resend-link")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/attendees/{anna['id']}#link-mail")
    job = mail.running_job(event.id)
    assert job is None or job.wait(20)
    assert smtp_server.sink.recipients().count("anna@example.org") == 2
    assert smtp_server.sink.recipients().count("ben@example.org") == 1
    resent = [e for e in attendees.history(db, anna["id"]) if e["action"] == "mail_resent"]
    assert len(resent) == 1 and resent[0]["detail"] == {"kind": "link"}
    audit = [e for e in kdb.rows(db, "SELECT detail FROM audit WHERE action = 'sendout'")]
    assert any('"which": "resend"' in e["detail"] for e in audit)
    assert "einmal erneut gesendet" in text(organiser.get(f"/admin/attendees/{anna['id']}"))
    # The send-out to everybody still sends nobody a second mail.
    again = mail.send_out(db, event, "link", secret="test", base_url="http://kiosk.test")
    assert again.sent == 0 and len(smtp_server.sink.received) == 3
    # Only the private link is resent on request.
    with pytest.raises(mail.MailError):
        mail.planned(db, event, "summary", which="resend", attendee_id=anna["id"])


def test_a_request_between_people_who_swapped_badges_meanwhile_is_not_shown(db, event) -> None:
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben")
    contact_requests.send(db, event, anna["id"], ben["id"])
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    assert contact_requests.incoming(db, ben) == []
    with pytest.raises(contact_requests.RequestError) as known:
        contact_requests.send(db, event, ben["id"], anna["id"])
    assert known.value.code == "already_contacts"


def test_without_times_the_window_is_the_events_day(db, event) -> None:
    event = events.update_settings(db, event.id, {"format": "online"})
    remote = person(db, event, "Olaf")
    span = online.window(event)
    assert span is not None and span.starts.strftime("%Y-%m-%d %H:%M") == "2026-11-22 00:00"
    assert online.own_page_state(event, remote, span.starts + timedelta(hours=20)) == "open"
    assert online.own_page_state(event, remote, span.ends) == "over"
    undated = events.rename(db, event.id, event.name, "")
    assert online.window(undated) is None
    assert online.own_page_state(undated, remote) == "unplanned"


def test_a_badge_code_asks_nobody(client, db, event) -> None:
    # Pages name people by the viewer's reference: a badge code (read off a badge or guessed)
    # posted instead asks nobody, and another viewer's reference names nobody either.
    anna, ben, cem = (person(db, event, n) for n in ("Anna", "Ben", "Cem"))
    for value in (
        ben["code"],
        references.reference(client.application.secret_key, cem["id"], ben["id"]),
    ):
        client.post(f"/me/{anna['secret']}/requests", data={"ref": value})
    assert contact_requests.incoming(db, attendees.get(db, ben["id"])) == []


def test_the_online_pages_speak_as_the_event_does(client, db, event) -> None:
    # An event that says "du" (a fair with pupils, or the organiser's choice) says it on the
    # online card, the flash after "Ich bin dabei", the people list and the request messages.
    event = events.update_settings(db, today_all_day(db, event).id, {"address_form": "du"})
    remote = person(db, event, "Olaf", attendance="online")
    other = person(db, event, "Petra")
    own = f"/me/{remote['secret']}"
    before = text(client.get(own))
    assert "Ein Tipp, und das Orga-Team weiß, dass du online teilnimmst." in before
    client.post(f"{own}/online")
    after = text(client.get(own))
    assert "Schön, dass du dabei bist!" in after and "Du bist online eingecheckt." in after
    people = text(client.get(f"{own}/people"))
    assert "tauscht ihr Kontakte" in people and "tauschen Sie" not in people
    ref = references.reference(client.application.secret_key, remote["id"], other["id"])
    client.post(f"{own}/requests", data={"ref": ref})
    asked = text(client.get(own))
    assert "Du siehst den Kontakt, sobald er angenommen ist." in asked
    assert "Sie sind" not in asked and "Ihre" not in asked
