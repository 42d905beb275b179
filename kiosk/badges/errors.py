"""The badges area's one error type, so views and tests can rely on a stable code."""

from __future__ import annotations

from kiosk.errors import KioskError


class BadgeError(KioskError):
    """A badge could not be made or printed; ``code`` says why."""
