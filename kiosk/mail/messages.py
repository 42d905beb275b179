"""The mails themselves: the test mail, the private link, the contact summary, and previews.

Plain text, UTF-8, in German or English. Every value that comes from a person (names, the
event's name, file names) is cleaned of control characters before it goes into a header, so a
name with a line break cannot add a header; addresses are built with ``email.headerregistry``,
which quotes and encodes display names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, ics, links
from kiosk.attendees import valid_email
from kiosk.events import Event
from kiosk.mail.errors import MailError
from kiosk.mail.recipients import check_kind
from kiosk.mail.settings import LANGUAGES, MailSettings
from kiosk.text import clean

#: One attachment: file name, MIME type ("application/pdf"), content.
Attachment = tuple[str, str, bytes]
#: What gives an attendee's attachments (the contact summary's PDF and vCard).
AttachmentsFor = Callable[[dict[str, Any]], list[Attachment]]

#: Longest subject and file name put into a header.
MAX_SUBJECT_LENGTH = 200
MAX_FILENAME_LENGTH = 120
#: The From address of a preview made before a sender is set (it is not shown).
PREVIEW_SENDER = "absender@example.org"

_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

_WEEKDAYS_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
_WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "greeting": "Guten Tag {name},",
        "greeting_anonymous": "Guten Tag,",
        "regards": "Viele Grüße",
        "on_date": " am {date}",
        "test_subject": "Testmail von kiosk: {event}",
        "test_body": (
            "diese Testmail zeigt, dass die Mail-Einstellungen für „{event}“ funktionieren.\n\n"
            "Server: {host}:{port} ({security})\nAbsender: {sender}\n\n"
            "Sie müssen nichts weiter tun."
        ),
        "link_subject": "Ihr persönlicher Link zu {event}",
        "link_body": (
            "hier ist Ihr persönlicher Link zu „{event}“{when}:\n\n{link}\n\n"
            "{details}"
            "Auf Ihrer persönlichen Seite können Sie\n"
            "- Vorschläge sehen, wen Sie kennenlernen sollten: Menschen aus anderen Projekten, "
            "mit denen Sie Themen teilen,\n"
            "- andere Teilnehmende um ihren Kontakt bitten („Kontakt anfragen“),\n"
            "- Ihre Kontakte von der Veranstaltung ansehen und als vCard speichern,\n"
            "- Ihre Einwilligungen einsehen und ändern: ob Sie anderen vorgeschlagen werden und "
            "ob Sie Ihre Kontaktdaten mit Menschen teilen, mit denen Sie Kontakte tauschen.\n\n"
            "Der Link ist nur für Sie. Bitte leiten Sie diese E-Mail nicht weiter: Wer den Link "
            "hat, sieht Ihre Seite und Ihre Kontakte."
        ),
        "time": "Wann: {date}, {start}{end} Uhr",
        "place": "Wo: {place}",
        "video": "Wo: online, in der Videokonferenz: {link}",
        "online_no_video": "Wo: online (den Link zur Videokonferenz schicken wir Ihnen noch)",
        "calendar": "Den Termin für Ihren Kalender finden Sie im Anhang.",
        "checkin_online": (
            "Wenn es losgeht, tippen Sie auf Ihrer persönlichen Seite auf „Ich bin dabei“: "
            "So weiß das Orga-Team, dass Sie online teilnehmen."
        ),
        "summary_subject": "Ihre Kontakte von {event}",
        "summary_body": (
            "vielen Dank für Ihre Teilnahme an „{event}“{when}. Ihre Kontakte von der "
            "Veranstaltung finden Sie auf Ihrer persönlichen Seite:\n\n{link}\n\n"
            "{attached}"
            "Der Link ist nur für Sie. Bitte leiten Sie diese E-Mail nicht weiter.\n\n"
            "Spätestens {days} Tage nach der Veranstaltung werden die personenbezogenen Daten "
            "der Veranstaltung gelöscht; speichern Sie Ihre Kontakte bis dahin."
        ),
        "attached": "Im Anhang:\n{files}\n\n",
    },
    "en": {
        "greeting": "Hello {name},",
        "greeting_anonymous": "Hello,",
        "regards": "Best regards",
        "on_date": " on {date}",
        "test_subject": "Test mail from kiosk: {event}",
        "test_body": (
            "this test mail shows that the mail settings for “{event}” work.\n\n"
            "Server: {host}:{port} ({security})\nSender: {sender}\n\n"
            "There is nothing else to do."
        ),
        "link_subject": "Your personal link for {event}",
        "link_body": (
            "here is your personal link for “{event}”{when}:\n\n{link}\n\n"
            "{details}"
            "On your personal page you can\n"
            "- see suggestions whom to meet: people from other projects who share topics "
            "with you,\n"
            "- ask other attendees for their contact (“Ask for contact”),\n"
            "- see the contacts you made at the event and save them as vCards,\n"
            "- see and change your consents: whether you are suggested to others and whether "
            "you share your contact details with people you swap contacts with.\n\n"
            "The link is yours alone. Please do not forward this e-mail: whoever has the link "
            "sees your page and your contacts."
        ),
        "time": "When: {date}, {start}{end}",
        "place": "Where: {place}",
        "video": "Where: online, in the video conference: {link}",
        "online_no_video": "Where: online (we will send you the video conference link)",
        "calendar": "The calendar entry is attached.",
        "checkin_online": (
            "When it begins, tap “I'm here” on your personal page: so the organisers know "
            "you are taking part online."
        ),
        "summary_subject": "Your contacts from {event}",
        "summary_body": (
            "thank you for taking part in “{event}”{when}. Your contacts from the event are on "
            "your personal page:\n\n{link}\n\n"
            "{attached}"
            "The link is yours alone. Please do not forward this e-mail.\n\n"
            "The event's personal data will be deleted {days} days after the event at the "
            "latest; please save your contacts before then."
        ),
        "attached": "Attached:\n{files}\n\n",
    },
}


@dataclass(frozen=True)
class MailPreview:
    """What one mail would be, without sending it."""

    kind: str
    to: str
    subject: str
    body: str
    attachments: list[str] = field(default_factory=list)


def texts(lang: str) -> dict[str, str]:
    """The texts of one language; ``bad_language`` for another."""
    if lang not in LANGUAGES:
        raise MailError("bad_language", f"Mail language: one of {', '.join(LANGUAGES)}.")
    return TEXTS[lang]


def header_text(value: object, max_length: int = MAX_SUBJECT_LENGTH) -> str:
    """A value made safe for a header: no line breaks or control characters, trimmed."""
    return clean(value, max_length=max_length)


def sender_address(settings: MailSettings) -> Address:
    """The From address: the sender's display name and address."""
    return _address(settings.sender_name, settings.sender)


