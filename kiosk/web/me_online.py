"""The attendee's own page, online and without a badge (routes on the me blueprint): "Ich bin
dabei", the list of people who can be found, contact requests sent, accepted, declined."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from kiosk import contact_requests, events, online, references
from kiosk.web import pages
from kiosk.web.blueprints import me as bp
from kiosk.web.lookups import owner_or_404
from kiosk.web.pages import get_db, render


def _back(secret: str, anchor: str) -> Response:
    return redirect(url_for("me.own_page", secret=secret, _anchor=anchor), code=303)


@bp.get("/me/<secret>/online")
def online_card(secret: str) -> Response:
    """The own page's online card (polled while the event has not begun)."""
    attendee = owner_or_404(secret)
    event = events.get(get_db(), attendee["event_id"])
    return render(
        "me/_online.html",
        "me/_online.html",
        attendee=attendee,
        event=event,
        online_state=online.own_page_state(event, attendee),
        online_poll_seconds=pages.ONLINE_POLL_SECONDS,
        du=pages.says_du(event),
    )


@bp.post("/me/<secret>/online")
def online_checkin(secret: str) -> Response:
    """ "Ich bin dabei": an online attendee checks in during the event."""
    attendee = owner_or_404(secret)
    db = get_db()
    event = events.get(db, attendee["event_id"])
    du = pages.says_du(event)
    try:
        online.check_in(db, event, attendee["id"])
    except online.OnlineError as exc:
        message = {
            "closed": _("Einchecken geht nur während der Veranstaltung."),
            "not_online": _("Du bist vor Ort angemeldet: bitte am Empfang einchecken.")
            if du
            else _("Sie sind vor Ort angemeldet: bitte am Empfang einchecken."),
        }.get(exc.code, _("Das hat nicht geklappt."))
        flash(message, "warn")
    else:
        flash(_("Schön, dass du dabei bist!") if du else _("Schön, dass Sie dabei sind!"), "ok")
    return _back(secret, "online")


@bp.get("/me/<secret>/people")
def people(secret: str) -> Response:
    """Whom one can ask for a contact: the people who agreed to be found."""
    attendee = owner_or_404(secret)
    db = get_db()
    query = request.args.get("q", "")
    event = events.get(db, attendee["event_id"])
    return render(
        "me/people.html",
        "me/_people_rows.html",
        attendee=attendee,
        event=event,
        people=contact_requests.people(db, event, attendee, query),
        ref=lambda p: references.reference(current_app.secret_key, attendee["id"], p["id"]),
        query=query,
        findable=contact_requests.findable(attendee),
        max_listed=contact_requests.MAX_LISTED,
        du=pages.says_du(event),
    )


def _request_message(code: str, du: bool) -> str:
    if du:
        return {
            "no_consent": _("Stimm zuerst der Vernetzung zu, dann kannst du anfragen."),
            "already_contacts": _("Du hast diesen Kontakt schon."),
            "too_many": _("Du hast viele offene Anfragen. Bitte warte auf Antworten."),
            "self": _("Das bist du selbst."),
        }.get(code, _("Diese Person kann nicht angefragt werden."))
    return {
        "no_consent": _("Stimmen Sie zuerst der Vernetzung zu, dann können Sie anfragen."),
        "already_contacts": _("Sie haben diesen Kontakt schon."),
        "too_many": _("Sie haben viele offene Anfragen. Bitte warten Sie auf Antworten."),
        "self": _("Das sind Sie selbst."),
    }.get(code, _("Diese Person kann nicht angefragt werden."))


@bp.post("/me/<secret>/requests")
def request_contact(secret: str) -> Response:
    attendee = owner_or_404(secret)
    db = get_db()
    event = events.get(db, attendee["event_id"])
    # Back where the button was (a long list on a phone), unless a refusal is to be read at
    # the top of the page.
    row = request.form.get("at", type=int)
    try:
        other = references.resolve(
            db, current_app.secret_key, attendee, request.form.get("ref", "")
        )
        target_id = other["id"] if other is not None else None
        outcome = contact_requests.send(db, event, attendee["id"], target_id)
    except contact_requests.RequestError as exc:
        flash(_request_message(exc.code, pages.says_du(event)), "warn")
        row = None
    else:
        du = pages.says_du(event)
        if outcome == "accepted":
            done = (
                _("Euer Kontakt ist gespeichert: Ihr hattet euch gegenseitig angefragt.")
                if du
                else _("Ihr Kontakt ist gespeichert: Sie hatten sich gegenseitig angefragt.")
            )
        else:
            done = (
                _("Anfrage geschickt. Du siehst den Kontakt, sobald er angenommen ist.")
                if du
                else _("Anfrage geschickt. Sie sehen den Kontakt, sobald er angenommen ist.")
            )
        flash(done, "ok")
    if request.form.get("back") == "people":
        anchor = f"person-{row}" if row else None
        target = url_for("me.people", secret=secret, q=request.form.get("q", ""), _anchor=anchor)
        return redirect(target, 303)
    return _back(secret, "suggestions")


@bp.post("/me/<secret>/requests/<int:request_id>")
def answer_request(secret: str, request_id: int) -> Response:
    attendee = owner_or_404(secret)
    db = get_db()
    accept = request.form.get("answer") == "accept"
    try:
        contact_requests.answer(
            db, events.get(db, attendee["event_id"]), attendee["id"], request_id, accept=accept
        )
    except contact_requests.RequestError:
        flash(_("Diese Anfrage gibt es nicht mehr."), "warn")
        return _back(secret, "requests")
    if accept:
        flash(_("Kontakt gespeichert."), "ok")
        return _back(secret, "contacts")
    flash(_("Anfrage abgelehnt."), "ok")
    return _back(secret, "requests")
