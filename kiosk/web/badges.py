"""One badge as a PDF, for the check-in desk (walk-ins, reprints) and the organiser."""

from __future__ import annotations

from flask import Response

from kiosk.web.blueprints import badges as bp
from kiosk.web.pages import single_badge
from kiosk.web.roles import desk_required


@bp.get("/badges/<int:attendee_id>.pdf")
@desk_required
def single(attendee_id: int) -> Response:
    """One badge for the desk to print (a walk-in or a reprint); opening it records nothing."""
    return single_badge(attendee_id, how="desk")
