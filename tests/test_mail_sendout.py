"""Send-outs to a real SMTP server on loopback: everybody once, never twice (also after a kill),
refusals recorded with the server's reason and retried once fixed, connection problems stopped
with a clear code, the send log and the audit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest
from test_mail import BASE_URL, PDF, SECRET, VCARD, configure, files_for, person

from kiosk import audit, events, mail
from kiosk import db as kdb
from kiosk.mail import MailError, sendlog

NAMES = ("Anna", "Ben", "Cem", "Dora", "Emil")


@pytest.fixture
def five(db: Any, event: events.Event) -> list[dict[str, Any]]:
    return [person(db, event, name) for name in NAMES]


def log_states(db: Any) -> dict[str, str]:
    return {
        row["address"]: row["state"]
        for row in kdb.rows(db, "SELECT address, state FROM mail_log ORDER BY id")
    }


def send(db: Any, event: events.Event, kind: str = "link", **options: Any) -> mail.SendReport:
    return mail.send_out(db, event, kind, secret=SECRET, base_url=BASE_URL, **options)


def test_everybody_gets_the_link_once(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    report = send(db, event)
    assert (report.state, report.sent, report.failed, report.total) == ("done", 5, 0, 5)
    assert sorted(smtp_server.sink.recipients()) == sorted(a["email"] for a in five)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.sink.messages()}
    for attendee in five:
        message = by_address[attendee["email"]]
        assert message["Subject"] == "Ihr persönlicher Link zu Netzwerkbrunch Test"
        assert f"{BASE_URL}/me/{attendee['secret']}" in message.get_body(("plain",)).get_content()
    assert set(log_states(db).values()) == {"sent"}
    # Run again: nobody is left, nothing is sent.
    again = send(db, event)
    assert (again.total, again.sent) == (0, 0)
    assert len(smtp_server.sink.received) == 5


def test_summary_arrives_with_its_attachments(db, event, smtp_server) -> None:
    db["attendees"].add_column("consent_mail", int)
    anna = person(db, event, "Anna")
    person(db, event, "Ben")
    db.execute("UPDATE attendees SET consent_mail = 1 WHERE id = ?", [anna["id"]])
    db.conn.commit()
    event = configure(db, event, smtp_server)
    report = send(db, event, "summary", attachments=files_for)
    assert report.sent == 1
    (message,) = smtp_server.sink.messages()
    assert message["To"].addresses[0].addr_spec == "anna@example.org"
    assert message["Subject"] == "Ihre Kontakte von Netzwerkbrunch Test"
    parts = {p.get_filename(): p for p in message.iter_attachments()}
    assert list(parts) == ["kontakte-anna.pdf", "kontakte.vcf"]
    assert parts["kontakte-anna.pdf"].get_content_type() == "application/pdf"
    assert parts["kontakte-anna.pdf"].get_content() == PDF
    assert parts["kontakte.vcf"].get_content_type() == "text/vcard"
    assert parts["kontakte.vcf"].get_payload(decode=True) == VCARD.encode()
    assert parts["kontakte.vcf"].get_content() == VCARD
    assert f"/me/{anna['secret']}" in message.get_body(("plain",)).get_content()


def test_the_audit_counts_each_send_out_and_names_nobody(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.refuse["cem@example.org"] = "550 5.1.1 No such user"
    send(db, event, who="cli")
    (entry,) = audit.entries(db, event.id)
    assert (entry["action"], entry["what"], entry["who"], entry["rows"]) == (
        "sendout",
        "link",
        "cli",
        4,
    )
    assert entry["detail"] == {
        "which": "new",
        "planned": 5,
        "sent": 4,
        "failed": 1,
        "uncertain": 0,
        "stopped": "",
    }
    text = json.dumps(entry)
    assert not any(name.lower() in text.lower() for name in NAMES)


def test_a_refused_recipient_fails_with_the_reason_and_is_retried_once_fixed(
    db, event, five, smtp_server
) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.refuse["cem@example.org"] = "550 5.1.1 <cem@example.org>: Mailbox unknown"
    report = send(db, event)
    assert (report.sent, report.failed) == (4, 1)
    assert "cem@example.org" not in smtp_server.sink.recipients()
    (failed,) = mail.failed(db, event.id, "link")
    assert failed["name"] == "Cem Müller"
    assert failed["error"] == "550 5.1.1 <cem@example.org>: Mailbox unknown"
    # A new run of the new ones does not touch it; retrying the failed ones sends it once.
    assert send(db, event).total == 0
    smtp_server.sink.refuse.clear()
    retry = send(db, event, which="failed")
    assert (retry.total, retry.sent) == (1, 1)
    assert send(db, event, which="failed").total == 0
    assert Counter(smtp_server.sink.recipients()) == Counter(a["email"] for a in five)
    assert set(log_states(db).values()) == {"sent"}


def test_a_temporary_refusal_is_failed_too(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.refuse["ben@example.org"] = "452 4.2.2 Mailbox full"
    send(db, event)
    assert log_states(db)["ben@example.org"] == "failed"
    assert mail.failed(db, event.id, "link")[0]["error"] == "452 4.2.2 Mailbox full"


def test_one_failed_mail_can_be_sent_again_alone(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.refuse["ben@example.org"] = "550 no"
    smtp_server.sink.refuse["cem@example.org"] = "550 no"
    send(db, event)
    smtp_server.sink.refuse.clear()
    ben = five[1]
    report = send(db, event, which="again", attendee_id=ben["id"])
    assert report.sent == 1
    assert log_states(db)["ben@example.org"] == "sent"
    assert log_states(db)["cem@example.org"] == "failed"
    with pytest.raises(MailError) as caught:
        send(db, event, which="again", attendee_id=five[0]["id"])
    assert caught.value.code == "already_sent"


def test_a_mail_left_sending_is_uncertain_and_not_sent_again(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    ben = five[1]
    # What a run killed between "sending" and the server's answer leaves behind.
    assert sendlog.claim(db, event.id, ben, "link") is not None
    report = send(db, event)
    assert report.sent == 4
    assert "ben@example.org" not in smtp_server.sink.recipients()
    (uncertain,) = mail.uncertain(db, event.id, "link")
    assert (uncertain["attendee_id"], uncertain["in_flight"]) == (ben["id"], True)
    assert send(db, event, which="failed").total == 0
    # Sending it again is the organiser's decision, and not while it may still be on its way.
    with pytest.raises(MailError) as caught:
        send(db, event, which="again", attendee_id=ben["id"])
    assert caught.value.code == "in_flight"
    db.execute("UPDATE mail_log SET updated_at = '2020-01-01T00:00:00+00:00'")
    db.conn.commit()
    assert mail.uncertain(db, event.id, "link")[0]["in_flight"] is False
    assert send(db, event, which="again", attendee_id=ben["id"]).sent == 1
    assert Counter(smtp_server.sink.recipients())["ben@example.org"] == 1
    assert mail.uncertain(db, event.id, "link") == []


KILLED_RUN = """
import sys
from kiosk import db as kdb, events, mail
db = kdb.connect(sys.argv[1])
event = events.get(db, int(sys.argv[2]))
mail.send_out(db, event, "link", secret=sys.argv[3], base_url=sys.argv[4])
"""


def test_a_send_out_killed_midway_and_restarted_sends_nobody_twice(
    app, db, event, smtp_server
) -> None:
    people = [person(db, event, f"Person{i:02d}") for i in range(40)]
    event = configure(db, event, smtp_server, rate="25")
    run = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, app.config["DATABASE"], str(event.id), SECRET, BASE_URL]
    )
    try:
        deadline = time.monotonic() + 30
        while len(smtp_server.sink.received) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert run.poll() is None, "the run ended before it could be killed"
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    time.sleep(0.2)  # the server may still be storing the last message it received
    before = len(smtp_server.sink.received)
    assert 8 <= before < 40
    report = send(db, event)
    counts = Counter(smtp_server.sink.recipients())
    assert max(counts.values()) == 1, [a for a, n in counts.items() if n > 1]
    uncertain = {row["address"] for row in mail.uncertain(db, event.id, "link")}
    assert len(uncertain) <= 1
    assert set(counts) | uncertain == {a["email"] for a in people}
    assert report.sent == len(counts) - before
    states = log_states(db)
    assert all(states[address] == "sent" for address in counts if address not in uncertain)


def test_wrong_password_stops_with_its_own_code(db, event, five) -> None:
    from conftest import SmtpServer

    server = SmtpServer(user="orga", password="richtig")
    try:
        event = configure(db, event, server, user="orga", password="falsch")
        with pytest.raises(MailError) as caught:
            send(db, event)
    finally:
        server.stop()
    assert caught.value.code == "auth_failed"
    assert caught.value.reason.startswith("535")
    assert server.sink.received == []
    assert kdb.rows(db, "SELECT * FROM mail_log") == []
    (entry,) = audit.entries(db, event.id)
    assert (entry["rows"], entry["detail"]["stopped"]) == (0, "auth_failed")


def test_the_right_password_logs_in(db, event, five) -> None:
    from conftest import SmtpServer

    server = SmtpServer(user="orga", password="richtig")
    try:
        event = configure(db, event, server, user="orga", password="richtig")
        assert send(db, event).sent == 5
    finally:
        server.stop()
    assert set(server.logins) == {"orga"}


def test_an_unreachable_server_stops_with_its_own_code(db, event, five) -> None:
    from conftest import _free_port

    event = configure(db, event, port=_free_port())
    with pytest.raises(MailError) as caught:
        send(db, event)
    assert caught.value.code == "unreachable"
    assert "127.0.0.1" in str(caught.value)
    assert kdb.rows(db, "SELECT * FROM mail_log") == []


@pytest.mark.parametrize(
    ("security", "code"), [("tls", "tls_failed"), ("starttls", "starttls_unsupported")]
)
def test_tls_problems_stop_with_their_own_code(
    db, event, five, smtp_server, security, code
) -> None:
    event = configure(db, event, smtp_server, security=security, port=str(smtp_server.port))
    with pytest.raises(MailError) as caught:
        send(db, event)
    assert caught.value.code == code
    assert smtp_server.sink.received == []


def test_an_untrusted_certificate_stops_with_tls_failed(db, event, five, tmp_path) -> None:
    import ssl

    from aiosmtpd.controller import Controller

    from kiosk.certs import ensure_certificate

    from conftest import MailSink, _free_port

    cert, key = ensure_certificate(tmp_path / "tls", None)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink, port = MailSink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, tls_context=context)
    controller.start()
    try:
        event = configure(db, event, port=str(port), security="starttls")
        with pytest.raises(MailError) as caught:
            send(db, event)
    finally:
        controller.stop()
    assert caught.value.code == "tls_failed"
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.reason
    assert sink.received == []


def test_a_refused_sender_stops_and_leaves_nothing_behind(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)

    async def refuse_sender(server, session, envelope, address, mail_options):
        return "553 5.7.1 Sender address rejected: not owned by user"

    smtp_server.sink.handle_MAIL = refuse_sender
    with pytest.raises(MailError) as caught:
        send(db, event)
    assert caught.value.code == "sender_refused"
    assert caught.value.reason.startswith("553 5.7.1")
    assert kdb.rows(db, "SELECT * FROM mail_log") == []
    del smtp_server.sink.handle_MAIL
    assert send(db, event).sent == 5


def test_a_dropped_connection_is_opened_again_and_nothing_is_lost(
    db, event, five, smtp_server
) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.drop_at_mail = {3}
    report = send(db, event)
    assert (report.sent, report.uncertain) == (5, 0)
    assert Counter(smtp_server.sink.recipients()) == Counter(a["email"] for a in five)


def test_a_connection_lost_during_the_transfer_leaves_the_mail_uncertain(
    db, event, five, smtp_server
) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.drop_after_data = {2}
    report = send(db, event)
    assert (report.sent, report.uncertain) == (4, 1)
    (uncertain,) = mail.uncertain(db, event.id, "link")
    assert uncertain["address"] == smtp_server.sink.received[1][1][0]
    assert uncertain["error"].startswith("connection lost during the transfer")
    assert uncertain["in_flight"] is False
    assert send(db, event).total == 0
    assert max(Counter(smtp_server.sink.recipients()).values()) == 1


def test_a_server_that_keeps_dropping_stops_the_run(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server)
    smtp_server.sink.drop_at_mail = {2, 3}
    with pytest.raises(MailError) as caught:
        send(db, event)
    assert caught.value.code == "connection_lost"
    assert sorted(log_states(db).values()) == ["sent"]
    assert send(db, event).sent == 4


def test_a_mail_that_cannot_be_made_fails_alone(db, event, five, smtp_server) -> None:
    db["attendees"].add_column("consent_mail", int)
    db.execute("UPDATE attendees SET consent_mail = 1")
    db.execute("UPDATE attendees SET email = 'kaputt@@example.org' WHERE first_name = 'Dora'")
    db.conn.commit()
    event = configure(db, event, smtp_server)

    def attachments(attendee: dict[str, Any]) -> list[tuple[str, str, bytes]]:
        if attendee["first_name"] == "Ben":
            raise RuntimeError("no PDF")
        return files_for(attendee)

    report = send(db, event, "summary", attachments=attachments)
    assert (report.sent, report.failed) == (3, 2)
    errors = {row["name"]: row["error"] for row in mail.failed(db, event.id, "summary")}
    assert errors == {
        "Ben Müller": "could not be made: RuntimeError",
        "Dora Müller": "bad_address: Not an e-mail address.",
    }


def test_the_pace_is_kept(db, event, five, smtp_server) -> None:
    event = configure(db, event, smtp_server, rate="10")
    started = time.monotonic()
    send(db, event)
    assert time.monotonic() - started >= 0.4  # five mails, at most ten a second


def test_a_background_send_out_reports_its_progress(db, event, five, smtp_server, app) -> None:
    event = configure(db, event, smtp_server, rate="20")
    job = mail.start_sendout(
        app.config["DATABASE"], event, "link", secret=SECRET, base_url=BASE_URL
    )
    assert mail.running_job(event.id) is job
    with pytest.raises(MailError) as caught:
        mail.start_sendout(app.config["DATABASE"], event, "link", secret=SECRET, base_url=BASE_URL)
    assert caught.value.code == "already_running"
    assert job.wait(20)
    assert (job.status, job.report.state, job.report.sent, job.report.percent) == (
        "done",
        "done",
        5,
        100,
    )
    assert mail.get_job(job.id) is job and mail.running_job(event.id) is None
    with pytest.raises(MailError) as caught:
        mail.start_sendout(app.config["DATABASE"], event, "link", secret=SECRET, base_url=BASE_URL)
    assert caught.value.code == "nothing_to_send"


def test_a_background_send_out_that_stops_says_why(db, event, five, app) -> None:
    from conftest import _free_port

    event = configure(db, event, port=_free_port())
    job = mail.start_sendout(
        app.config["DATABASE"], event, "link", secret=SECRET, base_url=BASE_URL
    )
    assert job.wait(20)
    assert (job.status, job.report.state, job.report.code) == ("failed", "stopped", "unreachable")
