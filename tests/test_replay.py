"""Scans a desk kept while the laptop was away: replayed once each, at their scan time, one
check-in per person at the earliest time; the ping; the offline list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_desk import HX, desk_client, outcome

from kiosk import attendees, checkin, desks, events, replay
from kiosk.attendees import AttendeeData

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
def anna(db: Any, event: events.Event) -> dict[str, Any]:
    return attendees.create(
        db,
        event,
        AttendeeData(first_name="Anna", last_name="Müller", organisation="Max-Eyth-Schule"),
        how="test",
    )


def kept(nonce: str, code: str, seconds_ago: float) -> dict[str, Any]:
    return {"nonce": nonce * 16, "code": code, "age": int(seconds_ago * 1000)}


def checkins_logged(db: Any, attendee_id: int) -> int:
    return sum(e["action"] == "checked_in" for e in attendees.history(db, attendee_id))


def test_the_scan_time_is_now_minus_the_age_the_desk_measured() -> None:
    assert replay.scan_time(90_000, NOW) == "2026-11-22T09:28:30.000+00:00"
    assert replay.scan_time(-5, NOW) == NOW.isoformat(timespec="milliseconds")  # not the future
    assert replay.scan_time("x", NOW) == NOW.isoformat(timespec="milliseconds")
    oldest = (NOW - replay.MAX_AGE).isoformat(timespec="milliseconds")
    assert replay.scan_time(10**15, NOW) == oldest


def test_a_kept_scan_is_stored_at_its_scan_time_once(
    db: Any, event: events.Event, anna: Any
) -> None:
    scans = [kept("a1", anna["code"], 120)]
    first = replay.replay(db, event, scans, desk="Eingang 1", now=NOW)
    assert [r.outcome for r in first.results] == [replay.STORED]
    assert first.stored == 1 and first.follow_up == [] and first.finished == ["a1" * 16]
    stored = attendees.get(db, anna["id"])
    assert stored["checked_in_at"] == "2026-11-22T09:28:00.000+00:00"
    again = replay.replay(db, event, scans, desk="Eingang 1", now=NOW + timedelta(minutes=1))
    assert [r.outcome for r in again.results] == [checkin.ALREADY_RECORDED]
    assert again.stored == 1
    assert attendees.get(db, anna["id"])["checked_in_at"] == stored["checked_in_at"]
    assert checkins_logged(db, anna["id"]) == 1


def test_a_scan_that_arrived_but_whose_answer_was_lost_is_not_a_follow_up(
    db: Any, event: events.Event, anna: Any
) -> None:
    checkin.scan(db, event, anna["code"], desk="Eingang 1", nonce="b2" * 16)
    report = replay.replay(db, event, [kept("b2", anna["code"], 3)], desk="Eingang 1")
    assert [r.outcome for r in report.results] == [checkin.ALREADY_RECORDED]
    assert report.follow_up == []


def test_the_same_badge_kept_at_two_desks_is_one_check_in_at_the_earliest_time(
    db: Any, event: events.Event, anna: Any
) -> None:
    replay.news_for("Eingang 1")
    later = replay.replay(db, event, [kept("c3", anna["code"], 60)], desk="Eingang 1", now=NOW)
    assert later.results[0].outcome == replay.STORED
    earlier = replay.replay(db, event, [kept("d4", anna["code"], 120)], desk="Eingang 2", now=NOW)
    (result,) = earlier.results
    assert result.outcome == replay.EARLIER and result in earlier.follow_up
    assert (result.other_desk, result.other_at) == ("Eingang 1", "2026-11-22T09:29:00.000+00:00")
    stored = attendees.get(db, anna["id"])
    assert stored["checked_in_at"] == "2026-11-22T09:28:00.000+00:00"
    assert stored["checked_in_desk"] == "Eingang 2"
    assert checkins_logged(db, anna["id"]) == 1
    # The first desk hears of it (once) at its next poll.
    (note,) = replay.news_for("Eingang 1")
    assert (note["name"], note["desk"]) == ("Anna Müller", "Eingang 2")
    assert replay.news_for("Eingang 1") == []
    # A third desk's scan, later still: it is told where and when she was checked in.
    third = replay.replay(db, event, [kept("e5", anna["code"], 30)], desk="Eingang 3", now=NOW)
    assert third.results[0].outcome == checkin.ALREADY_CHECKED_IN
    assert third.results[0].other_desk == "Eingang 2"
    assert checkins_logged(db, anna["id"]) == 1


def test_unknown_cancelled_and_malformed_scans(db: Any, event: events.Event, anna: Any) -> None:
    bert = attendees.create(db, event, AttendeeData(first_name="Bert"), how="test")
    db.execute("UPDATE attendees SET status = 'cancelled' WHERE id = ?", [bert["id"]])
    scans = [
        kept("f6", "7QKX2M4P9RT3W8HJ5N6V", 5),
        kept("g7", bert["code"], 5),
        {"nonce": "short", "code": anna["code"], "age": 5},
        "not a scan",
        {"nonce": "h8" * 16, "attendee": anna["id"], "age": 5},
    ]
    report = replay.replay(db, event, scans, desk="Eingang 1")
    outcomes = [r.outcome for r in report.results]
    assert outcomes == [
        checkin.UNKNOWN_CODE,
        checkin.CANCELLED,
        replay.INVALID,
        replay.INVALID,
        replay.STORED,
    ]
    assert report.results[0].text == "7QKX2M4P9RT3W8HJ5N6V"
    assert [r.outcome for r in report.follow_up] == [checkin.UNKNOWN_CODE, checkin.CANCELLED]
    assert report.finished == ["f6" * 16, "g7" * 16, "h8" * 16]


def test_the_replay_route_reports_and_lists_what_the_desk_may_forget(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    desk = desk_client(app, db)
    scans = [kept("a1", anna["code"], 10), kept("b2", "7QKX2M4P9RT3W8HJ5N6V", 8)]
    response = desk.post("/desk/replay", json={"scans": scans}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'data-done="([^"]*)"', html).group(1).split() == ["a1" * 16, "b2" * 16]
    assert "1 nachgetragen" in html and "Unbekannter Code „7QKX2M4P9RT3W8HJ5N6V“" in html
    assert 'id="counters"' in html and 'hx-swap-oob="true"' in html
    assert desk.post("/desk/replay", json={"scans": "x"}, headers=HX).status_code == 400
    assert desk.post("/desk/replay", data="no json", headers=HX).status_code == 400


def test_a_live_scan_with_a_nonce_is_recorded_once(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    desk = desk_client(app, db)
    form = {"code": anna["code"], "nonce": "i9" * 16}
    assert outcome(desk.post("/desk/scan", data=form, headers=HX)) == "welcome"
    assert outcome(desk.post("/desk/scan", data=form, headers=HX)) == "already_recorded"
    assert checkins_logged(db, anna["id"]) == 1


def test_ping_and_replay_work_on_a_self_check_in_tablet_the_offline_list_does_not(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    tablet = desk_client(app, db, "Tablet", "self")
    assert tablet.get("/desk/ping").status_code == 204
    response = tablet.post("/desk/replay", json={"scans": [kept("j1", anna["code"], 4)]})
    assert response.status_code == 200 and "Anna" not in response.get_data(as_text=True)
    assert attendees.get(db, anna["id"])["checked_in_desk"] == "Tablet"
    assert tablet.get("/desk/offline-list").status_code == 403


def test_the_offline_list_only_when_the_organiser_allows_it(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    desk = desk_client(app, db)
    assert desk.get("/desk/offline-list").get_json() == {"event": "", "people": []}
    desks.set_offline(db, event, timeout_seconds=3, offline_list=True)
    listed = desk.get("/desk/offline-list").get_json()
    assert listed["people"] == [
        {"code": anna["code"], "name": "Anna Müller", "organisation": "Max-Eyth-Schule"}
    ]
    with pytest.raises(desks.DeskError):
        desks.set_offline(db, event, timeout_seconds=0, offline_list=True)


def test_the_organiser_sets_the_wait_and_the_offline_list_and_the_notice_says_it(
    organiser: Any, db: Any, event: events.Event
) -> None:
    from kiosk import privacy

    assert "Offline-Liste" in organiser.get("/admin/desks").get_data(as_text=True)
    assert "Badge-Code aller Angemeldeten" not in privacy.notice(event)
    response = organiser.post("/admin/desks/offline", data={"timeout_seconds": "5"})
    assert response.status_code == 303
    settings = events.get(db, event.id).settings
    assert (settings["desk_timeout_seconds"], settings["desk_offline_list"]) == (5, False)
    organiser.post("/admin/desks/offline", data={"timeout_seconds": "3", "offline_list": "on"})
    changed = events.get(db, event.id)
    assert changed.settings["desk_offline_list"] is True
    assert "Badge-Code aller Angemeldeten im Browser" in privacy.notice(changed)
    assert "badge code in their browser" in privacy.notice(changed, "en")
    organiser.post("/admin/desks/offline", data={"timeout_seconds": "99", "offline_list": "on"})
    assert events.get(db, event.id).settings["desk_timeout_seconds"] == 3  # refused
    page = organiser.get(f"/privacy/{event.slug}").get_data(as_text=True)
    assert "Badge-Code aller Angemeldeten im Browser" in page


def test_while_another_desk_replays_a_desk_is_asked_to_come_back_soon(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    desk = desk_client(app, db)
    scans = [kept("k1", anna["code"], 5)]
    with replay._one_at_a_time:  # another desk's replay is running
        response = desk.post("/desk/replay", json={"scans": scans}, headers=HX)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert attendees.get(db, anna["id"])["checked_in_at"] is None
    assert desk.post("/desk/replay", json={"scans": scans}, headers=HX).status_code == 200
