"""Who this browser is (the organiser, a desk, a self check-in tablet, nobody) and the gates."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, g, redirect, request, session, url_for

from kiosk import access, desks, events
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


def end_stale_session() -> None:
    """Before each request: an organiser session signed out, or from before a password change
    or a sign-out everywhere, has ended (the signed cookie alone would stay good for weeks)."""
    if session.get("role") != ORGANISER:
        return
    db = get_db()
    if session.get("gen", 0) != access.session_generation(db) or access.session_ended(
        db, session.get("sid")
    ):
        log.warning("denied: organiser session ended by a password change or sign-out")
        start_session()


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
        db = get_db()
        desk = desks.current(db, session.get("desk_id", 0), session.get("desk", ""))
        if desk is None or not _desk_of_current_event(desk):
            log.warning("denied: removed desk, or a desk of another event")
            start_session()
            return to_login(None)
        g.desk_mode = desk["mode"]
        if desk["mode"] == desks.SELF and request.endpoint not in SELF_ENDPOINTS:
            log.warning("denied: self check-in tablet tried %s", request.path)
            abort(403)
    return None


def _desk_of_current_event(desk: dict[str, Any]) -> bool:
    try:
        return desk["event_id"] == events.current(get_db()).id
    except events.EventError:
        return False


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


# -- the route inventory -----------------------------------------------------------------------

#: Who a URL is for. Each class is refused to the ones below it that are not named:
#: public — anyone (the start page, sign-in, the badge page, the privacy notice);
#: attendee — whoever holds the person's private link (or the cookie it leaves on their phone);
#: self check-in — a self check-in tablet, a desk and the organiser;
#: desk — a staffed desk and the organiser;
#: organiser — the signed-in organiser only.
PUBLIC = "public"
ATTENDEE = "attendee"
SELF_CHECK_IN = "self check-in"
STAFFED_DESK = "desk"
ORGANISER_ONLY = "organiser"
ROUTE_CLASSES = (PUBLIC, ATTENDEE, SELF_CHECK_IN, STAFFED_DESK, ORGANISER_ONLY)

#: Blueprints whose gate admits one class for every route in them.
BLUEPRINT_CLASSES = {"admin": ORGANISER_ONLY}

#: Every other endpoint, one by one: a new route is classified here, or tests/test_routes.py
#: fails.
ENDPOINT_CLASSES = {
    "static": PUBLIC,
    "auth.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.setup": PUBLIC,
    "auth.signin_link": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.set_language": PUBLIC,
    "me.badge": PUBLIC,
    "me.privacy": PUBLIC,
    "me.forget": PUBLIC,
    "desk.join": PUBLIC,  # the one-time desk link is the credential
    "me.own_page": ATTENDEE,
    "me.consents": ATTENDEE,
    "me.note": ATTENDEE,
    "me.remove": ATTENDEE,
    "me.vcard_all": ATTENDEE,
    "me.vcard_one": ATTENDEE,
    "me.summary_pdf": ATTENDEE,
    "me.save": ATTENDEE,
    "me.online_checkin": ATTENDEE,
    "me.topics": ATTENDEE,
    "me.new_link": ATTENDEE,
    "me.online_card": ATTENDEE,
    "me.people": ATTENDEE,
    "me.request_contact": ATTENDEE,
    "me.answer_request": ATTENDEE,
    "suggestions.own": ATTENDEE,
    "suggestions.feedback": ATTENDEE,
    **dict.fromkeys(SELF_ENDPOINTS - {"desk.join"}, SELF_CHECK_IN),
    "desk.scan": STAFFED_DESK,
    "desk.offline_list": STAFFED_DESK,
    "desk.search": STAFFED_DESK,
    "desk.counters": STAFFED_DESK,
    "desk.show": STAFFED_DESK,
    "desk.qr": STAFFED_DESK,
    "desk.check_in": STAFFED_DESK,
    "desk.undo": STAFFED_DESK,
    "desk.check_out": STAFFED_DESK,
    "desk.consent": STAFFED_DESK,
    "desk.walkin": STAFFED_DESK,
    "desk.swap_page": STAFFED_DESK,
    "desk.swap_scan": STAFFED_DESK,
    "desk.swap_cancel": STAFFED_DESK,
    "badges.single": STAFFED_DESK,
    "badges.printed": STAFFED_DESK,
    "suggestions.desk_card": STAFFED_DESK,
    "suggestions.slip": STAFFED_DESK,
}


def route_class(endpoint: str | None) -> str | None:
    """Who the route with this endpoint is for (one of ``ROUTE_CLASSES``), or None when it
    has not been classified."""
    if endpoint is None:
        return None
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    return BLUEPRINT_CLASSES.get(blueprint) or ENDPOINT_CLASSES.get(endpoint)
