"""Sending a kind of mail to everybody it is for, over one SMTP connection, restartable.

The rule that no mail goes out twice: before a message is handed to the server its row in the
send log is committed as ``sending``; after the server accepted it, ``sent``. A run only sends
to attendees without a row (or, when asked, to those whose mail failed), so a restarted run
skips everything that was sent or may have been. What the server refused is ``failed`` with
its answer; a connection lost before the message's data leaves no trace and is tried again
after one reconnect; one lost during the transfer leaves the row ``sending`` (uncertain), for
the organiser to decide.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, audit
from kiosk import db as kdb
from kiosk.events import Event
from kiosk.mail import sendlog
from kiosk.mail.errors import MailError
from kiosk.mail.messages import AttachmentsFor, compose, organiser_test_message, texts
from kiosk.mail.recipients import check_kind, eligible, recipients
from kiosk.mail.settings import MailSettings, require_configured
from kiosk.mail.transport import Connection, Delivery

log = logging.getLogger("kiosk.mail")

#: Whom a run sends to: ``new`` (no row in the send log yet), ``failed`` (the server refused
#: them before), ``again`` (one attendee whose mail failed or is uncertain, on purpose),
#: ``resend`` (one attendee's private link once more, even if it arrived: a second mail the
#: organiser asked for, recorded in the attendee's log).
SELECTIONS = ("new", "failed", "again", "resend")
#: The send-log states a run of each selection may take a mail from.
_MAY_TAKE: dict[str, tuple[str, ...]] = {
    "new": (),
    "failed": ("failed",),
    "again": ("failed", "sending"),
    "resend": ("sent", "failed", "sending"),
}
#: The kinds of mail that may be resent to one person although they got it.
RESENDABLE = ("link",)


@dataclass
class SendReport:
    """Where a send-out stands; the page reads it while the run goes on.

    ``state``: waiting, connecting, sending, reconnecting, done, stopped (``code``, ``message``
    and ``reason`` say why it stopped).
    """

    kind: str
    which: str = "new"
    total: int = 0
    done: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0
    state: str = "waiting"
    code: str = ""
    message: str = ""
    reason: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def planned(
    db: Database, event: Event, kind: str, *, which: str = "new", attendee_id: int | None = None
) -> list[dict[str, Any]]:
    """The attendees a run would send the mail of ``kind`` to now."""
    check_kind(kind)
    if which not in SELECTIONS:
        raise MailError("bad_selection", f"Send to: one of {', '.join(SELECTIONS)}.")
    logged = sendlog.states(db, event.id, kind)
    if which in ("again", "resend"):
        if which == "resend" and kind not in RESENDABLE:
            raise MailError("bad_selection", "Only the private link is sent again on request.")
        return [_again(db, event, kind, attendee_id, logged, resend=which == "resend")]
    people = recipients(db, event.id, kind)
    if which == "new":
        return [a for a in people if a["id"] not in logged]
    return [a for a in people if logged.get(a["id"], {}).get("state") == "failed"]


def _again(
    db: Database,
    event: Event,
    kind: str,
    attendee_id: int | None,
    logged: dict[int, dict[str, Any]],
    *,
    resend: bool = False,
) -> dict[str, Any]:
    """The one attendee whose mail is to be sent again, when that is allowed (``resend``:
    also when it was sent)."""
    try:
        attendee = attendees.in_event(db, event.id, attendee_id or 0)
    except attendees.AttendeeError as exc:
        raise MailError("not_found", "No such attendee in this event.") from exc
    if not eligible(attendee, kind):
        raise MailError("not_eligible", "This attendee is not to get this mail.")
    row = logged.get(attendee["id"])
    if row is not None and row["state"] == "sent" and not resend:
        raise MailError("already_sent", "This mail was sent already.")
    if row is not None and sendlog.in_flight(row):
        raise MailError("in_flight", "This mail may be on its way right now; try again later.")
    return attendee


def send_out(
    db: Database,
    event: Event,
    kind: str,
    *,
    secret: str,
    base_url: str,
    which: str = "new",
    attendee_id: int | None = None,
    lang: str | None = None,
    attachments: AttachmentsFor | None = None,
    who: str = "organiser",
    report: SendReport | None = None,
) -> SendReport:
    """Send the mail of ``kind`` to every attendee ``which`` selects, over one connection.

    Returns the report (also updated in place while it runs, for a page to show). Raises a
    ``MailError`` when the run cannot start or has to stop (wrong password, server
    unreachable, sender refused ...); what was sent until then stays recorded. ``secret`` is
    the installation's secret that decrypts the SMTP password.
    """
    report = report or SendReport(kind=kind, which=which)
    try:
        settings = require_configured(event)
        lang = lang or settings.lang
        texts(lang)
        people = planned(db, event, kind, which=which, attendee_id=attendee_id)
        report.total = len(people)
        if people:
            _run(
                db,
                event,
                kind,
                people,
                settings,
                report,
                secret=secret,
                base_url=base_url,
                which=which,
                lang=lang,
                attachments=attachments,
                who=who,
            )
    except MailError as exc:
        _stopped(report, exc)
        raise
    report.state = "done"
    return report


def _log_resent(db: Database, event: Event, attendee: dict[str, Any], kind: str) -> None:
    """A mail sent once more on request goes into the attendee's log (their history)."""
    with kdb.transaction(db):
        attendees.log(db, event.id, attendee["id"], "mail_resent", detail={"kind": kind})


def _stopped(report: SendReport, exc: MailError) -> None:
    report.state = "stopped"
    report.code = exc.code
    report.message = str(exc)
    report.reason = exc.reason


