"""What every view needs: the request's database, the current event, page or fragment, answers."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from jinja2 import Environment
from sqlite_utils import Database

from kiosk import badges, events, links, matching, references
from kiosk import db as kdb

log = logging.getLogger("kiosk.web")

#: Seconds between two polls of the live counters (desks and the dashboard).
COUNTER_POLL_SECONDS = 2
#: Seconds between two looks of an online attendee's waiting page at the event's time window:
#: "Ich bin dabei" appears when it opens, without a reload.
ONLINE_POLL_SECONDS = 30
#: The pieces every page repeats (CSRF field, one-button forms, search, errors, fields).
MACROS_TEMPLATE = "_macros.html"


def get_db() -> Database:
    """The request's database connection (the worker thread's own, reused across requests)."""
    if "db" not in g:
        g.db = kdb.thread_connection(current_app.config["DATABASE"])
    return g.db


def release_db(_exc: BaseException | None = None) -> None:
    """End the request's use of its connection (teardown)."""
    database = g.pop("db", None)
    if database is not None:
        kdb.release(database)


def current_event() -> events.Event | None:
    """The event the pages work on, or None before the first one exists."""
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
    """Where badge QR codes and private links point (see ``links.public_url``)."""
    return links.public_url(current_app.config.get("PUBLIC_URL", ""), request.url_root)


class TemplateMacros:
    """``ui`` in every template: the macros of templates/_macros.html, made once, not imported.

    An ``{% import %}`` costs each render (Jinja compares the globals every time), and the
    desk's result card renders on every scan. Each macro is looked up once, or on every use
    while templates reload (development).
    """

    def __init__(self, environment: Environment) -> None:
        self._environment = environment

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        macro = getattr(self._environment.get_template(MACROS_TEMPLATE).module, name)
        if not self._environment.auto_reload:
            setattr(self, name, macro)  # found directly from now on
        return macro


def says_du(event: events.Event | None) -> bool:
    """True when the event addresses attendees as "du" (its setting, or a fair with pupils)."""
    return event is not None and events.address_form(get_db(), event) == "du"


def suggestions_context(attendee: dict[str, Any]) -> dict[str, Any]:
    """What ``_suggestions.html`` needs for the attendee's own list: the suggestions, the
    address form, and the viewer's opaque reference of each person (never a badge code)."""
    db = get_db()
    event = events.get(db, attendee["event_id"])
    key = current_app.secret_key
    return {
        "attendee": attendee,
        "event": event,
        "suggestions": matching.to_show(db, attendee),
        "du": says_du(event),
        "ref": lambda s: references.reference(key, attendee["id"], s.attendee_id),
        "full_size": matching.PLAN_SIZE,
    }


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


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF the browser shows (and prints) itself; never cached."""
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def download(body: bytes | str, filename: str, mimetype: str) -> Response:
    """A file to save (a CSV, a spreadsheet, a vCard, a ZIP); never cached. The name may hold
    umlauts: browsers get it as UTF-8 (RFC 6266) and, for old ones, in plain letters."""
    response = current_app.response_class(body, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.content_type = f"{mimetype}; charset=utf-8"
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = plain.replace('"', "").replace("\\", "") or "download"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def single_badge(attendee_id: int, *, how: str, note_pdf: bool = False) -> Response:
    """One badge of an attendee of the current event as a PDF (404 for anyone else): the desk's
    and the organiser's reprint. A PDF is not a print: with ``note_pdf`` the log notes that a
    PDF was made, else nothing is recorded."""
    try:
        pdf = badges.single_badge_pdf(
            get_db(),
            event_or_404(),
            attendee_id,
            public_url=public_url(),
            how=how,
            note_pdf=note_pdf,
        )
    except badges.BadgeError as exc:
        log.warning("badge pdf for attendee %s refused: %s", attendee_id, exc.code)
        abort(404)
    return pdf_response(pdf, f"badge-{attendee_id}.pdf")
