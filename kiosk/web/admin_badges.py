"""Organiser pages for badges (routes on the admin blueprint)."""

from __future__ import annotations

from kiosk.web.admin import bp  # noqa: F401
