"""Breakout rooms from the latest table plan (routes on admin.bp): the room list to print or
copy for BigBlueButton or Jitsi moderators, and Zoom's pre-assignment CSV per round."""

from __future__ import annotations

from flask import Response, abort

from kiosk import matching
from kiosk.matching import rooms
from kiosk.web.blueprints import admin as bp
from kiosk.web.i18n import select_locale
from kiosk.web.pages import download, event_or_404, get_db, render


def _rounds() -> list[rooms.RoomRound]:
    db = get_db()
    plan = matching.latest_table_plan(db, event_or_404())
    if plan is None:
        abort(404)
    return rooms.room_rounds(db, plan, select_locale())


@bp.get("/rooms")
def room_list() -> Response:
    event = event_or_404()
    found = _rounds()
    return render(
        "admin/rooms.html",
        event=event,
        rounds=found,
        text=rooms.room_list_text(event, found, select_locale()),
        max_rooms=rooms.ZOOM_MAX_ROOMS,
        max_people=rooms.ZOOM_MAX_PEOPLE,
    )


@bp.get("/rooms/zoom-<int:round_no>.csv")
def zoom_rooms(round_no: int) -> Response:
    """Zoom's pre-assignment CSV of one round (header "Pre-assign Room Name,Email Address")."""
    event = event_or_404()
    found = _rounds()
    if not 1 <= round_no <= len(found):
        abort(404)
    text = rooms.zoom_export(get_db(), event, found[round_no - 1], who="organiser")
    return download(text.encode("utf-8"), f"zoom-raeume-runde-{round_no}.csv", "text/csv")
