"""Private links that reach the attendee without mail from kiosk: a handout to print (one
card per person with the QR code of their own page, cut marks) and a CSV for the
organiser's own mail tool. Both are exports of personal data and audited."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from kiosk import attendees, audit, documents, exports, links, pdf, qr
from kiosk.events import Event

#: Cards on one A4 page of the handout (2 columns × 4 rows, 105 × 74 mm each: A7 landscape).
CARDS_PER_PAGE = 8


def people(db: Database, event: Event, *, only_arrived: bool = False) -> list[dict[str, Any]]:
    """Whom the handout and the CSV are for: everyone registered (not cancelled), by name."""
    found = attendees.list_for_event(db, event.id)
    return [a for a in found if a["checked_in_at"]] if only_arrived else found


def links_table(db: Database, event: Event, base_url: str, lang: str = "de") -> exports.Table:
    """Name, organisation, e-mail and private link of each person, for a mail merge."""
    header = {
        "de": ["Vorname", "Nachname", "Organisation", "E-Mail", "Persönlicher Link"],
        "en": ["First name", "Last name", "Organisation", "E-mail", "Private link"],
    }[lang if lang == "en" else "de"]
    rows = [
        [a["first_name"], a["last_name"], a["organisation"], a["email"], _link(base_url, a)]
        for a in people(db, event)
    ]
    return exports.Table("links", header, rows)


def links_csv(db: Database, event: Event, base_url: str, *, who: str, lang: str = "de") -> bytes:
    """The private links as CSV for German Excel or a mail merge; audited."""
    table = links_table(db, event, base_url, lang)
    body = exports.to_csv(table)
    audit.record(db, event.id, "export", "private-links.csv", who=who, rows=len(table.rows))
    return body


def handout_pdf(
    db: Database,
    event: Event,
    base_url: str,
    *,
    who: str,
    lang: str = "de",
    only_arrived: bool = False,
) -> bytes:
    """One card per person (name, organisation, the QR code and address of their own page),
    eight to an A4 page with cut marks; audited."""
    cards = [
        {
            "name": a["name"],
            "organisation": a["organisation"],
            "link": _link(base_url, a),
            "qr": qr.png_data_uri(_link(base_url, a)),
        }
        for a in people(db, event, only_arrived=only_arrived)
    ]
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    html = documents.render("exports/private_links.html", lang, event=event, pages=pages)
    body = pdf.html_to_pdf(html)
    audit.record(db, event.id, "export", "private-links.pdf", who=who, rows=len(cards))
    return body


def _link(base_url: str, attendee: dict[str, Any]) -> str:
    return links.private_link(base_url, attendee)
