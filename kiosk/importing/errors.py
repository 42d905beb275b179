"""The one error of importing: a file that cannot be imported at all, with a stable code."""

from __future__ import annotations

from typing import Any

from kiosk.errors import KioskError


class ImportRefused(KioskError):
    """A file cannot be imported at all; ``code`` says why, ``row`` where (header = row 1)."""

    def __init__(self, code: str, message: str, *, row: int | None = None, **params: Any) -> None:
        super().__init__(code, message)
        self.row = row
        self.params = params
