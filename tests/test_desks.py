"""Desks: named check-in points, their one-time links, and what removing one does."""

from typing import Any

import pytest

from kiosk import desks, events
from kiosk.desks import DeskError


def test_desk_link_works_once(db: Any, event: Any) -> None:
    desk = desks.add(db, "Eingang links", "desk")
    token = desks.new_link(db, desk["id"])
    assert desks.use_link(db, token)["name"] == "Eingang links"
    with pytest.raises(DeskError) as caught:
        desks.use_link(db, token)
    assert caught.value.code == "link_invalid"


def test_expired_desk_link_is_refused(db: Any, event: Any) -> None:
    desk = desks.add(db, "Tablet", "self")
    token = desks.new_link(db, desk["id"])
    db.execute("UPDATE desks SET link_expires_at = '2000-01-01T00:00:00+00:00'")
    with pytest.raises(DeskError) as caught:
        desks.use_link(db, token)
    assert caught.value.code == "link_invalid"


def test_desk_needs_a_name_and_a_known_mode(db: Any, event: Any) -> None:
    for name, mode in (("", "desk"), ("Eingang", "chef")):
        with pytest.raises(DeskError) as caught:
            desks.add(db, name, mode)
        assert caught.value.code == "desk_invalid"


def test_removed_desk_no_longer_exists_and_a_changed_mode_shows_at_once(
    db: Any, event: Any
) -> None:
    desk = desks.add(db, "Eingang", "desk")
    assert desks.current(db, desk["id"], "Eingang")["mode"] == "desk"
    desks.add(db, "Eingang", "self")  # the organiser turns it into a self tablet
    assert desks.current(db, desk["id"], "Eingang")["mode"] == "self"
    assert desks.current(db, desk["id"], "Ausgang") is None
    desks.remove(db, desk["id"])
    assert desks.current(db, desk["id"], "Eingang") is None


def _desk_browser(app: Any, db: Any, name: str) -> tuple[dict[str, Any], Any]:
    desk = desks.add(db, name, "self")
    browser = app.test_client()
    assert browser.get(f"/desk/join/{desks.new_link(db, desk['id'])}").status_code == 302
    assert browser.get("/desk/self").status_code == 200
    return desk, browser


def test_a_removed_desk_is_not_revived_by_a_new_desk_of_the_same_name(
    app: Any, db: Any, event: Any
) -> None:
    old, old_tablet = _desk_browser(app, db, "Tablet")
    desks.remove(db, old["id"])
    new, new_tablet = _desk_browser(app, db, "Tablet")
    assert new["id"] != old["id"]  # ids are never given again
    assert "/login" in old_tablet.get("/desk/self").headers["Location"]
    assert new_tablet.get("/desk/self").status_code == 200


def test_a_desk_belongs_to_one_event(app: Any, db: Any, event: Any) -> None:
    _, tablet = _desk_browser(app, db, "Eingang")
    fair = events.create(db, "Ausbildungsmesse")  # now the current event
    assert [d["name"] for d in desks.for_event(db, fair)] == []
    assert [d["name"] for d in desks.for_event(db, event)] == ["Eingang"]
    # The other event's desk cannot check anyone in here.
    assert "/login" in tablet.get("/desk/self").headers["Location"]
    assert desks.add(db, "Eingang", "desk")["event_id"] == fair.id
