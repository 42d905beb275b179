"""Who this browser is (the organiser, a desk, a self check-in tablet, nobody) and the gates."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, g, redirect, request, session, url_for

from kiosk import desks
from kiosk.web.pages import get_db, is_htmx

log = logging.getLogger("kiosk.web")

ORGANISER = "organiser"
DESK = "desk"

#: What a self check-in tablet may open: its own screen, nothing about anyone else.
SELF_ENDPOINTS = frozenset(
    {
        "desk.index",
        "desk.self_page",
        "desk.self_scan",
        "desk.join",
        "desk.ping",
        "desk.replay_scans",
    }
)


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


def become_desk(desk: dict[str, Any]) -> None:
    """Turn this browser into the named desk (it stops being the organiser's)."""
    start_session(role=DESK, desk=desk["name"], desk_id=desk["id"])


def desk_name() -> str:
    """The desk name this browser checks people in under."""
    return session.get("desk") or desks.ORGANISER_DESK


def to_login(next_path: str | None) -> Response:
    """To the sign-in page; an htmx request (a poll, a scan) makes the whole page go there."""
    target = url_for("auth.login", next=next_path) if next_path else url_for("auth.login")
    if is_htmx():
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def organiser_gate() -> Response | None:
    """Turn away (with the response returned) everybody but the signed-in organiser."""
    if role() == ORGANISER:
        return None
    if role() == DESK:
        log.warning("denied: desk tried organiser page %s", request.path)
        abort(403)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def desk_gate() -> Response | None:
    """Turn away (with the response returned) all but the organiser and desks that still exist.

    A removed or renamed desk loses access at once; a self check-in tablet sees only its own
    screen (``SELF_ENDPOINTS``), whichever blueprint the page belongs to.
    """
    if role() not in (ORGANISER, DESK):
        return to_login(request.full_path.rstrip("?"))
    if role() == DESK:
        desk = desks.current(get_db(), session.get("desk_id", 0), session.get("desk", ""))
        if desk is None:
            log.warning("denied: removed desk %r", session.get("desk"))
            start_session()
            return to_login(None)
        g.desk_mode = desk["mode"]
        if desk["mode"] == desks.SELF and request.endpoint not in SELF_ENDPOINTS:
            log.warning("denied: self check-in tablet tried %s", request.path)
            abort(403)
    return None


def self_check_in() -> bool:
    """True on a self check-in tablet (after ``desk_gate``)."""
    return g.get("desk_mode") == desks.SELF


def desk_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A desk (still existing, in its mode) or the organiser may use this view."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refused = desk_gate()
        return refused if refused is not None else view(*args, **kwargs)

    return wrapped
