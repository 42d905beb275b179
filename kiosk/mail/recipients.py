"""Who gets which mail: one rule per kind, decided in one place.

Everybody considered is an attendee of the event who is not cancelled and has an e-mail
address. The private link goes to all of them except those who said no to mail
(``consent_mail`` False); the contact summary only to those who said yes (True). ``None``
means not asked (also while attendees have no ``consent_mail`` column).
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from kiosk import attendees
from kiosk.mail.errors import MailError

#: The kinds of mail sent to attendees (the test mail goes to the organiser and is not logged).
KINDS = ("link", "summary")


def check_kind(kind: str) -> str:
    """``kind`` when it is one of ``KINDS``; else ``bad_kind``."""
    if kind not in KINDS:
        raise MailError("bad_kind", f"Unknown kind of mail: {kind!r}.")
    return kind


def consent_mail(attendee: dict[str, Any]) -> bool | None:
    """The attendee's answer about mail: True, False, or None when not asked."""
    value = attendee.get("consent_mail")
    return None if value is None else bool(value)


def eligible(attendee: dict[str, Any], kind: str) -> bool:
    """True when ``attendee`` is to get a mail of ``kind``."""
    check_kind(kind)
    if attendee.get("status") == "cancelled" or not (attendee.get("email") or "").strip():
        return False
    answer = consent_mail(attendee)
    return answer is not False if kind == "link" else answer is True


def recipients(db: Database, event_id: int, kind: str) -> list[dict[str, Any]]:
    """The attendees of the event who are to get a mail of ``kind``, each once, by name."""
    check_kind(kind)
    found = attendees.list_for_event(db, event_id)
    seen: set[int] = set()
    chosen = []
    for attendee in found:
        if attendee["id"] not in seen and eligible(attendee, kind):
            seen.add(attendee["id"])
            chosen.append(attendee)
    return chosen
