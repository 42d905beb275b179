"""Each attendee's contact summary: a PDF (the event, the contacts they made with what each
consented to share, their own notes, the suggested people they did not meet) and a vCard of
their contacts; all of them as one ZIP for the organiser."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, audit, contacts, documents, events, matching, retention
from kiosk import db as kdb
from kiosk import pdf as pdf_renderer
from kiosk.events import Event

#: Suggested people a summary lists at most (those not met).
SUGGESTIONS_SHOWN = 5
#: People whose summaries are laid out in one WeasyPrint document (see ``pdfs``).
BATCH = 40
#: From this many summaries on, worker processes lay them out (starting them costs ~1 s).
PARALLEL_MIN = 120
#: Longest file or folder name in the ZIP (before the suffix).
MAX_NAME = 80
#: Characters no file system or ZIP tool is happy with in a name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


@dataclass(frozen=True)
class Summary:
    """One attendee's summary: the PDF, the vCard and the names to save them under."""

    attendee: dict[str, Any]
    pdf: bytes
    vcard: str
    folder: str


def safe_name(text: str, fallback: str = "kontakt") -> str:
    """A file or folder name that every system accepts, umlauts kept: 'Jörg Weiß / IHK' ->
    'Jörg Weiß - IHK'."""
    text = unicodedata.normalize("NFC", _UNSAFE.sub(" - ", text))
    text = re.sub(r"\s+", " ", text).strip(" .-")
    return text[:MAX_NAME].rstrip(" .-") or fallback


def person_context(db: Database, attendee: dict[str, Any], lang: str = "de") -> dict[str, Any]:
    """What one person's summary shows: their contacts and the suggested people not met."""
    made = contacts.list_for(db, attendee["id"])
    met = {c["other_id"] for c in made}
    address = events.address_form(db, events.get(db, attendee["event_id"]))
    suggested = [
        {
            "name": s.name,
            "organisation": s.organisation,
            # Being here was a reason on the day; afterwards only what they share counts.
            "why": matching.reason_text(
                [r for r in s.reasons if r.kind != "here_now"], lang, address, name=s.name
            ),
        }
        for s in matching.suggestions_for(db, attendee, matching.PLAN_SIZE)
        if s.attendee_id not in met
    ][:SUGGESTIONS_SHOWN]
    made.sort(key=lambda c: c["created_at"])
    return {"attendee": attendee, "contacts": made, "suggested": suggested}


def batch_html(
    db: Database, event: Event, people: Sequence[dict[str, Any]], lang: str = "de"
) -> str:
    """The HTML of several people's summaries, each starting on a new page."""
    return documents.render(
        "summary/summary.html",
        lang,
        event=event,
        items=[person_context(db, a, lang) for a in people],
        deadline=retention.deadline(event).isoformat(),
        made_at=kdb.now(),
    )


def split_pdfs(job: tuple[str, Sequence[int]]) -> list[bytes]:
    """Lay out a batch's HTML once and write each person's pages as a PDF of their own (a
    worker process's job: plain values in, bytes out)."""
    html, ids = job
    document = pdf_renderer.render_document(html)
    starts = {f"summary-{attendee_id}": i for i, attendee_id in enumerate(ids)}
    pages: list[list[Any]] = [[] for _ in ids]
    current = 0
    for page in document.pages:
        begun = [starts[name] for name in page.anchors if name in starts]
        if begun:
            current = min(begun)
        pages[current].append(page)
    return [document.copy(own).write_pdf() for own in pages]


def pdfs(
    db: Database, event: Event, people: Sequence[dict[str, Any]], lang: str = "de"
) -> list[bytes]:
    """Several people's summaries as one PDF each, laid out in one go: WeasyPrint's start-up
    and style work is paid once per batch, not once per person."""
    if not people:
        return []
    return split_pdfs((batch_html(db, event, people, lang), [a["id"] for a in people]))


def pdf(db: Database, event: Event, attendee: dict[str, Any], lang: str = "de") -> bytes:
    """One attendee's summary as a PDF in their language."""
    return pdfs(db, event, [attendee], lang)[0]


