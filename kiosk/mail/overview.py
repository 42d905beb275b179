"""What the organiser's mail section shows: settings, counts per kind, the problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.mail import sendlog
from kiosk.mail.jobs import MailJob, running_job
from kiosk.mail.recipients import KINDS, eligible, recipients
from kiosk.mail.settings import MailSettings


@dataclass(frozen=True)
class KindStatus:
    """One kind of mail: how many are to get it, and where their mails stand."""

    kind: str
    eligible: int
    sent: int
    failed: int
    uncertain: int
    waiting: int  # eligible and no mail yet: the next run sends to them


@dataclass(frozen=True)
class MailOverview:
    """The mail section of an event in one value (the partial needs nothing else)."""

    settings: MailSettings
    kinds: dict[str, KindStatus]
    failed: list[dict[str, Any]]
    uncertain: list[dict[str, Any]]
    people: list[dict[str, Any]]  # id and name of everybody with an address, for the preview
    job: MailJob | None = None  # the send-out of this event running now


def overview(db: Database, event: Event) -> MailOverview:
    """The mail section of ``event``: settings, counts per kind, failed and uncertain mails."""
    kinds = {}
    everyone: dict[int, dict[str, Any]] = {}
    for kind in KINDS:
        logged = sendlog.states(db, event.id, kind)
        people = recipients(db, event.id, kind)
        for person in people:
            everyone.setdefault(person["id"], {"id": person["id"], "name": person["name"]})
        by_state = [row["state"] for row in logged.values()]
        kinds[kind] = KindStatus(
            kind=kind,
            eligible=len(people),
            sent=by_state.count("sent"),
            failed=by_state.count("failed"),
            uncertain=by_state.count("sending"),
            waiting=sum(1 for p in people if p["id"] not in logged),
        )
    problems = sendlog.problems(db, event.id)
    return MailOverview(
        settings=MailSettings.from_event(event),
        kinds=kinds,
        failed=[p for p in problems if not p["uncertain"]],
        uncertain=[p for p in problems if p["uncertain"]],
        people=list(everyone.values()),
        job=running_job(event.id),
    )


def link_status(db: Database, event: Event, attendee: dict[str, Any]) -> dict[str, Any]:
    """Where one attendee's private-link mail stands, for the organiser's attendee page:
    ``eligible``, ``state`` (None: not sent yet; sending, sent, failed), ``at`` and how often
    it was ``resent`` on request."""
    row = sendlog.states(db, event.id, "link").get(attendee["id"])
    resent = kdb.one(
        db,
        "SELECT count(*) AS n FROM attendee_log WHERE attendee_id = ? AND action = 'mail_resent'",
        [attendee["id"]],
    )
    return {
        "eligible": eligible(attendee, "link"),
        "state": row["state"] if row else None,
        "at": row["updated_at"] if row else "",
        "resent": resent["n"] if resent else 0,
    }
