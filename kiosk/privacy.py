"""The event's privacy notice: who is responsible (the controller), and the text attendees
read, in German and in English.

The organiser enters the controller (name, postal address, e-mail) in the event's setup;
until then organiser pages warn, and attendee pages never show a placeholder: they name the
organising team and point to the desk instead.
"""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from kiosk import documents, events
from kiosk.events import Event

#: Longest privacy notice kept; longer text is cut.
MAX_NOTICE_LENGTH = 20_000
#: Languages the notice exists in; German is the one the organiser's text starts from.
LANGUAGES = ("de", "en")
#: Where the organiser's own text is stored, per language.
SETTING = {"de": "privacy_notice", "en": "privacy_notice_en"}
#: The controller, as the event's settings hold it.
CONTROLLER_FIELDS = ("controller_name", "controller_address", "controller_email")
#: A part older notices ask the organiser to fill in; replaced before attendees see it.
_PLACEHOLDER = re.compile(r"\[bitte eintragen[^\]]*\]")


# -- the controller --------------------------------------------------------------------------


def controller(event: Event) -> dict[str, str]:
    """The controller's name, address and e-mail as entered ('' where missing)."""
    return {key: str(event.settings.get(key) or "").strip() for key in CONTROLLER_FIELDS}


def controller_missing(event: Event) -> bool:
    """True until the organiser entered the controller's name, address and e-mail."""
    return not all(controller(event).values())


def _controller_text(event: Event, lang: str) -> str:
    found = controller(event)
    if controller_missing(event):
        if lang == "en":
            return "the organising team of the event; ask at the check-in desk for its address."
        return "das Orga-Team der Veranstaltung; die Anschrift erfahren Sie am Empfang."
    address = ", ".join(found["controller_address"].splitlines())
    mail = "e-mail" if lang == "en" else "E-Mail"
    return f"{found['controller_name']}, {address}, {mail}: {found['controller_email']}"


# -- the notice ------------------------------------------------------------------------------


def _day(event: Event, lang: str) -> str:
    if not event.date:
        return ""
    day = documents.format_date(event.date, lang)
    return f" on {day}" if lang == "en" else f" am {day}"


def default_notice(event: Event, lang: str = "de") -> str:
    """The notice made from the event (name, date, network, controller, retention)."""
    days = int(event.settings.get("retention_days") or 30)
    who = _controller_text(event, lang)
    when = _day(event, lang)
    offline = OFFLINE_LIST[lang if lang == "en" else "de"] if offline_list_on(event) else ""
    text = _DEFAULT_EN if lang == "en" else _DEFAULT_DE
    return text.format(
        name=event.name, when=when, network=event.network, who=who, days=days, offline=offline
    )


def offline_list_on(event: Event) -> bool:
    """True when the desks keep the event's names in their browsers (a desk setting)."""
    return bool(event.settings.get("desk_offline_list"))


#: The trade-off of the desks' offline list, in the notice while the organiser has it on.
OFFLINE_LIST = {
    "de": """
- Damit der Einlass weitergeht, wenn das WLAN ausfällt, halten die Check-in-Geräte (Desks) \
eine Liste mit Name, Organisation und Badge-Code aller Angemeldeten im Browser bereit – sonst \
nichts. Sie wird gelöscht, wenn ein Desk entfernt oder abgemeldet wird und wenn die Daten der \
Veranstaltung gelöscht werden. Ein verlorenes Gerät kann diese Liste enthalten.""",
    "en": """
- So that check-in goes on when the Wi-Fi fails, the check-in devices (desks) keep a list of \
every registered person's name, organisation and badge code in their browser – nothing else. \
It is deleted when a desk is removed or signed out and when the event's data is deleted. A lost \
device may hold this list.""",
}


def own_text(event: Event, lang: str = "de") -> str:
    """The organiser's own text in ``lang`` ('' while the default is used)."""
    return str(event.settings.get(SETTING.get(lang, SETTING["de"])) or "")


def notice(event: Event, lang: str = "de") -> str:
    """The notice attendees read in ``lang``: the organiser's text, else the default; a
    placeholder left in the organiser's text becomes the controller (or the team)."""
    lang = lang if lang in LANGUAGES else "de"
    text = own_text(event, lang) or default_notice(event, lang)
    return _PLACEHOLDER.sub(lambda _m: _controller_text(event, lang), text)


def needs_editing(event: Event) -> bool:
    """True while the notice cannot be complete: the controller is not entered yet."""
    return controller_missing(event)


def set_notice(db: Database, event: Event, text: str, lang: str = "de") -> Event:
    """Store the organiser's notice in ``lang``; the unchanged default (or nothing) keeps
    following the event."""
    text = "\n".join(line.rstrip() for line in str(text or "").splitlines()).strip()
    text = text[:MAX_NOTICE_LENGTH]
    if text == default_notice(event, lang).strip():
        text = ""
    return events.update_settings(db, event.id, {SETTING[lang]: text})


