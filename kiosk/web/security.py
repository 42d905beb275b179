"""What every answer is protected by: CSRF on forms, signed session cookies, security headers.

Two of Flask's parts are subclassed to remember what they verified (``CSRF``,
``CookieSessions``), and ``kiosk.web.i18n`` keeps translations per language. Together they pay
for themselves at the desk: ``python bench/checkin.py --phases b --runs 3`` (20 desks scanning
without pause, beside a bare Flask + SQLite endpoint) gave a ratio of 0.78 and 0.77 with them
and 0.58 and 0.57 with Flask-WTF's CSRFProtect, Flask's session interface and Flask-Babel's
lookups as they come (two interleaved rounds, 2-core laptop); in process a scan cost 1.9 ms of
CPU instead of 3.1 ms.
"""

from __future__ import annotations

import copy
import hmac
import time
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

#: The largest id SQLite stores (a signed 64-bit INTEGER).
SQLITE_MAX_INTEGER = 2**63 - 1

# No page loads anything from outside the laptop; inline scripts are not used.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


class CSRF(CSRFProtect):
    """Flask-WTF's CSRF protection, remembering the tokens it has found good.

    A desk sends the same signed token with every scan all day; checking its signature costs
    a tenth of a millisecond of Python each time. A token once found good for a session's raw
    token stays good for it, since tokens here do not expire (``WTF_CSRF_TIME_LIMIT`` None).
    Over https Flask-WTF also checks the referrer, so that path always runs in full.
    """

    #: Tokens remembered per app at most (a few per desk or browser); then it starts over.
    REMEMBERED = 1000

    def protect(self, apply_exemptions: bool = False) -> None:
        config = current_app.config
        field = config["WTF_CSRF_FIELD_NAME"]
        token = self._get_csrf_token() if request.method in config["WTF_CSRF_METHODS"] else None
        raw = session.get(field)
        good: dict[str, str] = current_app.extensions.setdefault("kiosk_csrf_good", {})
        rememberable = bool(token) and isinstance(raw, str) and not request.is_secure
        rememberable = rememberable and config["WTF_CSRF_TIME_LIMIT"] is None
        if rememberable and hmac.compare_digest(good.get(token, ""), raw):
            g.csrf_valid = True
        else:
            super().protect(apply_exemptions)
            if rememberable and g.get("csrf_valid"):
                if len(good) >= self.REMEMBERED:
                    good.clear()
                good[token] = raw
        if token and g.get("csrf_valid") and field not in g:
            # The token just checked also serves the forms of the answer: Flask-WTF would sign
            # a fresh one for each answer (another tenth of a millisecond per scan).
            setattr(g, field, token)


csrf = CSRF()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each cookie's signature checked once a minute.

    A desk sends the same cookie with every scan; checking it costs a tenth of a millisecond
    of Python (key derivation, HMAC, JSON). What a good cookie said is remembered for a
    minute, so its expiry (after the event's days) still holds to the minute.
    """

    REMEMBER_SECONDS = 60.0
    #: Cookies remembered at most; then it starts over.
    REMEMBERED = 1000

    def __init__(self) -> None:
        self._opened: dict[str, tuple[float, dict[str, Any]]] = {}

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        now = time.monotonic()
        known = self._opened.get(value) if value else None
        if known is not None and now - known[0] < self.REMEMBER_SECONDS:
            return self.session_class(copy.deepcopy(known[1]))
        opened = super().open_session(app, request)
        if value and opened:  # only a good cookie opens a session with something in it
            if len(self._opened) >= self.REMEMBERED:
                self._opened.clear()
            self._opened[value] = (now, copy.deepcopy(dict(opened)))
        return opened


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
    if session.get("role") is not None and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


class SQLiteId(IntegerConverter):
    """``<int:...>`` in a URL: a number SQLite can store, else the URL matches nothing (404);
    a longer one made every lookup fail with an OverflowError (500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", SQLITE_MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def sqlite_id(value: str) -> int:
    """An id from a query string or form (``request.args.get(..., type=sqlite_id)``): a
    number SQLite can store, else ValueError (and the value counts as not given)."""
    number = int(value)
    if not 0 <= number <= SQLITE_MAX_INTEGER:
        raise ValueError("not an id")
    return number


def init_security(app: Flask) -> None:
    """CSRF protection, the session cookies, the headers every answer carries, and ids in
    URLs bounded (before any route is added)."""
    app.url_map.converters["int"] = SQLiteId
    csrf.init_app(app)
    app.session_interface = CookieSessions()
    app.after_request(_security_headers)
