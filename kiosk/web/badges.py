"""One badge as a PDF, for the check-in desk (walk-ins, reprints) and the organiser."""

from __future__ import annotations

from flask import Response, abort, redirect, url_for

from kiosk import badges
from kiosk.web.blueprints import badges as bp
from kiosk.web.pages import event_or_404, get_db, is_htmx, render, single_badge
from kiosk.web.roles import desk_name, desk_required


@bp.get("/badges/<int:attendee_id>.pdf")
@desk_required
def single(attendee_id: int) -> Response:
    """One badge for the desk to print (a walk-in or a reprint); opening it records nothing."""
    return single_badge(attendee_id, how="desk")


@bp.post("/badges/<int:attendee_id>/printed")
@desk_required
def printed(attendee_id: int) -> Response:
    """The desk printed this badge from its PDF: it counts as printed."""
    try:
        badges.confirm_printed(get_db(), event_or_404(), attendee_id, how=f"desk {desk_name()}")
    except badges.BadgeError:
        abort(404)
    if is_htmx():
        return render("desk/_badge_printed.html", "desk/_badge_printed.html")
    return redirect(url_for("desk.index"), code=303)
