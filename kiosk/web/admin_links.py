"""Private links for the organiser to hand out (routes on the admin blueprint): a handout to
print, one card per person, and a CSV for their own mail tool. POST: both are audited."""

from __future__ import annotations

from flask import Response, request

from kiosk import handouts
from kiosk.web.blueprints import admin as bp
from kiosk.web.i18n import select_locale
from kiosk.web.pages import download, event_or_404, get_db, pdf_response, public_url

#: Who the audit names for exports from the organiser's pages.
WHO = "organiser"


@bp.post("/links/handout.pdf")
def links_handout() -> Response:
    """Everyone's private link as cut-out cards (PDF); ``arrived`` for those checked in."""
    event = event_or_404()
    body = handouts.handout_pdf(
        get_db(),
        event,
        public_url(),
        who=WHO,
        lang=select_locale(),
        only_arrived=request.form.get("who") == "arrived",
    )
    return pdf_response(body, f"persoenliche-links-{event.slug}.pdf")


@bp.post("/links/export.csv")
def links_csv() -> Response:
    """Everyone's private link with name and e-mail, for the organiser's own mail merge."""
    event = event_or_404()
    body = handouts.links_csv(get_db(), event, public_url(), who=WHO, lang=select_locale())
    return download(body, f"persoenliche-links-{event.slug}.csv", "text/csv")
