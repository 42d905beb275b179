"""The organiser's editor for the event's privacy notice (routes on the admin blueprint)."""

from __future__ import annotations

from flask import Response, flash, request
from flask_babel import gettext as _

from kiosk import contacts
from kiosk.web.blueprints import admin as bp
from kiosk.web.pages import event_or_404, get_db, redirect_after_post, render


@bp.route("/privacy", methods=["GET", "POST"])
def privacy() -> Response:
    event = event_or_404()
    if request.method == "POST":
        text = "" if request.form.get("action") == "reset" else request.form.get("notice", "")
        contacts.set_privacy_notice(get_db(), event, text)
        flash(_("Datenschutzhinweis gespeichert."), "ok")
        return redirect_after_post("admin.privacy")
    notice = contacts.privacy_notice(event)
    return render(
        "admin/privacy.html",
        event=event,
        notice=notice,
        is_default=not event.settings.get("privacy_notice"),
        needs_editing=contacts.notice_needs_editing(notice),
        max_length=contacts.MAX_NOTICE_LENGTH,
    )