def notice_blocks(text: str) -> list[tuple[str, Any]]:
    """The notice as blocks to render safely: ("h", title), ("p", lines) or ("ul", items)."""
    blocks: list[tuple[str, Any]] = []
    # A blank line starts a new block even where two paragraphs or two lists follow each other.
    chunk_started = True
    for chunk in re.split(r"\n\s*\n", text.strip()):
        for line in (line.strip() for line in chunk.splitlines()):
            if not line:
                continue
            if line.startswith("#"):
                blocks.append(("h", line.lstrip("#").strip()))
                continue
            kind = "ul" if line[0] in "-*•" else "p"
            text = line[1:].strip() if kind == "ul" else line
            if blocks and blocks[-1][0] == kind and not chunk_started:
                blocks[-1][1].append(text)
            else:
                blocks.append((kind, [text]))
            chunk_started = False
        chunk_started = True
    return blocks


_DEFAULT_DE = """## Wer ist verantwortlich?
Verantwortlich für Ihre Daten bei „{name}“{when} (Netzwerk {network}) ist {who}

## Wofür wir Ihre Daten verwenden
- Anmeldung und Check-in: Name, Organisation, Projekt und Funktion stehen auf Ihrem \
Namensschild; beim Einlass wird Ihre Ankunft vermerkt.
- Auswertung für die Veranstalter und Fördergeber: wer teilgenommen hat und wie viele neue \
Kontakte entstanden sind.
- Nur mit Ihrer Einwilligung: Sie werden anderen Teilnehmenden als Gesprächspartner*in \
vorgeschlagen.
- Nur mit Ihrer Einwilligung: Wenn Sie Kontakte tauschen, sieht Ihr Gegenüber auch Ihre \
E-Mail-Adresse und Telefonnummer.
- Nur mit Ihrer Einwilligung: Nach der Veranstaltung schicken wir Ihnen Ihre \
Kontaktübersicht per E-Mail.

Rechtsgrundlage ist für Anmeldung und Check-in die Durchführung der Veranstaltung \
(Art. 6 Abs. 1 lit. b DSGVO), für Vorschläge und das Teilen von Kontaktdaten Ihre \
Einwilligung (Art. 6 Abs. 1 lit. a DSGVO).

## Was wir mit wem teilen
- Der QR-Code auf Ihrem Namensschild zeigt nur, was auf dem Schild steht.
- Wer mit Ihnen Kontakte tauscht, sieht Name, Organisation und Projekt; E-Mail und Telefon \
nur, wenn Sie zugestimmt haben.
- Ihre Notizen zu Kontakten sieht niemand außer Ihnen.
- Die Daten liegen auf dem Rechner des Orga-Teams oder auf einem Server, den es selbst \
betreibt. Sie werden nicht an Dritte weitergegeben und nicht in einer Cloud gespeichert. \
E-Mails, die wir Ihnen schicken, gehen über den Mail-Server des Orga-Teams.{offline}

## Wie lange wir Ihre Daten speichern
Spätestens {days} Tage nach der Veranstaltung werden die personenbezogenen Daten dieser \
Veranstaltung gelöscht. Ihre gespeicherten Kontakte können Sie vorher als vCard herunterladen.

## Ihre Rechte
Ihre Einwilligungen können Sie jederzeit auf Ihrer persönlichen Seite geben oder widerrufen; \
ein Widerruf wirkt sofort. Sie haben das Recht auf Auskunft, Berichtigung, Löschung, \
Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch. Wenden Sie sich dazu an \
das Orga-Team. Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde beschweren.
"""

_DEFAULT_EN = """## Who is responsible?
Responsible for your data at “{name}”{when} (network {network}) is {who}

## What we use your data for
- Registration and check-in: your name, organisation, project and role are on your badge; \
your arrival is noted at the entrance.
- Figures for the organisers and funders: who took part and how many new contacts formed.
- Only with your consent: you are suggested to other attendees as someone to talk to.
- Only with your consent: when you swap contacts, the other person also sees your e-mail \
address and phone number.
- Only with your consent: after the event we mail you the summary of your contacts.

The legal basis for registration and check-in is running the event (Art. 6(1)(b) GDPR); for \
suggestions and sharing contact details it is your consent (Art. 6(1)(a) GDPR).

## What we share with whom
- The QR code on your badge shows only what the badge prints.
- Whoever swaps contacts with you sees your name, organisation and project; your e-mail and \
phone only if you agreed.
- Nobody but you sees your notes on contacts.
- The data is kept on the organising team's computer or on a server the team runs itself. It \
is not passed on to third parties and not stored in a cloud. Mails we send you go through the \
organising team's mail server.{offline}

## How long we keep your data
The personal data of this event is deleted {days} days after the event at the latest. You can \
download your saved contacts as a vCard before then.

## Your rights
You can give or withdraw your consents at any time on your personal page; a withdrawal takes \
effect at once. You have the right of access, rectification, erasure, restriction of \
processing, data portability and to object. Please contact the organising team for this. You \
can also complain to a data protection supervisory authority.
"""