def recipient_address(attendee: dict[str, Any]) -> Address:
    """The To address of an attendee: their name and e-mail; ``bad_address`` if unusable."""
    name = attendee.get("name") or " ".join(
        p for p in (attendee.get("first_name"), attendee.get("last_name")) if p
    )
    return _address(name, attendee.get("email") or "")


def _address(name: object, address: str) -> Address:
    address = address.strip()
    if not valid_email(address):
        raise MailError("bad_address", "Not an e-mail address.")
    try:
        return Address(display_name=header_text(name, 100), addr_spec=address)
    except (ValueError, IndexError, TypeError) as exc:
        raise MailError("bad_address", "Not an e-mail address.") from exc


def _when(event: Event, lang: str) -> str:
    if not event.date:
        return ""
    return TEXTS[lang]["on_date"].format(date=_date_text(event.date, lang))


def _date_text(iso: str, lang: str) -> str:
    """A date as a letter writes it, with its weekday: "Donnerstag, 03.12.2026"."""
    day = date.fromisoformat(iso)
    if lang == "de":
        return f"{_WEEKDAYS_DE[day.weekday()]}, {day.day:02d}.{day.month:02d}.{day.year}"
    return f"{_WEEKDAYS_EN[day.weekday()]}, {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def _message(settings: MailSettings, to: Address, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender_address(settings)
    message["To"] = to
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    # Sent by a program: out-of-office replies should not answer it (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the body 7-bit for any server and the link readable in the source.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _letter(lang: str, name: str, text: str, settings: MailSettings) -> str:
    t = TEXTS[lang]
    name = clean(name, max_length=200)
    greeting = t["greeting"].format(name=name) if name else t["greeting_anonymous"]
    signature = "\n".join(p for p in (t["regards"], clean(settings.sender_name)) if p)
    return f"{greeting}\n\n{text}\n\n{signature}\n"


