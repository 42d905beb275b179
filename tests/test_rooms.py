"""Breakout rooms from the table plan: mixing or by topic, Zoom's pre-assignment CSV read
back, the room list, and `kiosk tables`."""

from __future__ import annotations

import csv
import io

import pypdf
import pytest

from kiosk import attendees, events, matching
from kiosk import db as kdb
from kiosk.matching import rooms

ORGS = ("Max-Eyth-Schule", "Bäckerei Öztürk", "Jobcenter", "Stadtwerke")
TOPICS = ("Pflege", "Digitalisierung", "Praktikum")


def people(db, event, n, *, without_email=(), attendance="", consent=True):
    made = []
    for i in range(n):
        data = attendees.AttendeeData(
            first_name=f"Jörg{i}",
            last_name="Müller",
            email="" if i in without_email else f"p{i}@example.org",
            organisation=ORGS[i % len(ORGS)],
            interests=[TOPICS[i % len(TOPICS)]],
            attendance=attendance,
            consent_matchmaking=consent,
        )
        made.append(attendees.create(db, event, data, how="test"))
    return made


def read_zoom(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def online_event(db, event):
    return events.update_settings(db, event.id, {"format": "online"})


def test_rooms_mix_organisations_and_zoom_csv_reads_back(db, online_event) -> None:
    made = people(db, online_event, 16, without_email={5})
    plan = matching.make_table_plan(db, online_event, 4, 2, who="online")
    assert plan.repeats == 0
    found = rooms.room_rounds(db, plan)
    for rnd in found:
        text = rooms.zoom_csv(rnd)
        assert text.splitlines()[0] == "Pre-assign Room Name,Email Address"
        rows = read_zoom(text)
        emails = [r["Email Address"] for r in rows]
        assert sorted(emails) == sorted(p["email"] for p in made if p["email"])
        assert len(set(emails)) == len(emails)  # one room per person in a round
        assert {r["Pre-assign Room Name"] for r in rows} == {"Raum 1", "Raum 2", "Raum 3", "Raum 4"}
        if rnd.number == 1:
            for room in rnd.rooms:
                orgs = [p["organisation"] for p in room.people]
                assert len(set(orgs)) == len(orgs)  # four organisations, four people a room
        # The person without an address is named, not dropped.
        assert [p["name"] for _, p in rnd.without_email] == ["Jörg5 Müller"]
    listing = rooms.room_list_text(online_event, found)
    assert "Jörg5 Müller, Bäckerei Öztürk [ohne E-Mail]" in listing
    assert listing.count("Runde ") == 2


def test_by_topic_rooms_share_their_topic(db, online_event) -> None:
    made = people(db, online_event, 12)
    plan = rooms.make_topic_plan(db, online_event, 4, 1)
    topic_of = {p["id"]: TOPICS[i % len(TOPICS)] for i, p in enumerate(made)}
    assert sorted(plan.topics[0]) == sorted(TOPICS)
    for table, topic in zip(plan.rounds[0], plan.topics[0], strict=True):
        assert {topic_of[a] for a in table} == {topic}
    names = [
        r.name for r in rooms.room_rounds(db, matching.latest_table_plan(db, online_event))[0].rooms
    ]
    assert names == ["Raum 1 – Digitalisierung", "Raum 2 – Pflege", "Raum 3 – Praktikum"]


def test_topics_of_people_without_consent_are_not_used(db, online_event) -> None:
    people(db, online_event, 6, consent=False)
    plan = rooms.make_topic_plan(db, online_event, 3, 1)
    assert plan.topics[0] == ["", ""]  # open rooms: nobody's interests shown
    assert sorted(a for t in plan.rounds[0] for a in t) == sorted(
        r["id"] for r in kdb.rows(db, "SELECT id FROM attendees")
    )


def test_only_online_attendees_get_rooms_at_a_hybrid_event(db, event) -> None:
    event = events.update_settings(db, event.id, {"format": "hybrid"})
    remote = people(db, event, 4, attendance="online")
    people(db, event, 4, attendance="on-site")
    plan = matching.make_table_plan(db, event, 2, 1, who="online")
    assert sorted(a for t in plan.rounds[0] for a in t) == sorted(p["id"] for p in remote)


def test_cli_writes_zoom_csv_per_round_and_names_who_has_no_email(runner, tmp_path) -> None:
    from kiosk import db as kdb2

    runner.invoke("event", "create", "Online-Treffen", "--format", "online")
    database = kdb2.connect(runner.data_dir / "kiosk.sqlite3")
    people(database, events.current(database), 10, without_email={3})
    database.close()
    out = tmp_path / "räume.csv"
    result = runner.invoke("tables", "--rounds", "2", "--size", "5", "--zoom", "-o", str(out))
    assert result.exit_code == 0, result.output
    for n in (1, 2):
        raw = (tmp_path / f"räume-{n}.csv").read_bytes()
        assert raw.startswith(b"Pre-assign Room Name,Email Address\r\n")
        rows = read_zoom(raw.decode("utf-8"))
        assert len(rows) == 9 and {r["Pre-assign Room Name"] for r in rows} == {"Raum 1", "Raum 2"}
    assert "No e-mail, assign by hand: Jörg3 Müller" in result.output
    single = runner.invoke("tables", "--rounds", "1", "--size", "5", "--zoom", "--by-topic")
    assert single.exit_code == 0
    assert single.output.splitlines()[1] == "Pre-assign Room Name,Email Address"
    assert "Raum 1 – " in single.output


def test_cli_warns_beyond_zooms_limits(runner, tmp_path) -> None:
    from kiosk import db as kdb2

    runner.invoke("event", "create", "Großes Online-Treffen", "--format", "online")
    database = kdb2.connect(runner.data_dir / "kiosk.sqlite3")
    people(database, events.current(database), 202)
    database.close()
    result = runner.invoke(
        "tables", "--rounds", "1", "--size", "2", "--zoom", "-o", str(tmp_path / "z.csv")
    )
    assert result.exit_code == 0
    assert "round 1 has 101 rooms; Zoom pre-assigns at most 100" in result.output
    over = rooms.RoomRound(
        1, [rooms.Room("Raum 1", [{"email": f"{i}@x.org"} for i in range(1001)])]
    )
    assert over.over_zoom_limits == ["people"]


def test_cli_table_plan_as_pdf_and_text(runner, tmp_path) -> None:
    from kiosk import db as kdb2

    runner.invoke("event", "create", "Brunch")
    database = kdb2.connect(runner.data_dir / "kiosk.sqlite3")
    people(database, events.current(database), 8)
    database.close()
    result = runner.invoke(
        "tables", "--rounds", "2", "--size", "4", "--who", "all", "-o", str(tmp_path / "p.pdf")
    )
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(tmp_path / "p.pdf")
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Brunch · Runde 1 von 2" in first and "Tisch 1" in first and "Jörg0 Müller" in first
    text = runner.invoke("tables", "--rounds", "1", "--size", "4", "--who", "all")
    assert "Tisch 2 (4 Personen)" in text.output
    nobody = runner.invoke("tables", "--rounds", "1", "--size", "4")
    assert nobody.exit_code != 0 and "No plan" in nobody.output  # nobody checked in yet


def test_matching_page_makes_topic_rooms_and_serves_zoom_csv(organiser, db, online_event) -> None:
    people(db, online_event, 9, without_email={0})
    page = organiser.get("/admin/tables").get_data(as_text=True)
    assert 'value="online"' in page and 'name="by_topic"' in page
    response = organiser.post(
        "/admin/tables", data={"table_size": "3", "rounds": "2", "who": "online", "by_topic": "1"}
    )
    assert response.status_code == 303
    listing = organiser.get("/admin/rooms").get_data(as_text=True)
    assert "Raum 1 – " in listing and "ohne E-Mail" in listing
    assert "fehlt in der Zoom-Datei" in listing
    csv_response = organiser.get("/admin/rooms/zoom-2.csv")
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    rows = read_zoom(csv_response.get_data().decode("utf-8"))
    assert len(rows) == 8 and all(r["Pre-assign Room Name"].startswith("Raum ") for r in rows)
    assert organiser.get("/admin/rooms/zoom-3.csv").status_code == 404
    audit = kdb.rows(db, "SELECT what, rows FROM audit WHERE action = 'export'")
    assert audit == [{"what": "zoom_rooms", "rows": 8}]


def test_a_topic_met_again_is_met_with_other_people(db, online_event) -> None:
    people(db, online_event, 24)  # one topic each: eight people per topic, rooms of four
    plan = rooms.make_topic_plan(db, online_event, 4, 2)
    first, second = ({frozenset(t) for t in rnd} for rnd in plan.rounds)
    assert len(plan.rounds[0]) == 6 and first != second


def test_tables_in_the_room_seat_only_who_came_at_a_hybrid_event(db, event) -> None:
    from kiosk import checkin

    event = events.update_settings(db, event.id, {"format": "hybrid"})
    there = people(db, event, 4, attendance="vor Ort")
    remote = people(db, event, 4, attendance="online")
    for a in there + remote:
        checkin.check_in(db, event, a["id"], desk="online" if a in remote else "Eingang")
    plan = matching.make_table_plan(db, event, 2, 1, who="present")
    seated = {i for table in plan.rounds[0] for i in table}
    assert seated == {a["id"] for a in there}
    online_plan = matching.make_table_plan(db, event, 2, 1, who="online")
    assert {i for table in online_plan.rounds[0] for i in table} == {a["id"] for a in remote}


def test_a_shared_address_goes_to_zoom_once_and_its_second_person_is_named(db, online_event):
    made = people(db, online_event, 8)
    db.execute(
        "UPDATE attendees SET email = 'sekretariat@schule.example' WHERE id IN (?, ?)",
        [made[0]["id"], made[1]["id"]],
    )
    db.conn.commit()
    plan = matching.make_table_plan(db, online_event, 4, 1, who="online")
    [rnd] = rooms.room_rounds(db, plan)
    rows = read_zoom(rooms.zoom_csv(rnd))
    addresses = [r["Email Address"] for r in rows]
    assert addresses.count("sekretariat@schule.example") == 1 and len(rows) == 7
    assert rnd.zoom_people == 7
    [(_room, person)] = rnd.shared_email
    assert person["email"] == "sekretariat@schule.example"
    assert person["name"] in {"Jörg0 Müller", "Jörg1 Müller"}
