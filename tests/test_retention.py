"""Deletion after the event: the deadline, purge, erasure on request, and the data folder
searched byte by byte afterwards (organisation names stay: the report keeps them)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk import (
    attendees,
    audit,
    badges,
    checkin,
    contacts,
    events,
    importing,
    report,
    retention,
)
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

from conftest import SHARED_DATA

HOSTILE = SHARED_DATA / "bad" / "hostile-values.csv"


def person(db, event, first, last, email, phone="", **values) -> dict:
    return attendees.create(
        db,
        event,
        AttendeeData(first_name=first, last_name=last, email=email, phone=phone, **values),
        how="test",
    )


@pytest.fixture
def crowd(db, event, tmp_path):
    """An event with people, contacts with notes, check-ins, an undo, a badge PDF and an upload."""
    zora = person(
        db,
        event,
        "Zoraida",
        "Quokkabaum",
        "zoraida.quokkabaum@beispiel.example",
        "0171 5550101",
        consent_share_contact=True,
        organisation="Quokka GmbH",
    )
    wendelin = person(
        db,
        event,
        "Wendelin",
        "Xylander",
        "wendelin.xylander@schule.example",
        "0561 5550202",
        organisation="Schule am Park",
    )
    importing.import_file(db, event, HOSTILE.read_bytes(), HOSTILE.name)
    for a in (zora, wendelin):
        checkin.check_in(db, event, a["id"], desk="Eingang")
    checkin.undo(db, event, wendelin["id"], reason="Wendelin Xylander doppelt", desk="Eingang")
    contacts.swap(db, event, zora["id"], wendelin["id"], how="phone")
    [mine] = contacts.list_for(db, zora["id"])
    contacts.set_note(db, zora["id"], mine["id"], "Xylander wegen Praktikum anrufen")
    data_dir = Path(kdb.database_file(db)).parent
    (data_dir / "badges").mkdir(exist_ok=True)
    badges.batch_pdf(
        db, event, public_url="http://kiosk.test", save_to=data_dir / "badges" / "x.pdf"
    )
    (data_dir / "badges" / f"badges-{event.slug}-1200-abc.pdf").write_bytes(
        b"%PDF Zoraida Quokkabaum"
    )
    (data_dir / "uploads").mkdir(exist_ok=True)
    (data_dir / "uploads" / "waiting.bin").write_text(
        "Vorname;Nachname\nZoraida;Quokkabaum\n", encoding="utf-8"
    )
    return {"zora": zora, "wendelin": wendelin, "data_dir": data_dir}


def secrets_of(db, event) -> list[bytes]:
    """Every name, e-mail and phone of the event's people, as they would sit in a file."""
    found = []
    for a in attendees.list_for_event(db, event.id, include_cancelled=True):
        for key in ("first_name", "last_name", "email", "phone"):
            value = a[key]
            if len(value) >= 5:  # shorter strings occur by chance in any binary file
                found.append(value.encode("utf-8"))
    return found


