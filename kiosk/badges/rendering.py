"""Badges as HTML (printable sheets, the organiser's preview) and as PDF, many at a time
over worker processes so a batch of 1,000 stays within seconds."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kiosk import pdf as kpdf
from kiosk import resource_dir
from kiosk.badges.colours import type_colours
from kiosk.badges.errors import BadgeError
from kiosk.badges.fields import Sheet, badge_fields, make_sheet
from kiosk.badges.paper import Layout, get_layout
from kiosk.events import Event

#: Batches up to this size render in the calling process; larger ones use worker processes.
PARALLEL_MIN_BADGES = 240
#: Badges per unit of work in a batch (at least): progress moves on after each one.
CHUNK_BADGES = 100
#: Units of work per worker process in a parallel batch.
RUNS_PER_WORKER = 2


@functools.cache
def _env() -> jinja2.Environment:
    """The badge templates' own Jinja environment: autoescape on, undefined values fail."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("badges"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["spaceless"] = _spaceless
    return env


_BETWEEN_TAGS = re.compile(r">\s+<")


def _spaceless(markup: Markup) -> Markup:
    """Rendered markup without the white space between its tags. Every part of a badge is
    placed absolutely, so that white space never shows, but WeasyPrint still builds and lays
    out boxes for it: 1,000 badges take 7 % less CPU time without it (0.35 of 4.8 ms each).
    Texts are escaped, so a '>' or '<' in them never matches."""
    return Markup(_BETWEEN_TAGS.sub("><", str(markup)))


@functools.cache
def badge_css() -> str:
    """The badge stylesheet (typography and colours; geometry comes with each rendering)."""
    return (resource_dir("badges") / "badge.css").read_text(encoding="utf-8")


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _pages(
    items: Sequence[dict[str, Any] | None], per_page: int
) -> list[list[tuple[int, dict[str, Any]]]]:
    pages = []
    for start in range(0, len(items), per_page):
        chunk = items[start : start + per_page]
        pages.append([(i, b) for i, b in enumerate(chunk) if b is not None])
    return pages


class StyleClasses:
    """Turns the styles that vary from badge to badge (font sizes, colours, places) into
    classes: one stylesheet parses much faster than thousands of style attributes."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, declarations: str) -> str:
        name = self.names.get(declarations)
        if name is None:
            name = self.names[declarations] = f"k{len(self.names)}"
        return name

    def css(self, scope: str = "") -> Markup:
        """The collected classes as CSS rules (values are numbers and checked colours)."""
        return Markup("\n".join(f"{scope}.{n} {{ {d} }}" for d, n in self.names.items()))


def render_html(sheet: Sheet, badges: Sequence[dict[str, Any] | None], *, title: str = "") -> str:
    """The printable HTML for ``badges`` (None leaves a position empty) on ``sheet``'s layout."""
    layout = sheet.layout
    columns = sorted({layout.slot_origin(i)[0] for i in range(layout.columns)})
    rows = sorted({layout.slot_origin(i * layout.columns)[1] for i in range(layout.rows)})
    return (
        _env()
        .get_template("sheet.html")
        .render(
            sheet=sheet,
            layout=layout,
            d=sheet.design,
            pages=_pages(badges, layout.per_page),
            columns=columns,
            rows=rows,
            mm=_mm,
            cls=StyleClasses(),
            title=title or sheet.event_name.text,
        )
    )


def preview_html(sheet: Sheet, badges: Sequence[dict[str, Any]]) -> Markup:
    """Badges as HTML for the organiser's browser, with the same template and stylesheet."""
    html = (
        _env()
        .get_template("preview.html")
        .render(
            sheet=sheet,
            d=sheet.design,
            badges=badges,
            mm=_mm,
            cls=StyleClasses(),
            css=Markup(badge_css()),
        )
    )
    return Markup(html)


#: Told (badges done, badges in all) as a batch renders.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker process needs to render a run of badges (plain, picklable values)."""

    event: Event
    layout: str
    attendees: tuple[dict[str, Any], ...]
    public_url: str
    colours: dict[str, str]
    logo: str
    offset: tuple[float, float]
    skip: int = 0
    outlines: bool = False


