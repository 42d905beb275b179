"""Organiser pages for check-in: the desks and the live dashboard (routes on admin.bp)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from kiosk import arrivals, desks, online, qr
from kiosk.events import Event
from kiosk.web.blueprints import admin as bp
from kiosk.web.pages import (
    COUNTER_POLL_SECONDS,
    event_or_404,
    get_db,
    public_url,
    redirect_after_post,
    render,
)
from kiosk.web.roles import become_desk

#: Session key holding a fresh desk link until the page has shown it once.
NEW_LINK = "desk_new_link"
#: Seconds between two refreshes of the dashboard's chart.
CHART_POLL_SECONDS = 10
#: Size of the server-drawn arrivals chart, in SVG units.
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM = 640, 200, 30, 22
#: Widest a bar gets (a short event has few slots).
MAX_BAR_STEP = 48


@bp.get("/desks")
def desk_list() -> Response:
    event = event_or_404()
    link = session.pop(NEW_LINK, None)
    return render(
        "admin/desks.html",
        event=event,
        desks=desks.for_event(get_db(), event),
        link=link,
        link_qr=qr.svg(link["url"]) if link else "",
        modes=desks.MODES,
        timeout_range=desks.TIMEOUT_RANGE,
    )


@bp.post("/desks")
def desk_add() -> Response:
    """Name a desk; then this browser becomes it, or a one-time link for another device is made."""
    db = get_db()
    try:
        desk = desks.add(
            db,
            request.form.get("name", ""),
            request.form.get("mode") or desks.DESK,
            event=event_or_404(),
        )
    except desks.DeskError:
        flash(_("Bitte einen Namen für den Desk angeben."), "error")
        return redirect_after_post("admin.desk_list")
    if request.form.get("action") == "here":
        become_desk(desk)
        return redirect(url_for("desk.index"), code=303)
    return _new_link(desk["id"])


@bp.post("/desks/offline")
def desk_offline() -> Response:
    """The organiser's choice for when the laptop cannot be reached (wait, offline list)."""
    event = event_or_404()
    try:
        seconds = int(request.form.get("timeout_seconds", ""))
        desks.set_offline(
            get_db(),
            event,
            timeout_seconds=seconds,
            offline_list=request.form.get("offline_list") == "on",
        )
    except (ValueError, desks.DeskError):
        low, high = desks.TIMEOUT_RANGE
        flash(_("Wartezeit: %(low)d bis %(high)d Sekunden.", low=low, high=high), "error")
    else:
        flash(_("Gespeichert. Desks übernehmen es beim nächsten Laden der Seite."), "ok")
    return redirect_after_post("admin.desk_list")


@bp.post("/desks/<int:desk_id>/link")
def desk_link(desk_id: int) -> Response:
    return _new_link(desk_id)


def _new_link(desk_id: int) -> Response:
    db = get_db()
    try:
        token = desks.new_link(db, desk_id)
    except desks.DeskError:
        abort(404)
    desk = desks.get(db, desk_id)
    path = url_for("desk.join", token=token)
    session[NEW_LINK] = {"name": desk["name"], "url": public_url() + path}
    return redirect_after_post("admin.desk_list")


@bp.post("/desks/<int:desk_id>/here")
def desk_here(desk_id: int) -> Response:
    """This browser becomes the desk (and stops being the organiser's)."""
    try:
        desk = desks.get(get_db(), desk_id)
    except desks.DeskError:
        abort(404)
    become_desk(desk)
    return redirect(url_for("desk.index"), code=303)


@bp.post("/desks/<int:desk_id>/delete")
def desk_delete(desk_id: int) -> Response:
    desks.remove(get_db(), desk_id)
    flash(_("Desk entfernt: Geräte dieses Desks sind abgemeldet."), "ok")
    return redirect_after_post("admin.desk_list")


# -- dashboard ---------------------------------------------------------------------------------


def arrivals_chart(slots: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of arrivals per time slot, laid out for an SVG drawn by the template."""
    width = CHART_WIDTH - CHART_LEFT
    height = CHART_HEIGHT - CHART_BOTTOM
    peak = max((s["count"] for s in slots), default=0) or 1
    step = min(width / max(len(slots), 1), MAX_BAR_STEP)
    label_every = max(1, len(slots) // 8)
    bars = []
    for i, s in enumerate(slots):
        h = s["count"] / peak * (height - 10)
        local: datetime = s["start"].astimezone()
        bars.append(
            {
                "x": round(CHART_LEFT + i * step + 1, 1),
                "y": round(height - h, 1),
                "w": round(max(step - 2, 1), 1),
                "h": round(h, 1),
                "count": s["count"],
                "label": local.strftime("%H:%M") if i % label_every == 0 else "",
                "title": f"{local.strftime('%H:%M')}: {s['count']}",
            }
        )
    return {
        "bars": bars,
        "peak": peak if slots else 0,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "base": height,
    }


@bp.get("/dashboard")
def dashboard() -> Response:
    db = get_db()
    event = event_or_404()
    return render(
        "admin/dashboard.html",
        event=event,
        counts=arrivals.counters(db, event),
        chart=arrivals_chart(arrivals.over_time(db, event)),
        chart_poll_seconds=CHART_POLL_SECONDS,
        bucket_minutes=arrivals.CHART_BUCKET_MINUTES,
        split=_split(db, event),
        **_lists(db, event),
    )


def _lists(db: Any, event: Event, stamp: str | None = None) -> dict[str, Any]:
    """The dashboard's tables: arrivals per kind of organisation and who is still missing."""
    # The stamp before the figures: a check-in in between is shown at the next poll.
    stamp = stamp or arrivals.stamp(db, event)
    counts = arrivals.counters(db, event)
    return {
        "by_type": arrivals.by_organisation_type(db, event),
        "missing": arrivals.not_arrived(db, event),
        "missing_count": counts["registered"] - counts["arrived"],
        "show_attendance": event.settings.get("format") == "hybrid",
        "stamp": stamp,
        "poll_seconds": COUNTER_POLL_SECONDS,
    }


@bp.get("/dashboard/lists")
def dashboard_lists() -> Response:
    """The dashboard's tables, polled like its counters: rendered only when someone arrived
    (or left, or was added) since the page's ``seen`` stamp; else 204 and nothing changes."""
    db = get_db()
    event = event_or_404()
    stamp = arrivals.stamp(db, event)
    if request.args.get("seen") == stamp:
        return Response(status=204)
    lists = _lists(db, event, stamp)
    return render("admin/_dashboard_lists.html", "admin/_dashboard_lists.html", **lists)


def _split(db: Any, event: Event) -> dict[str, int] | None:
    """On-site and online arrivals apart: at online and hybrid events, or once someone came
    online."""
    split = online.arrivals(db, event)
    shown = event.settings.get("format") != "on-site" or split["online"]
    return split if shown else None


@bp.get("/dashboard/hybrid")
def dashboard_hybrid() -> Response:
    db = get_db()
    event = event_or_404()
    return render(
        "admin/_dashboard_hybrid.html",
        "admin/_dashboard_hybrid.html",
        split=online.arrivals(db, event),
        poll_seconds=COUNTER_POLL_SECONDS,
    )


@bp.get("/dashboard/chart")
def dashboard_chart() -> Response:
    event = event_or_404()
    chart = arrivals_chart(arrivals.over_time(get_db(), event))
    return render(
        "admin/_dashboard_chart.html",
        "admin/_dashboard_chart.html",
        chart=chart,
        chart_poll_seconds=CHART_POLL_SECONDS,
        bucket_minutes=arrivals.CHART_BUCKET_MINUTES,
    )
