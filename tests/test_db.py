"""The database: migrations in order, and a database made by an earlier kiosk upgraded in place."""

from kiosk import attendees, checkin, desks, events, migrations
from kiosk import db as kdb


def test_migrations_are_named_in_the_order_they_run() -> None:
    names = [m.name for m in migrations.migrations._migrations]
    numbers = [int(n[1:4]) for n in names]
    assert numbers == list(range(1, len(names) + 1)), names


def test_a_database_from_before_the_renames_is_upgraded_with_its_data(tmp_path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    kdb.init(path)
    db = kdb.connect(path)
    event = events.create(db, "Brunch")
    anna = attendees.create(db, event, attendees.AttendeeData(first_name="Anna"), how="t")
    checkin.check_in(db, event, anna["id"], desk="Eingang")
    desks.add(db, "Eingang")
    # Back to how a database looked before: old table and column names, old migration names.
    db.execute("ALTER TABLE desks RENAME TO stations")
    db.execute("ALTER TABLE attendees RENAME COLUMN checked_in_desk TO checked_in_station")
    db.execute("ALTER TABLE attendee_log RENAME COLUMN desk TO station")
    db.execute("ALTER TABLE contacts RENAME COLUMN desk TO station")
    db.execute("DROP TABLE audit")
    table = migrations.migrations.migrations_table
    db.execute(f"DELETE FROM [{table}] WHERE name IN ('m008_audit', 'm009_desks')")
    for old, new in migrations.RENAMED_MIGRATIONS.items():
        db.execute(f"UPDATE [{table}] SET name = ? WHERE name = ?", [old, new])
    db.conn.commit()
    db.close()

    kdb.init(path)

    db = kdb.connect(path)
    applied = [m.name for m in migrations.migrations.applied(db)]
    assert sorted(applied) == sorted(m.name for m in migrations.migrations._migrations)
    assert attendees.get(db, anna["id"])["checked_in_desk"] == "Eingang"
    assert [d["name"] for d in desks.for_event(db, event)] == ["Eingang"]
    assert attendees.history(db, anna["id"])[-1]["desk"] == "Eingang"
    db.close()