def leftovers(data_dir: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            hits += [f"{path.name}: {n!r}" for n in needles if n in content]
    return hits


def test_purge_leaves_no_byte_of_the_people_in_the_data_folder(db, event, crowd) -> None:
    needles = secrets_of(db, event)
    assert len(needles) > 20 and leftovers(crowd["data_dir"], needles)  # there before
    count = len(attendees.list_for_event(db, event.id, include_cancelled=True))
    done = retention.purge(db, event, who="test")
    assert done.rows["attendees"] == count and done.rows["contacts"] == 2
    assert leftovers(crowd["data_dir"], needles) == []
    assert not list((crowd["data_dir"] / "uploads").iterdir())
    assert not list((crowd["data_dir"] / "badges").glob(f"badges-{event.slug}-*"))
    wal = crowd["data_dir"] / "kiosk.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_purge_keeps_the_event_its_report_figures_and_the_audit(db, event, crowd) -> None:
    before = report.figures(db, event)
    retention.purge(db, event, who="organiser")
    purged = events.get(db, event.id)
    assert retention.is_purged(purged) and purged.name == event.name
    assert attendees.list_for_event(db, event.id, include_cancelled=True) == []
    after = report.figures(db, purged)
    assert after["attendance"] == before["attendance"] and after["contacts"] == before["contacts"]
    assert after["network"] == before["network"]
    assert report.pdf(db, purged).startswith(b"%PDF")
    entry = audit.entries(db, event.id)[0]
    assert (entry["action"], entry["who"]) == ("purge", "organiser") and entry["rows"] > 20


def test_purge_keeps_people_of_other_events_of_the_network(db, event, crowd) -> None:
    later = events.create(db, "Herbsttreffen", network=event.network)
    back = person(db, later, "Zoraida", "Quokkabaum", "zoraida.quokkabaum@beispiel.example")
    retention.purge(db, event, who="test")
    assert attendees.get(db, back["id"])["email"] == "zoraida.quokkabaum@beispiel.example"
    assert kdb.one(db, "SELECT count(*) AS n FROM persons WHERE id = ?", [back["person_id"]])["n"]


def test_erasure_on_request_keeps_others_contacts_as_deleted_contact(db, event, crowd) -> None:
    retention.erase(db, event, crowd["wendelin"]["id"], who="organiser")
    [kept] = contacts.list_for(db, crowd["zora"]["id"])
    assert kept["erased"] and kept["name"] == "" and kept["email"] == ""
    assert kept["note"] == "Xylander wegen Praktikum anrufen"  # Zoraida's own note stays hers
    assert contacts.vcard([kept]) == ""
    needles = [b"wendelin.xylander@schule.example", b"0561 5550202", b"Wendelin"]
    assert leftovers(crowd["data_dir"], needles) == []
    assert audit.entries(db, event.id)[0]["action"] == "erasure"
    with pytest.raises(attendees.AttendeeError):
        attendees.get(db, crowd["wendelin"]["id"])


def test_deadline_and_expired_events(db) -> None:
    old = events.create(db, "Alt", event_date="2026-01-10")
    events.update_settings(db, old.id, {"retention_days": 14})
    fresh = events.create(db, "Neu", event_date=date.today().isoformat())
    old = events.get(db, old.id)
    assert retention.deadline(old) == date(2026, 1, 24)
    assert [e.id for e in retention.expired(db)] == [old.id]
    assert retention.expired(db, today=date(2026, 1, 24)) == []
    purged = retention.purge_expired(db, who="cli")
    assert [p.event.id for p in purged] == [old.id] and retention.expired(db) == []
    assert not retention.is_purged(events.get(db, fresh.id))


def test_cli_purge_asks_and_purge_expired_is_scriptable(runner) -> None:
    assert runner.invoke("event", "create", "Alt", "--date", "2020-01-01").exit_code == 0
    db = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.current(db)
    person(db, event, "Zoraida", "Quokkabaum", "z@q.example")
    db.close()
    refused = runner.invoke("purge", input="n\n")
    assert refused.exit_code != 0 and "Nothing deleted" in refused.output
    done = runner.invoke("purge", "--expired", "--yes")
    assert done.exit_code == 0 and "Purged 'Alt': 1 attendees" in done.output
    again = runner.invoke("purge", "--expired", "--yes")
    assert again.exit_code == 0 and "No event is past" in again.output


def test_cli_erase_one_person(runner) -> None:
    assert runner.invoke("event", "create", "Brunch").exit_code == 0
    db = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.current(db)
    person(db, event, "Zoraida", "Quokkabaum", "z@q.example")
    db.close()
    result = runner.invoke("erase", "z@q.example", "--yes")
    assert result.exit_code == 0 and "Erased Zoraida Quokkabaum" in result.output
    assert b"z@q.example" not in (runner.data_dir / "kiosk.sqlite3").read_bytes()


def test_deadline_without_a_date_counts_from_creation(db) -> None:
    event = events.create(db, "Ohne Datum")
    created = date.fromisoformat(event.created_at[:10])
    assert retention.deadline(event) == created + timedelta(days=30)
