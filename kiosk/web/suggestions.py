"""Suggestions where people see them: the attendee's list and feedback, the desk card, the slip."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from kiosk import (
    arrivals,
    contact_requests,
    events,
    links,
    matching,
    pdf,
    qr,
    references,
)
from kiosk.web.blueprints import suggestions as bp
from kiosk.web.i18n import select_locale
from kiosk.web.lookups import attendee_or_404, owner_or_404
from kiosk.web.pages import (
    get_db,
    is_htmx,
    pdf_response,
    public_url,
    render,
    says_du,
    suggestions_context,
)
from kiosk.web.roles import ORGANISER, desk_name, desk_required, role

log = logging.getLogger("kiosk.suggestions")


def _list(attendee: dict[str, Any]) -> Response:
    return render(
        "suggestions.html",
        "_suggestions.html",
        **suggestions_context(attendee),
        contact_states=contact_requests.states(get_db(), attendee),
    )


@bp.get("/me/<secret>/suggestions")
def own(secret: str) -> Response:
    """The attendee's suggestions (the list polls this to update as people arrive)."""
    return _list(owner_or_404(secret))


@bp.post("/me/<secret>/suggestions/<ref>")
def feedback(secret: str, ref: str) -> Response:
    """'Getroffen' or 'Passt nicht' for one suggestion, named by the viewer's reference."""
    attendee = owner_or_404(secret)
    db = get_db()
    shown = [s.attendee_id for s in matching.suggestions_for(db, attendee)]
    other = references.resolve(db, current_app.secret_key, attendee, ref, likely=shown)
    if other is None:
        abort(404)
    try:
        matching.record_feedback(
            db,
            events.get(db, attendee["event_id"]),
            attendee["id"],
            other["id"],
            request.form.get("verdict", ""),
        )
    except matching.MatchingError as exc:
        log.info("denied: suggestion feedback (%s) by attendee %s", exc.code, attendee["id"])
        abort(400)
    if is_htmx():
        return _list(attendee)
    if says_du(events.get(db, attendee["event_id"])):
        flash(_("Danke! Deine Vorschläge sind aktualisiert."), "ok")
    else:
        flash(_("Danke! Ihre Vorschläge sind aktualisiert."), "ok")
    return redirect(url_for("me.own_page", secret=secret, _anchor="suggestions"), code=303)


@bp.get("/suggestions/desk/<int:attendee_id>")
@desk_required
def desk_card(attendee_id: int) -> Response:
    """The top three for the desk's welcome card (loaded after the card, never slowing a scan)."""
    attendee = attendee_or_404(attendee_id)
    return render(
        "_suggestions.html",
        "_suggestions.html",
        attendee=attendee,
        suggestions=matching.to_show(get_db(), attendee, matching.DESK_SIZE),
        du=says_du(events.get(get_db(), attendee["event_id"])),
        compact=True,
    )


@bp.get("/suggestions/<int:attendee_id>/slip.pdf")
@desk_required
def slip(attendee_id: int) -> Response:
    """A small printable slip (A6) with the attendee's top three and the QR code of their
    own page (for the organiser, or a desk that checked them in just now)."""
    attendee = attendee_or_404(attendee_id)
    db = get_db()
    event = events.get(db, attendee["event_id"])
    own_page = role() == ORGANISER or arrivals.checked_in_at_desk_lately(
        db, event, attendee["id"], desk_name()
    )
    html = render_template(
        "admin/matching_slip.html",
        event=event,
        attendee=attendee,
        lines=matching.top_for_print(
            db, attendee, lang=select_locale(), address="du" if says_du(event) else "Sie"
        ),
        private_qr=qr.png_data_uri(links.private_link(public_url(), attendee)) if own_page else "",
    )
    return pdf_response(pdf.html_to_pdf(html), f"vorschlaege-{attendee['code']}.pdf")
