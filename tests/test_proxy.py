"""Running on a server behind a reverse proxy: its forwarded headers are trusted only when
`kiosk serve --behind-proxy` says so."""

from __future__ import annotations

from kiosk import access, attendees, create_app, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "netzwerk.example.org",
}


def make(tmp_path, behind_proxy: bool):
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "SECRET_KEY": "proxy",
            "WTF_CSRF_ENABLED": False,
            "BEHIND_PROXY": behind_proxy,
        }
    )
    db = kdb.connect(app.config["DATABASE"])
    access.set_password(db, "richtig-geheim-42")
    event = events.create(db, "Online-Treffen")
    anna = attendees.create(db, event, AttendeeData(first_name="Anna"), how="t")
    db.close()
    return app, anna


def sign_in(client):
    return client.post(
        "/login", data={"password": "richtig-geheim-42"}, headers=FORWARDED, base_url="http://kiosk"
    )


def test_behind_a_proxy_links_and_cookies_follow_its_https(tmp_path) -> None:
    app, anna = make(tmp_path, behind_proxy=True)
    client = app.test_client()
    signed_in = sign_in(client)
    assert "Secure" in signed_in.headers["Set-Cookie"]
    page = client.get(
        f"/admin/attendees/{anna['id']}", headers=FORWARDED, base_url="http://kiosk"
    ).get_data(as_text=True)
    assert f"https://netzwerk.example.org/me/{anna['secret']}" in page


def test_without_the_flag_forwarded_headers_are_ignored(tmp_path) -> None:
    app, anna = make(tmp_path, behind_proxy=False)
    client = app.test_client()
    signed_in = sign_in(client)
    assert "Secure" not in signed_in.headers["Set-Cookie"]
    page = client.get(
        f"/admin/attendees/{anna['id']}", headers=FORWARDED, base_url="http://kiosk"
    ).get_data(as_text=True)
    assert "netzwerk.example.org" not in page and f"http://kiosk/me/{anna['secret']}" in page
