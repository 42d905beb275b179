"""The report as a PDF, in German or English: made from the figures only (so a purged event's
report still renders), a Jinja template (texts through the catalogue, like every document)
rendered to HTML, then by WeasyPrint."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import documents
from kiosk import pdf as kpdf
from kiosk.events import Event
from kiosk.report.figures import ReportError
from kiosk.report.figures import figures as event_figures
from kiosk.report.picture import network_svg

#: Languages the report is written in.
LANGUAGES = documents.LANGUAGES
TEMPLATE = "report/report.html"
#: Organisation types and organisations listed by name; the rest are summed up in one row.
TOP_TYPES = 8
TOP_ORGANISATIONS = 10
#: Topics listed, and the strongest links between organisations.
TOP_TOPICS = 10
TOP_LINKS = 6
#: Longest name in a table row (longer ones are cut with an ellipsis: a row stays one line).
MAX_NAME_CHARS = 56
#: The network pictures' sizes (viewBox units; the page scales them to its width): the
#: organisations' alone fill the last page, or share it with the projects'.
PICTURE_SIZE = (720, 700)
SHARED_PICTURE_SIZE = (720, 470)
PROJECT_PICTURE_SIZE = (720, 300)
#: The projects' picture is drawn when at least this many projects took part and met.
MIN_PROJECTS_FOR_PICTURE = 3


# -- formatting ---------------------------------------------------------------------------------


def number(value: int, lang: str) -> str:
    """A whole number with the language's thousands separator: 10.000 / 10,000."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "de" else text


def percent(part: int, whole: int, lang: str) -> str:
    """``part`` as a rounded share of ``whole``: "78 %" / "78%"; a dash when ``whole`` is 0."""
    if not whole:
        return "–"
    value = round(100 * part / whole)
    return f"{value}\u00a0%" if lang == "de" else f"{value}%"


def share(part: int, whole: int) -> float:
    """``part`` of ``whole`` between 0 and 1 (for the bars)."""
    return min(1.0, part / whole) if whole else 0.0


def cut(name: str, limit: int = MAX_NAME_CHARS) -> str:
    """A name for a table row, cut with an ellipsis when longer than ``limit``."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def svg_data_uri(svg: str) -> str:
    """An SVG picture as a data: URI for an <img>: WeasyPrint then reads it as SVG directly,
    about half a second faster per picture than the same SVG inline in the HTML."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# -- the document -------------------------------------------------------------------------------


def _top(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The first ``limit`` rows, and the rest summed up (count 0 when nothing is left)."""
    rest = rows[limit:]
    summed = {
        "count": len(rest),
        "registered": sum(r["registered"] for r in rest),
        "arrived": sum(r["arrived"] for r in rest),
    }
    return rows[:limit], summed


def _pictures(found: Mapping[str, Any], lang: str) -> tuple[str, str | None]:
    """The organisations' picture, and the projects' when there is a network of projects."""
    orgs, projects = found["network"]["organisation"], found["network"]["project"]
    with_projects = len(projects["nodes"]) >= MIN_PROJECTS_FOR_PICTURE and bool(projects["edges"])
    width, height = SHARED_PICTURE_SIZE if with_projects else PICTURE_SIZE
    org_svg = network_svg(
        orgs["nodes"], orgs["edges"], width=width, height=height, lang=lang, tooltips=False
    )
    if not with_projects:
        return svg_data_uri(org_svg), None
    width, height = PROJECT_PICTURE_SIZE
    project_svg = network_svg(
        projects["nodes"], projects["edges"], width=width, height=height, lang=lang, tooltips=False
    )
    return svg_data_uri(org_svg), svg_data_uri(project_svg)


def context(found: Mapping[str, Any], event: Event, lang: str) -> dict[str, Any]:
    """What the template shows, from the figures alone."""
    attendance = found["attendance"]
    types, other_types = _top(attendance["by_organisation_type"], TOP_TYPES)
    orgs, other_orgs = _top(attendance["by_organisation"], TOP_ORGANISATIONS)
    org_picture, project_picture = _pictures(found, lang)
    stamp = found.get("computed_at") or ""
    return {
        "f": found,
        "event": {
            "name": event.name or found["event"]["name"],
            "date": event.date or found["event"]["date"],
            "network": event.network or found["event"]["network"],
        },
        "as_of": kdb.local_time(stamp, "%Y-%m-%d") if stamp else "",
        "types": types,
        "other_types": other_types,
        "organisations": orgs,
        "other_organisations": other_orgs,
        "topics": found["topics"][:TOP_TOPICS],
        "links": found["network"]["organisation"]["edges"][:TOP_LINKS],
        "org_picture": org_picture,
        "project_picture": project_picture,
        "n": lambda value: number(value, lang),
        "pct": lambda part, whole: percent(part, whole, lang),
        "share": share,
        "cut": cut,
    }


def html(found: Mapping[str, Any], event: Event, lang: str = "de") -> str:
    """The report as HTML, ready for WeasyPrint."""
    if lang not in LANGUAGES:
        raise ReportError("bad_language", f"The report is written in {', '.join(LANGUAGES)}.")
    return documents.render(TEMPLATE, lang, **context(found, event, lang))


def pdf(db: Database, event: Event, lang: str = "de") -> bytes:
    """The event's network report as PDF bytes (A4, one to three pages)."""
    return kpdf.html_to_pdf(html(event_figures(db, event), event, lang))
