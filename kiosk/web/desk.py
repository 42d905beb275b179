"""The check-in desk: scan, search, walk-in, undo; for desks and the organiser."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk", __name__, url_prefix="/desk")
