"""The organiser's mail section: settings form (the password never shown again), test mail,
previews, starting a send-out and polling its progress, sending failed ones again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_mail import PASSWORD, configure, person

from kiosk import db as kdb
from kiosk import events, mail

FORM = {
    "host": "127.0.0.1",
    "security": "none",
    "user": "orga",
    "sender": "orga@netzwerk.example",
    "sender_name": "Orga-Team",
    "rate": "1000",
    "lang": "de",
}


def flashes(response: Any) -> list[tuple[str, str]]:
    """The flashed messages of a page: (category, text)."""
    box = re.search(r'<div class="flashes".*?</div>', response.get_data(as_text=True), re.S)
    return re.findall(r'class="flash flash-(\w+)">([^<]*)', box.group(0)) if box else []


def job_id(response: Any) -> str:
    match = re.search(r"job=([0-9a-f]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_the_mail_page_is_the_organisers(client, event) -> None:
    response = client.get("/admin/mail")
    assert response.status_code in (302, 303, 401, 403)


def test_the_page_shows_the_section_with_csrf_fields(organiser, event) -> None:
    html = organiser.get("/admin/mail").get_data(as_text=True)
    assert '<section class="card mail-section" id="mail">' in html
    assert "Noch kein Mailserver eingestellt" in html
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    assert len(forms) >= 4
    assert all('name="csrf_token"' in form for form in forms)


def test_settings_are_saved_and_the_password_is_never_shown(
    organiser, db, event, smtp_server
) -> None:
    form = {**FORM, "port": str(smtp_server.port), "password": PASSWORD}
    response = organiser.post("/admin/mail/settings", data=form)
    assert response.status_code == 303
    page = organiser.get("/admin/mail").get_data(as_text=True)
    assert PASSWORD not in page
    token = events.get(db, event.id).settings["mail_password"]
    assert token not in page
    assert 'id="mail-password-saved"' in page
    assert re.search(r'<input id="mail-password" name="password" type="password" value=""', page)
    # Saving again with the field empty keeps the password.
    organiser.post("/admin/mail/settings", data={**form, "password": ""})
    assert events.get(db, event.id).settings["mail_password"] == token


def test_refused_settings_say_why(organiser, db, event) -> None:
    response = organiser.post(
        "/admin/mail/settings", data={**FORM, "port": "99999"}, follow_redirects=True
    )
    assert flashes(response) == [
        ("error", "Nicht gespeichert: Der Port muss eine Zahl von 1 bis 65535 sein.")
    ]
    response = organiser.post(
        "/admin/mail/settings", data={**FORM, "sender": "orga"}, follow_redirects=True
    )
    assert "keine gültige E-Mail-Adresse" in flashes(response)[0][1]
    assert events.get(db, event.id).settings["mail_host"] == ""


def test_the_test_mail_goes_to_the_address_typed_in(organiser, db, event, smtp_server) -> None:
    configure(db, event, smtp_server)
    response = organiser.post(
        "/admin/mail/test", data={"to": "ich@orga.example"}, follow_redirects=True
    )
    assert flashes(response) == [("ok", "Testmail an ich@orga.example verschickt.")]
    assert smtp_server.sink.recipients() == ["ich@orga.example"]


def test_a_test_mail_to_an_unreachable_server_says_so(organiser, db, event) -> None:
    from conftest import _free_port

    configure(db, event, port=_free_port())
    response = organiser.post(
        "/admin/mail/test", data={"to": "ich@orga.example"}, follow_redirects=True
    )
    ((kind, text),) = flashes(response)
    assert kind == "error" and "nicht erreichbar" in text


def test_a_wrong_password_says_so(organiser, db, event) -> None:
    from conftest import SmtpServer

    server = SmtpServer(user="orga", password="richtig")
    try:
        configure(db, event, server, user="orga", password="falsch")
        response = organiser.post(
            "/admin/mail/test", data={"to": "ich@orga.example"}, follow_redirects=True
        )
    finally:
        server.stop()
    ((kind, text),) = flashes(response)
    assert kind == "error" and "Benutzer oder Passwort falsch" in text and "535" in text
    assert "falsch@" not in text


def test_the_preview_shows_one_mail_as_a_fragment(organiser, db, event) -> None:
    configure(db, event)
    anna = person(db, event, "Anna")
    response = organiser.get(
        f"/admin/mail/preview?kind=link&attendee={anna['id']}", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="mail-preview"')
    assert "Ihr persönlicher Link zu Netzwerkbrunch Test" in html
    assert f"http://kiosk.test/me/{anna['secret']}" in html
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
    full = organiser.get(f"/admin/mail/preview?kind=summary&attendee={anna['id']}")
    assert "<html" in full.get_data(as_text=True)
    assert organiser.get("/admin/mail/preview?kind=link&attendee=999").status_code == 404
    assert organiser.get("/admin/mail/preview?kind=spam&attendee=1").status_code == 404


def test_a_hostile_name_is_text_in_the_preview(organiser, db, event) -> None:
    anna = person(db, event, "Anna")
    db.execute(
        "UPDATE attendees SET first_name = ? WHERE id = ?",
        ["<script>alert(1)</script>", anna["id"]],
    )
    db.conn.commit()
    html = organiser.get(
        f"/admin/mail/preview?kind=link&attendee={anna['id']}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_send_out_starts_and_its_progress_is_polled_until_done(
    organiser, db, event, smtp_server
) -> None:
    configure(db, event, smtp_server, rate="4")
    for name in ("Anna", "Ben", "Cem", "Dora"):
        person(db, event, name)
    response = organiser.post("/admin/mail/send/link")
    assert response.status_code == 303
    job = job_id(response)
    assert response.headers["Location"].endswith("#mail-job")
    running = organiser.get(f"/admin/mail/jobs/{job}", headers={"HX-Request": "true"})
    html = running.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="mail-job"')
    assert 'hx-trigger="every 1s"' in html and "<html" not in html
    assert "<progress" in html
    # The page itself shows the running job and no second start.
    page = organiser.get(f"/admin/mail?job={job}").get_data(as_text=True)
    assert 'id="mail-job"' in page
    assert mail.get_job(job).wait(20)
    done = organiser.get(f"/admin/mail/jobs/{job}", headers={"HX-Request": "true"})
    html = done.get_data(as_text=True)
    assert "hx-trigger" not in html
    assert "Persönliche Links: 4 verschickt, 0 fehlgeschlagen, 0 unsicher." in html
    assert 'id="mail-counts" hx-swap-oob="true"' in html
    assert len(smtp_server.sink.received) == 4
    again = organiser.post("/admin/mail/send/link", follow_redirects=True)
    assert flashes(again) == [
        ("error", "Es gibt niemanden, der diese Mail noch nicht bekommen hat.")
    ]


def test_failed_mails_are_listed_with_the_reason_and_sent_again(
    organiser, db, event, smtp_server
) -> None:
    configure(db, event, smtp_server)
    person(db, event, "Anna")
    ben = person(db, event, "Ben")
    smtp_server.sink.refuse["ben@example.org"] = "550 5.1.1 Mailbox unknown"
    assert mail.get_job(job_id(organiser.post("/admin/mail/send/link"))).wait(20)
    page = organiser.get("/admin/mail").get_data(as_text=True)
    assert "550 5.1.1 Mailbox unknown" in page and "erneut senden" in page
    assert f"/admin/mail/again/link/{ben['id']}" in page
    smtp_server.sink.refuse.clear()
    response = organiser.post(f"/admin/mail/again/link/{ben['id']}")
    assert mail.get_job(job_id(response)).wait(20)
    assert smtp_server.sink.recipients().count("ben@example.org") == 1
    assert kdb.one(db, "SELECT state FROM mail_log WHERE attendee_id = ?", [ben["id"]]) == {
        "state": "sent"
    }


def test_uncertain_mails_are_listed_to_decide(organiser, db, event, smtp_server) -> None:
    configure(db, event, smtp_server)
    anna = person(db, event, "Anna")
    mail.sendlog.claim(db, event.id, anna, "link")
    db.execute("UPDATE mail_log SET updated_at = '2020-01-01T00:00:00+00:00'")
    db.conn.commit()
    page = organiser.get("/admin/mail").get_data(as_text=True)
    assert "Unsicher" in page and "vielleicht angekommen" in page
    assert f"/admin/mail/again/link/{anna['id']}" in page
    assert "data-confirm" in page


@pytest.mark.parametrize("path", ["/admin/mail/send/spam", "/admin/mail/again/spam/1"])
def test_unknown_kinds_are_not_found(organiser, event, path) -> None:
    assert organiser.post(path).status_code == 404


def test_another_events_job_is_not_found(organiser, event) -> None:
    assert organiser.get("/admin/mail/jobs/nope", headers={"HX-Request": "true"}).status_code == 404
