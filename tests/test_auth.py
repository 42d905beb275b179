"""Organiser sign-in: first-start password, wrong password, one-time link, sign-out, language."""

from kiosk import access
from kiosk import db as kdb

from conftest import ORGANISER_PASSWORD


def test_first_start_asks_for_a_password_and_signs_in(client) -> None:
    assert client.get("/login").headers["Location"].endswith("/setup")
    response = client.post("/setup", data={"password": "kurz", "password2": "kurz"})
    assert "mindestens 8 Zeichen" in response.get_data(as_text=True)
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
