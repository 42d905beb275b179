"""Finding the attendee a URL names: by private link, by badge code (both throttled against
guessing) or by id within the current event."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from flask import Flask, abort, current_app, render_template, request

from kiosk import attendees
from kiosk.throttle import Throttle
from kiosk.web.pages import event_or_404, get_db

log = logging.getLogger("kiosk.web")

_THROTTLE = "kiosk.guess_throttle"


def init_lookups(app: Flask) -> None:
    """One guessing throttle per app: unknown badge codes and private links count as misses."""
    app.extensions[_THROTTLE] = Throttle()


def guess_throttle() -> Throttle:
    return current_app.extensions[_THROTTLE]


def _refuse_if_throttled() -> None:
    if guess_throttle().blocked(request.remote_addr or ""):
        log.warning("throttled: too many unknown badge codes or links from one address")
        response = current_app.make_response(
            (render_template("error.html", code=429, error=None), 429)
        )
        response.headers["Retry-After"] = str(int(guess_throttle().window))
        abort(response)


def _not_found(kind: str) -> NoReturn:
    """Count a miss and answer with the friendly page for unknown badges and links."""
    if guess_throttle().miss(request.remote_addr or ""):
        log.warning("denied: unknown %s; this address must now wait", kind)
    else:
        log.info("denied: unknown %s", kind)
    abort(current_app.make_response((render_template("me/unknown.html", kind=kind), 404)))


def owner_or_404(secret: str) -> dict[str, Any]:
    """The attendee whose private link this is, or the friendly 404 (throttled)."""
    _refuse_if_throttled()
    attendee = attendees.by_secret(get_db(), secret)
    if attendee is None:
        _not_found("link")
    return attendee


def badge_or_404(code: str) -> dict[str, Any]:
    """The attendee with this badge code, in any case, or the friendly 404 (throttled)."""
    _refuse_if_throttled()
    found = attendees.find_code(code)
    attendee = attendees.by_code(get_db(), found) if found else None
    if attendee is None:
        _not_found("badge")
    return attendee


def attendee_or_404(attendee_id: int) -> dict[str, Any]:
    """An attendee of the current event; those of other events are not found."""
    try:
        return attendees.in_event(get_db(), event_or_404().id, attendee_id)
    except attendees.AttendeeError:
        abort(404)
