"""The check-in service: every rule with its error code, codes as scanners type them, desks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk import arrivals, attendees, checkin, demo, events, exports, links, online
from kiosk import db as kdb
from kiosk.attendees import AttendeeData, namesearch
from kiosk.checkin import CheckinError

# What a USB scanner set to a US layout types on a German QWERTZ computer, key by key.
QWERTZ = str.maketrans({":": "Ö", "/": "-", "-": "ß", "y": "z", "z": "y", "Y": "Z", "Z": "Y"})


def qwertz(text: str) -> str:
    return text.translate(QWERTZ)


def person(db: Any, event: events.Event, first: str = "Anna", last: str = "Müller", **kw: Any):
    return attendees.create(
        db, event, AttendeeData(first_name=first, last_name=last, **kw), how="test"
    )


def actions(db: Any, attendee_id: int) -> list[str]:
    return [e["action"] for e in attendees.history(db, attendee_id)]


# -- finding the code in what the scanner typed ---------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{lower}",
        "  {code}\r\n",
        "http://kiosk.test/b/{code}",
        "https://kiosk.example.org:8443/b/{code}?from=badge",
        "HTTPÖ--KIOSK.TEST-B-{code}",
        "httpsÖ--192.168.178.20Ö8000-b-{code}",
        "\x02{code}\x03",
    ],
)
def test_find_code_accepts_what_scanners_type(typed: str) -> None:
    code = attendees.new_code()
    assert attendees.find_code(typed.format(code=code, lower=code.lower())) == code


def test_find_code_accepts_urls_as_a_qwertz_scanner_mangles_them() -> None:
    for _ in range(200):
        code = attendees.new_code()
        for base in ("http://kiosk.test", "https://zyx-laptop.local:8443", "http://10.0.0.5:8000"):
            url = f"{base}/b/{code}"
            assert attendees.find_code(qwertz(url)) == code
            assert attendees.find_code(qwertz(url).lower()) == code


@pytest.mark.parametrize(
    "typed",
    ["", "Müller", "ABC", "http://kiosk.test/b/", "0123456789ABCDEFGHI", "0123456789ABCDEFGHIJK"],
)
def test_find_code_refuses_what_is_no_code(typed: str) -> None:
    assert attendees.find_code(typed) is None


def test_codes_never_contain_the_letters_qwertz_swaps() -> None:
    codes = "".join(attendees.new_code() for _ in range(500))
    assert not set(codes) & set("YZ")


# -- checking in ----------------------------------------------------------------------------------


def test_scan_checks_in_once_with_time_desk_and_log(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    result = checkin.scan(db, event, anna["code"], desk="Eingang 1")
    assert result.attendee["checked_in_at"] == result.at
    assert result.attendee["checked_in_desk"] == "Eingang 1"
    assert result.again is False
    entry = attendees.history(db, anna["id"])[-1]
    assert (entry["action"], entry["desk"]) == ("checked_in", "Eingang 1")


def test_scan_of_a_qwertz_mangled_badge_url_checks_in(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    result = checkin.scan(db, event, qwertz(f"http://kiosk.test/b/{anna['code']}"))
    assert result.attendee["id"] == anna["id"]


def test_second_scan_is_already_checked_in_with_when_and_where(
    db: Any, event: events.Event
) -> None:
    anna = person(db, event)
    first = checkin.scan(db, event, anna["code"], desk="Eingang 1")
    with pytest.raises(CheckinError) as caught:
        checkin.scan(db, event, anna["code"], desk="Eingang 2")
    assert caught.value.code == "already_checked_in"
    assert caught.value.attendee["checked_in_at"] == first.at
    assert caught.value.attendee["checked_in_desk"] == "Eingang 1"
    assert actions(db, anna["id"]).count("checked_in") == 1


def test_unknown_code_is_refused_and_nothing_is_written(db: Any, event: events.Event) -> None:
    person(db, event)
    before = kdb.one(db, "SELECT count(*) AS n FROM attendee_log")
    for typed in (attendees.new_code(), "Hallo", ""):
        with pytest.raises(CheckinError) as caught:
            checkin.scan(db, event, typed)
        assert caught.value.code == "unknown_code"
    assert kdb.one(db, "SELECT count(*) AS n FROM attendee_log") == before


def test_badge_of_another_event_is_refused(db: Any, event: events.Event) -> None:
    other = events.create(db, "Ausbildungsmesse")
    stranger = person(db, other)
    with pytest.raises(CheckinError) as caught:
        checkin.scan(db, event, stranger["code"])
    assert caught.value.code == "other_event"
    assert attendees.get(db, stranger["id"])["checked_in_at"] is None


def test_cancelled_registration_is_refused(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    db.execute("UPDATE attendees SET status = 'cancelled' WHERE id = ?", [anna["id"]])
    with pytest.raises(CheckinError) as caught:
        checkin.scan(db, event, anna["code"])
    assert caught.value.code == "cancelled"


def test_unknown_attendee_id_is_not_found(db: Any, event: events.Event) -> None:
    with pytest.raises(CheckinError) as caught:
        checkin.check_in(db, event, 9999)
    assert caught.value.code == "not_found"


def test_denials_are_logged_without_names(
    db: Any, event: events.Event, caplog: pytest.LogCaptureFixture
) -> None:
    anna = person(db, event, "Annegret", "Wagenknecht")
    checkin.scan(db, event, anna["code"])
    with caplog.at_level("INFO", logger="kiosk.checkin"), pytest.raises(CheckinError):
        checkin.scan(db, event, anna["code"])
    with caplog.at_level("INFO", logger="kiosk.checkin"), pytest.raises(CheckinError):
        checkin.scan(db, event, "Wagenknecht")
    text = caplog.text
    assert "denied already_checked_in" in text and f"attendee={anna['id']}" in text
    assert "denied unknown_code" in text
    assert "Wagenknecht" not in text and "Annegret" not in text


def test_same_badge_on_eight_desks_at_once_checks_in_exactly_once(
    app: Any, event: events.Event
) -> None:
    setup = kdb.connect(app.config["DATABASE"])
    anna = person(setup, event)
    setup.close()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def desk(n: int) -> None:
        conn = kdb.connect(app.config["DATABASE"])
        barrier.wait()
        try:
            checkin.scan(conn, event, anna["code"], desk=f"Desk {n}")
            outcomes.append("ok")
        except CheckinError as exc:
            outcomes.append(exc.code)
        finally:
            conn.close()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_checked_in"] * 7 + ["ok"]
    check = kdb.connect(app.config["DATABASE"])
    assert actions(check, anna["id"]).count("checked_in") == 1
    check.close()


def test_confirmed_checkins_survive_a_killed_process(app: Any, event: events.Event) -> None:
    setup = kdb.connect(app.config["DATABASE"])
    codes = [person(setup, event, f"P{i}", "Test")["code"] for i in range(400)]
    setup.close()
    script = f"""
