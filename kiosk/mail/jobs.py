"""Send-outs in the background: a thread per run, its report readable by the page that polls.

One run per event at a time: two at once could not send a mail twice (the send log forbids
it) but would halve the pace and muddle the progress shown.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.mail.errors import MailError
from kiosk.mail.messages import AttachmentsFor
from kiosk.mail.sendout import SendReport, planned, send_out
from kiosk.mail.settings import require_configured

log = logging.getLogger("kiosk.mail")

#: Finished runs are forgotten after this many seconds (the send log keeps what happened).
JOB_KEEP_S = 6 * 3600


@dataclass
class MailJob:
    """A send-out running in the background; ``report`` says where it stands."""

    id: str
    event_id: int
    kind: str
    report: SendReport
    status: str = "running"  # running, done, failed
    started: float = field(default_factory=time.monotonic)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run has ended; False when ``timeout`` passed first."""
        return self.finished.wait(timeout)


_jobs: dict[str, MailJob] = {}
_jobs_lock = threading.Lock()


def start_sendout(
    database: str | Path,
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
) -> MailJob:
    """Start ``send_out`` in a background thread with its own connection to ``database``.

    Refuses at once what would stop the run before its first mail (no settings, nobody to
    send to, a run of this event already going); connection problems show in the job.
    """
    require_configured(event)
    db = kdb.connect(database)
    try:
        waiting = len(planned(db, event, kind, which=which, attendee_id=attendee_id))
    finally:
        db.close()
    if not waiting:
        raise MailError("nothing_to_send", "Everybody has this mail already.")
    job = MailJob(
        id=uuid.uuid4().hex,
        event_id=event.id,
        kind=kind,
        report=SendReport(kind=kind, which=which, total=waiting),
    )
    with _jobs_lock:
        now = time.monotonic()
        for key in [
            k for k, j in _jobs.items() if j.status != "running" and now - j.started > JOB_KEEP_S
        ]:
            del _jobs[key]
        if any(j.event_id == event.id and j.status == "running" for j in _jobs.values()):
            raise MailError("already_running", "A send-out of this event is running.")
        _jobs[job.id] = job
    options = {
        "secret": secret,
        "base_url": base_url,
        "which": which,
        "attendee_id": attendee_id,
        "lang": lang,
        "attachments": attachments,
        "who": who,
    }
    thread = threading.Thread(
        target=_run_job,
        args=(job, str(database), event, options),
        name=f"mail-{job.id[:8]}",
        daemon=True,
    )
    thread.start()
    return job


def get_job(job_id: str) -> MailJob | None:
    """A send-out by id (None when unknown or forgotten)."""
    with _jobs_lock:
        return _jobs.get(job_id)


def running_job(event_id: int) -> MailJob | None:
    """The send-out of this event that is running now, if any."""
    with _jobs_lock:
        return next(
            (j for j in _jobs.values() if j.event_id == event_id and j.status == "running"), None
        )


def _run_job(job: MailJob, database: str, event: Event, options: dict[str, Any]) -> None:
    db = kdb.connect(database)
    try:
        send_out(db, event, job.kind, report=job.report, **options)
        job.status = "done"
    except MailError as exc:
        job.status = "failed"
        log.warning("send-out %s stopped: %s", job.id[:8], exc.code)
    except Exception as exc:  # the page must learn that it failed, whatever the reason
        job.report.state, job.report.code = "stopped", "error"
        job.report.message = f"{type(exc).__name__}: {exc}"
        job.status = "failed"
        log.exception("send-out %s failed", job.id[:8])
    finally:
        db.close()
        job.finished.set()
