"""Organiser sign-in: first-start password, wrong password, one-time link, sign-out, language."""

import time

import pytest

from kiosk import access, weak_passwords
from kiosk import db as kdb

from conftest import ORGANISER_PASSWORD


def test_first_start_asks_for_a_password_and_signs_in(client) -> None:
    assert client.get("/login").headers["Location"].endswith("/setup")
    response = client.post("/setup", data={"password": "kurz", "password2": "kurz"})
    assert "mindestens 10 Zeichen" in response.get_data(as_text=True)
    response = client.post("/setup", data={"password": "lang-genug-1", "password2": "lang-genug-1"})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200
    # Once set, the setup page no longer changes it.
    assert client.get("/setup").headers["Location"].endswith("/login")


def test_wrong_password_is_refused_with_a_message(organiser, app) -> None:
    client = app.test_client()
    response = client.post("/login", data={"password": "falsch"})
    assert response.status_code == 200
    assert "Das Passwort stimmt nicht." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_admin_pages_send_strangers_to_sign_in(client) -> None:
    response = client.get("/admin/attendees?q=x")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_sign_in_follows_only_local_next(app, organiser) -> None:
    client = app.test_client()
    response = client.post(
        "/login?next=https://evil.example/", data={"password": ORGANISER_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/"
    response = client.post("/login?next=/admin/attendees", data={"password": ORGANISER_PASSWORD})
    assert response.headers["Location"] == "/admin/attendees"


def test_signin_link_works_once(app, db) -> None:
    access.set_password(db, "irgendein-passwort")
    token = access.new_signin_token(db)
    client = app.test_client()
    assert client.get(f"/signin/{token}").headers["Location"].endswith("/admin/")
    assert "Veranstaltung" in client.get("/admin/").get_data(as_text=True)
    other = app.test_client()
    refused = other.get(f"/signin/{token}")
    assert refused.status_code == 403
    assert "Dieser Anmelde-Link gilt nicht mehr." in refused.get_data(as_text=True)
    assert "/login" in other.get("/admin/").headers["Location"]


def test_logout_ends_the_session(organiser) -> None:
    assert organiser.post("/logout").headers["Location"].endswith("/login")
    assert "/login?next=/admin/" in organiser.get("/admin/").headers["Location"]


def test_language_switch_to_english_and_back(organiser) -> None:
    organiser.post("/lang/en", data={"next": "/admin/"})
    assert "New event" in organiser.get("/admin/").get_data(as_text=True)
    organiser.post("/lang/de", data={"next": "/admin/"})
    assert "Neue Veranstaltung" in organiser.get("/admin/").get_data(as_text=True)


def test_password_is_stored_as_a_hash(app, db) -> None:
    access.set_password(db, "ein-geheimes-wort")
    stored = kdb.get_setting(db, "organiser_password")
    assert "ein-geheimes-wort" not in stored
    assert access.check_password(db, "ein-geheimes-wort")


def test_the_chosen_language_stays_through_sign_in_and_out(app, db) -> None:
    access.set_password(db, "irgendein-passwort")
    client = app.test_client()
    client.post("/lang/en", data={"next": "/login"})
    client.get(f"/signin/{access.new_signin_token(db)}")
    assert "New event" in client.get("/admin/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/admin/").status_code == 302  # signed out ...
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # ... still in English


# -- guessing, weak passwords and ending sessions --------------------------------------------


def test_password_guessing_is_throttled_per_address(organiser, app) -> None:
    guesser = app.test_client()
    for n in range(access.PASSWORD_GUESSES):
        assert guesser.post("/login", data={"password": f"falsch-{n}"}).status_code == 200
    # Now even the right password waits: the guesser cannot tell a hit from the wait.
    refused = guesser.post("/login", data={"password": ORGANISER_PASSWORD})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Zu viele falsche Versuche" in refused.get_data(as_text=True)
    assert guesser.get("/admin/").status_code == 302
    # The organiser at another address signs in as usual.
    other = app.test_client()
    signed_in = other.post(
        "/login", data={"password": ORGANISER_PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert signed_in.status_code == 303


def test_many_addresses_guessing_together_are_throttled_too(organiser, app) -> None:
    guesser = app.test_client()
    for n in range(access.PASSWORD_GUESSES_ALL):
        address = {"REMOTE_ADDR": f"10.0.{n // 200}.{n % 200 + 1}"}
        guesser.post("/login", data={"password": f"falsch-{n}"}, environ_base=address)
    fresh = guesser.post(
        "/login", data={"password": "noch-einer"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert fresh.status_code == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", "too_short"),
        ("Passwort123", "common"),
        ("passwort-123", "common"),
        ("!!Sommer2026!!", "common"),
        ("Netzwerktreffen1", "common"),
        ("aaaaaaaaaaaa", "too_simple"),
        ("1234567890", "too_simple"),
        ("qwertzuiop", "too_simple"),
        ("abababababab", "too_simple"),
        ("schalkeschalke", "common"),
        ("Regenschirm Taschenlampe Zebra", None),
        ("richtig-geheim-42", None),
    ],
)
def test_weak_passwords_are_recognised(password: str, reason: str | None) -> None:
    assert weak_passwords.weakness(password) == reason


def test_kiosk_password_refuses_weak_passwords(runner) -> None:
    weak = runner.invoke("password", input="Passwort2026!\nPasswort2026!\n")
    assert weak.exit_code != 0 and "Too common" in weak.output
    short = runner.invoke("password", input="geheim\ngeheim\n")
    assert short.exit_code != 0 and "Too short" in short.output
    good = runner.invoke("password", input="Regenschirm Zebra Tal\nRegenschirm Zebra Tal\n")
    assert good.exit_code == 0 and "Password set." in good.output


def test_setup_page_refuses_a_common_password(client) -> None:
    response = client.post("/setup", data={"password": "passwort123", "password2": "passwort123"})
    assert "Zu bekannt" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def _copy_of(app, signed_in):
    """A second browser holding the same session cookie (a stolen or forgotten one)."""
    other = app.test_client()
    other.set_cookie("session", signed_in.get_cookie("session").value)
    return other


def test_a_password_change_ends_every_old_organiser_session(organiser, app, db) -> None:
    old_cookie = _copy_of(app, organiser)
    assert old_cookie.get("/admin/").status_code == 200
    access.set_password(db, "ein-ganz-neues-wort")
    time.sleep(kdb.RECENT_SECONDS)  # changed by another process (kiosk password): seen within 1 s
    assert "/login" in old_cookie.get("/admin/").headers["Location"]
    assert "/login" in organiser.get("/admin/").headers["Location"]
    assert (
        app.test_client().post("/login", data={"password": "ein-ganz-neues-wort"}).status_code
        == 303
    )


def test_sign_out_everywhere_ends_the_other_organiser_sessions(organiser, app, event) -> None:
    laptop = _copy_of(app, organiser)
    phone = app.test_client()
    assert phone.post("/login", data={"password": ORGANISER_PASSWORD}).status_code == 303
    assert "Überall abmelden" in organiser.get("/admin/desks").get_data(as_text=True)
    organiser.post("/logout", data={"everywhere": "1"})
    for browser in (organiser, laptop, phone):
        assert browser.get("/admin/").status_code == 302
    # A plain sign-out ends its own session, copies of its cookie included, and no other.
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/login", data={"password": ORGANISER_PASSWORD})
    stolen = _copy_of(app, first)
    assert stolen.get("/admin/").status_code == 200
    first.post("/logout")
    assert stolen.get("/admin/").status_code == 302
    assert second.get("/admin/").status_code == 200
