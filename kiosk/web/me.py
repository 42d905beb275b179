"""The attendee's own page (private link) and the public badge page (badge code)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("me", __name__)
