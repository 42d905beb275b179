"""Where kiosk's links point: the public base URL and each attendee's private page."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.errors import KioskError

#: The app-wide setting that remembers the public URL given once (``kiosk serve --public-url``).
SETTING = "public_url"


class LinkError(KioskError):
    """A base URL that links cannot be built on; ``code`` says why."""


def checked(url: str) -> str:
    """A base URL as stored and used: http(s) only, without a trailing slash."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise LinkError("bad_url", f"The public URL must start with http:// or https://: {url!r}")
    return url


def public_url(given: str = "", fallback: str = "", *, db: Database | None = None) -> str:
    """The base URL in badge QR codes and private links: ``given``, else the remembered
    setting (when ``db`` is given), else ``fallback`` (the address in use)."""
    chosen = given or (stored(db) if db is not None else "") or fallback
    return checked(chosen)


def stored(db: Database) -> str:
    """The public URL remembered from an earlier ``kiosk serve --public-url``, or ""."""
    return str(kdb.get_setting(db, SETTING) or "")


def remember(db: Database, url: str) -> str:
    """Remember a public URL for later runs: badges printed before the event and the server
    at the venue must agree on where the QR codes point."""
    url = checked(url)
    kdb.set_setting(db, SETTING, url)
    return url


def private_link(base_url: str, attendee: dict[str, Any]) -> str:
    """The attendee's private page, to be handed over only to them."""
    return f"{base_url.rstrip('/')}/me/{attendee['secret']}"
