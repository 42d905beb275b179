"""The connection to the SMTP server: open, secure, log in, hand over one message, close.

Every failure to connect becomes a ``MailError`` with a code the organiser's page explains
(wrong password, server unreachable, TLS failure ...). Handing over a message says how far it
got, so that a send-out knows whether a mail may have arrived: a connection lost before the
message's data was sent delivered nothing; one lost during the transfer may have.
"""

from __future__ import annotations

import contextlib
import email.policy
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

from kiosk.mail.errors import MailError
from kiosk.mail.settings import MailSettings

log = logging.getLogger("kiosk.mail")

#: Seconds to wait for the server to answer before giving up on it.
TIMEOUT_S = 20.0
#: SMTP answers that accept a recipient, and the one that closes the connection.
RCPT_OK = (250, 251)
SERVICE_CLOSING = 421


@dataclass(frozen=True)
class Delivery:
    """How handing over one message went.

    ``outcome``: ``sent`` (the server accepted it), ``refused`` (the server refused this
    recipient or message), ``sender_refused`` (the server refused the sender: no mail will go),
    ``lost_before`` (the connection ended before the message's data: nothing arrived),
    ``lost_during`` (it ended during the transfer: the mail may have arrived).
    """

    outcome: str
    reason: str = ""


def reason_of(code: int, text: bytes | str) -> str:
    """A server's answer as the organiser reads it: "550 5.1.1 No such user"."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


class Connection:
    """One SMTP connection for a whole send-out; opened again after the server drops it.

    The password is decrypted only while logging in and is kept nowhere.
    """

    def __init__(self, settings: MailSettings, secret: str, *, timeout: float = TIMEOUT_S) -> None:
        self.settings = settings
        self._secret = secret
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        self.open()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect, secure and log in as configured; a ``MailError`` says what went wrong."""
        self.close()
        s = self.settings
        try:
            self._smtp = _connect(s, self._timeout)
            self._secure_and_login()
        except MailError as exc:
            self.close()
            log.warning("mail server %s:%s: %s", s.host, s.port, exc.code)
            raise
        except Exception as exc:
            self.close()
            error = _connect_error(exc, s)
            log.warning("mail server %s:%s: %s", s.host, s.port, error.code)
            if error.code == "auth_failed":
                raise error from None  # nothing of the login exchange travels further
            raise error from exc

    def _secure_and_login(self) -> None:
        smtp = self._smtp
        assert smtp is not None
        smtp.ehlo()
        if self.settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailError(
                    "starttls_unsupported",
                    "The server does not offer STARTTLS; choose TLS or no encryption.",
                )
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.settings.user:
            if not smtp.has_extn("auth"):
                raise MailError(
                    "auth_unsupported",
                    "The server does not offer a login; leave the user empty or secure the "
                    "connection.",
                )
            smtp.login(self.settings.user, self.settings.password(self._secret))

    def close(self) -> None:
        """End the connection politely if possible (QUIT), else just drop it."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            with contextlib.suppress(OSError):
                smtp.close()

    def deliver(self, message: EmailMessage, sender: str, recipient: str) -> Delivery:
        """Hand one message for one recipient to the server (MAIL, RCPT, DATA)."""
        smtp = self._smtp
        if smtp is None:
            return Delivery("lost_before", "not connected")
        international = not (sender + recipient).isascii()
        options: list[str] = []
        if international:
            if not smtp.has_extn("smtputf8"):
                return Delivery(
                    "refused", "The address has non-ASCII characters; the server cannot take it."
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        policy = email.policy.SMTPUTF8 if international else email.policy.SMTP
        data = message.as_bytes(policy=policy)
        stage = "envelope"
        try:
            code, text = smtp.mail(sender, options)
            if code != 250:
                return self._refused(code, text, "sender_refused")
            code, text = smtp.rcpt(recipient)
            if code not in RCPT_OK:
                return self._refused(code, text, "refused")
            stage = "data"
            code, text = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was transferred
            return self._refused(exc.smtp_code, exc.smtp_error, "refused")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            outcome = "lost_before" if stage == "envelope" else "lost_during"
            return Delivery(outcome, _describe(exc))
        if code != 250:
            return self._refused(code, text, "refused")
        return Delivery("sent", reason_of(code, text))

    def _refused(self, code: int, text: bytes | str, outcome: str) -> Delivery:
        reason = reason_of(code, text)
        if code == SERVICE_CLOSING:  # the server is going away: this mail did not arrive
            self.close()
            return Delivery("lost_before", reason)
        try:
            self._smtp.rset()  # type: ignore[union-attr]
        except (smtplib.SMTPException, OSError):
            self.close()
        return Delivery(outcome, reason)


def _connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=timeout)


def _describe(exc: BaseException) -> str:
    """An exception as a short reason (type and message; never a password: none is in it)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _connect_error(exc: BaseException, s: MailSettings) -> MailError:
    """The ``MailError`` for what went wrong while connecting or logging in."""
    where = f"{s.host}:{s.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            "auth_failed",
            "The server refused the user name or password.",
            reason=reason_of(exc.smtp_code, exc.smtp_error),
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError("auth_unsupported", "The server does not offer this kind of login.")
    if isinstance(exc, smtplib.SMTPConnectError):
        return MailError(
            "unreachable",
            f"The mail server {where} did not let us in.",
            reason=reason_of(exc.smtp_code, exc.smtp_error),
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        return MailError("timeout", f"The mail server {where} did not answer in time.")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailError("connection_lost", f"The mail server {where} closed the connection.")
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(
            "smtp_error",
            f"The mail server {where} answered with an error.",
            reason=reason_of(exc.smtp_code, exc.smtp_error),
        )
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return MailError(
            "tls_failed",
            f"The encrypted connection to {where} failed (wrong port or certificate?).",
            reason=_describe(exc),
        )
    if isinstance(exc, socket.gaierror):
        return MailError("host_unknown", f"The mail server {s.host} is not known (DNS).")
    if isinstance(exc, TimeoutError):
        return MailError("timeout", f"The mail server {where} did not answer in time.")
    if isinstance(exc, OSError | smtplib.SMTPException):
        return MailError(
            "unreachable", f"The mail server {where} cannot be reached.", reason=_describe(exc)
        )
    return MailError("smtp_error", f"Talking to {where} failed.", reason=_describe(exc))
