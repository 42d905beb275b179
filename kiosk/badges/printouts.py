"""The badge PDFs people ask for (one badge, a batch, a test sheet), printed and logged.

A PDF is logged as made, not as printed: a print is recorded when kiosk sends the badge to a
printer, or when the caller says it was printed (``mark_printed``, the organiser's confirmation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kiosk import attendees as kattendees
from kiosk.badges.cups import print_pdf
from kiosk.badges.errors import BadgeError
from kiosk.badges.logo import logo_path
from kiosk.badges.paper import get_layout
from kiosk.badges.printlog import for_batch, record_pdfs, record_prints
from kiosk.badges.rendering import Progress, render_pdf
from kiosk.badges.settings import print_settings
from kiosk.events import Event


def single_badge_pdf(
    db: Database,
    event: Event,
    attendee_id: int,
    *,
    public_url: str,
    how: str,
    layout: str | None = None,
    printer: str | None = None,
    note_pdf: bool = False,
) -> bytes:
    """One attendee's badge as a PDF (walk-in, reprint), sent to ``printer`` if one is named;
    the print is recorded only once the PDF is made and accepted by the printer.

    ``printer`` None makes the PDF only (the browser prints it): nothing is recorded, or with
    ``note_pdf`` that a PDF was made; '' means printing was asked for while no printer is set:
    BadgeError('no_printer'), and nothing is recorded.
    """
    if printer == "":
        raise BadgeError("no_printer", "No printer is set for single badges.")
    try:
        attendee = kattendees.get(db, attendee_id)
    except kattendees.AttendeeError:
        raise BadgeError("not_found", "No such attendee.") from None
    if attendee["event_id"] != event.id:
        raise BadgeError("not_found", "No such attendee in this event.")
    settings = print_settings(db)
    chosen = get_layout(layout or settings.single)
    pdf = render_pdf(
        event,
        [attendee],
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=settings.offset(settings.desk_printer),
        workers=1,
    )
    if printer:
        print_pdf(pdf, printer)
        record_prints(db, [attendee_id], how=how, layout=chosen.name)
    elif note_pdf:
        record_pdfs(db, [attendee_id], how=how, layout=chosen.name)
    return pdf


def batch_pdf(
    db: Database,
    event: Event,
    *,
    public_url: str,
    layout: str | None = None,
    only_new: bool = False,
    how: str = "batch",
    printer: str | None = None,
    send: bool = False,
    save_to: Path | None = None,
    skip: int = 0,
    record: bool = True,
    mark_printed: bool = False,
    batch: str = "",
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[bytes, int]:
    """The badges of an event (all, or only those never printed) as one PDF, and how many.

    ``printer`` (default: the configured one) decides the calibration offsets; with ``send`` the
    PDF goes to it, after it is written to ``save_to`` (kept even if the printer refuses it).
    The print log records a print once the printer accepted the PDF (or with
    ``mark_printed``); otherwise that a PDF was made, under ``batch`` so the organiser can
    confirm it printed later — nothing at all when ``record`` is False (a look before printing).
    """
    settings = print_settings(db)
    chosen = get_layout(layout or settings.layout)
    people = for_batch(db, event, only_new=only_new)
    if not people:
        reason = "All badges are printed already." if only_new else "No attendees yet."
        raise BadgeError("nothing_to_print", reason)
    target_printer = settings.printer if printer is None else printer
    pdf = render_pdf(
        event,
        people,
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=settings.offset(target_printer),
        skip=skip,
        progress=progress,
        workers=workers,
    )
    if save_to is not None:
        save_to.write_bytes(pdf)
    ids = [p["id"] for p in people]
    if send and target_printer:
        print_pdf(pdf, target_printer)
        how, mark_printed = f"lp:{target_printer}", True
    if record and mark_printed:
        record_prints(db, ids, how=how, layout=chosen.name, batch=batch)
    elif record:
        record_pdfs(db, ids, how=how, layout=chosen.name, batch=batch)
    return pdf, len(people)


def test_sheet_pdf(
    db: Database, event: Event, *, public_url: str, layout: str | None = None, printer: str = ""
) -> bytes:
    """A sheet to check the calibration: every position outlined, with a sample badge."""
    chosen = get_layout(layout or print_settings(db).layout)
    people = kattendees.list_for_event(db, event.id)[: chosen.per_page] or [_SAMPLE]
    return render_pdf(
        event,
        people,
        chosen,
        public_url=public_url,
        logo=logo_path(db, event),
        offset=print_settings(db).offset(printer),
        outlines=True,
        workers=1,
    )


_SAMPLE: dict[str, Any] = {
    "id": 0,
    "code": "0123456789ABCDEFGHIJ",
    "first_name": "Maximilian",
    "last_name": "Becker-Lüdenscheidt",
    "organisation": "Verkehrsbetriebe Nordhessen GmbH",
    "organisation_type": "Betrieb",
    "project": "Stadtnetz Ausbildung",
    "role": "Ausbildungsleitung",
    "interests": ["Berufsorientierung", "Azubi-Sharing", "Mentoring"],
}


def sample_attendees(db: Database, event: Event, limit: int) -> list[dict[str, Any]]:
    """Attendees to preview badges with: the event's first ones, else a made-up person."""
    return kattendees.list_for_event(db, event.id)[:limit] or [dict(_SAMPLE)]
