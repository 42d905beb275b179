"""The organiser's page for after the event (routes on the admin blueprint): the figures at a
glance, every export, the mail send-out, the report, the deletion and the audit."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, current_app, flash, request
from flask_babel import gettext as _

from kiosk import audit, exports, mail, report, retention, summaries
from kiosk.web.blueprints import admin as bp
from kiosk.web.i18n import select_locale
from kiosk.web.pages import download, event_or_404, get_db, redirect_after_post, render

#: What each export is called on the page and the file it becomes.
EXPORT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
#: Audit entries the page lists.
AUDIT_SHOWN = 30


def _context(**extra: Any) -> dict[str, Any]:
    db = get_db()
    event = event_or_404()
    purged = retention.is_purged(event)
    deadline = retention.deadline(event)
    job = mail.get_job(request.args.get("job", ""))
    return {
        "event": event,
        "figures": report.figures(db, event),
        "purged": purged,
        "deadline": deadline,
        "days_left": (deadline - date.today()).days,
        "mail": mail.overview(db, event),
        "mail_job": job if job and job.event_id == event.id else None,
        "audit": audit.entries(db, event.id, AUDIT_SHOWN),
        "picture": report.picture(db, event, "organisation", lang=select_locale()),
        **extra,
    }


@bp.get("/after")
def after_page() -> Response:
    return render("admin/after.html", **_context())


@bp.post("/after/export/<kind>")
def after_export(kind: str) -> Response:
    """One export as a download (a POST: every export is written to the audit)."""
    db = get_db()
    event = event_or_404()
    lang = select_locale()
    if kind in exports.TABLES:
        fmt = "xlsx" if request.form.get("format") == "xlsx" else "csv"
        body = exports.export(db, event, kind, fmt, who="organiser", lang=lang)
    elif kind == "attendance":
        signature = request.form.get("signature") == "on"
        body, fmt = (
            exports.attendance_pdf(db, event, who="organiser", lang=lang, signature=signature),
            "pdf",
        )
    elif kind == "summaries":
        body, fmt = summaries.zip_all(db, event, who="organiser", lang=lang), "zip"
    elif kind == "report":
        body, fmt = report.pdf(db, event, lang=lang), "pdf"
        audit.record(db, event.id, "export", "report.pdf", who="organiser")
    else:
        abort(404)
    name = summaries.safe_name(f"{event.name} {_export_title(kind)}")
    return download(body, f"{name}.{fmt}", EXPORT_TYPES[fmt])


def _export_title(kind: str) -> str:
    return {
        "attendees": _("Teilnehmende"),
        "contacts": _("Kontakte"),
        "checkins": _("Check-in-Protokoll"),
        "attendance": _("Teilnehmendenliste"),
        "summaries": _("Kontaktübersichten"),
        "report": _("Netzwerkbericht"),
    }[kind]


@bp.post("/after/purge")
def after_purge() -> Response:
    """Delete the event's personal data once the organiser typed the event's name."""
    event = event_or_404()
    if request.form.get("confirm", "").strip() != event.name:
        flash(_("Nichts gelöscht: Bitte den Namen der Veranstaltung genau eintippen."), "error")
        return redirect_after_post("admin.after_page", _anchor="delete")
    done = retention.purge(get_db(), event, who="organiser")
    current_app.logger.info("event %s purged from the page", event.id)
    flash(
        _(
            "Alle personenbezogenen Daten von „%(name)s“ sind gelöscht (%(rows)s Einträge); "
            "die Zahlen des Berichts bleiben.",
            name=event.name,
            rows=done.total,
        ),
        "ok",
    )
    return redirect_after_post("admin.after_page")