def organiser_test_message(
    event: Event, settings: MailSettings, to: str, *, lang: str
) -> EmailMessage:
    """The test mail to the organiser: the settings work (server, port, sender named)."""
    t = texts(lang)
    address = _address("", to)
    body = t["test_body"].format(
        event=clean(event.name),
        host=settings.host,
        port=settings.port,
        security=settings.security,
        sender=settings.sender,
    )
    subject = t["test_subject"].format(event=event.name)
    return _message(settings, address, subject, _letter(lang, "", body, settings))


def link_message(
    event: Event, settings: MailSettings, attendee: dict[str, Any], *, base_url: str, lang: str
) -> EmailMessage:
    """The mail with the attendee's private link: what the page offers, not to be forwarded."""
    t = texts(lang)
    details = "\n".join(_details(event, attendee, lang))
    body = t["link_body"].format(
        event=clean(event.name),
        when="" if ics.has_time(event) else _when(event, lang),
        link=links.private_link(base_url, attendee),
        details=details + "\n\n" if details else "",
    )
    subject = t["link_subject"].format(event=event.name)
    message = _message(
        settings,
        recipient_address(attendee),
        subject,
        _letter(lang, attendee.get("name", ""), body, settings),
    )
    if ics.has_time(event):  # an invitation: the calendar entry comes along
        entry = ics.calendar(
            event,
            online=ics.online(event, attendee),
            link=links.private_link(base_url, attendee),
            lang=lang,
        )
        message.add_attachment(
            entry,
            maintype="text",
            subtype="calendar",
            filename=f"{_file_stem(event.name)}.ics",
            params={"charset": "utf-8", "method": "PUBLISH"},
        )
    return message


def invitation_gaps(event: Event) -> list[str]:
    """What the invitation to an online or hybrid event cannot say yet: "no_time" (no date
    or start: no calendar entry), "no_video" (no video link), "no_place" (hybrid, no place).
    Nothing for an on-site event: its private-link mail needs none of them."""
    shape = event.settings.get("format") or "on-site"
    if shape == "on-site":
        return []
    gaps = [] if ics.has_time(event) else ["no_time"]
    if shape != "on-site" and not event.settings.get("video_url"):
        gaps.append("no_video")
    if shape != "online" and not event.settings.get("place"):
        gaps.append("no_place")
    return gaps


def _details(event: Event, attendee: dict[str, Any], lang: str) -> list[str]:
    """When and where, as an invitation says it: the place for who comes, the video link
    only for who joins online (and how to say one is there)."""
    t = TEXTS[lang]
    lines = []
    if ics.has_time(event):
        end = event.settings.get("end_time") or ""
        lines.append(
            t["time"].format(
                date=_date_text(event.date, lang),
                start=event.settings["start_time"],
                end=f"–{end}" if end else "",
            )
        )
    joins_online = ics.online(event, attendee)
    video = event.settings.get("video_url") or ""
    place = clean(event.settings.get("place") or "")
    if joins_online:
        lines.append(t["video"].format(link=video) if video else t["online_no_video"])
    elif place:
        lines.append(t["place"].format(place=place))
    if ics.has_time(event):
        lines.append(t["calendar"])
    if joins_online:
        lines.append("\n" + t["checkin_online"])
    return lines


