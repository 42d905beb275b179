"""Mail: settings with the password encrypted, who gets which mail, the mails themselves, and
previews; sent to a real SMTP server on loopback (aiosmtpd) and read back as it arrived."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import attendees, events, mail
from kiosk import db as kdb
from kiosk.mail import MailError

SECRET = "test"
BASE_URL = "http://kiosk.test"
PASSWORD = "Sehr-geheim-4711!"
PDF = b"%PDF-1.4\n% kontakte\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VCARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ben Öztürk\r\nEND:VCARD\r\n"


def person(db: Any, event: events.Event, first: str, last: str = "Müller", **kw: Any) -> dict:
    email = kw.pop("email", f"{first.lower()}@example.org")
    data = attendees.AttendeeData(first_name=first, last_name=last, email=email, **kw)
    return attendees.create(db, event, data, how="test")


def configure(db: Any, event: events.Event, server: Any = None, **form: Any) -> events.Event:
    """Mail settings for the loopback server (no encryption, a fast pace) and the event anew."""
    values = {
        "host": "127.0.0.1",
        "port": server.port if server else 2525,
        "security": "none",
        "sender": "orga@netzwerk.example",
        "sender_name": "Orga-Team Netzwerk",
        "rate": "1000",
        **form,
    }
    mail.save_settings(db, event.id, values, secret=SECRET)
    return events.get(db, event.id)


def files_for(attendee: dict) -> list[tuple[str, str, bytes]]:
    return [
        (f"kontakte-{attendee['first_name'].lower()}.pdf", "application/pdf", PDF),
        ("kontakte.vcf", "text/vcard", VCARD.encode()),
    ]


def body_of(message: Any) -> str:
    return message.get_body(("plain",)).get_content()


# -- settings --------------------------------------------------------------------------------------


def test_password_is_stored_encrypted_and_never_in_clear(db, event, app) -> None:
    event = configure(db, event, user="orga", password=PASSWORD)
    stored = event.settings["mail_password"]
    assert stored and PASSWORD not in stored
    assert mail.decrypt_password(SECRET, stored) == PASSWORD
    assert mail.mail_settings(event).password(SECRET) == PASSWORD
    db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in Path(app.config["DATABASE"]).parent.glob("kiosk.sqlite3*"):
        assert PASSWORD.encode() not in path.read_bytes(), path.name
    assert PASSWORD not in repr(mail.mail_settings(event))
    assert stored not in repr(mail.mail_settings(event))


def test_a_password_needs_the_same_secret(db, event) -> None:
    event = configure(db, event, user="orga", password=PASSWORD)
    with pytest.raises(MailError) as caught:
        mail.mail_settings(event).password("another installation")
    assert caught.value.code == "password_unreadable"
    assert PASSWORD not in str(caught.value)


def test_an_empty_password_field_keeps_the_stored_one_and_forget_removes_it(db, event) -> None:
    event = configure(db, event, user="orga", password=PASSWORD)
    token = event.settings["mail_password"]
    event = configure(db, event, user="orga", password="")
    assert event.settings["mail_password"] == token
    event = configure(db, event, user="orga", password="", forget_password="1")
    assert not mail.mail_settings(event).has_password


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("host", "", "host_missing"),
        ("host", "smtp example.org", "bad_host"),
        ("host", "smtp://mail.example.org", "bad_host"),
        ("port", "0", "bad_port"),
        ("port", "70000", "bad_port"),
        ("port", "fünf", "bad_port"),
        ("security", "ssl3", "bad_security"),
        ("sender", "", "sender_missing"),
        ("sender", "Orga <orga@netzwerk.example>", "bad_sender"),
        ("sender", "orga", "bad_sender"),
        ("user", "orga\r\nRCPT TO:<x@y.example>", "bad_user"),
        ("rate", "0", "bad_rate"),
        ("rate", "nan", "bad_rate"),
        ("lang", "fr", "bad_language"),
    ],
)
def test_settings_are_checked_and_nothing_is_stored_when_refused(
    db, event, field, value, code
) -> None:
    with pytest.raises(MailError) as caught:
        configure(db, event, **{field: value})
    assert caught.value.code == code
    assert mail.mail_settings(events.get(db, event.id)).host == ""


def test_settings_take_usual_forms(db, event) -> None:
    event = configure(db, event, host="[::1]", port="", security="tls", rate="0,5")
    s = mail.mail_settings(event)
    assert (s.host, s.port, s.security, s.rate) == ("::1", 465, "tls", 0.5)
    event = configure(db, event, host="Mail.Example.ORG.")
    assert mail.mail_settings(event).host == "mail.example.org"


# -- recipients ------------------------------------------------------------------------------------


def test_who_gets_which_mail(db, event) -> None:
    yes = person(db, event, "Anna")
    no = person(db, event, "Ben")
    unasked = person(db, event, "Cem")
    person(db, event, "Dora", email="")
    gone = person(db, event, "Emil")
    attendees.set_consent(db, yes["id"], "mail", True, how="own page")
    attendees.set_consent(db, no["id"], "mail", False, how="own page")
    attendees.set_consent(db, gone["id"], "mail", True, how="own page")
    db.execute("UPDATE attendees SET status = 'cancelled' WHERE id = ?", [gone["id"]])
    db.conn.commit()
    assert [a["first_name"] for a in mail.recipients(db, event.id, "link")] == ["Anna", "Cem"]
    assert [a["first_name"] for a in mail.recipients(db, event.id, "summary")] == ["Anna"]
    assert mail.consent_mail(attendees.get(db, unasked["id"])) is None


def test_not_asked_gets_the_link_but_no_summary(db, event) -> None:
    anna = person(db, event, "Anna")
    assert anna["consent_mail"] is None
    assert mail.eligible(anna, "link") and not mail.eligible(anna, "summary")
    with pytest.raises(MailError) as caught:
        mail.recipients(db, event.id, "newsletter")
    assert caught.value.code == "bad_kind"


# -- messages and previews -------------------------------------------------------------------------


def test_link_mail_says_what_the_page_offers_and_not_to_forward(db, event) -> None:
    event = configure(db, event)
    anna = person(db, event, "Anna")
    message = mail.link_message(
        event, mail.mail_settings(event), anna, base_url=BASE_URL, lang="de"
    )
    body = body_of(message)
    assert message["Subject"] == "Ihr persönlicher Link zu Netzwerkbrunch Test"
    assert f"{BASE_URL}/me/{anna['secret']}" in body
    for words in ("Vorschläge", "Kontakte", "Einwilligungen", "nicht weiter", "22.11.2026"):
        assert words in body
    assert str(message["From"]) == "Orga-Team Netzwerk <orga@netzwerk.example>"
    english = body_of(
        mail.link_message(event, mail.mail_settings(event), anna, base_url=BASE_URL, lang="en")
    )
    assert "Please do not forward" in english and "22 November 2026" in english


def test_preview_shows_one_mail_without_sending(db, event, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    anna = person(db, event, "Anna")
    shown = mail.preview(db, event, anna["id"], "summary", base_url=BASE_URL, attachments=files_for)
    assert shown.to == "Anna Müller <anna@example.org>"
    assert shown.subject == "Ihre Kontakte von Netzwerkbrunch Test"
    assert f"/me/{anna['secret']}" in shown.body
    assert shown.attachments == ["kontakte-anna.pdf", "kontakte.vcf"]
    assert smtp_server.sink.received == []
    with pytest.raises(MailError) as caught:
        mail.preview(db, event, 9999, "link", base_url=BASE_URL)
    assert caught.value.code == "not_found"


def test_preview_works_before_the_settings_are_made(db, event) -> None:
    anna = person(db, event, "Anna")
    shown = mail.preview(db, event, anna["id"], "link", base_url=BASE_URL, lang="en")
    assert shown.subject == "Your personal link for Netzwerkbrunch Test"


HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","klick")',
    "<script>alert(1)</script>",
    "Eve\r\nBcc: victim@evil.example",
    "Mallory\nSubject: Gewonnen!",
    'Zoë "Z" O\'Brien, Jr.',
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_cannot_add_headers_and_arrive_as_text(db, event, smtp_server, name) -> None:
    event = configure(db, event, smtp_server)
    anna = person(db, event, "Anna")
    # Stored as it came, past the cleaning an import or form would do.
    db.execute("UPDATE attendees SET first_name = ? WHERE id = ?", [name, anna["id"]])
    db.execute(
        "UPDATE events SET name = ? WHERE id = ?",
        [f"Treffen\r\nBcc: x@evil.example {name}", event.id],
    )
    db.conn.commit()
    event = events.get(db, event.id)
    mail.send_out(db, event, "link", secret=SECRET, base_url=BASE_URL)
    ((_, rcpts, _),) = smtp_server.sink.received
    assert rcpts == ["anna@example.org"]
    (message,) = smtp_server.sink.messages()
    assert sorted(message.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "Content-Type",
         "Content-Transfer-Encoding", "MIME-Version"]
    )  # fmt: skip
    assert message["To"].addresses[0].addr_spec == "anna@example.org"
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["To"])
    flat = " ".join(name.split())
    assert flat in message["To"].addresses[0].display_name
    assert f"Guten Tag {flat} Müller," in body_of(message)


@settings(max_examples=150, deadline=None, database=None)
@given(name=st.text(max_size=60), event_name=st.text(min_size=1, max_size=60))
def test_no_name_makes_a_header(name: str, event_name: str) -> None:
    import email
    import email.policy

    event = events.Event(1, "e", event_name, "", "n", dict(events.DEFAULT_SETTINGS), "")
    s = mail.MailSettings(host="h", sender="orga@netzwerk.example", sender_name=name)
    attendee = {"id": 1, "secret": "S3CRET", "first_name": name, "last_name": "", "name": name,
                "email": "anna@example.org"}  # fmt: skip
    sent = mail.link_message(event, s, attendee, base_url=BASE_URL, lang="de")
    back = email.message_from_bytes(
        sent.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert back["To"].addresses[0].addr_spec == "anna@example.org"
    assert len(back.keys()) == 9
    assert f"{BASE_URL}/me/S3CRET" in body_of(back)


# -- the test mail ---------------------------------------------------------------------------------


def test_test_mail_arrives_at_the_address_typed_in(db, event, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    mail.send_test_mail(event, "ich@orga.example", secret=SECRET)
    ((sender, rcpts, _),) = smtp_server.sink.received
    assert (sender, rcpts) == ("orga@netzwerk.example", ["ich@orga.example"])
    (message,) = smtp_server.sink.messages()
    assert message["Subject"] == "Testmail von kiosk: Netzwerkbrunch Test"
    assert f"127.0.0.1:{smtp_server.port}" in body_of(message)
    assert kdb.rows(db, "SELECT * FROM mail_log") == []


def test_test_mail_needs_settings_and_an_address(db, event, smtp_server) -> None:
    with pytest.raises(MailError) as caught:
        mail.send_test_mail(event, "ich@orga.example", secret=SECRET)
    assert caught.value.code == "not_configured"
    event = configure(db, event, smtp_server)
    with pytest.raises(MailError) as caught:
        mail.send_test_mail(event, "ich@orga.example\r\nRCPT TO:<x@evil.example>", secret=SECRET)
    assert caught.value.code == "bad_address"
    assert smtp_server.sink.received == []


def test_password_appears_in_no_log_and_no_error(db, event, caplog, capsys) -> None:
    from conftest import SmtpServer

    caplog.set_level(logging.DEBUG)
    server = SmtpServer(user="orga", password=PASSWORD)
    try:
        event = configure(db, event, server, user="orga", password=PASSWORD)
        person(db, event, "Anna")
        mail.send_test_mail(event, "ich@orga.example", secret=SECRET)
        mail.send_out(db, event, "link", secret=SECRET, base_url=BASE_URL)
        event = configure(db, event, server, user="orga", password="falsch-" + PASSWORD)
        with pytest.raises(MailError) as caught:
            mail.send_test_mail(event, "ich@orga.example", secret=SECRET)
    finally:
        server.stop()
    assert caught.value.code == "auth_failed"
    assert set(server.logins) == {"orga"}
    assert len(server.sink.received) == 2
    shown = " ".join(
        [
            str(caught.value),
            caught.value.reason,
            repr(caught.value),
            caplog.text,
            *capsys.readouterr(),
        ]
    )
    assert PASSWORD not in shown
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_settings_left_out_keep_their_value(db, event) -> None:
    event = configure(db, event, user="orga", password=PASSWORD, rate="2", lang="en")
    mail.save_settings(db, event.id, {"port": "2526"}, secret=SECRET)
    s = mail.mail_settings(events.get(db, event.id))
    assert (s.port, s.rate, s.lang, s.user, s.has_password) == (2526, 2.0, "en", "orga", True)


def test_the_link_mail_is_an_invitation_with_a_calendar_entry(db, event, smtp_server) -> None:
    import icalendar

    events.update_settings(
        db,
        event.id,
        {
            "format": "hybrid",
            "start_time": "09:30",
            "end_time": "13:00",
            "place": "Rathaus",
            "video_url": "https://meet.example/netz",
        },
    )
    event = configure(db, event, smtp_server)
    anna = person(db, event, "Anna")
    ben = person(db, event, "Ben")
    db.execute("UPDATE attendees SET attendance = 'online' WHERE id = ?", [ben["id"]])
    db.conn.commit()
    mail.send_out(db, event, "link", secret=SECRET, base_url="http://kiosk.test")
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_server.sink.messages()}
    for who, place in ((anna, "Rathaus"), (ben, "https://meet.example/netz")):
        message = received[who["email"]]
        [entry] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        vevent = icalendar.Calendar.from_ical(entry.get_content()).walk("VEVENT")[0]
        assert str(vevent["SUMMARY"]) == event.name and str(vevent["LOCATION"]) == place
        start = vevent["DTSTART"].dt.astimezone()
        assert (start.date().isoformat(), start.strftime("%H:%M")) == (event.date, "09:30")
        assert f"/me/{who['secret']}" in str(vevent["DESCRIPTION"])
    body = lambda m: m.get_body(("plain",)).get_content()  # noqa: E731
    assert "https://meet.example/netz" in body(received[ben["email"]])
    assert "https://meet.example/netz" not in body(received[anna["email"]])
