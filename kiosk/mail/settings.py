"""An event's mail settings: the SMTP server, the sender, the pace; the password encrypted.

They live in the event's settings (keys ``mail_*``, see ``events.DEFAULT_SETTINGS``). The
password is stored only as a Fernet token (see ``crypto``), shown never again, and kept when
the form leaves its field empty.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from kiosk import events
from kiosk.attendees import valid_email
from kiosk.events import Event
from kiosk.mail.crypto import decrypt_password, encrypt_password
from kiosk.mail.errors import MailError
from kiosk.text import clean

#: How the connection to the server is secured: none (plain), STARTTLS on a plain port, TLS.
SECURITY = ("none", "starttls", "tls")
#: The usual port for each security; the form suggests it.
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
#: Languages the mails are written in.
LANGUAGES = ("de", "en")
#: The keys in the event's settings (``mail_*``), each with its value before one is set.
SETTING_KEYS: dict[str, Any] = {
    k: v for k, v in events.DEFAULT_SETTINGS.items() if k.startswith("mail_")
}
#: Mails per second at most, and the bounds the form accepts (a bench sets it high).
DEFAULT_RATE = float(SETTING_KEYS["mail_rate"])
MIN_RATE = 0.1
MAX_RATE = 1000.0
#: Longest host name (DNS), user name and password the form accepts.
MAX_HOST_LENGTH = 253
MAX_USER_LENGTH = 200
MAX_PASSWORD_LENGTH = 500
MAX_SENDER_NAME_LENGTH = 100

_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*\.?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class MailSettings:
    """The mail settings of one event as the services use them (no password in clear)."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    sender_name: str = ""
    rate: float = DEFAULT_RATE
    lang: str = "de"
    password_token: str = field(default="", repr=False)

    @classmethod
    def from_event(cls, event: Event) -> MailSettings:
        """The settings stored on ``event`` (defaults where none are)."""
        values = {**SETTING_KEYS, **{k: v for k, v in event.settings.items() if k in SETTING_KEYS}}
        return cls(
            host=str(values["mail_host"] or ""),
            port=int(values["mail_port"] or DEFAULT_PORTS["starttls"]),
            security=str(values["mail_security"] or "starttls"),
            user=str(values["mail_user"] or ""),
            sender=str(values["mail_sender"] or ""),
            sender_name=str(values["mail_sender_name"] or ""),
            rate=float(values["mail_rate"] or DEFAULT_RATE),
            lang=str(values["mail_lang"] or "de"),
            password_token=str(values["mail_password"] or ""),
        )

    @property
    def configured(self) -> bool:
        """True when there is enough to send: a server and a sender."""
        return bool(self.host and self.sender)

    @property
    def has_password(self) -> bool:
        """True when a password is stored (the form says "saved", never shows it)."""
        return bool(self.password_token)

    @property
    def plain_login(self) -> bool:
        """True when a password would cross the network unencrypted (security none)."""
        return self.security == "none" and bool(self.user)

    def password(self, secret: str) -> str:
        """The password in clear, for the login only; "" when none is stored."""
        return decrypt_password(secret, self.password_token) if self.password_token else ""


def mail_settings(event: Event) -> MailSettings:
    """The event's mail settings."""
    return MailSettings.from_event(event)


def require_configured(event: Event) -> MailSettings:
    """The event's mail settings when a server and a sender are set; else ``not_configured``."""
    settings = MailSettings.from_event(event)
    if not settings.configured:
        raise MailError("not_configured", "Set the mail server and the sender first.")
    return settings


def save_settings(
    db: Database, event_id: int, form: Mapping[str, Any], *, secret: str
) -> MailSettings:
    """Check and store the mail settings from a form (or the command line).

    ``form`` holds host, port, security, user, password, sender, sender_name, rate, lang and
    optionally forget_password; a key that is missing keeps its stored value. An empty
    password keeps the stored one; ``forget_password`` removes it. Nothing is stored when
    anything is refused.
    """
    event = events.get(db, event_id)
    current = MailSettings.from_event(event)
    security = str(form.get("security", current.security) or "").strip()
    if security not in SECURITY:
        raise MailError("bad_security", f"Security must be one of: {', '.join(SECURITY)}.")
    changes = {
        "mail_host": _host(form.get("host", current.host)),
        "mail_port": _port(form.get("port", current.port), security),
        "mail_security": security,
        "mail_user": _user(form.get("user", current.user)),
        "mail_sender": _sender(form.get("sender", current.sender)),
        "mail_sender_name": clean(
            form.get("sender_name", current.sender_name), max_length=MAX_SENDER_NAME_LENGTH
        ),
        "mail_rate": _rate(form.get("rate", current.rate)),
        "mail_lang": _lang(form.get("lang", current.lang)),
        "mail_password": _password_token(form, current, secret),
    }
    return MailSettings.from_event(events.update_settings(db, event_id, changes))


def _host(value: Any) -> str:
    host = str(value or "").strip()
    if not host:
        raise MailError("host_missing", "The mail server (host) is missing.")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if len(host) > MAX_HOST_LENGTH or not _HOST.match(host):
        raise MailError("bad_host", "The mail server must be a host name or an IP address.")
    return host.lower().rstrip(".")


def _port(value: Any, security: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        return DEFAULT_PORTS[security]
    try:
        port = int(text)
    except ValueError:
        raise MailError("bad_port", "The port must be a number from 1 to 65535.") from None
    if not 1 <= port <= 65535:
        raise MailError("bad_port", "The port must be a number from 1 to 65535.")
    return port


def _user(value: Any) -> str:
    user = str(value or "").strip()
    if len(user) > MAX_USER_LENGTH or _CONTROL.search(user):
        raise MailError("bad_user", "The user name contains characters a server cannot take.")
    return user


def _sender(value: Any) -> str:
    sender = str(value or "").strip()
    if not sender:
        raise MailError("sender_missing", "The sender address is missing.")
    if not valid_email(sender):
        raise MailError("bad_sender", "The sender is not an e-mail address.")
    return sender


def _rate(value: Any) -> float:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return DEFAULT_RATE
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not MIN_RATE <= rate <= MAX_RATE:  # also refuses nan
        raise MailError("bad_rate", f"Mails per second: {MIN_RATE:g} to {MAX_RATE:g}.")
    return rate


def _lang(value: Any) -> str:
    lang = str(value or "de").strip()
    if lang not in LANGUAGES:
        raise MailError("bad_language", f"Mail language: one of {', '.join(LANGUAGES)}.")
    return lang


def _password_token(form: Mapping[str, Any], current: MailSettings, secret: str) -> str:
    """The token to store: a new password encrypted, none when asked to forget, else the old."""
    password = str(form.get("password") or "")
    if password:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise MailError("bad_password", "The password is too long.")
        return encrypt_password(secret, password)
    if form.get("forget_password"):
        return ""
    return current.password_token