def _file_stem(name: str) -> str:
    """A plain file name from an event's name."""
    return re.sub(r"[^\w.-]+", "-", clean(name), flags=re.UNICODE).strip("-")[:60] or "event"


def summary_message(
    event: Event,
    settings: MailSettings,
    attendee: dict[str, Any],
    *,
    base_url: str,
    lang: str,
    attachments: AttachmentsFor | None = None,
) -> EmailMessage:
    """The contact summary after the event: the link again, the attendee's files attached."""
    t = texts(lang)
    files = [_attachment(*item) for item in (attachments(attendee) if attachments else [])]
    attached = (
        t["attached"].format(files="\n".join(f"- {name}" for name, _, _ in files)) if files else ""
    )
    body = t["summary_body"].format(
        event=clean(event.name),
        when=_when(event, lang),
        link=links.private_link(base_url, attendee),
        attached=attached,
        days=int(event.settings.get("retention_days") or 30),
    )
    subject = t["summary_subject"].format(event=event.name)
    message = _message(
        settings,
        recipient_address(attendee),
        subject,
        _letter(lang, attendee.get("name", ""), body, settings),
    )
    for name, mimetype, content in files:
        maintype, _, subtype = mimetype.partition("/")
        # Text files (a vCard) are UTF-8: said so, or a mail program reads them as ASCII.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=name, params=params
        )
    return message


def _attachment(name: str, mimetype: str, content: bytes | str) -> Attachment:
    """An attachment made safe: a plain file name, a valid type, bytes."""
    safe_name = header_text(re.sub(r"[\\/]+", "_", name), MAX_FILENAME_LENGTH) or "attachment"
    mimetype = mimetype.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", mimetype):
        mimetype = "application/octet-stream"
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    return safe_name, mimetype, data


def compose(
    kind: str,
    event: Event,
    settings: MailSettings,
    attendee: dict[str, Any],
    *,
    base_url: str,
    lang: str,
    attachments: AttachmentsFor | None = None,
) -> EmailMessage:
    """The mail of ``kind`` ("link" or "summary") to one attendee."""
    if check_kind(kind) == "link":
        return link_message(event, settings, attendee, base_url=base_url, lang=lang)
    return summary_message(
        event, settings, attendee, base_url=base_url, lang=lang, attachments=attachments
    )


def preview(
    db: Database,
    event: Event,
    attendee_id: int,
    kind: str,
    *,
    base_url: str,
    lang: str | None = None,
    attachments: AttachmentsFor | None = None,
) -> MailPreview:
    """What the mail of ``kind`` to one attendee of ``event`` would be; nothing is sent."""
    try:
        attendee = attendees.in_event(db, event.id, attendee_id)
    except attendees.AttendeeError as exc:
        raise MailError("not_found", "No such attendee in this event.") from exc
    settings = MailSettings.from_event(event)
    lang = lang or settings.lang
    if not settings.sender:  # before the settings are complete the preview still shows the text
        settings = MailSettings(sender=PREVIEW_SENDER, sender_name=settings.sender_name)
    message = compose(
        kind, event, settings, attendee, base_url=base_url, lang=lang, attachments=attachments
    )
    return read_back(kind, message)


def read_back(kind: str, message: EmailMessage) -> MailPreview:
    """A message as the preview shows it: To, Subject, the text, the attachments' names."""
    body = message.get_body(("plain",))
    return MailPreview(
        kind=kind,
        to=str(message["To"]),
        subject=str(message["Subject"]),
        body=body.get_content() if body is not None else "",
        attachments=[part.get_filename() or "" for part in message.iter_attachments()],
    )
