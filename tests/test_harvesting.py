"""Contact harvesting: an attendee collecting the e-mails of everyone who shares them, without
meeting them. The attack, replayed: read the badge codes off one's suggestions ("Passt nicht"
brings the next), save each by `POST /b/CODE/save`, download the vCards."""

from __future__ import annotations

import re
from typing import Any

import vobject

from kiosk import attendees, contacts, events
from kiosk import db as kdb

#: People who share their details and one interest with the collector, each of another school.
VICTIMS = 36
#: The default limit on phone saves per attendee and hour.
LIMIT = events.DEFAULT_SETTINGS["contact_save_limit"]


def _person(db: Any, event: events.Event, first: str, org: str) -> dict[str, Any]:
    data = attendees.AttendeeData(
        first_name=first,
        last_name="Muster",
        email=f"{first.lower()}@schule.example",
        organisation=org,
        interests=["Inklusion"],
        consent_matchmaking=True,
        consent_share_contact=True,
    )
    return attendees.create(db, event, data, how="test")


def _vcard_emails(client: Any, secret: str) -> set[str]:
    text = client.get(f"/me/{secret}/contacts.vcf").get_data(as_text=True)
    if not text.strip():
        return set()
    return {c.email.value for c in vobject.readComponents(text) if hasattr(c, "email")}


def test_contact_harvesting_is_blocked(db, event, client, app) -> None:
    victims = [_person(db, event, f"Opfer{k:02d}", f"Schule {k}") for k in range(VICTIMS)]
    codes = {v["code"] for v in victims}

    # 0. The attack as found: with 36 codes and no limit, 36 saves give 36 vCards with e-mails.
    #    (An organiser may still allow that many; then only the codes stay hidden.)
    events.update_settings(db, event.id, {"contact_save_limit": events.MAX_CONTACT_SAVE_LIMIT})
    eve = _person(db, event, "Eve", "Alte-Lücke-AG")
    attacker = app.test_client()
    attacker.get(f"/me/{eve['secret']}")
    for code in sorted(codes):
        assert attacker.post(f"/b/{code}/save").status_code == 303
    assert len(_vcard_emails(attacker, eve["secret"])) == VICTIMS

    # From here on, the defaults: the event's limit, and codes never on a page.
    events.update_settings(db, event.id, {"contact_save_limit": LIMIT})
    mallory = _person(db, event, "Mallory", "Sammel-AG")
    client.get(f"/me/{mallory['secret']}")  # the phone now remembers Mallory

    # 1. Read badge codes off every page the collector sees, pressing "Passt nicht" for more.
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for _ in range(VICTIMS + 5):
        page = client.get(f"/me/{mallory['secret']}/suggestions").get_data(as_text=True)
        own = client.get(f"/me/{mallory['secret']}").get_data(as_text=True)
        seen_codes |= {c for c in re.findall(r"[0-9A-X]{20}", page + own) if c in codes}
        seen_names |= set(re.findall(r"Opfer\d\d Muster", page))
        action = re.search(r'action="(/me/[^"]+/suggestions/[^"]+)"', page)
        if not action:
            break
        client.post(action.group(1), data={"verdict": "not_a_fit"})
    assert len(seen_names) == VICTIMS  # the collector was shown everybody, one by one ...
    assert seen_codes == set()  # ... but never a badge code to save them by

    # A reference read off the page is the collector's own: it opens no badge, saves no one.
    ref = action.group(1).rsplit("/", 1)[1] if action else "x"
    assert client.post(f"/b/{ref}/save").status_code == 404

    # 2. Even with every code (photographed badges), saves stop at the event's limit per hour.
    saved = 0
    for code in sorted(codes):
        page = client.post(f"/b/{code}/save", follow_redirects=True).get_data(as_text=True)
        if "Kontakt gespeichert" in page:
            saved += 1
        else:
            assert "schon sehr viele Kontakte gespeichert" in page
    assert saved == LIMIT
    assert len(contacts.list_for(db, mallory["id"])) == LIMIT

    # 3. The vCards hold the limit's worth of addresses, not 36.
    emails = _vcard_emails(client, mallory["secret"])
    assert len(emails) == LIMIT
    assert "mallory@schule.example" not in emails and "eve@schule.example" not in emails

    # Every person saved sees who saved them; those not saved have no trace of Mallory.
    for victim in victims:
        page = client.get(f"/me/{victim['secret']}").get_data(as_text=True)
        own = page.split('id="contacts"')[1].split("</section>")[0]
        mine = {c["name"]: c for c in contacts.list_for(db, victim["id"])}
        assert mine["Eve Muster"]["saved_you"]
        assert re.search(r"Eve Muster <span[^>]*>hat Sie gespeichert", own)
        if "Mallory Muster" in mine:
            assert mine["Mallory Muster"]["saved_you"]
            assert re.search(r"Mallory Muster <span[^>]*>hat Sie gespeichert", own)
        else:
            assert "Mallory" not in own
    assert sum("Mallory Muster" in str(contacts.list_for(db, v["id"])) for v in victims) == LIMIT


def test_the_limit_counts_the_last_hour_and_saves_already_made(db, event, client) -> None:
    event = events.update_settings(db, event.id, {"contact_save_limit": 2})
    me = _person(db, event, "Ada", "A")
    others = [_person(db, event, f"P{k}", f"O{k}") for k in range(4)]
    for other in others[:2]:
        contacts.save(db, event, me["id"], other["id"])
    # Saving someone already saved again is no new save.
    assert contacts.save(db, event, me["id"], others[0]["id"]) is False
    try:
        contacts.save(db, event, me["id"], others[2]["id"])
    except contacts.ContactError as exc:
        assert exc.code == "too_many_saves"
    else:
        raise AssertionError("the third save in an hour went through")
    # Being saved by others does not use up one's own saves.
    contacts.save(db, event, others[3]["id"], me["id"])
    # An hour later the saves count no more.
    with kdb.transaction(db):
        db.execute("UPDATE contacts SET created_at = '2000-01-01T00:00:00.000+00:00'")
    assert contacts.save(db, event, me["id"], others[2]["id"]) is True
    # A desk swap is not a phone save and is not limited.
    assert contacts.swap(db, event, me["id"], others[1]["id"], how="desk") is False
