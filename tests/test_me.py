"""The attendee's own page, the public badge page, the phone that remembers, throttle, privacy."""

from __future__ import annotations

import re
import threading

import pytest
import vobject

from kiosk import attendees, contacts, create_app, events
from kiosk import db as kdb
from kiosk.throttle import Throttle
from kiosk.web.me import REMEMBER_COOKIE


def person(db, event, first, last, *, share=True):
    data = attendees.AttendeeData(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.org",
        phone="0171 2345678",
        organisation=f"Org {last}",
        project="Praxistage",
        role="Ausbilderin",
        interests=["Pflege", "Ausbildung"],
        consent_share_contact=share,
        consent_matchmaking=True,
    )
    return attendees.create(db, event, data, how="test")


@pytest.fixture
def anna(db, event):
    return person(db, event, "Anna", "Müller")


@pytest.fixture
def ben(db, event):
    return person(db, event, "Ben", "Öztürk")


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the own page ----------------------------------------------------------------------------


def test_own_page_shows_badge_data_consents_and_contacts(db, event, client, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    response = client.get(f"/me/{anna['secret']}")
    html = text(response)
    assert response.status_code == 200
    for expected in ("Hallo Anna!", "Org Müller", "Praxistage", "anna@example.org", "Pflege"):
        assert expected in html
    assert 'name="consent_share_contact" checked' in html
    assert "Ben Öztürk" in html and "ben@example.org" in html
    assert f'href="/privacy/{event.slug}"' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_own_page_has_the_suggestions_section(client, anna) -> None:
    html = text(client.get(f"/me/{anna['secret']}"))
    assert 'id="suggestions"' in html and 'href="#suggestions"' in html


def test_the_badge_page_asks_for_sharing_until_the_person_chose(db, event, client, ben) -> None:
    newcomer = person(db, event, "Nora", "Neu", share=None)
    client.get(f"/me/{newcomer['secret']}")
    html = text(client.get(f"/b/{ben['code']}"))
    assert "(so haben Sie es eingestellt)" not in html
    assert "Möchten Sie Ihre Kontaktdaten mit Personen teilen" in html
    own = text(client.get(f"/me/{newcomer['secret']}"))
    assert "Möchten Sie Ihre Kontaktdaten mit Personen teilen" in own
    response = client.post(
        f"/me/{newcomer['secret']}/consents",
        data={"purpose": "share_contact", "given": "yes", "back": ben["code"]},
    )
    assert response.status_code == 303 and f"/b/{ben['code']}" in response.headers["Location"]
    stored = attendees.get(db, newcomer["id"])
    assert stored["consent_share_contact"] is True
    assert stored["consent_share_contact_how"] == "own page"
    assert stored["consent_matchmaking"] is True  # the one tap changed nothing else
    html = text(client.get(f"/b/{ben['code']}"))
    assert "auch Ihre E-Mail-Adresse und Telefonnummer (so haben Sie es eingestellt)" in html
    assert "Möchten Sie Ihre Kontaktdaten" not in html


def test_consents_change_on_the_own_page_with_proof(db, client, anna) -> None:
    response = client.post(
        f"/me/{anna['secret']}/consents",
        data={"consent_share_contact": "on"},
        headers={"HX-Request": "true"},
    )
    html = text(response)
    assert response.status_code == 200 and html.startswith("<form")
    assert "Gespeichert" in html and 'name="consent_matchmaking" >' in html.replace("  ", " ")
    changed = attendees.get(db, anna["id"])
    assert changed["consent_matchmaking"] is False
    assert changed["consent_matchmaking_how"] == "own page"
    assert changed["consent_share_contact"] is True
    # The share consent did not change, so it keeps its original proof.
    assert changed["consent_share_contact_how"] == "test"
    actions = [e["action"] for e in attendees.history(db, anna["id"])]
    assert actions.count("consent_withdrawn") == 1 and "consent_given" not in actions


def test_note_and_remove_on_the_own_page(db, event, client, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    [contact] = contacts.list_for(db, anna["id"])
    base = f"/me/{anna['secret']}/contacts/{contact['id']}"
    response = client.post(f"{base}/note", data={"note": "Praktikum <b>Mai</b>"})
    assert response.status_code == 303 and response.location.endswith(f"#contact-{contact['id']}")
    html = text(client.get(f"/me/{anna['secret']}"))
    assert "Praktikum &lt;b&gt;Mai&lt;/b&gt;" in html
    htmx = client.post(f"{base}/note", data={"note": "neu"}, headers={"HX-Request": "true"})
    assert text(htmx).startswith("<form") and ">neu</textarea>" in text(htmx)
    assert client.post(f"{base}/remove").status_code == 303
    assert contacts.list_for(db, anna["id"]) == []
    assert "Noch keine Kontakte" in text(client.get(f"/me/{anna['secret']}"))


def test_vcard_downloads_parse_back(db, event, client, anna, ben) -> None:
    contacts.swap(db, event, anna["id"], ben["id"], how="phone")
    [contact] = contacts.list_for(db, anna["id"])
    one = client.get(f"/me/{anna['secret']}/contacts/{contact['id']}.vcf")
    assert one.status_code == 200
    assert one.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert 'filename="ben-ozturk.vcf"' in one.headers["Content-Disposition"]
    assert one.headers["Cache-Control"] == "no-store"
    card = vobject.readOne(one.get_data().decode("utf-8"))
    assert card.fn.value == "Ben Öztürk" and card.email.value == "ben@example.org"
    every = client.get(f"/me/{anna['secret']}/contacts.vcf")
    cards = list(vobject.readComponents(every.get_data().decode("utf-8")))
    assert [c.fn.value for c in cards] == ["Ben Öztürk"]
    assert "Netzwerkbrunch Test" in cards[0].note.value


# -- nobody sees another attendee's page or contacts -----------------------------------------


def test_an_attendee_cannot_touch_anothers_contacts(db, event, client, anna, ben) -> None:
    cem = person(db, event, "Cem", "Çelik")
    contacts.swap(db, event, ben["id"], cem["id"], how="phone")
    [bens] = contacts.list_for(db, ben["id"])
    base = f"/me/{anna['secret']}/contacts/{bens['id']}"
    assert client.post(f"{base}/note", data={"note": "x"}).status_code == 404
    assert client.post(f"{base}/remove").status_code == 404
    assert client.get(f"{base}.vcf").status_code == 404
    assert contacts.list_for(db, ben["id"])[0]["note"] == ""
    page = text(client.get(f"/me/{anna['secret']}"))
    # Cem may be suggested to Anna, but Ben's contact with Cem (and Cem's details) stay hidden.
    assert "cem@example.org" not in page
    contacts_section = page.split('id="contacts"', 1)[1].split("</section>", 1)[0]
    assert "Cem" not in contacts_section


def test_the_badge_code_does_not_open_the_own_page(client, anna) -> None:
    assert anna["secret"] != anna["code"] and anna["code"] not in anna["secret"]
    for guess in (anna["code"], anna["code"].lower()):
        response = client.get(f"/me/{guess}")
        assert response.status_code == 404
        assert "Anna" not in text(response) and "Diesen Link kennen wir nicht" in text(response)


# -- the public badge page -------------------------------------------------------------------


def test_badge_page_shows_only_what_the_badge_prints(client, anna) -> None:
    for url in (f"/b/{anna['code']}", f"/b/{anna['code'].lower()}", f"/B/{anna['code']}"):
        response = client.get(url)
        html = text(response)
        assert response.status_code == 200
        assert "Anna Müller" in html and "Org Müller" in html and "Praxistage" in html
        for private in ("anna@example.org", "0171", "Pflege", anna["secret"]):
            assert private not in html
        assert "Kontakt speichern</button>" not in html
        assert "eigene Seite" in html


def test_unknown_badge_gets_a_friendly_404(client, event) -> None:
    response = client.get("/b/" + "0" * 20)
    assert response.status_code == 404
    assert "Diesen Badge kennen wir nicht" in text(response)
    assert client.get("/b/nonsense").status_code == 404


def test_phone_remembers_its_owner_and_saves_a_contact(db, event, client, anna, ben) -> None:
    response = client.get(f"/me/{anna['secret']}")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{REMEMBER_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie
    html = text(client.get(f"/b/{ben['code'].lower()}"))
    assert "Kontakt speichern</button>" in html and "Das bin ich nicht" in html
    # Still only what the badge prints, even to a phone that may save the contact.
    assert "ben@example.org" not in html
    saved = client.post(f"/b/{ben['code']}/save")
    assert saved.status_code == 303 and saved.location == f"/b/{ben['code']}"
    assert contacts.has_contact(db, anna["id"], ben["id"])
    assert contacts.has_contact(db, ben["id"], anna["id"])
    html = text(client.get(saved.location))
    assert "Kontakt gespeichert: Ben Öztürk" in html and "In Ihren Kontakten" in html
    # Saving again changes nothing.
    client.post(f"/b/{ben['code']}/save")
    assert len(kdb.rows(db, "SELECT id FROM contacts")) == 2


def test_phone_without_owner_cannot_save(db, client, anna, ben) -> None:
    response = client.post(f"/b/{ben['code']}/save")
    assert response.status_code == 303
    assert kdb.rows(db, "SELECT id FROM contacts") == []
    assert "zuerst Ihre eigene Seite" in text(client.get(response.location))


def test_scanning_ones_own_badge_is_friendly(db, client, anna) -> None:
    client.get(f"/me/{anna['secret']}")
    html = text(client.get(f"/b/{anna['code']}"))
    assert "Das ist Ihr eigener Badge." in html and "Kontakt speichern</button>" not in html
    client.post(f"/b/{anna['code']}/save")
    assert kdb.rows(db, "SELECT id FROM contacts") == []


def test_badge_of_another_event_cannot_be_saved(db, client, anna) -> None:
    other = person(db, events.create(db, "Anderes Treffen"), "Cem", "Çelik")
    client.get(f"/me/{anna['secret']}")
    assert "anderen Veranstaltung" in text(client.get(f"/b/{other['code']}"))
    client.post(f"/b/{other['code']}/save")
    assert kdb.rows(db, "SELECT id FROM contacts") == []


def test_das_bin_ich_nicht_forgets_the_owner(client, anna, ben) -> None:
    client.get(f"/me/{anna['secret']}")
    response = client.post("/me/forget", data={"code": ben["code"]})
    assert response.status_code == 303 and response.location == f"/b/{ben['code']}"
    assert f"{REMEMBER_COOKIE}=;" in response.headers["Set-Cookie"]
    html = text(client.get(response.location))
    assert "Kontakt speichern</button>" not in html and "Das bin ich nicht" not in html


def test_forged_or_outdated_cookies_are_ignored(db, client, anna, ben) -> None:
    client.get(f"/me/{anna['secret']}")
    good = client.get_cookie(REMEMBER_COOKIE).value
    client.set_cookie(REMEMBER_COOKIE, good[:-3] + "abc")
    assert "Kontakt speichern</button>" not in text(client.get(f"/b/{ben['code']}"))
    client.set_cookie(REMEMBER_COOKIE, good)
    assert "Kontakt speichern</button>" in text(client.get(f"/b/{ben['code']}"))
    # A new private link (secret) ends what the old one left on phones.
    with kdb.transaction(db):
        db["attendees"].update(anna["id"], {"secret": attendees.new_secret()})
    assert "Kontakt speichern</button>" not in text(client.get(f"/b/{ben['code']}"))


# -- guessing is throttled -------------------------------------------------------------------


def test_guessing_codes_and_links_is_throttled(client, anna, caplog) -> None:
    for guess in ("/b/" + "1" * 20, "/me/abc", "/b/" + "2" * 20, "/me/def", "/b/x"):
        assert client.get(guess).status_code == 404
    blocked = client.get("/b/" + "3" * 20)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    assert "Zu viele Versuche" in text(blocked)
    # While blocked even a right code tells nothing.
    assert client.get(f"/b/{anna['code']}").status_code == 429
    assert client.get(f"/me/{anna['secret']}").status_code == 429
    # Another address is not affected.
    other = client.get(f"/b/{anna['code']}", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "throttled" in logged and "127.0.0.1" not in logged and "abc" not in logged


def test_known_codes_do_not_count_as_misses(client, anna) -> None:
    for _ in range(10):
        assert client.get(f"/b/{anna['code']}").status_code == 200


def test_throttle_window_slides() -> None:
    now = [0.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    assert [throttle.miss("a") for _ in range(3)] == [False, False, True]
    assert throttle.blocked("a") and not throttle.blocked("b")
    now[0] = 59.9
    assert throttle.blocked("a")
    now[0] = 60.1
    assert not throttle.blocked("a")
    throttle.clear()
    assert not throttle.blocked("a")


def test_throttle_memory_is_bounded_and_thread_safe() -> None:
    throttle = Throttle(limit=5, window=60, max_keys=100)

    def hammer(start: int) -> None:
        for i in range(2000):
            throttle.miss(f"10.0.{start}.{i % 300}")

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(throttle._misses) <= 100
    assert all(len(m) <= 5 for m in throttle._misses.values())


# -- CSRF on every state change --------------------------------------------------------------


@pytest.fixture
def csrf_client(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    return app


def test_state_changes_need_the_csrf_token(csrf_client) -> None:
    database = kdb.connect(csrf_client.config["DATABASE"])
    event = events.create(database, "Brunch")
    anna = person(database, event, "Anna", "Müller")
    ben = person(database, event, "Ben", "Öztürk")
    contacts.swap(database, event, anna["id"], ben["id"], how="phone")
    [contact] = contacts.list_for(database, anna["id"])
    client = csrf_client.test_client()
    html = text(client.get(f"/me/{anna['secret']}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    base = f"/me/{anna['secret']}"
    posts = [
        (f"{base}/consents", {}),
        (f"{base}/contacts/{contact['id']}/note", {"note": "x"}),
        (f"/b/{ben['code']}/save", {}),
        ("/me/forget", {}),
        (f"{base}/contacts/{contact['id']}/remove", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert attendees.get(database, anna["id"])["consent_share_contact"] is True
    assert contacts.get(database, anna["id"], contact["id"])["note"] == ""
    for url, data in posts:
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 303, url
    assert attendees.get(database, anna["id"])["consent_share_contact"] is False
    database.close()


def test_desk_swap_and_privacy_editor_need_the_csrf_token(csrf_client) -> None:
    from kiosk import access

    database = kdb.connect(csrf_client.config["DATABASE"])
    access.set_password(database, "passwort-123")
    events.create(database, "Brunch")
    database.close()
    client = csrf_client.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/login"))).group(1)
    client.post("/login", data={"password": "passwort-123", "csrf_token": token})
    # Signing in starts a new session, and so a new token.
    html = text(client.get("/admin/privacy"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    for url in ("/desk/swap", "/desk/swap/cancel", "/admin/privacy"):
        assert client.post(url, data={"code": "x", "notice": "x"}).status_code == 400, url
        sent = {"code": "x", "notice": "x", "csrf_token": token}
        assert client.post(url, data=sent).status_code == 303, url


# -- the privacy notice ----------------------------------------------------------------------


def test_privacy_page_is_public_and_safe(db, event, client) -> None:
    response = client.get(f"/privacy/{event.slug}")
    html = text(response)
    assert response.status_code == 200
    assert "<h2>Wer ist verantwortlich?</h2>" in html and "Netzwerkbrunch Test" in html
    events.update_settings(db, event.id, {"privacy_notice": "## Verein <X>\n- Punkt"})
    html = text(client.get(f"/privacy/{event.slug}"))
    assert "<h2>Verein &lt;X&gt;</h2>" in html and "<li>Punkt</li>" in html
    assert client.get("/privacy/gibt-es-nicht").status_code == 404


def test_organiser_edits_the_privacy_notice(db, event, organiser) -> None:
    html = text(organiser.get("/admin/privacy"))
    assert "Wer ist verantwortlich?" in html and "bitte eintragen" not in html
    assert "Datenschutzhinweis ist noch nicht fertig" in html  # the banner
    response = organiser.post(
        "/admin/privacy", data={"notice": "## Verantwortlich\nVerein Brücke e. V., Kassel"}
    )
    assert response.status_code == 303
    assert events.get(db, event.id).settings["privacy_notice"].startswith("## Verantwortlich")
    assert "Verein Brücke e. V." in text(organiser.get(f"/privacy/{event.slug}"))
    english = text(organiser.get("/admin/privacy?lang=en"))
    assert "Who is responsible?" in english
    organiser.post("/admin/privacy", data={"lang": "en", "notice": "## Controller\nVerein"})
    assert events.get(db, event.id).settings["privacy_notice_en"] == "## Controller\nVerein"
    assert "<h2>Controller</h2>" in text(organiser.get(f"/privacy/{event.slug}?lang=en"))
    organiser.post("/admin/privacy", data={"action": "reset", "notice": "egal"})
    assert events.get(db, event.id).settings["privacy_notice"] == ""


def test_the_banner_stays_until_the_controller_is_entered(db, event, organiser) -> None:
    for url in ("/admin/", "/admin/badges", "/admin/attendees"):
        assert "Datenschutzhinweis ist noch nicht fertig" in text(organiser.get(url)), url
    public = text(organiser.get(f"/privacy/{event.slug}"))
    assert "bitte eintragen" not in public and "[" not in public
    refused = organiser.post(
        f"/admin/events/{event.id}/edit",
        data={"name": event.name, "retention_days": "30", "controller_email": "nein"},
    )
    assert refused.status_code == 422
    organiser.post(
        f"/admin/events/{event.id}/edit",
        data={
            "name": event.name,
            "date": event.date,
            "retention_days": "30",
            "controller_name": "Bildungswerk Nord e. V.",
            "controller_address": "Hauptstr. 1\n34117 Kassel",
            "controller_email": "datenschutz@bildungswerk.example",
        },
    )
    assert "noch nicht fertig" not in text(organiser.get("/admin/badges"))
    public = text(organiser.get(f"/privacy/{event.slug}"))
    assert "Bildungswerk Nord e. V., Hauptstr. 1, 34117 Kassel" in public


def test_privacy_editor_is_for_the_organiser_only(client, event) -> None:
    assert client.get("/admin/privacy").status_code == 302
    assert client.post("/admin/privacy", data={"notice": "x"}).status_code == 302
