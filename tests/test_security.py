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
        session["station"] = "Eingang"
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/attendees").status_code == 403


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
