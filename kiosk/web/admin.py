"""The organiser's pages: events, the attendee list, add, edit, delete."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, request
from flask_babel import gettext as _

from kiosk import attendees, events, mail, privacy, retention
from kiosk.web.blueprints import admin as bp
from kiosk.web.forms import attendee_data, field_errors
from kiosk.web.lookups import attendee_or_404
from kiosk.web.pages import (
    current_event,
    event_or_404,
    get_db,
    public_url,
    redirect_after_post,
    render,
)

#: How many attendees one page of the list shows (the search narrows it).
PAGE_SIZE = 200
#: The event settings the organiser's event form edits besides name, date and retention.
EVENT_FORM_SETTINGS = ("format", "start_time", "end_time", "place", "video_url")


@bp.get("/")
def index() -> Response:
    db = get_db()
    event = current_event()
    counts = attendees.count(db, event.id) if event else {}
    return render("admin/index.html", events=events.all_events(db), event=event, counts=counts)


def _event_error(exc: events.EventError) -> str:
    """Why an event was not saved, in the page's language."""
    return {
        "name_missing": _("Bitte einen Namen angeben."),
        "bad_date": _("Bitte ein Datum wie 2026-11-22 angeben."),
        "bad_retention": _("Aufbewahrung: 1 bis 365 Tage."),
        "bad_format": _("Bitte ein Format wählen: vor Ort, online oder hybrid."),
        "bad_time": _("Bitte Uhrzeiten wie 09:30 angeben; das Ende nach dem Beginn."),
        "bad_video_url": _("Der Videokonferenz-Link muss mit https:// beginnen."),
        "bad_controller_email": _("Bitte eine gültige E-Mail der verantwortlichen Stelle angeben."),
    }.get(exc.code, str(exc))


@bp.post("/events")
def create_event() -> Response:
    try:
        event = events.create(
            get_db(),
            request.form.get("name", ""),
            event_date=request.form.get("date", ""),
            network=request.form.get("network", ""),
        )
    except events.EventError as exc:
        flash(_("Veranstaltung nicht angelegt: %(reason)s", reason=_event_error(exc)), "error")
    else:
        flash(_("Veranstaltung „%(name)s“ angelegt.", name=event.name), "ok")
    return redirect_after_post("admin.index")


@bp.post("/events/<int:event_id>/choose")
def choose_event(event_id: int) -> Response:
    try:
        events.choose(get_db(), event_id)
    except events.EventError:
        abort(404)
    return redirect_after_post("admin.index")


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> Response:
    db = get_db()
    try:
        event = events.get(db, event_id)
    except events.EventError:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            events.edit(
                db,
                event_id,
                name=request.form.get("name", ""),
                event_date=request.form.get("date", ""),
                retention_days=request.form.get("retention_days", type=int),
                **{k: request.form[k] for k in EVENT_FORM_SETTINGS if k in request.form},
                **{key: request.form.get(key, "") for key in privacy.CONTROLLER_FIELDS},
            )
        except events.EventError as exc:
            error = _event_error(exc)
        else:
            flash(_("Gespeichert."), "ok")
            return redirect_after_post("admin.index")
    response = render("admin/event_form.html", event=event, error=error)
    if error:
        response.status_code = 422
    return response


@bp.get("/attendees")
def attendee_list() -> Response:
    event = event_or_404()
    query = request.args.get("q", "")
    found = attendees.list_for_event(get_db(), event.id, query=query)
    return render(
        "admin/attendees.html",
        "admin/_attendee_rows.html",
        event=event,
        attendees=found[:PAGE_SIZE],
        total=len(found),
        query=query,
        page_size=PAGE_SIZE,
    )


def _form_page(
    attendee: dict[str, Any] | None,
    data: Any,
    errors: dict[str, str],
    history: list[dict[str, Any]] | None = None,
) -> Response:
    response = render(
        "admin/attendee_form.html",
        attendee=attendee,
        data=data,
        errors=errors,
        history=history or [],
        link_mail=mail.link_status(get_db(), event_or_404(), attendee) if attendee else None,
        organisation_types=attendees.ORGANISATION_TYPES,
        public_url=public_url(),
    )
    if errors:
        response.status_code = 422
    return response


@bp.route("/attendees/new", methods=["GET", "POST"])
def attendee_new() -> Response:
    event = event_or_404()
    if request.method == "GET":
        return _form_page(None, attendees.AttendeeData(), {})
    data = attendee_data(request.form)
    try:
        attendee = attendees.create(get_db(), event, data, how="organiser form")
    except attendees.AttendeeError as exc:
        return _form_page(None, data, field_errors(exc))
    flash(_("%(name)s hinzugefügt.", name=attendee["name"]), "ok")
    return redirect_after_post("admin.attendee_list")


@bp.route("/attendees/<int:attendee_id>", methods=["GET", "POST"])
def attendee_edit(attendee_id: int) -> Response:
    db = get_db()
    attendee = attendee_or_404(attendee_id)
    if request.method == "GET":
        return _form_page(attendee, attendee, {}, attendees.history(db, attendee_id))
    data = attendee_data(request.form)
    try:
        attendee, changed = attendees.update(db, attendee_id, data, how="organiser form")
    except attendees.AttendeeError as exc:
        return _form_page(attendee, data, field_errors(exc))
    if changed:
        flash(_("%(name)s gespeichert.", name=attendee["name"]), "ok")
    return redirect_after_post("admin.attendee_list")


@bp.post("/attendees/<int:attendee_id>/private-link")
def attendee_private_link(attendee_id: int) -> Response:
    """A new private link for the person (the old one was passed on or photographed)."""
    attendee_or_404(attendee_id)
    attendee = attendees.renew_secret(get_db(), attendee_id, how="organiser")
    flash(
        _("Neuer persönlicher Link für %(name)s: der alte gilt nicht mehr.", name=attendee["name"]),
        "ok",
    )
    return redirect_after_post("admin.attendee_edit", attendee_id=attendee_id)


@bp.post("/attendees/<int:attendee_id>/delete")
def attendee_delete(attendee_id: int) -> Response:
    """Erase a person (on their request, or a mistaken entry): their data goes; contacts others
    made with them stay on the others' lists as "deleted contact"."""
    attendee = attendee_or_404(attendee_id)
    retention.erase(get_db(), event_or_404(), attendee_id, who="organiser")
    flash(_("%(name)s gelöscht.", name=attendee["name"]), "ok")
    return redirect_after_post("admin.attendee_list")
