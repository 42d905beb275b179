"""Who may see an attendee's private link: a desk only for whom it just checked in itself, a self
check-in tablet never; a new link can be issued (the old one dies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_desk import HX, desk_client, outcome

from kiosk import attendees, checkin, events
from kiosk.attendees import AttendeeData


@pytest.fixture
def anna(db: Any, event: events.Event) -> dict[str, Any]:
    return attendees.create(
        db, event, AttendeeData(first_name="Anna", last_name="Müller"), how="test"
    )


@pytest.fixture
def desk(app: Any, db: Any, event: events.Event) -> Any:
    return desk_client(app, db, "Eingang 1")


def secret_of(db: Any, attendee: dict[str, Any]) -> str:
    return attendees.get(db, attendee["id"])["secret"]


def leaks(response: Any, secret: str) -> bool:
    return secret in response.get_data(as_text=True)


def test_a_desk_cannot_read_the_private_link_of_someone_it_did_not_check_in(
    desk: Any, db: Any, anna: Any
) -> None:
    secret = secret_of(db, anna)
    card = desk.get(f"/desk/attendee/{anna['id']}", headers=HX)
    assert outcome(card) == "show" and not leaks(card, secret)
    assert desk.get(f"/desk/attendee/{anna['id']}/qr.svg").status_code == 404
    consent = desk.post(f"/desk/attendee/{anna['id']}/consent", data={"given": "yes"}, headers=HX)
    assert outcome(consent) == "consent" and not leaks(consent, secret)


def test_nor_of_someone_another_desk_checked_in(
    app: Any, desk: Any, db: Any, event: events.Event, anna: Any
) -> None:
    other = desk_client(app, db, "Eingang 2")
    assert outcome(other.post("/desk/scan", data={"code": anna["code"]}, headers=HX)) == "welcome"
    card = desk.get(f"/desk/attendee/{anna['id']}", headers=HX)
    assert not leaks(card, secret_of(db, anna))
    assert desk.get(f"/desk/attendee/{anna['id']}/qr.svg").status_code == 404


def test_the_desk_that_checked_someone_in_shows_the_qr_again_for_a_few_minutes(
    desk: Any, db: Any, event: events.Event, anna: Any
) -> None:
    secret = secret_of(db, anna)
    assert leaks(desk.post("/desk/scan", data={"code": anna["code"]}, headers=HX), secret)
    assert leaks(desk.get(f"/desk/attendee/{anna['id']}", headers=HX), secret)
    assert desk.get(f"/desk/attendee/{anna['id']}/qr.svg").status_code == 200
    later = datetime.now(UTC) - timedelta(minutes=checkin.PRIVATE_QR_MINUTES + 1)
    db.execute(
        "UPDATE attendees SET checked_in_at = ? WHERE id = ?",
        [later.isoformat(timespec="milliseconds"), anna["id"]],
    )
    assert not leaks(desk.get(f"/desk/attendee/{anna['id']}", headers=HX), secret)
    assert desk.get(f"/desk/attendee/{anna['id']}/qr.svg").status_code == 404


def test_a_self_check_in_tablet_never_shows_a_private_link(
    app: Any, db: Any, event: events.Event, anna: Any
) -> None:
    tablet = desk_client(app, db, "Tablet Tür", "self")
    first = tablet.post("/desk/self/scan", data={"code": anna["code"]}, headers=HX)
    assert outcome(first) == "welcome"
    assert "data-qr" not in first.get_data(as_text=True)
    assert not leaks(first, secret_of(db, anna))
    page = tablet.get("/desk/self")
    assert not leaks(page, secret_of(db, anna))


def test_the_organiser_issues_a_new_private_link_and_the_old_one_dies(
    organiser: Any, client: Any, db: Any, anna: Any
) -> None:
    old = secret_of(db, anna)
    assert client.get(f"/me/{old}").status_code == 200
    response = organiser.post(f"/admin/attendees/{anna['id']}/private-link")
    assert response.status_code == 303
    new = secret_of(db, anna)
    assert new != old
    assert client.get(f"/me/{old}").status_code == 404
    assert client.get(f"/me/{new}").status_code == 200
    page = organiser.get(f"/admin/attendees/{anna['id']}").get_data(as_text=True)
    assert f"/me/{new}" in page and "Neuen persönlichen Link erzeugen" in page


def test_the_attendee_issues_a_new_private_link_from_the_own_page(
    app: Any, db: Any, anna: Any
) -> None:
    phone = app.test_client()
    old = secret_of(db, anna)
    assert "Neuen Link erzeugen" in phone.get(f"/me/{old}").get_data(as_text=True)
    response = phone.post(f"/me/{old}/new-link")
    new = secret_of(db, anna)
    assert response.status_code == 303 and response.location.endswith(f"/me/{new}")
    assert new != old
    assert app.test_client().get(f"/me/{old}").status_code == 404
    assert phone.get(f"/me/{new}").status_code == 200
    history = [e["action"] for e in attendees.history(db, anna["id"])]
    assert history.count("private_link_renewed") == 1
