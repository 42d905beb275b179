"""Who may do what: the organiser's password and one-time sign-in links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk import db as kdb
from kiosk.errors import KioskError

#: Shortest organiser password accepted.
MIN_PASSWORD_LENGTH = 8
#: How long a sign-in link printed by ``kiosk serve`` stays valid.
SIGNIN_LINK_HOURS = 12


class AccessError(KioskError):
    """A password or sign-in link was refused; ``code`` says why."""


def has_password(db: Database) -> bool:
    """True once the organiser's password is set."""
    return kdb.get_setting(db, "organiser_password") is not None


def set_password(db: Database, password: str) -> None:
    """Set (or change) the organiser's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError("password_too_short", f"At least {MIN_PASSWORD_LENGTH} characters.")
    kdb.set_setting(db, "organiser_password", generate_password_hash(password))


def check_password(db: Database, password: str) -> bool:
    """True when ``password`` is the organiser's."""
    stored = kdb.get_setting(db, "organiser_password")
    return bool(stored) and check_password_hash(stored, password)


def generate_password() -> str:
    """A password that is easy to type from a terminal: four groups of four letters."""
    alphabet = "abcdefghjkmnpqrstuvwx23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_signin_token(db: Database) -> str:
    """A one-time sign-in link token, valid for some hours; only its hash is stored."""
    token = secrets.token_urlsafe(24)
    expires = datetime.now(UTC) + timedelta(hours=SIGNIN_LINK_HOURS)
    tokens = kdb.get_setting(db, "signin_tokens", {})
    now = datetime.now(UTC).isoformat()
    tokens = {k: v for k, v in tokens.items() if v > now}
    tokens[_digest(token)] = expires.isoformat()
    kdb.set_setting(db, "signin_tokens", tokens)
    return token


def use_signin_token(db: Database, token: str) -> None:
    """Accept a sign-in link once; raise when it is unknown, used or expired."""
    with kdb.transaction(db):
        tokens = kdb.get_setting(db, "signin_tokens", {})
        digest = _digest(token)
        match = next((k for k in tokens if hmac.compare_digest(k, digest)), None)
        if match is None or tokens[match] < datetime.now(UTC).isoformat():
            raise AccessError("link_invalid", "This sign-in link is unknown, used or expired.")
        del tokens[match]
        kdb.set_setting(db, "signin_tokens", tokens)
