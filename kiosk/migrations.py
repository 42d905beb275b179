"""The schema's history: one function per change, applied in order by ``kiosk.db.init``.

Append new ones at the end, numbered in the order they run; never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("kiosk")
#: Names migrations had before they were numbered in the order they run; databases made
#: then have them recorded under the old name.
RENAMED_MIGRATIONS = {
    "m020_checkin": "m003_checkin",
    "m030_matching_feedback": "m004_matching_feedback",
    "m031_matching_table_plans": "m005_matching_table_plans",
    "m010_badge_prints": "m006_badge_prints",
    "m021_checkin_counter_index": "m007_checkin_counter_index",
}


@migrations()
def m001_core(db: Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["events"].create(
        {
            "id": int,
            "slug": str,
            "name": str,
            "date": str,
            "network": str,
            "settings": str,
            "created_at": str,
        },
        pk="id",
        not_null={"slug", "name", "network", "created_at"},
        defaults={"settings": "{}"},
    )
    db["events"].create_index(["slug"], unique=True)
    db["persons"].create(
        {"id": int, "network": str, "email": str, "name_key": str, "created_at": str},
        pk="id",
        not_null={"network", "created_at"},
    )
    db["persons"].create_index(["network", "email"])
    db["persons"].create_index(["network", "name_key"])
    db["attendees"].create(
        {
            "id": int,
            "event_id": int,
            "person_id": int,
            "code": str,
            "secret": str,
            "first_name": str,
            "last_name": str,
            "email": str,
            "phone": str,
            "organisation": str,
            "organisation_type": str,
            "project": str,
            "role": str,
            "interests": str,
            "offers": str,
            "seeks": str,
            "extra": str,
            "status": str,
            "consent_matchmaking": int,
            "consent_matchmaking_at": str,
            "consent_matchmaking_how": str,
            "consent_share_contact": int,
            "consent_share_contact_at": str,
            "consent_share_contact_how": str,
            "checked_in_at": str,
            "checked_in_station": str,
            "search_key": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("person_id", "persons", "id")],
        not_null={"event_id", "code", "secret", "first_name", "created_at", "status"},
        defaults={
            "last_name": "",
            "email": "",
            "phone": "",
            "organisation": "",
            "organisation_type": "",
            "project": "",
            "role": "",
            "interests": "[]",
            "offers": "[]",
            "seeks": "[]",
            "extra": "{}",
            "status": "registered",
            "search_key": "",
        },
    )
    db["attendees"].create_index(["code"], unique=True)
    db["attendees"].create_index(["secret"], unique=True)
    db["attendees"].create_index(["event_id", "last_name"])
    db["attendees"].create_index(["event_id", "checked_in_at"])
    db["attendees"].create_index(["person_id"])
    db["attendee_log"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "at": str,
            "action": str,
            "station": str,
            "detail": str,
        },
        pk="id",
        not_null={"event_id", "at", "action"},
        defaults={"detail": "{}", "station": ""},
    )
    db["attendee_log"].create_index(["event_id", "at"])
    db["attendee_log"].create_index(["attendee_id"])
    # The log is append-only: the database itself refuses changes to past entries.
    db.execute(
        """CREATE TRIGGER attendee_log_no_update BEFORE UPDATE ON attendee_log
        BEGIN SELECT RAISE(ABORT, 'attendee_log is append-only'); END"""
    )


@migrations()
def m002_contacts(db: Database) -> None:
    # One row per direction: each side owns their copy of a contact and their private note.
    db["contacts"].create(
        {
            "id": int,
            "event_id": int,
            "owner_id": int,
            "other_id": int,
            "created_at": str,
            "how": str,
            "station": str,
            "note": str,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("owner_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
        ],
        not_null={"event_id", "owner_id", "other_id", "created_at"},
        defaults={"note": "", "how": "", "station": ""},
    )
    db["contacts"].create_index(["owner_id", "other_id"], unique=True)
    db["contacts"].create_index(["other_id"])


@migrations()
def m003_checkin(db: Database) -> None:
    # Check-out keeps checked_in_at (they came); re-entry clears checked_out_at.
    db["attendees"].add_column("checked_out_at", str)
    # Named check-in desks; a one-time link (only its hash) turns another device into one.
    db["stations"].create(
        {
            "id": int,
            "name": str,
            "mode": str,
            "created_at": str,
            "link_digest": str,
            "link_expires_at": str,
        },
        pk="id",
        not_null={"name", "mode", "created_at"},
        defaults={"mode": "desk"},
    )
    db["stations"].create_index(["name"], unique=True)
    db["stations"].create_index(["link_digest"])
    # A per-event version that changes whenever what name search looks in changes, also from
    # other processes (an import while serving): the in-memory search index checks it.
    db["search_versions"].create({"event_id": int, "version": int}, pk="event_id")
    bump = """INSERT INTO search_versions (event_id, version)
        VALUES ({ev}, abs(random()) % 1000000000)
        ON CONFLICT (event_id) DO UPDATE SET version = version + 1"""
    db.execute(
        f"""CREATE TRIGGER search_version_insert AFTER INSERT ON attendees
        BEGIN {bump.format(ev="NEW.event_id")}; END"""
    )
    db.execute(
        f"""CREATE TRIGGER search_version_update
        AFTER UPDATE OF search_key, status, event_id ON attendees
        BEGIN {bump.format(ev="NEW.event_id")}; {bump.format(ev="OLD.event_id")}; END"""
    )
    db.execute(
        f"""CREATE TRIGGER search_version_delete AFTER DELETE ON attendees
        BEGIN {bump.format(ev="OLD.event_id")}; END"""
    )


@migrations()
def m004_matching_feedback(db: Database) -> None:
    # An attendee's verdict on one suggestion ("met" / "not_a_fit"); the latest per pair counts.
    db["suggestion_feedback"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "other_id": int,
            "verdict": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("attendee_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
        ],
        not_null={"event_id", "attendee_id", "other_id", "verdict", "created_at"},
    )
    db["suggestion_feedback"].create_index(["attendee_id", "other_id"], unique=True)
    db["suggestion_feedback"].create_index(["event_id"])
    db["suggestion_feedback"].create_index(["other_id"])


@migrations()
def m005_matching_table_plans(db: Database) -> None:
    # Seatings for networking rounds, as JSON (attendee ids per table per round).
    db["table_plans"].create(
        {"id": int, "event_id": int, "created_at": str, "plan": str},
        pk="id",
        foreign_keys=[("event_id", "events", "id")],
        not_null={"event_id", "created_at", "plan"},
    )
    db["table_plans"].create_index(["event_id"])


@migrations()
def m006_badge_prints(db: Database) -> None:
    # When and how often each badge was printed; one log row per print (reprints are deliberate).
    db["attendees"].add_column("badge_printed_at", str)
    db["attendees"].add_column("badge_print_count", int, not_null_default=0)
    db["badge_prints"].create(
        {"id": int, "attendee_id": int, "at": str, "how": str, "layout": str},
        pk="id",
        foreign_keys=[("attendee_id", "attendees", "id")],
        not_null={"attendee_id", "at"},
        defaults={"how": "", "layout": ""},
    )
    db["badge_prints"].create_index(["attendee_id"])


@migrations()
def m007_checkin_counter_index(db: Database) -> None:
    # The desks poll arrived/registered every 2 s: a covering index keeps that off the table rows.
    db["attendees"].create_index(
        ["event_id", "status", "checked_in_at", "checked_out_at"],
        index_name="idx_attendees_checkin_counts",
    )


@migrations()
def m008_audit(db: Database) -> None:
    # What left kiosk or was deleted: who (a role), what, when, how many rows; nothing personal.
    db["audit"].create(
        {
            "id": int,
            "event_id": int,
            "at": str,
            "who": str,
            "action": str,
            "what": str,
            "rows": int,
            "detail": str,
        },
        pk="id",
        not_null={"at", "who", "action", "what"},
        defaults={"rows": 0, "detail": "{}"},
    )
    db["audit"].create_index(["event_id", "at"])


@migrations()
def m009_desks(db: Database) -> None:
    # One word for a check-in point: "desk", in tables and columns as in the code and the UI.
    db.execute("ALTER TABLE stations RENAME TO desks")
    db.execute("ALTER TABLE attendees RENAME COLUMN checked_in_station TO checked_in_desk")
    db.execute("ALTER TABLE attendee_log RENAME COLUMN station TO desk")
    db.execute("ALTER TABLE contacts RENAME COLUMN station TO desk")


@migrations()
def m010_suggestions_shown(db: Database) -> None:
    # Whom each attendee was shown as a suggestion, first when: the report counts suggestions
    # acted on (a contact made with someone suggested before they met).
    db["suggestions_shown"].create(
        {"attendee_id": int, "other_id": int, "event_id": int, "first_at": str},
        pk=("attendee_id", "other_id"),
        foreign_keys=[
            ("attendee_id", "attendees", "id"),
            ("other_id", "attendees", "id"),
            ("event_id", "events", "id"),
        ],
        not_null={"event_id", "first_at"},
    )
    db["suggestions_shown"].create_index(["event_id"])
    db["suggestions_shown"].create_index(["other_id"])


@migrations()
def m011_report_figures(db: Database) -> None:
    # The report's anonymous figures of an event, kept when its personal data is purged.
    db["report_figures"].create(
        {"event_id": int, "stored_at": str, "figures": str},
        pk="event_id",
        foreign_keys=[("event_id", "events", "id")],
        not_null={"stored_at", "figures"},
    )


@migrations()
def m012_mail(db: Database) -> None:
    # One row per mail and person: a send-out that is restarted never sends it twice.
    # state: sending (handed to the server, answer not recorded yet), sent, failed.
    db["mail_log"].create(
        {
            "id": int,
            "event_id": int,
            "attendee_id": int,
            "kind": str,
            "address": str,
            "state": str,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("attendee_id", "attendees", "id")],
        not_null={"event_id", "kind", "state", "created_at", "updated_at"},
        defaults={"address": "", "error": ""},
    )
    db["mail_log"].create_index(["event_id", "attendee_id", "kind"], unique=True)
    db["mail_log"].create_index(["attendee_id"])


@migrations()
def m013_contacts_of_erased_people(db: Database) -> None:
    # A contact whose other person was erased on request stays on its owner's list (with the
    # owner's note) as "gelöschter Kontakt": other_id becomes NULL.
    db["contacts"].transform(not_null={"other_id": False})


@migrations()
def m014_consent_mail(db: Database) -> None:
    # A third purpose: mails from kiosk about this event (the contact summary afterwards).
    db["attendees"].add_column("consent_mail", int)
    db["attendees"].add_column("consent_mail_at", str)
    db["attendees"].add_column("consent_mail_how", str)


@migrations()
def m015_attendance_mode(db: Database) -> None:
    # How a person takes part in a hybrid event: "on-site" or "online" ("" = as the event).
    db["attendees"].add_column("attendance", str, not_null_default="")


@migrations()
def m016_contact_requests(db: Database) -> None:
    # "Kontakt anfragen" without a badge: one row per asking and asked person; the contact is
    # swapped only when the asked person accepts.
    db["contact_requests"].create(
        {
            "id": int,
            "event_id": int,
            "from_id": int,
            "to_id": int,
            "state": str,  # open, accepted, declined
            "created_at": str,
            "answered_at": str,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("from_id", "attendees", "id"),
            ("to_id", "attendees", "id"),
        ],
        not_null={"event_id", "from_id", "to_id", "state", "created_at"},
    )
    db["contact_requests"].create_index(["from_id", "to_id"], unique=True)
    db["contact_requests"].create_index(["to_id", "state"])


@migrations()
def m017_desks_of_one_event(db: Database) -> None:
    # A desk belongs to one event, and a removed desk's id is never given again (AUTOINCREMENT):
    # a device signed in as a removed "Tablet" must not come back as a new "Tablet".
    db.execute(
        """CREATE TABLE desks_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id INTEGER,
            name TEXT NOT NULL,
            mode TEXT NOT NULL DEFAULT 'desk',
            created_at TEXT NOT NULL,
            link_digest TEXT,
            link_expires_at TEXT
        )"""
    )
    # Desks made before belong to the event chosen then (else the newest).
    db.execute(
        """INSERT INTO desks_new (id, event_id, name, mode, created_at, link_digest,
            link_expires_at)
        SELECT id, (SELECT id FROM events ORDER BY id = (SELECT CAST(value AS INTEGER)
            FROM settings WHERE key = 'current_event') DESC, id DESC LIMIT 1),
            name, mode, created_at, link_digest, link_expires_at FROM desks"""
    )
    db.execute("DROP TABLE desks")
    db.execute("ALTER TABLE desks_new RENAME TO desks")
    db["desks"].create_index(["event_id", "name"], unique=True)
    db["desks"].create_index(["link_digest"])


@migrations()
def m018_badge_pdfs(db: Database) -> None:
    # Making a PDF is not printing: the print log also notes PDFs ("pdf") apart from prints
    # ("print"), and which batch they came from, so the organiser can confirm a batch printed.
    db["badge_prints"].add_column("kind", str, not_null_default="print")
    db["badge_prints"].add_column("batch", str, not_null_default="")
    db["badge_prints"].create_index(["batch"])
    db["attendees"].add_column("badge_pdf_at", str)


@migrations()
def m019_contact_initiator(db: Database) -> None:
    # Who saved a contact by phone: 1 on the saver's row, 0 on the other's (who is shown who
    # saved them); NULL for contacts swapped at a desk or before this was recorded. The
    # per-attendee limit on saves counts the rows with 1.
    db["contacts"].add_column("initiated", int)
    db["contacts"].create_index(["owner_id", "initiated", "created_at"])


@migrations()
def m020_matching_versions(db: Database) -> None:
    # A per-event version that changes whenever what matchmaking reads changes (attendees, their
    # contacts, feedback on suggestions), also from other processes: asking for an attendee's
    # suggestions checks one row instead of counting the event's attendees each time.
    db["matching_versions"].create({"event_id": int, "version": int}, pk="event_id")
    bump = """INSERT INTO matching_versions (event_id, version)
        VALUES ({ev}, abs(random()) % 1000000000)
        ON CONFLICT (event_id) DO UPDATE SET version = version + 1"""
    for table in ("attendees", "contacts", "suggestion_feedback"):
        db.execute(
            f"""CREATE TRIGGER matching_version_{table}_insert AFTER INSERT ON {table}
            BEGIN {bump.format(ev="NEW.event_id")}; END"""
        )
        db.execute(
            f"""CREATE TRIGGER matching_version_{table}_update AFTER UPDATE ON {table}
            BEGIN {bump.format(ev="NEW.event_id")}; {bump.format(ev="OLD.event_id")}; END"""
        )
        db.execute(
            f"""CREATE TRIGGER matching_version_{table}_delete AFTER DELETE ON {table}
            BEGIN {bump.format(ev="OLD.event_id")}; END"""
        )


@migrations()
def m021_checkin_nonce(db: Database) -> None:
    # The nonce a desk gives each scan: a scan replayed after the laptop was unreachable (or sent
    # twice) is recorded once. Only entries made from a desk's scan carry one.
    db["attendee_log"].add_column("nonce", str)
    db.execute(
        "CREATE UNIQUE INDEX idx_attendee_log_nonce ON attendee_log (nonce) WHERE nonce IS NOT NULL"
    )
