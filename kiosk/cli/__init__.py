"""The ``kiosk`` command: every organiser task from a terminal, and the server.

One module per phase of an event; each adds its commands to the group in ``base``.
"""

from __future__ import annotations

from kiosk.cli import afterwards, event_day, preparing, serving, tables  # noqa: F401
from kiosk.cli.base import main, run

__all__ = ["main", "run"]
