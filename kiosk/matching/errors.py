"""The one error type of matchmaking, with a stable code that views and the CLI map to a message."""

from __future__ import annotations

from kiosk.errors import KioskError


class MatchingError(KioskError):
    """Suggestions, feedback or a table plan could not be made; ``code`` says why."""
