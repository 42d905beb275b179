"""The organiser's editor for the event's privacy notice (routes on the admin blueprint)."""

from __future__ import annotations

from flask import Response, flash, request
from flask_babel import gettext as _

from kiosk import privacy as kprivacy
from kiosk.web.blueprints import admin as bp
from kiosk.web.pages import event_or_404, get_db, redirect_after_post, render


@bp.route("/privacy", methods=["GET", "POST"])
def privacy() -> Response:
    event = event_or_404()
    lang = request.values.get("lang", "de")
    lang = lang if lang in kprivacy.LANGUAGES else "de"
    if request.method == "POST":
        text = "" if request.form.get("action") == "reset" else request.form.get("notice", "")
        kprivacy.set_notice(get_db(), event, text, lang)
        flash(_("Datenschutzhinweis gespeichert."), "ok")
        return redirect_after_post("admin.privacy", lang=lang)
    return render(
        "admin/privacy.html",
        event=event,
        notice_lang=lang,
        notice=kprivacy.own_text(event, lang) or kprivacy.default_notice(event, lang),
        is_default=not kprivacy.own_text(event, lang),
        needs_editing=kprivacy.needs_editing(event),
        max_length=kprivacy.MAX_NOTICE_LENGTH,
    )
