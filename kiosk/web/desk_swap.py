"""Swap mode at a desk: two badges scanned within 30 seconds swap contacts, no phone needed."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, redirect, request, session, url_for

from kiosk import attendees, contacts
from kiosk.web.blueprints import desk as bp
from kiosk.web.pages import event_or_404, get_db, is_htmx, render
from kiosk.web.roles import desk_name

#: Session keys: the first badge waiting for its partner, and the last outcome to show.
PENDING = "swap_pending"
OUTCOME = "swap_outcome"


def _people(ids: list[int]) -> list[dict[str, Any]]:
    found = []
    for attendee_id in ids:
        try:
            found.append(attendees.get(get_db(), attendee_id))
        except attendees.AttendeeError:
            continue
    return found


def _panel_context() -> dict[str, Any]:
    outcome = session.get(OUTCOME) or {}
    pending = contacts.pending_attendee(get_db(), session.get(PENDING), now=time.time())
    return {
        "pending": pending,
        "outcome": outcome.get("kind", ""),
        "people": _people(outcome.get("ids", [])),
        "created": outcome.get("created", False),
        "window": contacts.SWAP_WINDOW_SECONDS,
    }


@bp.get("/swap")
def swap_page() -> Response:
    context = _panel_context()
    session.pop(OUTCOME, None)
    return render("desk/swap.html", "desk/_swap_panel.html", **context)


@bp.post("/swap")
def swap_scan() -> Response:
    event = event_or_404()
    try:
        scan = contacts.desk_scan(
            get_db(),
            event,
            request.form.get("code", ""),
            session.get(PENDING),
            desk=desk_name(),
            now=time.time(),
        )
    except contacts.ContactError as exc:
        session[OUTCOME] = {"kind": exc.code}
    else:
        if scan.pending:
            session[PENDING] = scan.pending
            kind = "expired" if scan.expired else "first"
            session[OUTCOME] = {"kind": kind, "ids": [scan.attendee["id"]]}
        else:
            session.pop(PENDING, None)
            ids = [scan.first["id"], scan.attendee["id"]] if scan.first else []
            session[OUTCOME] = {"kind": "swapped", "ids": ids, "created": scan.created}
    return _after_post()


@bp.post("/swap/cancel")
def swap_cancel() -> Response:
    session.pop(PENDING, None)
    session[OUTCOME] = {"kind": "cancelled"}
    return _after_post()


def _after_post() -> Response:
    """htmx swaps the panel in place; without JavaScript the browser fetches the page again."""
    if is_htmx():
        return swap_page()
    return redirect(url_for("desk.swap_page"), code=303)
