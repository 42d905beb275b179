"""The areas of the site and who may enter each: one blueprint per area, its gate beside it.

- auth: public (start page, sign-in, language);
- admin: the organiser only;
- desk: the organiser and enabled desks (a self check-in tablet only its own screen);
- badges: single badges for desks and the organiser;
- me: public badge pages and the privacy notice, the attendee's own pages by private link;
- suggestions: the attendee's list by private link, the desk's card and slip.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from kiosk.web.roles import desk_gate, organiser_gate
from kiosk.web.security import CONTENT_SECURITY_POLICY

#: The desk pages may run the camera scanner, whose decoder runs in a worker made from a blob.
DESK_CSP = CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"

auth = Blueprint("auth", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")
desk = Blueprint("desk", __name__, url_prefix="/desk")
badges = Blueprint("badges", __name__)
me = Blueprint("me", __name__)
suggestions = Blueprint("suggestions", __name__)

ALL = (auth, admin, desk, badges, me, suggestions)


@admin.before_request
def _only_organiser() -> Response | None:
    """Every page under /admin is the organiser's."""
    return organiser_gate()


@desk.before_request
def _only_desks() -> Response | None:
    """Every desk page: desks and the organiser only (the desk link makes a desk)."""
    return None if request.endpoint == "desk.join" else desk_gate()


@desk.after_request
def _desk_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = DESK_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@me.after_request
@suggestions.after_request
def _no_store(response: Response) -> Response:
    """An attendee's pages are theirs: nothing stays in a shared browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
