"""The web layer: per-request database, roles, i18n, CSRF, security headers, page-or-fragment."""

from __future__ import annotations

import copy
import functools
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import Babel, get_translations
from flask_wtf.csrf import CSRFProtect
from jinja2 import pass_context
from markupsafe import Markup
from sqlite_utils import Database

from kiosk import attendees, checkin, events
from kiosk import db as kdb

log = logging.getLogger("kiosk.web")

LANGUAGES = ("de", "en")
ORGANISER = "organiser"
DESK = "desk"


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


babel = Babel()

# No page loads anything from outside the laptop; inline scripts are not used.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def get_db() -> Database:
    """The request's database connection (the worker thread's own, reused across requests)."""
    if "db" not in g:
        g.db = kdb.thread_connection(current_app.config["DATABASE"])
    return g.db


def _release_db(_exc: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        kdb.release(database)


def select_locale() -> str:
    """German first; English when chosen (and remembered in the session)."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "de"


def _translations() -> Any:
    """The request's translations, looked up once: templates ask for dozens of texts each.

    Kept per language for the app's lifetime: Flask-Babel would parse the locale again on
    every request, a tenth of a millisecond on each scan.
    """
    found = g.get("translations")
    if found is None:
        loaded = current_app.extensions.setdefault("kiosk_translations", {})
        lang = select_locale()
        found = loaded.get(lang)
        if found is None:
            found = loaded[lang] = get_translations()
        g.translations = found
    return found


@pass_context
def _template_gettext(context: Any, text: str, **variables: Any) -> str:
    """``_()`` in templates, as Jinja's new-style gettext does it, in one call instead of three.

    The desk's result card asks for a dozen texts on every scan.
    """
    translated = _translations().ugettext(text)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    if not variables and "%" not in translated:
        return translated  # nothing to put in (a literal "%" is written "%%" and needs it)
    return translated % variables


def is_htmx() -> bool:
    """True when htmx (not a full page load) made this request."""
    return request.headers.get("HX-Request") == "true"


def render(template: str, fragment: str | None = None, **context: Any) -> Response:
    """Render the full page, or only its partial ``fragment`` when htmx asks; vary on it."""
    name = fragment if fragment and is_htmx() else template
    response = current_app.make_response(render_template(name, **context))
    response.vary.add("HX-Request")
    return response


def redirect_after_post(endpoint: str, **values: Any) -> Response:
    """303 See Other: after a POST the browser fetches the next page with GET."""
    target = url_for(endpoint, **values)
    if is_htmx():
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


def role() -> str | None:
    """Who this browser is: the organiser, a desk, or nobody (None)."""
    return session.get("role")


def start_session(**values: Any) -> None:
    """A new session for whoever this browser now is (signed in, out, a desk); the language
    chosen on this browser stays."""
    lang = session.get("lang")
    session.clear()
    session.update(values, **({"lang": lang} if lang else {}))
    session.permanent = bool(values)


def organiser_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only a signed-in organiser may use this view; others go to sign-in."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if role() != ORGANISER:
            if role() == DESK:
                log.warning("denied: desk tried organiser page %s", request.path)
                abort(403)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


#: What a self check-in tablet may open: its own screen, nothing about anyone else.
SELF_ENDPOINTS = frozenset({"desk.index", "desk.self_page", "desk.self_scan", "desk.join"})


def to_login(next_path: str | None) -> Response:
    """To the sign-in page; an htmx request (a poll, a scan) makes the whole page go there."""
    target = url_for("auth.login", next=next_path) if next_path else url_for("auth.login")
    if is_htmx():
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def desk_gate() -> Response | None:
    """Turn away (with the response returned) all but the organiser and desks that still exist.

    A removed or renamed desk loses access at once; a self check-in tablet sees only its own
    screen (``SELF_ENDPOINTS``), whichever blueprint the page belongs to.
    """
    if role() not in (ORGANISER, DESK):
        return to_login(request.full_path.rstrip("?"))
    if role() == DESK:
        desk = checkin.current_station(
            get_db(), session.get("station_id", 0), session.get("station", "")
        )
        if desk is None:
            log.warning("denied: removed desk %r", session.get("station"))
            start_session()
            return to_login(None)
        g.station_mode = desk["mode"]
        if desk["mode"] == checkin.SELF and request.endpoint not in SELF_ENDPOINTS:
            log.warning("denied: self check-in tablet tried %s", request.path)
            abort(403)
    return None


def self_check_in() -> bool:
    """True on a self check-in tablet (after ``desk_gate``)."""
    return g.get("station_mode") == checkin.SELF


def desk_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A desk (still existing, in its mode) or the organiser may use this view."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refused = desk_gate()
        return refused if refused is not None else view(*args, **kwargs)

    return wrapped


def current_event() -> events.Event | None:
    """The event the organiser pages work on, or None before the first one exists."""
    if "event" not in g:
        try:
            g.event = events.current(get_db())
        except events.EventError:
            g.event = None
    return g.event


def event_or_404() -> events.Event:
    """The current event, for pages that make no sense before one exists (404 then)."""
    event = current_event()
    if event is None:
        abort(404)
    return event


def public_url() -> str:
    """Where badge QR codes point: the configured public URL, else the address in use."""
    return current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF the browser shows (and prints) itself; never cached."""
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
    if role() is not None and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(error: Any) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    return render_template("error.html", code=code, error=error), code


def init_web(app: Flask) -> None:
    """Register everything the web layer needs on ``app``."""
    # The admin_* modules add their routes to admin.bp when imported.
    from kiosk.web import (  # noqa: F401
        admin,
        admin_badges,
        admin_desks,
        admin_import,
        admin_matching,
        admin_privacy,
        auth,
        badges,
        desk,
        desk_swap,
        me,
        suggestions,
    )

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: _translations().ugettext(text),
        lambda one, many, n: _translations().ungettext(one, many, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = _template_gettext
    csrf.init_app(app)
    app.session_interface = CookieSessions()
    app.teardown_appcontext(_release_db)
    app.after_request(_security_headers)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(me.bp)
    app.register_blueprint(suggestions.bp)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)

    app.jinja_env.tests["present"] = attendees.is_present
    # Timestamps are stored in UTC; pages show this laptop's clock.
    app.add_template_filter(kdb.local_time, "local_time")
    app.add_template_filter(lambda stamp: kdb.local_time(stamp, "%H:%M"), "clock")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "role": role(),
            "lang": select_locale(),
            "current_event": current_event() if role() == ORGANISER else None,
        }
