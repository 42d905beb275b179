"""Events: create with unique slugs, the current event, settings."""

import pytest

from kiosk import events


def test_create_makes_unique_slugs_and_chooses_the_new_event(db) -> None:
    first = events.create(db, "Netzwerkbrunch Kassel")
    second = events.create(db, "Netzwerkbrunch Kassel")
    assert (first.slug, second.slug) == ("netzwerkbrunch-kassel", "netzwerkbrunch-kassel-2")
    assert events.current(db).id == second.id


def test_slug_folds_umlauts(db) -> None:
    assert events.create(db, "Frühjahrstreffen Übergang").slug == "fruhjahrstreffen-ubergang"


def test_current_prefers_the_chosen_event(db) -> None:
    first = events.create(db, "Erstes")
    events.create(db, "Zweites")
    events.choose(db, first.id)
    assert events.current(db).name == "Erstes"
    assert events.current(db, "zweites").name == "Zweites"


def test_without_events_current_says_how_to_create_one(db) -> None:
    with pytest.raises(events.EventError) as info:
        events.current(db)
    assert info.value.code == "no_event"
    assert "kiosk event create" in str(info.value)


@pytest.mark.parametrize(
    ("name", "date", "code"), [("  ", "", "name_missing"), ("X", "12.3.", "bad_date")]
)
def test_create_refuses_bad_input(db, name: str, date: str, code: str) -> None:
    with pytest.raises(events.EventError) as info:
        events.create(db, name, event_date=date)
    assert info.value.code == code


def test_update_settings_merges_and_refuses_unknown_keys(db, event) -> None:
    changed = events.update_settings(db, event.id, {"print_on_arrival": True})
    assert changed.settings["print_on_arrival"] is True
    assert changed.settings["retention_days"] == events.DEFAULT_SETTINGS["retention_days"]
    with pytest.raises(events.EventError) as info:
        events.update_settings(db, event.id, {"colour": "red"})
    assert info.value.code == "unknown_setting"


def test_network_defaults_to_the_events_own(db) -> None:
    assert events.create(db, "Allein").network == "allein"


def test_the_current_event_kept_a_moment_is_never_stale_after_a_change_here(db) -> None:
    first = events.create(db, "Erstes")
    assert events.current(db).name == "Erstes"
    events.create(db, "Zweites")  # a new event becomes the current one, seen at once
    assert events.current(db).name == "Zweites"
    events.choose(db, first.id)
    assert events.current(db).name == "Erstes"
    events.update_settings(db, first.id, {"print_on_arrival": True})
    assert events.current(db).settings["print_on_arrival"] is True


def test_another_process_changing_the_event_is_seen_within_a_moment(
    db, app, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import time

    from kiosk import db as kdb

    monkeypatch.setattr(kdb, "RECENT_SECONDS", 0.2)
    event = events.create(db, "Netzwerkbrunch")
    assert events.current(db).name == "Netzwerkbrunch"
    other = sqlite3.connect(app.config["DATABASE"])  # like `kiosk event rename` in a terminal
    with other:
        other.execute("UPDATE events SET name = 'Netzwerkfrühstück' WHERE id = ?", [event.id])
    other.close()
    time.sleep(0.25)
    assert events.current(db).name == "Netzwerkfrühstück"


def test_check_ins_keep_what_is_read_on_every_request(db, event) -> None:
    from kiosk import attendees, checkin
    from kiosk import db as kdb
    from kiosk.attendees import AttendeeData

    anna = attendees.create(db, event, AttendeeData(first_name="Anna", last_name="M"), how="t")
    loads = []
    kdb.recent(db, "probe", lambda: loads.append(1))
    checkin.check_in(db, event, anna["id"], desk="Eingang")
    kdb.recent(db, "probe", lambda: loads.append(1))
    assert loads == [1]  # a check-in does not change events or desks: nothing read again
    events.rename(db, event.id, "Neuer Name")
    kdb.recent(db, "probe", lambda: loads.append(1))
    assert loads == [1, 1]


def test_edit_saves_name_date_and_retention_together_or_nothing(db) -> None:
    event = events.create(db, "Brunch")
    edited = events.edit(
        db, event.id, name="Brunch im Rathaus", event_date="2027-01-15", retention_days=14
    )
    assert (edited.name, edited.date, edited.settings["retention_days"]) == (
        "Brunch im Rathaus",
        "2027-01-15",
        14,
    )
    with pytest.raises(events.EventError) as caught:
        events.edit(db, event.id, name="Neu", event_date="15.01.", retention_days=7)
    assert caught.value.code == "bad_date"
    kept = events.get(db, event.id)
    assert (kept.name, kept.settings["retention_days"]) == ("Brunch im Rathaus", 14)


def test_format_times_place_and_video_link_are_checked(db) -> None:
    event = events.create_with(
        db,
        "Netzwerk online",
        event_date="2027-03-12",
        format="hybrid",
        start_time="9:30",
        end_time="12:00",
        video_url="https://meet.example/abc",
        place="Rathaus Kassel",
    )
    s = event.settings
    assert (s["format"], s["start_time"], s["end_time"]) == ("hybrid", "09:30", "12:00")
    assert (s["video_url"], s["place"]) == ("https://meet.example/abc", "Rathaus Kassel")
    for bad, code in (
        ({"format": "beides"}, "bad_format"),
        ({"start_time": "25:00"}, "bad_time"),
        ({"start_time": "12:00", "end_time": "11:00"}, "bad_time"),
        ({"video_url": "javascript:alert(1)"}, "bad_video_url"),
    ):
        with pytest.raises(events.EventError) as caught:
            events.update_settings(db, event.id, bad)
        assert caught.value.code == code


def test_cli_event_create_takes_format_and_times(runner) -> None:
    result = runner.invoke(
        "event",
        "create",
        "Schule-Wirtschaft online",
        "--date",
        "2027-03-12",
        "--format",
        "online",
        "--start",
        "14:00",
        "--end",
        "15:30",
        "--video-url",
        "https://bbb.example/room",
    )
    assert result.exit_code == 0, result.output
    from kiosk import db as kdb

    database = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.current(database)
    database.close()
    assert event.settings["format"] == "online" and event.settings["start_time"] == "14:00"
    bad = runner.invoke("event", "create", "X", "--format", "beides")
    assert bad.exit_code != 0
