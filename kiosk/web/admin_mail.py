"""The organiser's mail section (routes on the admin blueprint): SMTP settings, a test mail,
previews, send-outs of the private links and the contact summaries with live progress, and
the failed and uncertain mails to send again."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, request
from flask_babel import gettext as _

from kiosk import mail, summaries
from kiosk.web.blueprints import admin as bp
from kiosk.web.lookups import attendee_or_404
from kiosk.web.pages import event_or_404, get_db, public_url, redirect_after_post, render
from kiosk.web.security import sqlite_id


@bp.app_template_global("mail_error_text")
def mail_error_text(code: str, reason: str = "") -> str:
    """Why mail settings were refused or a mail did not go, in the page's language (the
    server's own answer appended); a template global so the section can be shown anywhere."""
    messages = {
        "host_missing": _("Bitte den Mailserver (Host) angeben."),
        "bad_host": _("Der Mailserver muss ein Hostname oder eine IP-Adresse sein."),
        "bad_port": _("Der Port muss eine Zahl von 1 bis 65535 sein."),
        "bad_security": _("Bitte eine Verschlüsselung auswählen."),
        "bad_user": _("Der Benutzername enthält Zeichen, die ein Server nicht annimmt."),
        "bad_password": _("Das Passwort ist zu lang."),
        "sender_missing": _("Bitte die Absenderadresse angeben."),
        "bad_sender": _("Die Absenderadresse ist keine gültige E-Mail-Adresse."),
        "bad_rate": _("Mails pro Sekunde: 0,1 bis 1000."),
        "bad_language": _("Diese Sprache gibt es für Mails nicht."),
        "not_configured": _("Bitte zuerst Mailserver und Absender einstellen."),
        "password_unreadable": _(
            "Das gespeicherte Passwort lässt sich nicht mehr lesen. Bitte neu eingeben."
        ),
        "bad_address": _("Das ist keine gültige E-Mail-Adresse."),
        "auth_failed": _("Anmeldung am Mailserver fehlgeschlagen: Benutzer oder Passwort falsch."),
        "auth_unsupported": _(
            "Der Mailserver bietet keine Anmeldung an (Benutzer leer lassen oder verschlüsseln)."
        ),
        "unreachable": _("Der Mailserver ist nicht erreichbar (Host und Port prüfen)."),
        "host_unknown": _("Diesen Mailserver gibt es nicht (Hostname prüfen, Internet?)."),
        "timeout": _("Der Mailserver antwortet nicht."),
        "tls_failed": _("Die verschlüsselte Verbindung ist fehlgeschlagen (Port und TLS prüfen)."),
        "starttls_unsupported": _("Der Mailserver bietet kein STARTTLS an."),
        "sender_refused": _("Der Mailserver lehnt die Absenderadresse ab."),
        "recipient_refused": _("Der Mailserver lehnt diese Empfängeradresse ab."),
        "connection_lost": _("Der Mailserver hat die Verbindung beendet."),
        "smtp_error": _("Der Mailserver meldet einen Fehler."),
        "nothing_to_send": _("Es gibt niemanden, der diese Mail noch nicht bekommen hat."),
        "already_running": _("Es läuft schon ein Versand."),
        "already_sent": _("Diese Mail ist schon verschickt."),
        "in_flight": _("Diese Mail ist vielleicht gerade unterwegs. Bitte gleich noch einmal."),
        "not_eligible": _(
            "Diese Person bekommt diese Mail nicht (abgemeldet, keine Adresse "
            "oder keine Einwilligung)."
        ),
    }
    text = messages.get(code) or _("Das hat nicht geklappt (%(code)s).", code=code)
    return f"{text} ({reason})" if reason else text


def _kind_or_404(kind: str) -> str:
    if kind not in mail.KINDS:
        abort(404)
    return kind


def _section(**extra: Any) -> dict[str, Any]:
    """What the mail section shows; ``mail_job`` from ``?job=`` when it is this event's."""
    db = get_db()
    event = event_or_404()
    job = mail.get_job(request.args.get("job", ""))
    gaps = {
        "no_time": _("Ohne Datum und Beginn kommt sie ohne Kalendereintrag."),
        "no_video": _("Der Videokonferenz-Link für alle, die online teilnehmen, fehlt."),
        "no_place": _("Der Ort für alle, die vor Ort teilnehmen, fehlt."),
    }
    overview = mail.overview(db, event)
    # Worth saying while invitations are still to be sent.
    pending = overview.kinds["link"].waiting
    return {
        "event": event,
        "invitation_gaps": [gaps[c] for c in mail.invitation_gaps(event)] if pending else [],
        "mail": overview,
        "mail_job": job if job and job.event_id == event.id else None,
        **extra,
    }


