"""CSRF on every form, security headers, no outside resources, desks kept out of organiser pages."""

import re
from pathlib import Path

import pytest

from kiosk import access, create_app
from kiosk import db as kdb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def csrf_app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})


def test_post_without_csrf_token_is_refused(csrf_app) -> None:
    database = kdb.connect(csrf_app.config["DATABASE"])
    access.set_password(database, "passwort-123")
    database.close()
    client = csrf_app.test_client()
    assert client.post("/login", data={"password": "passwort-123"}).status_code == 400
    assert "/login" in client.get("/admin/").location  # the refused post signed nobody in
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"password": "passwort-123", "csrf_token": token})
    assert response.status_code == 303


def test_security_headers_are_set(client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_desk_session_cannot_reach_organiser_pages(client) -> None:
    with client.session_transaction() as session:
        session["role"] = "desk"
        session["desk"] = "Eingang"
    assert client.get("/admin/").status_code == 403
    refused = client.get("/admin/attendees")
    assert refused.status_code == 403 and "Teilnehmende" not in refused.get_data(as_text=True)


def test_templates_load_nothing_from_outside_the_laptop() -> None:
    outside = re.compile(r"""(src|href)=["'](https?:)?//""")
    for path in (ROOT / "templates").rglob("*.html"):
        assert not outside.search(path.read_text(encoding="utf-8")), path
    for path in (ROOT / "static").rglob("*.css"):
        assert "url(http" not in path.read_text(encoding="utf-8"), path


def test_no_inline_scripts_in_templates() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+=", text), path


def _desk_with_csrf(csrf_app):
    """A desk browser with CSRF on: its client, its token and three attendees' codes."""
    from kiosk import attendees, events
    from kiosk.attendees import AttendeeData

    database = kdb.connect(csrf_app.config["DATABASE"])
    event = events.create(database, "Netzwerktreffen")
    codes = [
        attendees.create(
            database, event, AttendeeData(first_name="P", last_name=f"Nr {n}"), how="test"
        )["code"]
        for n in range(3)
    ]
    database.close()
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["role"] = "organiser"
    html = client.get("/desk/").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    return client, token, codes


def test_a_desk_token_found_good_stays_good_and_nothing_else_passes(csrf_app) -> None:
    client, token, codes = _desk_with_csrf(csrf_app)
    for code in codes[:2]:  # the second scan is let through by the remembered token
        answer = client.post(
            "/desk/scan", data={"code": code}, headers={"HX-Request": "true", "X-CSRFToken": token}
        )
        assert answer.status_code == 200 and 'data-outcome="welcome"' in answer.get_data(True)
        # The card's own forms carry the token this request was checked with.
        assert f'name="csrf_token" value="{token}"' in answer.get_data(True)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = client.post(
        "/desk/scan", data={"code": codes[2]}, headers={"HX-Request": "true", "X-CSRFToken": forged}
    )
    assert refused.status_code == 400
    # A new session (signed out and in again) has a new raw token: the old signed one is dead.
    with client.session_transaction() as session:
        session.clear()
        session["role"] = "organiser"
    client.get("/desk/")
    stale = client.post(
        "/desk/scan", data={"code": codes[2]}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert stale.status_code == 400


def test_a_session_cookie_is_trusted_only_when_signed_and_never_shared(csrf_app) -> None:
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["role"] = "organiser"
        session["last"] = {"kind": "welcome", "attendee_id": 7}
    cookie = client.get_cookie("session").value
    sessions = csrf_app.session_interface
    name = csrf_app.config["SESSION_COOKIE_NAME"]
    with csrf_app.test_request_context(headers={"Cookie": f"{name}={cookie}"}) as ctx:
        first = sessions.open_session(csrf_app, ctx.request)
        first["last"].pop("kind")  # what one request does to its session stays there
        second = sessions.open_session(csrf_app, ctx.request)
    assert second["role"] == "organiser" and second["last"] == {"kind": "welcome", "attendee_id": 7}
    forged = cookie[:-3] + ("abc" if not cookie.endswith("abc") else "xyz")
    with csrf_app.test_request_context(headers={"Cookie": f"{name}={forged}"}) as ctx:
        assert dict(sessions.open_session(csrf_app, ctx.request)) == {}
    # Over HTTP too: the forged cookie is nobody, the real one is the organiser.
    assert client.get("/admin/").status_code == 200
    client.set_cookie(name, forged)
    assert client.get("/admin/").status_code == 302
