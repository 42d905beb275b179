"""Desks: named check-in points, their one-time links, and what removing one does."""

from typing import Any

import pytest

from kiosk import desks
from kiosk.desks import DeskError


def test_desk_link_works_once(db: Any) -> None:
    desk = desks.add(db, "Eingang links", "desk")
    token = desks.new_link(db, desk["id"])
    assert desks.use_link(db, token)["name"] == "Eingang links"
    with pytest.raises(DeskError) as caught:
        desks.use_link(db, token)
    assert caught.value.code == "link_invalid"


def test_expired_desk_link_is_refused(db: Any) -> None:
    desk = desks.add(db, "Tablet", "self")
    token = desks.new_link(db, desk["id"])
    db.execute("UPDATE desks SET link_expires_at = '2000-01-01T00:00:00+00:00'")
    with pytest.raises(DeskError) as caught:
        desks.use_link(db, token)
    assert caught.value.code == "link_invalid"


def test_desk_needs_a_name_and_a_known_mode(db: Any) -> None:
    for name, mode in (("", "desk"), ("Eingang", "chef")):
        with pytest.raises(DeskError) as caught:
            desks.add(db, name, mode)
        assert caught.value.code == "desk_invalid"


def test_removed_desk_no_longer_exists_and_a_changed_mode_shows_at_once(db: Any) -> None:
    desk = desks.add(db, "Eingang", "desk")
    assert desks.current(db, desk["id"], "Eingang")["mode"] == "desk"
    desks.add(db, "Eingang", "self")  # the organiser turns it into a self tablet
    assert desks.current(db, desk["id"], "Eingang")["mode"] == "self"
    assert desks.current(db, desk["id"], "Ausgang") is None
    desks.remove(db, desk["id"])
    assert desks.current(db, desk["id"], "Eingang") is None
