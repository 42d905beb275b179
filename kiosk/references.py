"""Opaque references to other attendees, for every page but the badge itself: a badge code read
off a page could be used to save that person's contact, so pages name others by a reference
that only means something to the one viewer it was made for."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk import db as kdb

#: Bytes of HMAC kept in a reference (96 bits: not guessable, short in a URL).
REFERENCE_BYTES = 12


def reference(key: str | bytes, viewer_id: int, other_id: int) -> str:
    """The viewer's reference of another attendee: the same on every page load, different for
    every viewer, and revealing nothing of the other's badge code or id."""
    secret = key.encode() if isinstance(key, str) else key
    mac = hmac.new(secret, f"kiosk.ref:{viewer_id}:{other_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:REFERENCE_BYTES]).decode().rstrip("=")


def resolve(
    db: Database,
    key: str | bytes,
    viewer: dict[str, Any],
    ref: str,
    *,
    likely: Iterable[int] = (),
) -> dict[str, Any] | None:
    """The attendee of the viewer's event that ``ref`` names for this viewer, or None.

    ``likely`` are the ids the viewer's page showed (tried first: a fair's 1,500 references
    take a few milliseconds, 10,000 about fifty)."""
    if not ref or len(ref) > 2 * REFERENCE_BYTES:
        return None
    rows = kdb.rows(
        db,
        "SELECT id FROM attendees WHERE event_id = ? AND id != ?",
        [viewer["event_id"], viewer["id"]],
    )
    ids = [row["id"] for row in rows]
    known = set(ids)
    for other_id in [*(i for i in likely if i in known), *ids]:
        if hmac.compare_digest(reference(key, viewer["id"], other_id), ref):
            return attendees.get(db, other_id)
    return None
