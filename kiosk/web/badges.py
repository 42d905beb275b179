"""One badge as a PDF, for the check-in desk (walk-ins, reprints) and the organiser."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort

from kiosk import badges
from kiosk.web import desk_required, event_or_404, get_db, pdf_response, public_url

bp = Blueprint("badges", __name__)
log = logging.getLogger("kiosk.web.badges")


def single_badge(attendee_id: int, *, how: str) -> Response:
    """One badge of an attendee of the current event, the print recorded (404 otherwise)."""
    try:
        pdf = badges.single_badge_pdf(
            get_db(), event_or_404(), attendee_id, public_url=public_url(), how=how
        )
    except badges.BadgeError as exc:
        log.warning("badge pdf for attendee %s refused: %s", attendee_id, exc.code)
        abort(404)
    return pdf_response(pdf, f"badge-{attendee_id}.pdf")


@bp.get("/badges/<int:attendee_id>.pdf")
@desk_required
def single(attendee_id: int) -> Response:
    """One badge for the desk to print (a walk-in or a reprint); the print is recorded."""
    return single_badge(attendee_id, how="desk")
