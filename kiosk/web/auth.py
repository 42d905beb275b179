"""Sign-in, sign-out, first-start password and the language switch."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Response, redirect, request, session, url_for
from flask_babel import gettext as _

from kiosk import access
from kiosk.web.blueprints import auth as bp
from kiosk.web.i18n import LANGUAGES
from kiosk.web.pages import get_db, render
from kiosk.web.roles import ORGANISER, start_session

log = logging.getLogger("kiosk.auth")


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("admin.index")


def _sign_in() -> None:
    start_session(role=ORGANISER)


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
        if access.check_password(db, request.form.get("password", "")):
            _sign_in()
            return redirect(_safe_next(request.args.get("next")), code=303)
        log.warning("denied: wrong organiser password from %s", request.remote_addr)
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
                access.set_password(db, password)
            except access.AccessError:
                error = _("Bitte mindestens %(n)d Zeichen.", n=access.MIN_PASSWORD_LENGTH)
            else:
                _sign_in()
                return redirect(url_for("admin.index"), code=303)
    return render("setup.html", error=error, min_length=access.MIN_PASSWORD_LENGTH)


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
    start_session()
    return redirect(url_for("auth.login"), code=303)


@bp.post("/lang/<code>")
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")), code=303)