def _run(
    db: Database,
    event: Event,
    kind: str,
    people: list[dict[str, Any]],
    settings: MailSettings,
    report: SendReport,
    *,
    secret: str,
    base_url: str,
    which: str,
    lang: str,
    attachments: AttachmentsFor | None,
    who: str,
) -> None:
    connection = Connection(settings, secret)
    pace = _Pace(settings.rate)
    # Why the connection was lost, until it is opened again (only when another mail needs it).
    dropped = ""
    # True after a reconnect until the server answers a mail: a second drop then stops.
    reconnected = False
    log.info("send-out of %s mails to %d attendees started", kind, len(people))
    try:
        report.state = "connecting"
        connection.open()
        report.state = "sending"
        for attendee in people:
            while True:
                if dropped:
                    if reconnected:
                        raise MailError(
                            "connection_lost",
                            "The server closed the connection again after a reconnect.",
                            reason=dropped,
                        )
                    report.state = "reconnecting"
                    log.warning("mail server dropped the connection (%s); reconnecting", kind)
                    connection.open()
                    report.state, reconnected, dropped = "sending", True, ""
                pace.wait()
                delivery = _send_one(
                    db,
                    event,
                    kind,
                    attendee,
                    settings,
                    connection,
                    report,
                    allow=_MAY_TAKE[which],
                    base_url=base_url,
                    lang=lang,
                    attachments=attachments,
                )
                if delivery is None:
                    break
                if which == "resend" and delivery.outcome == "sent":
                    _log_resent(db, event, attendee, kind)
                if delivery.outcome in ("sent", "refused"):  # the server answers
                    reconnected = False
                    break
                if delivery.outcome == "sender_refused":
                    raise MailError(
                        "sender_refused",
                        f"The server refused the sender {settings.sender}.",
                        reason=delivery.reason,
                    )
                # The connection was lost. lost_before: nothing arrived, this mail again after
                # the reconnect; lost_during: it is recorded as uncertain, on to the next.
                dropped = delivery.reason or "connection lost"
                if delivery.outcome == "lost_during":
                    break
            report.done += 1
    except MailError as exc:
        _stopped(report, exc)
        raise
    finally:
        connection.close()
        log.info(
            "send-out of %s mails: %d sent, %d failed, %d uncertain, %d skipped",
            kind,
            report.sent,
            report.failed,
            report.uncertain,
            report.skipped,
        )
        audit.record(
            db,
            event.id,
            "sendout",
            kind,
            who=who,
            rows=report.sent,
            detail={
                "which": which,
                "planned": report.total,
                "sent": report.sent,
                "failed": report.failed,
                "uncertain": report.uncertain,
                "stopped": report.code or ("" if report.done == report.total else "error"),
            },
        )


def _send_one(
    db: Database,
    event: Event,
    kind: str,
    attendee: dict[str, Any],
    settings: MailSettings,
    connection: Connection,
    report: SendReport,
    *,
    allow: tuple[str, ...],
    base_url: str,
    lang: str,
    attachments: AttachmentsFor | None,
) -> Delivery | None:
    """Make, claim, hand over and record one mail; None when it was not handed over."""
    try:
        message = compose(
            kind, event, settings, attendee, base_url=base_url, lang=lang, attachments=attachments
        )
        problem = ""
    except MailError as exc:
        problem = f"{exc.code}: {exc}"
    except Exception as exc:  # one person's attachments must not stop everybody's mail
        log.exception("mail for attendee %s could not be made", attendee["id"])
        problem = f"could not be made: {type(exc).__name__}"
    claimed = sendlog.claim(db, event.id, attendee, kind, allow=allow)
    if claimed is None:  # sent, or taken by another run meanwhile
        report.skipped += 1
        return None
    if problem:
        sendlog.mark_failed(db, claimed, problem)
        report.failed += 1
        return None
    delivery = connection.deliver(message, settings.sender, attendee["email"].strip())
    if delivery.outcome == "sent":
        sendlog.mark_sent(db, claimed)
        report.sent += 1
    elif delivery.outcome == "refused":
        sendlog.mark_failed(db, claimed, delivery.reason)
        report.failed += 1
        log.warning("mail to attendee %s refused: %s", attendee["id"], delivery.reason)
    elif delivery.outcome == "lost_during":
        sendlog.mark_uncertain(
            db, claimed, f"connection lost during the transfer: {delivery.reason}"
        )
        report.uncertain += 1
    else:  # lost_before, sender_refused: nothing reached the server
        sendlog.release(db, claimed)
    return delivery


class _Pace:
    """At most ``rate`` mails per second: waits before each one as long as needed."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_at = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


def send_test_mail(event: Event, to: str, *, secret: str, lang: str | None = None) -> None:
    """Send the test mail to ``to`` (the organiser) with the event's settings; a
    ``MailError`` says what went wrong. Not logged in the send log: it goes to no attendee."""
    settings = require_configured(event)
    message = organiser_test_message(event, settings, to, lang=lang or settings.lang)
    with Connection(settings, secret) as connection:
        delivery = connection.deliver(message, settings.sender, to.strip())
    if delivery.outcome == "sent":
        log.info("test mail sent for event %s", event.id)
        return
    codes = {
        "refused": ("recipient_refused", "The server refused the address."),
        "sender_refused": ("sender_refused", f"The server refused the sender {settings.sender}."),
    }
    code, text = codes.get(
        delivery.outcome, ("connection_lost", "The server closed the connection.")
    )
    log.warning("test mail for event %s: %s", event.id, code)
    raise MailError(code, text, reason=delivery.reason)