def vcard(db: Database, event: Event, attendee: dict[str, Any]) -> str:
    """One attendee's contacts as a vCard file (details as each contact consented)."""
    return contacts.vcard(contacts.list_for(db, attendee["id"]), event_name=event.name)


def for_attendee(db: Database, event: Event, attendee: dict[str, Any], lang: str = "de") -> Summary:
    """One attendee's summary, both files."""
    return _summary(db, event, attendee, pdf(db, event, attendee, lang))


def _summary(db: Database, event: Event, attendee: dict[str, Any], body: bytes) -> Summary:
    folder = safe_name(f"{attendee['last_name']} {attendee['first_name']}".strip())
    return Summary(attendee, body, vcard(db, event, attendee), folder)


def for_many(
    db: Database, event: Event, people: Iterable[dict[str, Any]], lang: str = "de"
) -> Iterator[Summary]:
    """Everyone's summaries, laid out BATCH people at a time; many of them in worker
    processes, one per core (bench/after.py: 1,000 summaries in half the time on 2 cores)."""
    chosen = list(people)
    batches = [chosen[i : i + BATCH] for i in range(0, len(chosen), BATCH)]
    workers = pdf_renderer.worker_count() if len(chosen) >= PARALLEL_MIN else 1
    if workers > 1 and len(batches) > 1:
        jobs = [(batch_html(db, event, b, lang), [a["id"] for a in b]) for b in batches]
        made = pdf_renderer.in_workers(split_pdfs, jobs, workers, preload=["kiosk.summaries"])
    else:
        made = (pdfs(db, event, b, lang) for b in batches)
    for batch, bodies in zip(batches, made, strict=True):
        for person, body in zip(batch, bodies, strict=True):
            yield _summary(db, event, person, body)


def attachments(
    db: Database, event: Event, lang: str = "de"
) -> Callable[[dict[str, Any]], list[tuple[str, str, bytes]]]:
    """For the summary mail: each attendee's files as (name, type, bytes)."""

    def files(attendee: dict[str, Any]) -> list[tuple[str, str, bytes]]:
        summary = for_attendee(db, event, attendee, lang)
        stem = safe_name(f"{event.name} Kontakte")
        return [
            (f"{stem}.pdf", "application/pdf", summary.pdf),
            (f"{stem}.vcf", "text/vcard", summary.vcard.encode("utf-8")),
        ]

    return files


def attachments_from(
    database: str, event: Event, lang: str = "de"
) -> Callable[[dict[str, Any]], list[tuple[str, str, bytes]]]:
    """``attachments`` for a send-out running in its own thread: each call reads the
    database through a connection of its own."""

    def files(attendee: dict[str, Any]) -> list[tuple[str, str, bytes]]:
        db = kdb.connect(database)
        try:
            return attachments(db, event, lang)(attendee)
        finally:
            db.close()

    return files


def who_gets_one(db: Database, event: Event) -> list[dict[str, Any]]:
    """The attendees a summary is made for: everyone who came (cancelled ones not)."""
    return [a for a in attendees.list_for_event(db, event.id) if a["checked_in_at"]]


def zip_all(
    db: Database,
    event: Event,
    *,
    who: str,
    lang: str = "de",
    people: Iterable[dict[str, Any]] | None = None,
) -> bytes:
    """Every summary in one ZIP for the organiser: one folder per attendee (safe names,
    umlauts kept), each with the PDF and the vCard; the export is audited."""
    out = io.BytesIO()
    used: set[str] = set()
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        chosen = people if people is not None else who_gets_one(db, event)
        for summary in for_many(db, event, chosen, lang):
            attendee = summary.attendee
            folder = summary.folder
            if folder.casefold() in used:  # two people of one name: tell them apart
                folder = f"{folder} ({attendee['code'][:6]})"
            used.add(folder.casefold())
            archive.writestr(f"{folder}/Kontakte.pdf", summary.pdf)
            archive.writestr(f"{folder}/Kontakte.vcf", summary.vcard)
            count += 1
    audit.record(db, event.id, "export", "summaries.zip", who=who, rows=count)
    return out.getvalue()