def _public_fields(attendee: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "code",
        "first_name",
        "last_name",
        "organisation",
        "organisation_type",
        "project",
        "role",
    )
    return {
        **{k: attendee.get(k) or "" for k in keys},
        "interests": list(attendee.get("interests") or []),
    }


def _render_job(job: RenderJob) -> Any:
    layout = get_layout(job.layout)
    logo = Path(job.logo) if job.logo else None
    sheet = make_sheet(job.event, layout, logo=logo, offset=job.offset, outlines=job.outlines)
    items: list[dict[str, Any] | None] = [None] * job.skip
    items += [badge_fields(a, sheet.design, job.public_url, job.colours) for a in job.attendees]
    html = render_html(sheet, items)
    allowed = [logo.parent] if logo else []
    return kpdf.render_document(
        html,
        base_url=resource_dir("badges"),
        allowed=allowed,
        stylesheets=[badge_css()],
    )


def _render_job_pdf(job: RenderJob) -> bytes:
    """Worker entry point: one run of badges as PDF bytes."""
    with kpdf.fewer_collections():
        return _render_job(job).write_pdf()


def render_pdf(
    event: Event,
    people: Sequence[dict[str, Any]],
    layout: Layout,
    *,
    public_url: str,
    logo: Path | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    skip: int = 0,
    outlines: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> bytes:
    """Badges for ``people`` as one PDF; large batches are split over worker processes."""
    if not people and not outlines:
        raise BadgeError("nothing_to_print", "There are no badges to print.")
    skip = max(0, min(skip, layout.per_page - 1))
    base = RenderJob(
        event=event,
        layout=layout.name,
        attendees=(),
        public_url=public_url,
        colours=type_colours(event),
        logo=str(logo) if logo else "",
        offset=offset,
        outlines=outlines,
    )
    total = len(people)
    workers = _worker_count(total) if workers is None else workers
    # Runs of whole pages: in one process they only pace the progress; over workers each
    # worker gets a few, so a slow one does not hold up the end.
    per_run = CHUNK_BADGES if workers <= 1 else -(-total // (workers * RUNS_PER_WORKER))
    chunk = max(1, -(-max(per_run, CHUNK_BADGES) // layout.per_page)) * layout.per_page
    runs: list[RenderJob] = []
    rest = [_public_fields(p) for p in people]
    first = chunk - skip
    runs.append(replace(base, attendees=tuple(rest[:first]), skip=skip))
    for start in range(first, len(rest), chunk):
        runs.append(replace(base, attendees=tuple(rest[start : start + chunk])))
    if workers > 1 and len(runs) > 1:
        return _render_parallel(runs, workers, total, progress)
    pdfs = []
    done = 0
    for run in runs:  # one run at a time: only one run's layout is ever held in memory
        pdfs.append(_render_job_pdf(run))
        done += len(run.attendees)
        if progress:
            progress(done, total)
    return pdfs[0] if len(pdfs) == 1 else _merge(pdfs)


def _worker_count(total: int) -> int:
    """Worker processes for a batch: none for small ones, else one per core (at most
    kiosk.pdf.MAX_WORKERS); KIOSK_BADGE_WORKERS overrides (e.g. 1 on a laptop short of memory)."""
    if total < PARALLEL_MIN_BADGES:
        return 1
    return kpdf.worker_count("KIOSK_BADGE_WORKERS")


def _render_parallel(
    runs: list[RenderJob], workers: int, total: int, progress: Progress | None
) -> bytes:
    finished = [0]

    def done(index: int) -> None:
        finished[0] += len(runs[index].attendees)
        if progress:
            progress(finished[0], total)

    pdfs = kpdf.in_workers(_render_job_pdf, runs, workers, preload=["kiosk.badges"], done=done)
    return _merge(pdfs)


def _merge(pdfs: Sequence[bytes]) -> bytes:
    """One PDF of several, in order."""
    from pypdf import PdfWriter

    with kpdf.fewer_collections():
        writer = PdfWriter()
        for pdf in pdfs:
            writer.append(io.BytesIO(pdf))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
