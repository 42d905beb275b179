"""Column mapping: which attendee field each column fills, guessed from its header."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kiosk import attendees
from kiosk.importing.errors import ImportRefused
from kiosk.text import fold

# -- the column table ---------------------------------------------------------------------------

#: Where a column can go: the attendee fields, the two consents, the registration status, the
#: extra values kept as given (``AttendeeData.extra``), or nowhere.
TARGETS = (
    *attendees.TEXT_FIELDS[:2],
    "name",
    *attendees.TEXT_FIELDS[2:],
    *attendees.LIST_FIELDS,
    *(f"consent_{c}" for c in attendees.CONSENTS),
    "status",
    "cancelled",
    "extra",
    "ignore",
)
NAME_TARGETS = ("first_name", "last_name", "name")
CONSENT_TARGETS = ("consent_matchmaking", "consent_share_contact")
#: Targets several columns may feed: names are joined (First + Middle Name), lists are merged,
#: e-mail and phone take the first filled column (Outlook's Primary/Mobile/Business Phone).
JOINED_TARGETS = frozenset({"first_name", "last_name", "name"})
MULTI_TARGETS = frozenset(
    {"first_name", "interests", "offers", "seeks", "email", "phone", "extra", "ignore"}
)

#: Exact header names (compared folded, without spaces and punctuation, after a "Question:"
#: prefix of registration tools is removed), German and English, per target.
# fmt: off
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("Vorname", "Vornamen", "Rufname", "First Name", "Firstname", "Given Name",
                   "Forename", "Middle Name", "Zweiter Vorname"),
    "last_name": ("Nachname", "Familienname", "Zuname", "Last Name", "Lastname", "Surname",
                  "Family Name"),
    "name": ("Name", "Vollständiger Name", "Vor- und Nachname", "Name, Vorname", "Full Name",
             "Vorname Nachname", "Vorname und Nachname", "Nachname, Vorname", "Vor-/Nachname",
             "Attendee name", "Attendee", "Teilnehmer", "Teilnehmerin", "Teilnehmer*in",
             "Teilnehmer/in", "Teilnehmende", "Teilnehmender", "Person", "Ansprechpartner",
             "Ansprechpartnerin", "Ansprechperson", "Kontaktperson", "Display Name",
             "Anzeigename", "Ihr Name"),
    "email": ("E-Mail", "Email", "E-Mail-Adresse", "Email Address", "E-mail Address", "Mail",
              "Emailadresse", "Attendee email", "Mailadresse", "Primary Email"),
    "phone": ("Telefon", "Telefonnummer", "Tel", "Tel.", "Phone", "Phone Number", "Mobil",
              "Mobilnummer", "Mobiltelefon", "Handy", "Handynummer", "Mobile", "Mobile Phone",
              "Primary Phone", "Business Phone", "Home Phone", "Telefon geschäftlich"),
    "organisation": ("Organisation", "Organization", "Firma", "Company", "Einrichtung",
                     "Institution", "Unternehmen", "Betrieb", "Arbeitgeber", "Employer",
                     "Schule", "School", "Schulname", "Träger", "Dienststelle", "Behörde",
                     "Organisation / Firma", "Firma / Einrichtung", "Organisation/Schule",
                     "Schule/Betrieb", "Betrieb/Schule", "Schule / Betrieb"),
    "organisation_type": ("Organisationsart", "Organisationstyp", "Art der Organisation",
                          "Art der Einrichtung", "Einrichtungsart", "Einrichtungstyp",
                          "Organisation type", "Organization type", "Typ", "Type",
                          "Kategorie", "Category", "Sektor", "Sector", "Bereich"),
    "project": ("Projekt", "Project", "Programm", "Program", "Programme", "Vorhaben",
                "Initiative", "Projektname"),
    "role": ("Funktion", "Rolle", "Position", "Job Title", "Jobtitel", "Berufsbezeichnung",
             "Tätigkeit", "Role", "Stelle", "Aufgabe"),
    "interests": ("Interessen", "Interesse", "Interests", "Themen", "Thema", "Topics",
                  "Topics of interest", "Schwerpunkte", "Interessengebiete", "Fachgebiete"),
    "offers": ("Bietet", "Biete", "Ich biete", "Wir bieten", "Angebot", "Angebote", "Offers",
               "Offer", "Can offer", "Ausbildungsberufe", "Ausbildungsangebot"),
    "seeks": ("Sucht", "Suche", "Ich suche", "Wir suchen", "Gesucht", "Seeks", "Looking for",
              "Needs", "Berufswunsch", "Berufswünsche", "Wunschberuf"),
    # A bare "Einwilligung"/"Consent" means taking part in the networking (being suggested,
    # with name and organisation): the less revealing of the two consents. Handing out e-mail
    # and phone needs a column that says so. The preview shows the choice; the organiser can
    # change it.
    "consent_matchmaking": ("Vernetzung", "Matchmaking", "Networking", "Einwilligung",
                            "Consent", "Einverständnis"),
    "consent_share_contact": ("Kontaktdaten", "Kontaktdaten weitergeben", "Datenweitergabe",
                              "Share contact details"),
    "status": ("Status", "Order status", "Anmeldestatus", "Registration status",
               "Bestellstatus", "Ticket status"),
    "cancelled": ("Storniert", "Storno", "Abgesagt", "Cancelled", "Canceled"),
    # Columns that registration and survey tools add about the form, not about the person.
    "ignore": ("ID", "Nr", "Nr.", "Lfd. Nr.", "No.", "Zeitstempel", "Timestamp", "Start time",
               "Startzeit", "Completion time", "Fertigstellungszeit", "Last modified time",
               "Letzte Änderung", "IP", "IP-Adresse", "IP address", "User agent"),
}
# fmt: on

#: When no alias fits: the first fragment the compact header contains (or, with "^", starts
#: with) decides. Consents come first ("Einwilligung Vernetzung" is about matchmaking, "Question:
#: I agree that other attendees may receive my contact details" about contact details), then the
#: more specific fields ("Organisationsart" before "Organisation", "Firmenname" before "Name").
#: German compounds hide words: "Besucher" holds "suche", "Einsatzgebiete" holds "biete".
HEADER_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("newsletter", "extra"),
    ("mailing", "extra"),
    ("vernetz", "consent_matchmaking"),
    ("matchmaking", "consent_matchmaking"),
    ("networking", "consent_matchmaking"),
    ("vorschlag", "consent_matchmaking"),
    ("vorgeschlagen", "consent_matchmaking"),
    ("suggest", "consent_matchmaking"),
    ("kontaktdaten", "consent_share_contact"),
    ("contactdetails", "consent_share_contact"),
    ("contactinformation", "consent_share_contact"),
    ("weitergabe", "consent_share_contact"),
    ("weitergeben", "consent_share_contact"),
    ("consentcontact", "consent_share_contact"),
    ("contactconsent", "consent_share_contact"),
    ("sharecontact", "consent_share_contact"),
    ("kontakttausch", "consent_share_contact"),
    ("einwillig", "consent_matchmaking"),
    ("einverstanden", "consent_matchmaking"),
    ("consent", "consent_matchmaking"),
    ("storn", "cancelled"),
    ("mail", "email"),
    ("telefon", "phone"),
    ("phone", "phone"),
    ("handy", "phone"),
    ("vorname", "first_name"),
    ("firstname", "first_name"),
    ("givenname", "first_name"),
    ("nachname", "last_name"),
    ("lastname", "last_name"),
    ("surname", "last_name"),
    ("familienname", "last_name"),
    ("organisationsart", "organisation_type"),
    ("organisationstyp", "organisation_type"),
    ("organisationtype", "organisation_type"),
    ("organizationtype", "organisation_type"),
    ("einrichtungsart", "organisation_type"),
    ("einrichtungstyp", "organisation_type"),
    ("organisationsform", "organisation_type"),
    ("firma", "organisation"),
    ("company", "organisation"),
    ("organisation", "organisation"),
    ("organization", "organisation"),
    ("einrichtung", "organisation"),
    ("unternehmen", "organisation"),
    ("institution", "organisation"),
    ("arbeitgeber", "organisation"),
    ("projekt", "project"),
    ("project", "project"),
    ("interess", "interests"),
    ("interest", "interests"),
    ("topic", "interests"),
    ("themen", "interests"),
    ("^biete", "offers"),
    ("ichbiete", "offers"),
    ("wirbieten", "offers"),
    ("angebot", "offers"),
    ("offer", "offers"),
    ("^such", "seeks"),
    ("ichsuche", "seeks"),
    ("wirsuchen", "seeks"),
    ("gesucht", "seeks"),
    ("lookingfor", "seeks"),
    ("seek", "seeks"),
    ("funktion", "role"),
    ("jobtitle", "role"),
    ("position", "role"),
    ("teilnehm", "name"),
    ("attendeename", "name"),
    ("name", "name"),
)

#: Prefixes registration and survey tools put before the question text of a column.
_HEADER_PREFIX = re.compile(r"^\s*(?:question|frage|q|f)?\s*\d*\s*[:.)\-]\s*", re.IGNORECASE)
_COMPACT = re.compile(r"[^a-z0-9]+")


def _compact(header: str) -> str:
    """A header folded, without a "Question:" prefix, spaces and punctuation."""
    text = fold(header)
    stripped = _HEADER_PREFIX.sub("", text)
    return _COMPACT.sub("", stripped or text)


_ALIASES: dict[str, str] = {
    _compact(alias): target for target, aliases in HEADER_ALIASES.items() for alias in aliases
}


def guess_target(header: str) -> str:
    """The target a column with this header most likely fills ("extra" when unknown)."""
    compact = _compact(header)
    if not compact:
        return "extra"
    if compact in _ALIASES:
        return _ALIASES[compact]
    for fragment, target in HEADER_FRAGMENTS:
        if compact.startswith(fragment[1:]) if fragment[0] == "^" else fragment in compact:
            return target
    return "extra"


def auto_mapping(header: list[str]) -> list[str]:
    """A target per column, guessed from the header; repeats of one-column targets go to extra."""
    mapping: list[str] = []
    for name in header:
        target = guess_target(name)
        if target in mapping and target not in MULTI_TARGETS:
            target = "extra"
        mapping.append(target)
    # "Name" next to "Vorname" is the family name; next to both it is something else.
    if "name" in mapping:
        has_first, has_last = "first_name" in mapping, "last_name" in mapping
        if has_first != has_last:
            other = "last_name" if has_first else "first_name"
            mapping = [other if t == "name" else t for t in mapping]
        elif has_first and has_last:
            mapping = ["extra" if t == "name" else t for t in mapping]
    return mapping


def check_mapping(header: list[str], mapping: list[str] | None) -> list[str]:
    """The mapping to use: the guessed one, or the given one after checking it fits."""
    if mapping is None:
        mapping = auto_mapping(header)
    if not mapping_fits(header, mapping):
        raise ImportRefused("bad_mapping", "The column mapping does not fit this file.")
    if not any(t in NAME_TARGETS for t in mapping):
        shown = ", ".join(f'"{h[:40]}"' for h in header[:12])
        raise ImportRefused(
            "no_name_column",
            f'No column holds names (found: {shown}). Expected e.g. "Vorname" and '
            '"Nachname", or "Name".',
            columns=header,
        )
    return mapping


def mapping_from_pairs(header: list[str], pairs: Iterable[str]) -> list[str]:
    """The guessed mapping changed by "HEADER=TARGET" pairs (the CLI's ``--map``)."""
    mapping = auto_mapping(header)
    folded = [fold(h) for h in header]
    for pair in pairs:
        name, sep, target = pair.rpartition("=")
        target = target.strip()
        if not sep or target not in TARGETS:
            raise ImportRefused(
                "bad_mapping",
                f'--map "{pair}": expected COLUMN=FIELD, FIELD one of {", ".join(TARGETS)}.',
            )
        if fold(name) not in folded:
            raise ImportRefused("bad_mapping", f'--map "{pair}": the file has no column "{name}".')
        mapping[folded.index(fold(name))] = target
    return mapping


def mapping_fits(header: list[str], mapping: list[str] | None) -> bool:
    """True when ``mapping`` names a known target for every column of ``header``."""
    return (
        mapping is not None and len(mapping) == len(header) and all(t in TARGETS for t in mapping)
    )
