"""The desk when the laptop was unreachable: a light ping, the replay of the scans it kept, and
the offline list (only when the organiser allows it)."""

from __future__ import annotations

from flask import Response, abort, jsonify, request

from kiosk import arrivals, desks, replay
from kiosk.web.blueprints import desk as bp
from kiosk.web.pages import COUNTER_POLL_SECONDS, event_or_404, get_db, render
from kiosk.web.roles import desk_name, self_check_in


@bp.get("/ping")
def ping() -> Response:
    """Whether the laptop answers: nothing read, nothing written, an empty answer."""
    return Response(status=204)


@bp.post("/replay")
def replay_scans() -> Response:
    """The scans this desk kept, replayed in order; the answer says what became of each."""
    event = event_or_404()
    body = request.get_json(silent=True) or {}
    scans = body.get("scans") if isinstance(body, dict) else None
    if not isinstance(scans, list):
        abort(400)
    try:
        report = replay.replay(get_db(), event, scans, desk=desk_name())
    except replay.ReplayError:
        busy = Response(status=429)
        busy.headers["Retry-After"] = str(replay.RETRY_AFTER_SECONDS)
        return busy
    counts = None if self_check_in() else arrivals.live_counters(get_db(), event)
    return render(
        "desk/_replay_report.html",
        "desk/_replay_report.html",
        report=report,
        self_mode=self_check_in(),
        oob_counts=counts,
        poll_seconds=COUNTER_POLL_SECONDS,
    )


@bp.get("/offline-list")
def offline_list() -> Response:
    """Names, organisations and badge codes for a desk to keep, when the organiser allows it;
    an empty list tells the desk to wipe what it kept."""
    event = event_or_404()
    people = [] if self_check_in() else desks.offline_list(get_db(), event)
    response = jsonify({"event": event.slug if people else "", "people": people})
    response.headers["Cache-Control"] = "no-store"
    return response
