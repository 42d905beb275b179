"""Batches rendered in a background thread while the organiser's page polls their progress."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import db as kdb
from kiosk.badges.errors import BadgeError
from kiosk.badges.logo import output_dir
from kiosk.badges.printlog import counts, for_batch
from kiosk.badges.printouts import batch_pdf
from kiosk.badges.settings import print_settings
from kiosk.events import Event

log = logging.getLogger("kiosk.badges")


@dataclass
class BatchJob:
    """A batch being rendered in the background; the page polls it."""

    id: str
    event_id: int
    total: int = 0
    done: int = 0
    status: str = "running"  # running, done, failed
    path: str = ""
    count: int = 0
    printer: str = ""
    error: str = ""
    code: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


_jobs: dict[str, BatchJob] = {}
_jobs_lock = threading.Lock()
#: Finished jobs are forgotten after this many seconds (their PDFs stay in the data folder).
JOB_KEEP_S = 6 * 3600


def start_batch(
    database: str | Path,
    event: Event,
    *,
    public_url: str,
    layout: str | None = None,
    only_new: bool = False,
    skip: int = 0,
) -> BatchJob:
    """Render a batch in a background thread, writing the PDF into the data folder; when a
    CUPS printer is configured the PDF goes straight to it."""
    db = kdb.connect(database)
    try:
        waiting = counts(db, event)["new" if only_new else "total"]
    finally:
        db.close()
    if not waiting:
        reason = "All badges are printed already." if only_new else "No attendees yet."
        raise BadgeError("nothing_to_print", reason)
    job = BatchJob(id=uuid.uuid4().hex, event_id=event.id, total=waiting)
    with _jobs_lock:
        now = time.monotonic()
        for key in [k for k, j in _jobs.items() if now - j.started > JOB_KEEP_S]:
            del _jobs[key]
        _jobs[job.id] = job
    thread = threading.Thread(
        target=_run_batch,
        args=(job, str(database), event, public_url, layout, only_new, skip),
        name=f"badges-{job.id[:8]}",
        daemon=True,
    )
    thread.start()
    return job


def get_job(job_id: str) -> BatchJob | None:
    """A background batch by id (None when unknown or forgotten)."""
    with _jobs_lock:
        return _jobs.get(job_id)


def _run_batch(
    job: BatchJob,
    database: str,
    event: Event,
    public_url: str,
    layout: str | None,
    only_new: bool,
    skip: int,
) -> None:
    db = kdb.connect(database)
    try:
        printer = print_settings(db).printer
        job.total = len(for_batch(db, event, only_new=only_new))

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = output_dir(db) / f"badges-{event.slug}-{stamp}-{job.id[:6]}.pdf"
        job.path = str(path)
        _, job.count = batch_pdf(
            db,
            event,
            public_url=public_url,
            layout=layout,
            only_new=only_new,
            send=True,
            save_to=path,
            skip=skip,
            batch=job.id,
            progress=progress,
        )
        job.printer = printer
        job.status = "done"
    except BadgeError as exc:
        job.error, job.code, job.status = str(exc), exc.code, "failed"
        log.warning("badge batch %s failed: %s", job.id[:8], exc.code)
    except Exception as exc:  # the page must learn that it failed, whatever the reason
        job.error, job.code, job.status = f"{type(exc).__name__}: {exc}", "error", "failed"
        log.exception("badge batch %s failed", job.id[:8])
    finally:
        with contextlib.suppress(Exception):
            db.close()
