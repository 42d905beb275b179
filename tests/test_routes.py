"""The route inventory: every URL rule has a class (public, attendee, self check-in, desk,
organiser), and each class turns away every visitor it does not admit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kiosk import access, attendees, desks, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData
from kiosk.web import roles

from conftest import ORGANISER_PASSWORD

VISITORS = ("stranger", "attendee", "self", "desk", "organiser")
#: Who each class admits (the attendee only with their own private link or its cookie).
ADMITTED = {
    roles.PUBLIC: set(VISITORS),
    roles.ATTENDEE: {"attendee"},
    roles.SELF_CHECK_IN: {"self", "desk", "organiser"},
    roles.STAFFED_DESK: {"desk", "organiser"},
    roles.ORGANISER_ONLY: {"organiser"},
}
#: A private link nobody has.
UNKNOWN_SECRET = "Zz9" * 8


def test_every_route_has_a_class(app: Any) -> None:
    unclassified = sorted(
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if roles.route_class(rule.endpoint) not in roles.ROUTE_CLASSES
    )
    assert unclassified == [], "classify these in kiosk/web/roles.py: ENDPOINT_CLASSES"


def test_a_route_without_a_class_is_noticed() -> None:
    assert roles.route_class("me.something_new") is None
    assert roles.route_class("admin.something_new") == roles.ORGANISER_ONLY


@pytest.fixture
def world(app: Any, db: Any) -> dict[str, Any]:
    """An event with two attendees and one browser for each kind of visitor."""
    event = events.create(db, "Netzwerkbrunch")
    anna = attendees.create(db, event, AttendeeData(first_name="Anna", last_name="A"), how="t")
    bert = attendees.create(db, event, AttendeeData(first_name="Bert", last_name="B"), how="t")
    access.set_password(db, ORGANISER_PASSWORD)
    browsers = {name: app.test_client() for name in VISITORS}
    assert browsers["attendee"].get(f"/me/{anna['secret']}").status_code == 200
    for name, mode in (("self", desks.SELF), ("desk", desks.DESK)):
        desk = desks.add(db, f"Eingang {name}", mode, event=event)
        joined = browsers[name].get(f"/desk/join/{desks.new_link(db, desk['id'])}")
        assert joined.status_code == 302
    signed_in = browsers["organiser"].post("/login", data={"password": ORGANISER_PASSWORD})
    assert signed_in.status_code == 303
    return {"event": event, "anna": anna, "bert": bert, "browsers": browsers}


def url_for_rule(rule: Any, world: dict[str, Any], secret: str) -> str:
    """The rule's URL with values that exist where an id or a code is asked for."""
    values = {
        "attendee_id": world["bert"]["id"],
        "contact_id": 1,
        "event_id": world["event"].id,
        "desk_id": 1,
        "round_no": 1,
        "log_id": 1,
        "request_id": 1,
        "batch": "b1",
        "ref": "r" * 16,
        "code": world["bert"]["code"] if "/b/" in rule.rule.lower() else "en",
        "secret": secret,
        "slug": world["event"].slug,
        "kind": "attendees",
        "job_id": "job",
        "token": "x" * 32,
        "filename": "css/desk.css",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def refused(response: Any, route: str) -> bool:
    """Turned away: forbidden, sent to sign in, not found (a private link nobody has), or
    throttled; a saved contact needs the saver's own page first."""
    location = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    if response.status_code in (403, 404, 429):
        return True
    if response.status_code in (302, 303) and "/login" in location:
        return True
    return route == "me.save" and response.status_code == 303 and "/b/" in location


def test_each_class_refuses_the_visitors_it_does_not_admit(
    app: Any, db: Any, world: dict[str, Any]
) -> None:
    browsers = world["browsers"]
    checked = 0
    for rule in app.url_map.iter_rules():
        route = roles.route_class(rule.endpoint)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for visitor in VISITORS:
            if visitor in ADMITTED[route]:
                continue
            path = url_for_rule(rule, world, UNKNOWN_SECRET)
            for method in methods:
                app.extensions["kiosk.guess_throttle"].clear()
                response = browsers[visitor].open(path, method=method, headers={"HX-Request": "1"})
                assert refused(response, rule.endpoint), (visitor, method, path, response.status)
                assert response.status_code < 500
                checked += 1
    assert checked > 200
    # Nothing was changed by those who were turned away.
    assert kdb.rows(db, "SELECT * FROM contacts") == []
    assert {a["status"] for a in attendees.list_for_event(db, world["event"].id)} == {"registered"}
    assert len(desks.for_event(db, world["event"])) == 2


def test_each_class_admits_its_own_visitors(app: Any, world: dict[str, Any]) -> None:
    browsers = world["browsers"]
    for rule in app.url_map.iter_rules():
        route = roles.route_class(rule.endpoint)
        if "GET" not in rule.methods or route == roles.PUBLIC:
            continue
        for visitor in ADMITTED[route]:
            path = url_for_rule(rule, world, world["anna"]["secret"])
            response = browsers[visitor].get(path)
            location = response.headers.get("Location", "")
            assert response.status_code != 403 and "/login" not in location, (visitor, path)
            assert response.status_code < 500, (visitor, path, response.status)
