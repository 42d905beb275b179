"""The base of every area's error type: a stable ``code`` that views and tests rely on."""

from __future__ import annotations


class KioskError(Exception):
    """A rule refused something; ``code`` says which rule, the message says it to a person."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