@bp.get("/mail")
def mail_page() -> Response:
    return render("admin/mail.html", **_section())


@bp.post("/mail/settings")
def mail_settings_save() -> Response:
    try:
        mail.save_settings(
            get_db(), event_or_404().id, request.form, secret=current_app.secret_key or ""
        )
    except mail.MailError as exc:
        flash(_("Nicht gespeichert: %(reason)s", reason=mail_error_text(exc.code)), "error")
    else:
        flash(_("Mail-Einstellungen gespeichert."), "ok")
    return redirect_after_post("admin.mail_page", _anchor="mail")


@bp.post("/mail/test")
def mail_test() -> Response:
    to = request.form.get("to", "").strip()
    try:
        mail.send_test_mail(event_or_404(), to, secret=current_app.secret_key or "")
    except mail.MailError as exc:
        flash(
            _(
                "Testmail nicht verschickt: %(reason)s",
                reason=mail_error_text(exc.code, exc.reason),
            ),
            "error",
        )
    else:
        flash(_("Testmail an %(to)s verschickt.", to=to), "ok")
    return redirect_after_post("admin.mail_page", _anchor="mail")


@bp.get("/mail/preview")
def mail_preview() -> Response:
    kind = _kind_or_404(request.args.get("kind", "link"))
    attendee_id = request.args.get("attendee", type=sqlite_id)
    preview = None
    if attendee_id:
        try:
            event = event_or_404()
            lang = mail.mail_settings(event).lang
            preview = mail.preview(
                get_db(),
                event,
                attendee_id,
                kind,
                base_url=public_url(),
                attachments=summaries.attachments(get_db(), event, lang),
            )
        except mail.MailError as exc:
            if exc.code == "not_found":
                abort(404)
            flash(mail_error_text(exc.code), "error")
    context = _section(mail_preview=preview, preview_kind=kind, preview_id=attendee_id)
    return render("admin/mail.html", "admin/_mail_preview.html", **context)


@bp.post("/mail/send/<kind>")
def mail_send(kind: str) -> Response:
    which = "failed" if request.form.get("which") == "failed" else "new"
    return _start(_kind_or_404(kind), which=which)


@bp.post("/mail/again/<kind>/<int:attendee_id>")
def mail_again(kind: str, attendee_id: int) -> Response:
    return _start(_kind_or_404(kind), which="again", attendee_id=attendee_id)


@bp.post("/attendees/<int:attendee_id>/resend-link")
def resend_link(attendee_id: int) -> Response:
    """'Link erneut senden' on the organiser's attendee page: the invitation once more (or
    'Link senden' the first time)."""
    first = not mail.link_status(get_db(), event_or_404(), attendee_or_404(attendee_id))["state"]
    done = _("Der persönliche Link wird verschickt.") if first else ""
    return _start("link", which="resend", attendee_id=attendee_id, back=attendee_id, done=done)


def _start(kind: str, back: int | None = None, done: str = "", **selection: Any) -> Response:
    event = event_or_404()
    database = current_app.config["DATABASE"]
    try:
        job = mail.start_sendout(
            database,
            event,
            kind,
            secret=current_app.secret_key or "",
            base_url=public_url(),
            attachments=summaries.attachments_from(database, event, mail.mail_settings(event).lang),
            **selection,
        )
    except mail.MailError as exc:
        flash(mail_error_text(exc.code), "error")
        if back:
            return redirect_after_post("admin.attendee_edit", attendee_id=back)
        return redirect_after_post("admin.mail_page", _anchor="mail")
    if back:
        flash(done or _("Der persönliche Link wird noch einmal verschickt."), "ok")
        return redirect_after_post("admin.attendee_edit", attendee_id=back, _anchor="link-mail")
    return redirect_after_post("admin.mail_page", job=job.id, _anchor="mail-job")


@bp.get("/mail/jobs/<job_id>")
def mail_job(job_id: str) -> Response:
    """The progress of a send-out; once it ended, the counts and problems come along."""
    job = mail.get_job(job_id)
    if job is None or job.event_id != event_or_404().id:
        abort(404)
    return render("admin/mail.html", "admin/_mail_job.html", **_section(mail_job=job, oob=True))
