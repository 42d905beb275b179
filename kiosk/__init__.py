"""kiosk: check-in and networking for network meetings, on one laptop at the venue."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

_PACKAGE = Path(__file__).resolve().parent
#: The checkout's resource folders and the names they are installed under inside the package
#: (badges/ holds templates, not code: kiosk.badges is the Python package for badges).
_INSTALLED_AS = {"templates": "templates", "static": "static", "badges": "badge_templates"}


def resource_dir(name: str) -> Path:
    """Where templates/, static/ or badges/ are: inside the installed package, else the checkout."""
    installed = _PACKAGE / _INSTALLED_AS.get(name, name)
    return installed if installed.is_dir() else _PACKAGE.parent / name


def _secret_key(data_dir: Path) -> str:
    """The app's signing key, made once per data folder and kept there (0600 from the start:
    another account on the laptop could sign itself in as the organiser with it)."""
    from kiosk.datafolder import private_folder, write_private

    path = private_folder(data_dir) / "secret_key"
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode("ascii"))
    return path.read_text(encoding="ascii").strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database, blueprints, i18n and security headers."""
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    config = dict(test_config or {})
    data_dir = Path(config.get("DATA_DIR") or Path(config.get("DATABASE", "kiosk.sqlite3")).parent)
    app.config.from_mapping(
        DATA_DIR=str(data_dir),
        DATABASE=str(data_dir / "kiosk.sqlite3"),
        PUBLIC_URL="",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # Signed in for the event's days; the cookie is not signed again on every scan.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="de",
        BABEL_TRANSLATION_DIRECTORIES=str(_PACKAGE / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["DATA_DIR"]))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from kiosk import db
    from kiosk.web import init_web

    db.init(app.config["DATABASE"])
    init_web(app)
    if app.config.get("BEHIND_PROXY"):
        # One proxy in front (Caddy, nginx) terminates TLS: its forwarded headers say the
        # visitor's address, https and the host name; cookies then travel over https only.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
        app.config["SESSION_COOKIE_SECURE"] = True
    logging.getLogger("kiosk").setLevel(logging.INFO)
    return app
