"""The invitation as an attendee receives it on a real SMTP server (loopback): when and where in
the text, the video link and "Ich bin dabei" only for who joins online, the place for who comes,
and a calendar entry every calendar reads (times in UTC, no TZID without its VTIMEZONE)."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest

from kiosk import attendees, events, mail

SECRET = "invitation-test"
BASE_URL = "https://kiosk.example.org"
PLACE = "Rathaus Kassel, Bürgersaal"
VIDEO = "https://meet.example.org/netzwerk"
DAY = "2026-12-03"  # a Thursday


def _event(db, shape: str, *, times: bool = True, video: str = VIDEO, network: str = ""):
    event = events.create(db, f"Netzwerktreffen {shape}", event_date=DAY, network=network)
    settings = {"format": shape, "place": PLACE, "video_url": video}
    if times:
        settings |= {"start_time": "14:00", "end_time": "16:30"}
    return events.update_settings(db, event.id, settings)


def _invite(db, event, smtp, people: dict[str, str], lang: str = "de") -> dict[str, tuple]:
    """Send the invitations to ``people`` ({first name: attendance}); {first name: (body,
    calendar text or None)} as received."""
    for first, attendance in people.items():
        data = attendees.AttendeeData(
            first_name=first, email=f"{first.lower()}@example.org", attendance=attendance
        )
        attendees.create(db, event, data, how="test")
    form = {"host": "127.0.0.1", "port": smtp.port, "security": "none", "rate": "1000"}
    mail.save_settings(db, event.id, {**form, "sender": "orga@example.org"}, secret=SECRET)
    event = events.get(db, event.id)
    mail.send_out(db, event, "link", secret=SECRET, base_url=BASE_URL, lang=lang)
    out = {}
    for message in smtp.sink.messages():
        first = message["To"].addresses[0].addr_spec.split("@")[0].capitalize()
        body = message.get_body(("plain",)).get_content()
        entries = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        out[first] = (body, entries[0].get_content() if entries else None)
    return out


def _vevent(calendar_text: str):
    return icalendar.Calendar.from_ical(calendar_text).walk("VEVENT")[0]


def test_on_site_invitation_says_when_and_where(db, smtp_server) -> None:
    event = _event(db, "on-site")
    body, entry = _invite(db, event, smtp_server, {"Vera": ""})["Vera"]
    assert "Wann: Donnerstag, 03.12.2026, 14:00–16:30 Uhr" in body
    assert f"Wo: {PLACE}" in body
    assert "Den Termin für Ihren Kalender finden Sie im Anhang." in body
    assert VIDEO not in body and "Ich bin dabei" not in body
    # When and where come before what the page offers, next to the link.
    assert body.index("Wann:") < body.index("Auf Ihrer persönlichen Seite")
    vevent = _vevent(entry)
    assert str(vevent["LOCATION"]) == PLACE and "URL" not in vevent
    assert "DTSTART:" in entry and "TZID" not in entry  # UTC: readable without a VTIMEZONE
    start, end = vevent["DTSTART"].dt.astimezone(), vevent["DTEND"].dt.astimezone()
    assert (start.date(), start.strftime("%H:%M"), end.strftime("%H:%M")) == (
        date.fromisoformat(DAY),
        "14:00",
        "16:30",
    )
    # An event without a network of its own does not print its slug as the network.
    assert "Netzwerk:" not in str(vevent["DESCRIPTION"])


def test_online_invitation_has_the_video_link_and_ich_bin_dabei(db, smtp_server) -> None:
    event = _event(db, "online", network="Schule-Wirtschaft Landkreis")
    body, entry = _invite(db, event, smtp_server, {"Olaf": ""})["Olaf"]
    assert f"Wo: online, in der Videokonferenz: {VIDEO}" in body
    assert "„Ich bin dabei“" in body and PLACE not in body
    assert body.index(VIDEO) < body.index("Bitte leiten Sie diese E-Mail nicht weiter")
    vevent = _vevent(entry)
    assert str(vevent["LOCATION"]) == VIDEO and str(vevent["URL"]) == VIDEO
    description = str(vevent["DESCRIPTION"])
    assert "Netzwerk: Schule-Wirtschaft Landkreis" in description and VIDEO in description


def test_hybrid_invitations_differ_by_how_one_takes_part(db, smtp_server) -> None:
    event = _event(db, "hybrid")
    got = _invite(db, event, smtp_server, {"Vera": "vor Ort", "Olaf": "online"})
    vera, olaf = got["Vera"][0], got["Olaf"][0]
    assert f"Wo: {PLACE}" in vera and VIDEO not in vera and "Ich bin dabei" not in vera
    assert VIDEO in olaf and PLACE not in olaf and "Ich bin dabei" in olaf
    assert str(_vevent(got["Vera"][1])["LOCATION"]) == PLACE
    assert str(_vevent(got["Olaf"][1])["LOCATION"]) == VIDEO


def test_english_invitation(db, smtp_server) -> None:
    event = _event(db, "hybrid")
    body, _entry = _invite(db, event, smtp_server, {"Olaf": "online"}, lang="en")["Olaf"]
    assert "When: Thursday, 3 December 2026, 14:00–16:30" in body
    assert f"Where: online, in the video conference: {VIDEO}" in body
    assert "“I'm here”" in body and "The calendar entry is attached." in body


@pytest.mark.parametrize("lang", ["de", "en"])
def test_without_times_no_calendar_and_the_date_in_the_first_line(db, smtp_server, lang) -> None:
    event = _event(db, "online", times=False, video="")
    body, entry = _invite(db, event, smtp_server, {"Olaf": ""}, lang=lang)["Olaf"]
    assert entry is None
    if lang == "de":
        assert "„Netzwerktreffen online“ am Donnerstag, 03.12.2026:" in body
        assert "Wann:" not in body and "Kalender" not in body
        assert "den Link zur Videokonferenz schicken wir Ihnen noch" in body
    else:
        assert "“Netzwerktreffen online” on Thursday, 3 December 2026:" in body
        assert "we will send you the video conference link" in body


def test_mail_page_says_what_the_invitation_lacks_while_invitations_are_due(organiser, db) -> None:
    event = _event(db, "hybrid", times=False, video="")
    events.update_settings(db, event.id, {"place": ""})
    olaf = attendees.AttendeeData(first_name="Olaf", email="o@example.org")
    attendees.create(db, event, olaf, how="test")
    page = organiser.get("/admin/mail").get_data(as_text=True)
    gaps = page.split('id="invitation-gaps"', 1)[1].split("</div>", 1)[0]
    assert "ohne Kalendereintrag" in gaps
    assert "Videokonferenz-Link für alle, die online teilnehmen, fehlt" in gaps
    assert "Der Ort für alle, die vor Ort teilnehmen, fehlt" in gaps
    assert f"/admin/events/{event.id}/edit" in gaps
    settings = {"start_time": "14:00", "video_url": VIDEO, "place": PLACE}
    events.update_settings(db, event.id, settings)
    assert 'id="invitation-gaps"' not in organiser.get("/admin/mail").get_data(as_text=True)
    # An on-site event's private-link mail needs none of it.
    events.update_settings(db, event.id, {"format": "on-site", "start_time": "", "place": ""})
    assert 'id="invitation-gaps"' not in organiser.get("/admin/mail").get_data(as_text=True)
