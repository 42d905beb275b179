"""Sign-in, sign-out, first-start password and the language switch."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request, session, url_for
from flask_babel import gettext as _

from kiosk import access, weak_passwords
from kiosk.throttle import Throttle
from kiosk.web.blueprints import auth as bp
from kiosk.web.i18n import LANGUAGES
from kiosk.web.pages import get_db, render
from kiosk.web.roles import ORGANISER, start_session

log = logging.getLogger("kiosk.auth")

_THROTTLES = "kiosk.password_throttles"
#: Key of the throttle counting every address's wrong passwords together.
_EVERYONE = "*"


def _throttles() -> tuple[Throttle, Throttle]:
    """Wrong passwords per address, and of all addresses together (many phones, one guesser)."""
    throttles = current_app.extensions.get(_THROTTLES)
    if throttles is None:
        window = access.PASSWORD_WINDOW_SECONDS
        throttles = current_app.extensions.setdefault(
            _THROTTLES,
            (
                Throttle(access.PASSWORD_GUESSES, window),
                Throttle(access.PASSWORD_GUESSES_ALL, window),
            ),
        )
    return throttles


def _password_throttled() -> bool:
    per_address, everyone = _throttles()
    return per_address.blocked(request.remote_addr or "") or everyone.blocked(_EVERYONE)


def _wrong_password() -> None:
    per_address, everyone = _throttles()
    per_address.miss(request.remote_addr or "")
    everyone.miss(_EVERYONE)


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("admin.index")


def _sign_in() -> None:
    db = get_db()
    start_session(role=ORGANISER, gen=access.session_generation(db), sid=access.new_session_id())


@bp.get("/")
def index() -> Response | str:
    """The start page: the organiser goes to the overview; anyone else sees where to go."""
    if session.get("role") == ORGANISER:
        return redirect(url_for("admin.index"))
    return render("start.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    db = get_db()
    if not access.has_password(db):
        return redirect(url_for("auth.setup"))
    error = None
    if request.method == "POST":
        # Checked before the password: each check costs a scrypt, and the answer stays the same.
        if _password_throttled():
            log.warning("throttled: too many wrong organiser passwords")
            error = _("Zu viele falsche Versuche. Bitte eine Minute warten.")
            response = current_app.make_response((render("login.html", error=error), 429))
            response.headers["Retry-After"] = str(int(access.PASSWORD_WINDOW_SECONDS))
            return response
        if access.check_password(db, request.form.get("password", "")):
            _sign_in()
            return redirect(_safe_next(request.args.get("next")), code=303)
        _wrong_password()
        log.warning("denied: wrong organiser password")
        error = _("Das Passwort stimmt nicht.")
    return render("login.html", error=error)


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Response | str:
    """First start: the organiser chooses a password (only while none is set)."""
    db = get_db()
    if access.has_password(db):
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            error = _("Die beiden Passwörter sind verschieden.")
        else:
            try:
                access.choose_password(db, password)
            except access.AccessError as exc:
                error = _weakness_message(exc.code)
            else:
                _sign_in()
                return redirect(url_for("admin.index"), code=303)
    return render("setup.html", error=error, min_length=weak_passwords.MIN_LENGTH)


def _weakness_message(code: str) -> str:
    if code == "password_too_short":
        return _("Bitte mindestens %(n)d Zeichen.", n=weak_passwords.MIN_LENGTH)
    if code == "password_too_simple":
        return _("Zu einfach: bitte nicht nur wenige Zeichen wiederholen oder aufreihen.")
    return _(
        "Zu bekannt: Dieses Passwort probiert man zuerst. Besser drei Wörter, die nichts "
        "miteinander zu tun haben."
    )


@bp.route("/signin/<token>")
def signin_link(token: str) -> Response | str:
    """The one-time link ``kiosk serve`` prints."""
    try:
        access.use_signin_token(get_db(), token)
    except access.AccessError:
        log.warning("denied: unknown sign-in link from %s", request.remote_addr)
        return render("login.html", error=_("Dieser Anmelde-Link gilt nicht mehr.")), 403
    _sign_in()
    return redirect(url_for("admin.index"))


@bp.post("/logout")
def logout() -> Response:
    """Sign out this browser (a copy of its cookie signs in no more); with ``everywhere`` every
    organiser session ends (a laptop or phone left signed in somewhere)."""
    if session.get("role") == ORGANISER:
        access.end_session(get_db(), session.get("sid", ""))
        if request.form.get("everywhere"):
            access.end_sessions(get_db())
            log.info("every organiser session ended")
    start_session()
    return redirect(url_for("auth.login"), code=303)


@bp.post("/lang/<code>")
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")), code=303)
