"""The attendee's own page (private link) and the public badge page (badge code)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kiosk import attendees, contact_requests, contacts, events, online, summaries
from kiosk import privacy as kprivacy
from kiosk.web import pages
from kiosk.web.blueprints import me as bp
from kiosk.web.i18n import select_locale
from kiosk.web.lookups import badge_or_404, owner_or_404
from kiosk.web.pages import download, get_db, is_htmx, render, says_du, suggestions_context

log = logging.getLogger("kiosk.me")

#: The signed cookie by which a phone remembers whose phone it is.
REMEMBER_COOKIE = "kiosk_me"
#: How long a phone remembers its owner.
REMEMBER_SECONDS = 30 * 24 * 3600


# -- the phone that remembers its owner ------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="kiosk.me")


def _fingerprint(attendee: dict[str, Any]) -> str:
    """Ties the cookie to the private link: a new link or a deleted attendee ends it."""
    return hashlib.sha256(attendee["secret"].encode()).hexdigest()[:20]


def _remember(response: Response, attendee: dict[str, Any]) -> None:
    value = _serializer().dumps({"a": attendee["id"], "f": _fingerprint(attendee)})
    response.set_cookie(
        REMEMBER_COOKIE,
        value,
        max_age=REMEMBER_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def remembered() -> dict[str, Any] | None:
    """The attendee whose own page this phone opened, or None."""
    value = request.cookies.get(REMEMBER_COOKIE)
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=REMEMBER_SECONDS)
        attendee = attendees.get(get_db(), int(data["a"]))
    except (BadSignature, attendees.AttendeeError, KeyError, TypeError, ValueError):
        return None
    if not hmac.compare_digest(str(data.get("f", "")), _fingerprint(attendee)):
        return None
    return attendee


# -- the attendee's own page -----------------------------------------------------------------


def _page_context(attendee: dict[str, Any]) -> dict[str, Any]:
    db = get_db()
    event = events.get(db, attendee["event_id"])
    return {
        **suggestions_context(attendee),
        "contacts": contacts.list_for(db, attendee["id"]),
        "online_state": online.own_page_state(event, attendee),
        "online_poll_seconds": pages.ONLINE_POLL_SECONDS,
        "requests": contact_requests.incoming(db, attendee),
        "contact_states": contact_requests.states(db, attendee),
    }


@bp.get("/me/<secret>")
def own_page(secret: str) -> Response:
    attendee = owner_or_404(secret)
    response = render("me/page.html", **_page_context(attendee))
    _remember(response, attendee)
    return response


@bp.post("/me/<secret>/new-link")
def new_link(secret: str) -> Response:
    """A new private link, from the own page: the old one (and any phone that kept it) stops
    working; this phone goes on with the new one."""
    attendee = owner_or_404(secret)
    attendee = attendees.renew_secret(get_db(), attendee["id"], how="own page")
    flash(
        _(
            "Ihr neuer persönlicher Link: bitte diese Seite neu speichern. "
            "Der alte gilt nicht mehr."
        ),
        "ok",
    )
    return redirect(url_for("me.own_page", secret=attendee["secret"]), code=303)


@bp.post("/me/<secret>/consents")
def consents(secret: str) -> Response:
    attendee = owner_or_404(secret)
    purpose, given = request.form.get("purpose", ""), request.form.get("given", "")
    if purpose in attendees.CONSENTS and given in ("yes", "no"):
        # One tap on a question ("Möchten Sie … teilen?"): that consent alone.
        attendee = attendees.set_consent(
            get_db(), attendee["id"], purpose, given == "yes", how="own page"
        )
        back = attendees.by_code(get_db(), request.form.get("back", ""))
        if back is not None and back["event_id"] == attendee["event_id"]:
            return redirect(url_for("me.badge", code=back["code"], _anchor="swap"), code=303)
    else:
        wanted = {p: request.form.get(f"consent_{p}") == "on" for p in attendees.CONSENTS}
        attendee, _changed = attendees.set_consents(
            get_db(), attendee["id"], wanted, how="own page"
        )
    if is_htmx():
        du = says_du(events.get(get_db(), attendee["event_id"]))
        return render("me/_consents.html", attendee=attendee, saved=True, du=du)
    if says_du(events.get(get_db(), attendee["event_id"])):
        flash(_("Deine Einwilligungen sind gespeichert."), "ok")
    else:
        flash(_("Ihre Einwilligungen sind gespeichert."), "ok")
    return redirect(url_for("me.own_page", secret=secret, _anchor="consents"), code=303)


@bp.post("/me/<secret>/topics")
def topics(secret: str) -> Response:
    """The attendee adds to their interests, offers and seeks (better suggestions)."""
    attendee = owner_or_404(secret)
    try:
        attendees.set_topics(
            get_db(),
            attendee["id"],
            interests=request.form.get("interests", ""),
            offers=request.form.get("offers", ""),
            seeks=request.form.get("seeks", ""),
            how="own page",
        )
    except attendees.AttendeeError:
        abort(400)
    flash(_("Gespeichert. Die Vorschläge berücksichtigen es gleich."), "ok")
    return redirect(url_for("me.own_page", secret=secret, _anchor="suggestions"), code=303)


@bp.post("/me/<secret>/contacts/<int:contact_id>/note")
def note(secret: str, contact_id: int) -> Response:
    attendee = owner_or_404(secret)
    try:
        contact = contacts.set_note(
            get_db(), attendee["id"], contact_id, request.form.get("note", "")
        )
    except contacts.ContactError:
        abort(404)
    if is_htmx():
        return render("me/_note.html", attendee=attendee, contact=contact, saved=True)
    flash(_("Notiz gespeichert."), "ok")
    anchor = f"contact-{contact_id}"
    return redirect(url_for("me.own_page", secret=secret, _anchor=anchor), code=303)


@bp.post("/me/<secret>/contacts/<int:contact_id>/remove")
def remove(secret: str, contact_id: int) -> Response:
    attendee = owner_or_404(secret)
    try:
        contacts.remove(get_db(), attendee["id"], contact_id)
    except contacts.ContactError:
        abort(404)
    flash(_("Kontakt entfernt."), "ok")
    return redirect(url_for("me.own_page", secret=secret, _anchor="contacts"), code=303)


@bp.get("/me/<secret>/contacts.vcf")
def vcard_all(secret: str) -> Response:
    attendee = owner_or_404(secret)
    db = get_db()
    event = events.get(db, attendee["event_id"])
    text = contacts.vcard(contacts.list_for(db, attendee["id"]), event_name=event.name)
    return download(text, contacts.vcard_filename(f"kontakte {event.name}"), "text/vcard")


@bp.get("/me/<secret>/contacts/<int:contact_id>.vcf")
def vcard_one(secret: str, contact_id: int) -> Response:
    attendee = owner_or_404(secret)
    db = get_db()
    try:
        contact = contacts.get(db, attendee["id"], contact_id)
    except contacts.ContactError:
        abort(404)
    if contact["erased"]:
        abort(404)  # nothing of an erased person to save
    event = events.get(db, attendee["event_id"])
    text = contacts.vcard_one(contact, event_name=event.name)
    return download(text, contacts.vcard_filename(contact["name"]), "text/vcard")


@bp.get("/me/<secret>/summary.pdf")
def summary_pdf(secret: str) -> Response:
    """The attendee's contact summary, during and after the event, in the page's language."""
    attendee = owner_or_404(secret)
    db = get_db()
    event = events.get(db, attendee["event_id"])
    body = summaries.pdf(db, event, attendee, lang=select_locale())
    name = summaries.safe_name(f"{event.name} Kontakte {attendee['name']}")
    return download(body, f"{name}.pdf", "application/pdf")


@bp.post("/me/forget")
def forget() -> Response:
    """'Das bin ich nicht': this phone stops remembering its owner."""
    code = attendees.find_code(request.form.get("code", ""))
    target = url_for("me.badge", code=code) if code else url_for("auth.index")
    response = redirect(target, code=303)
    response.delete_cookie(REMEMBER_COOKIE, httponly=True, samesite="Lax")
    return response


# -- the public badge page -------------------------------------------------------------------


# A QR code in its compact mode holds the whole URL in upper case; links are built to /b/.
@bp.get("/B/<code>")
@bp.get("/b/<code>")
def badge(code: str) -> Response:
    other = badge_or_404(code)
    owner = remembered()
    db = get_db()
    event = events.get(db, other["event_id"])
    return render(
        "me/badge.html",
        other=attendees.public_view(other),
        event=event,
        owner=owner,
        state=contacts.swap_state(db, owner, other),
        du=says_du(event),
    )


def _swap_message(code: str, du: bool = False) -> str:
    if code == "too_many_saves":
        if du:
            return _(
                "Du hast in der letzten Stunde schon sehr viele Kontakte gespeichert. "
                "Bitte versuch es später noch einmal oder tausch am Empfang."
            )
        return _(
            "Sie haben in der letzten Stunde schon sehr viele Kontakte gespeichert. "
            "Bitte versuchen Sie es später noch einmal oder tauschen Sie am Empfang."
        )
    if code == "self":
        return _("Das ist dein eigener Badge.") if du else _("Das ist Ihr eigener Badge.")
    if code == "other_event":
        return _("Dieser Badge gehört zu einer anderen Veranstaltung.")
    return _("Diesen Badge kennen wir nicht.")


@bp.post("/b/<code>/save")
def save(code: str) -> Response:
    other = badge_or_404(code)
    owner = remembered()
    if owner is None:
        if says_du(events.get(get_db(), other["event_id"])):
            flash(_("Bitte öffne zuerst deine eigene Seite."), "warn")
        else:
            flash(_("Bitte öffnen Sie zuerst Ihre eigene Seite."), "warn")
        return redirect(url_for("me.badge", code=other["code"]), code=303)
    db = get_db()
    event = events.get(db, owner["event_id"])
    try:
        contacts.save(db, event, owner["id"], other["id"])
    except contacts.ContactError as exc:
        flash(_swap_message(exc.code, says_du(event)), "warn")
    else:
        flash(_("Kontakt gespeichert: %(name)s", name=other["name"]), "ok")
    return redirect(url_for("me.badge", code=other["code"]), code=303)


# -- the event's privacy notice --------------------------------------------------------------


@bp.get("/privacy/<slug>")
def privacy(slug: str) -> Response:
    try:
        event = events.by_slug(get_db(), slug)
    except events.EventError:
        abort(404)
    lang = request.args.get("lang") or select_locale()
    lang = lang if lang in kprivacy.LANGUAGES else "de"
    blocks = kprivacy.notice_blocks(kprivacy.notice(event, lang))
    return render("me/privacy.html", event=event, blocks=blocks, notice_lang=lang)
