"""The mail area's one error type: a stable ``code`` the views map to a message."""

from __future__ import annotations

from kiosk.errors import KioskError


class MailError(KioskError):
    """Mail settings were refused or a mail could not be sent; ``code`` says why.

    ``reason`` is the mail server's own answer when it gave one (SMTP code and text), for the
    organiser to read; it never holds the password.
    """

    def __init__(self, code: str, message: str = "", *, reason: str = "") -> None:
        super().__init__(code, message)
        self.reason = reason
