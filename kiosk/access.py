"""Who may do what: the organiser's password and one-time sign-in links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk import db as kdb
from kiosk import weak_passwords
from kiosk.errors import KioskError

#: Shortest organiser password accepted.
MIN_PASSWORD_LENGTH = 8
#: How long a sign-in link printed by ``kiosk serve`` stays valid.
SIGNIN_LINK_HOURS = 12
#: Wrong passwords one address may try within the window, and all addresses together.
PASSWORD_GUESSES = 5
PASSWORD_GUESSES_ALL = 30
PASSWORD_WINDOW_SECONDS = 60.0
#: The setting whose change ends every organiser session signed in before it.
SESSION_GENERATION = "session_generation"
#: The setting listing organiser sessions signed out (their ids, until their cookies expire).
ENDED_SESSIONS = "ended_sessions"
#: How long a signed-out session's id is kept: as long as a session cookie lives (Flask's 31 days).
ENDED_SESSION_DAYS = 31


class AccessError(KioskError):
    """A password or sign-in link was refused; ``code`` says why."""


def has_password(db: Database) -> bool:
    """True once the organiser's password is set."""
    return kdb.get_setting(db, "organiser_password") is not None


def set_password(db: Database, password: str) -> None:
    """Set (or change) the organiser's password; every organiser session signed in before
    ends (a changed password is often a lost or shared one)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError("password_too_short", f"At least {MIN_PASSWORD_LENGTH} characters.")
    with kdb.transaction(db):
        kdb.set_setting(db, "organiser_password", generate_password_hash(password))
        end_sessions(db)


#: What ``choose_password`` says about a weak password.
WEAKNESS_MESSAGES = {
    "too_short": f"Too short: at least {weak_passwords.MIN_LENGTH} characters.",
    "too_simple": "Too simple: a run or repetition of a few characters.",
    "common": "Too common: a word guessers try first. Take three unrelated words or "
    "kiosk password --generate.",
}


def choose_password(db: Database, password: str) -> None:
    """Set a password a person chose, refusing short, simple and common ones."""
    weakness = weak_passwords.weakness(password)
    if weakness is not None:
        raise AccessError(f"password_{weakness}", WEAKNESS_MESSAGES[weakness])
    set_password(db, password)


def session_generation(db: Database) -> int:
    """The number organiser sessions carry; one with another number has ended (read on every
    organiser request, so kept a moment)."""
    return kdb.recent(
        db, SESSION_GENERATION, lambda: int(kdb.get_setting(db, SESSION_GENERATION, 0))
    )


def new_session_id() -> str:
    """An id for one organiser session (kept in its cookie), to end it alone later."""
    return secrets.token_hex(16)


def end_session(db: Database, session_id: str) -> None:
    """End one organiser session: a copy of its cookie (another browser, a stolen one) no
    longer signs in."""
    if not session_id:
        return
    now = datetime.now(UTC)
    with kdb.transaction(db):
        ended = {
            k: v for k, v in kdb.get_setting(db, ENDED_SESSIONS, {}).items() if v > now.isoformat()
        }
        ended[session_id] = (now + timedelta(days=ENDED_SESSION_DAYS)).isoformat()
        kdb.set_setting(db, ENDED_SESSIONS, ended)


def session_ended(db: Database, session_id: str | None) -> bool:
    """True when this organiser session was signed out (read on every organiser request, so
    the list is kept a moment)."""
    ended = kdb.recent(db, ENDED_SESSIONS, lambda: kdb.get_setting(db, ENDED_SESSIONS, {}))
    return bool(session_id) and session_id in ended


def end_sessions(db: Database) -> None:
    """End every organiser session (sign out everywhere)."""
    with kdb.transaction(db):
        generation = int(kdb.get_setting(db, SESSION_GENERATION, 0))
        kdb.set_setting(db, SESSION_GENERATION, generation + 1)


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