import sys
from kiosk import checkin, events
from kiosk import db as kdb
db = kdb.connect({app.config["DATABASE"]!r})
event = events.get(db, {event.id})
for code in sys.stdin.read().split():
    checkin.scan(db, event, code, desk="Rush")
    print(code, flush=True)
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("\n".join(codes))
    proc.stdin.close()
    confirmed = [proc.stdout.readline().strip() for _ in range(40)]
    os.kill(proc.pid, signal.SIGKILL)  # right after it said "done", mid-rush
    proc.wait()
    proc.stdout.close()
    check = kdb.connect(app.config["DATABASE"])
    stored = {
        r["code"]
        for r in kdb.rows(check, "SELECT code FROM attendees WHERE checked_in_at IS NOT NULL")
    }
    check.close()
    assert set(confirmed) <= stored
    assert len(stored) < len(codes)  # it really was killed mid-rush


# -- undo and check-out ---------------------------------------------------------------------------


def test_undo_needs_a_reason(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    checkin.scan(db, event, anna["code"])
    with pytest.raises(CheckinError) as caught:
        checkin.undo(db, event, anna["id"], reason="  ", desk="Eingang")
    assert caught.value.code == "reason_missing"
    assert attendees.get(db, anna["id"])["checked_in_at"] is not None


def test_undo_clears_the_checkin_and_logs_the_reason(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    checkin.scan(db, event, anna["code"])
    undone = checkin.undo(db, event, anna["id"], reason="falsche Anna", desk="Eingang")
    assert undone["checked_in_at"] is None and undone["checked_in_desk"] is None
    entry = attendees.history(db, anna["id"])[-1]
    assert entry["action"] == "checkin_undone" and entry["detail"]["reason"] == "falsche Anna"
    assert checkin.scan(db, event, anna["code"]).again is False


def test_undo_of_someone_not_checked_in_is_refused(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    with pytest.raises(CheckinError) as caught:
        checkin.undo(db, event, anna["id"], reason="Versehen", desk="Eingang")
    assert caught.value.code == "not_checked_in"


def test_check_out_keeps_the_arrival_and_allows_coming_back(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    first = checkin.scan(db, event, anna["code"])
    out = checkin.check_out(db, event, anna["id"], desk="Ausgang")
    assert out["checked_out_at"] and out["checked_in_at"] == first.at
    with pytest.raises(CheckinError) as caught:
        checkin.check_out(db, event, anna["id"], desk="Ausgang")
    assert caught.value.code == "already_checked_out"
    back = checkin.scan(db, event, anna["code"])
    assert back.again is True
    assert back.attendee["checked_in_at"] == first.at and back.attendee["checked_out_at"] is None
    assert actions(db, anna["id"])[-3:] == ["checked_in", "checked_out", "checked_in"]


def test_check_out_of_someone_not_checked_in_is_refused(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    with pytest.raises(CheckinError) as caught:
        checkin.check_out(db, event, anna["id"], desk="Ausgang")
    assert caught.value.code == "not_checked_in"


# -- walk-ins and consent -------------------------------------------------------------------------


def test_walk_in_is_created_and_checked_in(db: Any, event: events.Event) -> None:
    data = AttendeeData(
        first_name="Kemal", last_name="Kaya", organisation="Tischlerei", interests=["Inklusion"]
    )
    result = checkin.walk_in(db, event, data, desk="Eingang")
    kemal = result.attendee
    assert kemal["checked_in_at"] and kemal["checked_in_desk"] == "Eingang"
    assert kemal["interests"] == ["Inklusion"] and kemal["consent_matchmaking"] is None
    assert actions(db, kemal["id"]) == ["created", "checked_in"]
    assert attendees.history(db, kemal["id"])[0]["detail"]["how"] == "walk-in"


def test_walk_in_needs_a_name(db: Any, event: events.Event) -> None:
    with pytest.raises(attendees.AttendeeError) as caught:
        checkin.walk_in(db, event, AttendeeData(organisation="Firma"), desk="Eingang")
    assert caught.value.code == "name_missing"


def test_walk_in_with_a_broken_email_is_refused_and_nothing_stored(
    db: Any, event: events.Event
) -> None:
    data = AttendeeData(first_name="Kemal", email="kemal@@example")
    with pytest.raises(attendees.AttendeeError) as caught:
        checkin.walk_in(db, event, data, desk="Eingang")
    assert caught.value.problems == [("email", "email_invalid")]
    assert attendees.list_for_event(db, event.id) == []


def test_walk_in_of_someone_registered_is_refused_unless_confirmed(
    db: Any, event: events.Event
) -> None:
    anna = person(db, event, email="anna@example.org")
    data = AttendeeData(first_name="Anna", last_name="Müller", email="Anna@Example.org")
    with pytest.raises(CheckinError) as caught:
        checkin.walk_in(db, event, data, desk="Eingang")
    assert caught.value.code == "already_registered"
    assert caught.value.attendee["id"] == anna["id"]
    assert attendees.count(db, event.id)["registered"] == 1
    twin = checkin.walk_in(db, event, data, desk="Eingang", allow_duplicate=True)
    assert twin.attendee["id"] != anna["id"]


def test_consent_at_the_desk_is_recorded_with_how(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    assert anna["consent_matchmaking"] is None
    after = checkin.set_consent_at_desk(db, event, anna["id"], True, desk="Eingang")
    assert after["consent_matchmaking"] is True
    assert after["consent_matchmaking_how"] == "desk"
    assert actions(db, anna["id"])[-1] == "consent_given"


def test_private_link_uses_the_secret_not_the_badge_code(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    link = links.private_link("http://kiosk.test/", anna)
    assert link == f"http://kiosk.test/me/{anna['secret']}"
    assert anna["code"] not in link


# -- figures --------------------------------------------------------------------------------------


def test_counters_count_arrivals_recent_ones_and_leave_out_cancelled(
    db: Any, event: events.Event
) -> None:
    people = [person(db, event, f"P{i}", "X") for i in range(5)]
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds")
    checkin.check_in(db, event, people[0]["id"], at=old)
    checkin.check_in(db, event, people[1]["id"])
    checkin.check_in(db, event, people[2]["id"])
    checkin.check_out(db, event, people[2]["id"], desk="A")
    db.execute("UPDATE attendees SET status = 'cancelled' WHERE id = ?", [people[4]["id"]])
    assert arrivals.counters(db, event) == {"registered": 4, "arrived": 3, "here": 2, "recent": 2}


def test_arrivals_over_time_fills_empty_slots(db: Any, event: events.Event) -> None:
    a, b, c = (person(db, event, n, "X") for n in "ABC")
    base = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for who, minutes in ((a, 2), (b, 5), (c, 50)):
        at = (base + timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
        checkin.check_in(db, event, who["id"], at=at)
    slots = arrivals.over_time(db, event, bucket_minutes=15)
    assert [s["count"] for s in slots] == [2, 0, 0, 1]
    assert slots[0]["start"] == base


def test_checkin_log_csv_neutralises_formulas(db: Any, event: events.Event) -> None:
    evil = person(db, event, "=HYPERLINK(1)", "+49", organisation="@SUM(A1)")
    checkin.scan(db, event, evil["code"], desk="-Eingang")
    checkin.undo(db, event, evil["id"], reason="=1+1", desk="Eingang")
    text = exports.export(db, event, "checkins", "csv", who="test").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "'+49" in text and "'@SUM(A1)" in text
    assert "'-Eingang" in text and "'=1+1" in text
    assert ";=" not in text and ";+" not in text and ";@" not in text


# -- name search ----------------------------------------------------------------------------------


def names(found: list[dict[str, Any]]) -> list[str]:
    return [a["name"] for a in found]


@pytest.fixture
def crowd(db: Any, event: events.Event) -> dict[str, Any]:
    people = {
        "mueller": person(db, event, "Jürgen", "Müller", organisation="Max-Eyth-Schule"),
        "schmitt": person(db, event, "Sabine", "Schmitt", organisation="Tiefbau Hauptstraße"),
        "weiss": person(db, event, "Ole", "Weiß", email="ole.weiss@ib-nordhessen.example"),
        "kaya": person(db, event, "Kemal", "Kaya", organisation="Jobcenter Kassel"),
    }
    other = events.create(db, "Anderes Treffen")
    person(db, other, "Jürgen", "Müller")
    return people


@pytest.mark.parametrize("query", ["Muller", "Mueller", "müller", "MÜLL", "jürgen mü"])
def test_search_folds_umlauts(db: Any, event: events.Event, crowd: Any, query: str) -> None:
    assert names(namesearch.search(db, event.id, query)) == ["Jürgen Müller"]


@pytest.mark.parametrize("query", ["Strasse", "straße", "Hauptstr", "weiss", "nordhessen"])
def test_search_looks_in_organisation_and_email(
    db: Any, event: events.Event, crowd: Any, query: str
) -> None:
    assert len(namesearch.search(db, event.id, query)) == 1


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("Schmidt", "Sabine Schmitt"),  # a letter changed
        ("Mülelr", "Jürgen Müller"),  # two letters swapped
        ("Mülller", "Jürgen Müller"),  # a letter too many
        ("Kemla Kaya", "Kemal Kaya"),  # one typo in one of two words
        ("Jobcenetr", "Kemal Kaya"),
    ],
)
def test_search_forgives_one_typo(
    db: Any, event: events.Event, crowd: Any, query: str, who: str
) -> None:
    assert names(namesearch.search(db, event.id, query)) == [who]


def test_search_does_not_stretch_to_two_typos_or_short_words(
    db: Any, event: events.Event, crowd: Any
) -> None:
    assert namesearch.search(db, event.id, "Schmiddt") == []
    assert namesearch.search(db, event.id, "Kxy") == []


def test_search_index_follows_changes(db: Any, event: events.Event, crowd: Any) -> None:
    assert namesearch.search(db, event.id, "Schmidt") != []  # index built
    new = person(db, event, "Birgit", "Hartmann")
    assert names(namesearch.search(db, event.id, "Hartman")) == ["Birgit Hartmann"]
    attendees.update(db, new["id"], AttendeeData(first_name="Birgit", last_name="Lorenz"), how="t")
    assert namesearch.search(db, event.id, "Hartmanm") == []
    assert names(namesearch.search(db, event.id, "Lorentz")) == ["Birgit Lorenz"]
    attendees.delete(db, new["id"])
    assert namesearch.search(db, event.id, "Lorentz") == []


def test_search_ranks_name_starts_first(db: Any, event: events.Event) -> None:
    person(db, event, "Anna", "Bergmann", organisation="Hansa Werk")
    person(db, event, "Hans", "Zimmer")
    assert names(namesearch.search(db, event.id, "hans")) == ["Hans Zimmer", "Anna Bergmann"]


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("muller", "muller", True),
        ("muller", "mulller", True),
        ("muller", "muler", True),
        ("muller", "mullor", True),
        ("muller", "mulelr", True),
        ("muller", "mlelur", False),
        ("muller", "mu", False),
    ],
)
def test_within_one_edit(a: str, b: str, near: bool) -> None:
    assert namesearch.within_one_edit(a, b) is near
    assert namesearch.within_one_edit(b, a) is near


# -- the demo and the command line ----------------------------------------------------------------


def test_demo_checks_in_through_the_service(db: Any) -> None:
    event, _ = demo.ensure_demo(db)
    arrived = kdb.rows(
        db, "SELECT id FROM attendees WHERE event_id = ? AND checked_in_at IS NOT NULL", [event.id]
    )
    assert len(arrived) == demo.CHECKED_IN + demo.ONLINE_CHECKED_IN
    checkins = [
        next(e for e in attendees.history(db, a["id"]) if e["action"] == "checked_in")
        for a in arrived
    ]
    assert all(e["detail"]["how"] == "demo" for e in checkins)
    desks = Counter(e["desk"] for e in checkins)
    assert desks == {"Eingang": demo.CHECKED_IN, "online": demo.ONLINE_CHECKED_IN}


def test_demo_is_hybrid_with_online_arrivals_and_contact_requests(db: Any) -> None:
    event, _ = demo.ensure_demo(db)
    assert event.settings["format"] == "hybrid" and event.settings["video_url"].startswith("https")
    assert online.window(event).open_at(datetime.now().astimezone())
    split = online.arrivals(db, event)
    assert (split["online"], split["registered_online"]) == (demo.ONLINE_CHECKED_IN, demo.ONLINE)
    assert split["on_site"] == demo.CHECKED_IN
    states = Counter(r["state"] for r in kdb.rows(db, "SELECT state FROM contact_requests"))
    assert states == {"accepted": 1, "open": demo.ONLINE_REQUESTS - 1}


def test_demo_has_contacts_with_notes_and_an_earlier_meeting_of_its_network(db: Any) -> None:
    event, _ = demo.ensure_demo(db)
    assert events.current(db).id == event.id
    earlier = events.by_slug(db, demo.EARLIER_SLUG)
    assert earlier.network == event.network and earlier.date < event.date
    pairs = kdb.one(
        db,
        "SELECT count(*) AS n FROM contacts WHERE event_id = ? AND owner_id < other_id",
        [event.id],
    )["n"]
    assert pairs == demo.CONTACT_PAIRS + 1  # and one asked for online, and accepted
    notes = kdb.one(db, "SELECT count(*) AS n FROM contacts WHERE note != ''")["n"]
    assert notes >= 1
    shared = kdb.one(
        db,
        """SELECT count(*) AS n FROM attendees a JOIN attendees b ON a.person_id = b.person_id
        WHERE a.event_id = ? AND b.event_id = ?""",
        [event.id, earlier.id],
    )["n"]
    assert shared == round(len(demo.demo_people()) * demo.EARLIER_SHARE)


def test_cli_checkin_exit_code_says_whether_it_checked_in(runner: Any) -> None:
    assert runner.invoke("event", "create", "Brunch").exit_code == 0
    database = kdb.connect(Path(runner.data_dir) / "kiosk.sqlite3")
    event = events.current(database)
    anna = person(database, event)
    database.close()
    first = runner.invoke("checkin", f"http://kiosk.test/b/{anna['code']}", "--desk", "Tür")
    assert first.exit_code == 0, first.output
    assert "Checked in: Anna Müller" in first.output and "'Tür'" in first.output
    again = runner.invoke("checkin", anna["code"])
    assert again.exit_code == 1 and "Already checked in: Anna Müller" in again.output
    unknown = runner.invoke("checkin", attendees.new_code(), "--event", event.slug)
    assert unknown.exit_code == 1 and "Unknown badge code" in unknown.output
    listed = json.loads(runner.invoke("attendees", "--json").output)
    assert listed[0]["checked_in_desk"] == "Tür"


def test_cli_checkin_still_takes_the_older_station_option(runner: Any) -> None:
    assert runner.invoke("event", "create", "Brunch").exit_code == 0
    database = kdb.connect(Path(runner.data_dir) / "kiosk.sqlite3")
    anna = person(database, events.current(database))
    database.close()
    result = runner.invoke("checkin", anna["code"], "--station", "Tür 2")
    assert result.exit_code == 0 and "at desk 'Tür 2'" in result.output


# -- printing at the desk -------------------------------------------------------------------------


def test_without_a_printer_nothing_is_sent_to_print(db: Any, event: events.Event) -> None:
    anna = person(db, event)
    assert checkin.desk_printer(db) == ""
    assert not checkin.print_in_background(
        db, event, anna["id"], public_url="http://kiosk.test", desk="Eingang"
    )


def test_a_failed_print_is_a_checkin_error(
    db: Any, event: events.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk import badges

    anna = person(db, event)
    badges.save_print_settings(db, single_printer="kiosk-test-printer")
    monkeypatch.setenv("PATH", "")  # no CUPS `lp` here: the printer cannot take the job
    with pytest.raises(CheckinError) as caught:
        checkin.print_badge(db, event, anna["id"], public_url="http://kiosk.test", desk="E")
    assert caught.value.code == "print_failed"
