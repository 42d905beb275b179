"""The check-in desk: scan, search, walk-in, undo; for desks and the organiser."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, abort, current_app, redirect, request, session, url_for
from flask_babel import gettext as _

from kiosk import arrivals, attendees, checkin, desks, events, links, replay
from kiosk import qr as qr_codes
from kiosk.web.blueprints import desk as bp
from kiosk.web.forms import attendee_data, field_errors
from kiosk.web.pages import (
    COUNTER_POLL_SECONDS,
    current_event,
    event_or_404,
    get_db,
    is_htmx,
    public_url,
    render,
    says_du,
)
from kiosk.web.roles import become_desk, desk_name, self_check_in

log = logging.getLogger("kiosk.desk")

#: Seconds the self check-in screen shows a result before it clears itself.
SELF_CLEAR_SECONDS = 8
#: Session key of the last outcome, shown once after a POST without JavaScript.
LAST = "desk_last"
#: Outcome key carrying the attendee row already read (saves reading it again to render).
ATTENDEE = "_attendee"

#: Cards that may carry the private QR (for whom this desk just checked in).
PRIVATE_QR_KINDS = frozenset({"welcome", "again", "walk_in", "show", "consent"})

#: Outcome → colour, icon and sound of the result card.
LOOKS = {
    "welcome": ("ok", "✓", "ok"),
    "again": ("ok", "✓", "ok"),
    "walk_in": ("ok", "✓", "ok"),
    checkin.ALREADY_CHECKED_IN: ("warn", "!", "warn"),
    checkin.ALREADY_REGISTERED: ("warn", "!", "warn"),
    checkin.ALREADY_RECORDED: ("ok", "✓", "ok"),
    checkin.UNKNOWN_CODE: ("bad", "?", "bad"),
    checkin.OTHER_EVENT: ("bad", "✕", "bad"),
    checkin.CANCELLED: ("bad", "✕", "bad"),
    checkin.NOT_FOUND: ("bad", "?", "bad"),
    checkin.NOT_CHECKED_IN: ("warn", "!", "warn"),
    checkin.ALREADY_CHECKED_OUT: ("warn", "!", "warn"),
    checkin.REASON_MISSING: ("warn", "!", "warn"),
    "undone": ("info", "↺", ""),
    "checked_out": ("info", "→", ""),
    "consent": ("ok", "✓", ""),
    "show": ("info", "i", ""),
}


def privacy_url(event: events.Event) -> str:
    """The event's privacy notice page."""
    return url_for("me.privacy", slug=event.slug)


def outcome_of(result: checkin.Checkin | checkin.CheckinError | dict[str, Any]) -> dict[str, Any]:
    """A check-in outcome as a small dict: what the card shows, kept in the session if needed."""
    if isinstance(result, checkin.Checkin):
        kind = "again" if result.again else "welcome"
        return {
            "kind": kind,
            "attendee_id": result.attendee["id"],
            "fresh": True,
            ATTENDEE: result.attendee,
        }
    if isinstance(result, checkin.CheckinError):
        attendee = result.attendee or {}
        return {"kind": result.code, "attendee_id": attendee.get("id"), ATTENDEE: result.attendee}
    return result


def result_context(outcome: dict[str, Any] | None) -> dict[str, Any]:
    """Everything ``desk/_result.html`` needs for one outcome."""
    if not outcome:
        return {"outcome": None}
    db = get_db()
    attendee = outcome.pop(ATTENDEE, None)
    if attendee is None and outcome.get("attendee_id"):
        try:
            attendee = attendees.get(db, outcome["attendee_id"])
        except attendees.AttendeeError:
            attendee = None
    colour, icon, sound = LOOKS.get(outcome["kind"], ("info", "i", ""))
    other_event = None
    if attendee and outcome["kind"] == checkin.OTHER_EVENT:
        other_event = events.get(db, attendee["event_id"]).name
    # Only the desk that just checked the person in, never a self check-in tablet (a badge is
    # public; whoever holds it must not get the private link from the screen).
    show_qr = (
        bool(attendee)
        and not self_check_in()
        and outcome["kind"] in PRIVATE_QR_KINDS
        and checkin.may_show_private_link(attendee, desk=desk_name())
    )
    # How the card speaks to the person (a fair with pupils: "du"); cached, cheap per scan.
    du = says_du(events.get(db, attendee["event_id"]) if attendee else current_event())
    return {
        "outcome": outcome,
        "kind": outcome["kind"],
        "attendee": attendee,
        "colour": colour,
        "icon": icon,
        "sound": sound,
        "other_event": other_event,
        "badge_printed": checkin.badge_printed(attendee) if attendee else True,
        "printing": outcome.get("printing", False),
        # Drawn by the browser (static/vendor/qrcode-generator.js): no server time per check-in.
        "qr_text": links.private_link(public_url(), attendee) if show_qr else "",
        "self_mode": self_check_in(),
        "recent_here": _recent_here(),
        "du": du,
        "clear_seconds": current_app.config.get("DESK_SELF_CLEAR_SECONDS", SELF_CLEAR_SECONDS),
    }


def _recent_here() -> list[dict[str, Any]]:
    """Whom this desk checked in lately: their private QR can be shown once more (never on
    a self check-in tablet)."""
    event = current_event()
    if event is None or self_check_in():
        return []
    return arrivals.recent_at_desk(get_db(), event, desk_name())


#: Outcomes after which the desk's counters change; they come with the card (out of band).
COUNTED = frozenset({"welcome", "again", "undone", "checked_out"})


def counters_after(outcome: dict[str, Any]) -> dict[str, int] | None:
    """The counters to send with this card, or None (nothing changed, or a self check-in)."""
    event = current_event()
    if event is None or self_check_in() or outcome["kind"] not in COUNTED:
        return None
    if outcome["kind"] in ("welcome", "again"):
        return arrivals.after_checkin(get_db(), event, again=outcome["kind"] == "again")
    return arrivals.live_counters(get_db(), event)


def show_result(outcome: dict[str, Any], template: str = "desk/_result.html") -> Response:
    """The result card for htmx (with the counters when they changed); after a plain form POST,
    a 303 back to the desk showing it."""
    if is_htmx():
        counts = counters_after(outcome)
        return render(
            template,
            template,
            oob_counts=counts,
            poll_seconds=COUNTER_POLL_SECONDS,
            **result_context(outcome),
        )
    outcome.pop(ATTENDEE, None)  # the session keeps ids only
    session[LAST] = outcome
    target = "desk.self_page" if template != "desk/_result.html" else "desk.index"
    return redirect(url_for(target), code=303)


def _checked_in(
    event: events.Event, result: checkin.Checkin, *, walk_in: bool = False
) -> dict[str, Any]:
    outcome = outcome_of(result)
    outcome["printing"] = checkin.print_after_check_in(
        get_db(), event, result, walk_in=walk_in, public_url=public_url(), desk=desk_name()
    )
    return outcome


@bp.context_processor
def _desk_globals() -> dict[str, Any]:
    return {"badge_pdf_url": badge_pdf_url}


def badge_pdf_url(attendee_id: int) -> str:
    """Where the desk opens one attendee's badge as PDF."""
    return url_for("badges.single", attendee_id=attendee_id)


# -- the desk ----------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    if self_check_in():
        return redirect(url_for("desk.self_page"))
    event = current_event()
    context = result_context(session.pop(LAST, None)) if event else {"outcome": None}
    context.setdefault("recent_here", _recent_here())
    return render(
        "desk/index.html",
        event=event,
        desk_name=desk_name(),
        counts=arrivals.live_counters(get_db(), event) if event else None,
        poll_seconds=COUNTER_POLL_SECONDS,
        **context,
    )


@bp.post("/scan")
def scan() -> Response:
    event = event_or_404()
    text = request.form.get("code", "")
    try:
        result = checkin.scan(
            get_db(),
            event,
            text,
            desk=desk_name(),
            nonce=replay.valid_nonce(request.form.get("nonce")),
        )
        outcome = _checked_in(event, result)
    except checkin.CheckinError as exc:
        outcome = outcome_of(exc)
        if exc.code == checkin.UNKNOWN_CODE and not attendees.find_code(text):
            outcome["query"] = text[:100]
    return show_result(outcome)


@bp.get("/search")
def search() -> Response:
    event = event_or_404()
    # The desk's one field is named "code" (it also takes scans); links may say "q".
    query = (request.args.get("q") or request.args.get("code") or "").strip()
    # A scanner's text is a code, not a name: the scan shows its own result.
    hits = (
        [] if attendees.find_code(query) else attendees.namesearch.search(get_db(), event.id, query)
    )
    return render("desk/_hits.html", "desk/_hits.html", hits=hits, query=query)


@bp.get("/counters")
def counters() -> Response:
    event = event_or_404()
    counts = arrivals.live_counters(get_db(), event)
    return render(
        "desk/_counters.html",
        "desk/_counters.html",
        counts=counts,
        poll_seconds=COUNTER_POLL_SECONDS,
        news=replay.news_for(desk_name()),
    )


@bp.get("/attendee/<int:attendee_id>")
def show(attendee_id: int) -> Response:
    """One attendee's card (from a search hit): status, actions, and their private QR."""
    event = event_or_404()
    try:
        checkin.check_attendee(get_db(), event, attendee_id)
    except checkin.CheckinError as exc:
        return show_result(outcome_of(exc))
    return show_result({"kind": "show", "attendee_id": attendee_id})


@bp.get("/attendee/<int:attendee_id>/qr.svg")
def qr(attendee_id: int) -> Response:
    """The private-link QR as an image, for browsers without JavaScript."""
    event = event_or_404()
    try:
        attendee = checkin.check_attendee(get_db(), event, attendee_id)
    except checkin.CheckinError:
        abort(404)
    if self_check_in() or not checkin.may_show_private_link(attendee, desk=desk_name()):
        abort(404)
    svg = qr_codes.svg(links.private_link(public_url(), attendee))
    return current_app.response_class(svg, mimetype="image/svg+xml")


@bp.post("/attendee/<int:attendee_id>/checkin")
def check_in(attendee_id: int) -> Response:
    event = event_or_404()
    try:
        result = checkin.check_in(
            get_db(),
            event,
            attendee_id,
            desk=desk_name(),
            how="search",
            nonce=replay.valid_nonce(request.form.get("nonce")),
        )
        outcome = _checked_in(event, result)
    except checkin.CheckinError as exc:
        outcome = outcome_of(exc)
    return show_result(outcome)


@bp.post("/attendee/<int:attendee_id>/undo")
def undo(attendee_id: int) -> Response:
    event = event_or_404()
    reason = request.form.get("reason", "")
    try:
        checkin.undo(get_db(), event, attendee_id, reason=reason, desk=desk_name())
        outcome = {"kind": "undone", "attendee_id": attendee_id}
    except checkin.CheckinError as exc:
        outcome = outcome_of(exc)
    return show_result(outcome)


@bp.post("/attendee/<int:attendee_id>/checkout")
def check_out(attendee_id: int) -> Response:
    event = event_or_404()
    try:
        checkin.check_out(get_db(), event, attendee_id, desk=desk_name())
        outcome = {"kind": "checked_out", "attendee_id": attendee_id}
    except checkin.CheckinError as exc:
        outcome = outcome_of(exc)
    return show_result(outcome)


@bp.post("/attendee/<int:attendee_id>/consent")
def consent(attendee_id: int) -> Response:
    event = event_or_404()
    given = request.form.get("given") == "yes"
    purpose = request.form.get("purpose", "matchmaking")
    try:
        checkin.set_consent_at_desk(
            get_db(), event, attendee_id, given, desk=desk_name(), purpose=purpose
        )
        outcome = {"kind": "consent", "attendee_id": attendee_id, "fresh": True}
    except checkin.CheckinError as exc:
        outcome = outcome_of(exc)
    return show_result(outcome)


# -- walk-in -----------------------------------------------------------------------------------


def _walkin_form(data: attendees.AttendeeData, errors: dict[str, str], **extra: Any) -> Response:
    event = event_or_404()
    response = render(
        "desk/walkin.html",
        "desk/_walkin_form.html",
        event=event,
        data=data,
        errors=errors,
        organisation_types=attendees.ORGANISATION_TYPES,
        privacy_url=privacy_url(event),
        desk_name=desk_name(),
        **extra,
    )
    if errors or extra.get("duplicate"):
        response.status_code = 422
    return response


@bp.route("/walkin", methods=["GET", "POST"])
def walkin() -> Response:
    """A person who did not register: a short form, then checked in and a badge at once."""
    if request.method == "GET":
        return _walkin_form(attendees.AttendeeData(), {})
    data = attendee_data(request.form)
    event = event_or_404()
    try:
        result = checkin.walk_in(
            get_db(),
            event,
            data,
            desk=desk_name(),
            allow_duplicate=request.form.get("duplicate_ok") == "1",
        )
    except attendees.AttendeeError as exc:
        return _walkin_form(data, field_errors(exc))
    except checkin.CheckinError as exc:
        return _walkin_form(data, {}, duplicate=exc.attendee)
    outcome = {**_checked_in(event, result, walk_in=True), "kind": "walk_in", "badge": True}
    outcome.pop(ATTENDEE, None)
    session[LAST] = outcome
    return redirect(url_for("desk.index"), code=303)


# -- self check-in -----------------------------------------------------------------------------


@bp.get("/self")
def self_page() -> Response:
    event = current_event()
    context = result_context(session.pop(LAST, None)) if event else {"outcome": None}
    return render(
        "desk/self.html", event=event, desk_name=desk_name(), **{"du": says_du(event), **context}
    )


@bp.post("/self/scan")
def self_scan() -> Response:
    event = event_or_404()
    try:
        result = checkin.scan(
            get_db(),
            event,
            request.form.get("code", ""),
            desk=desk_name(),
            nonce=replay.valid_nonce(request.form.get("nonce")),
        )
        outcome = _checked_in(event, result)
    except checkin.CheckinError as exc:
        # The tablet tells the person at the door only about their own badge, and never
        # re-shows a private QR for a badge that was already used (a badge is public).
        outcome = {"kind": exc.code, "attendee_id": None}
        if exc.code == checkin.ALREADY_CHECKED_IN and exc.attendee:
            outcome["attendee_id"] = exc.attendee["id"]
    return show_result(outcome, "desk/_self_result.html")


# -- becoming a desk ---------------------------------------------------------------------------


@bp.get("/join/<token>")
def join(token: str) -> Response:
    """The one-time desk link the organiser made: this device becomes that desk."""
    try:
        desk = desks.use_link(get_db(), token)
    except desks.DeskError:
        log.warning("denied: unknown desk link from %s", request.remote_addr)
        return render("error.html", code=403, error=_("Dieser Desk-Link gilt nicht mehr.")), 403
    become_desk(desk)
    return redirect(url_for("desk.self_page" if desk["mode"] == desks.SELF else "desk.index"))
