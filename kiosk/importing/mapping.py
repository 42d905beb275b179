"""Column mapping: which attendee field each column fills, guessed from its header."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk import attendees
from kiosk.importing.errors import ImportRefused
from kiosk.importing.presets import PRESETS, Preset
from kiosk.importing.values import LIST_TARGETS, TEXT_TARGETS, misfit, sample
from kiosk.text import fold

# -- the column table ---------------------------------------------------------------------------

#: Where a column can go: the attendee fields, a second given name (joined to the first), the
#: two consents, the registration number and status, the extra values kept as given
#: (``AttendeeData.extra``), or nowhere.
TARGETS = (
    attendees.TEXT_FIELDS[0],
    "middle_name",
    attendees.TEXT_FIELDS[1],
    "name",
    *attendees.TEXT_FIELDS[2:],
    *attendees.LIST_FIELDS,
    *(f"consent_{c}" for c in attendees.CONSENTS),
    "registration_id",
    "status",
    "cancelled",
    "extra",
    "ignore",
)
NAME_TARGETS = ("first_name", "last_name", "name")
CONSENT_TARGETS = tuple(f"consent_{c}" for c in attendees.CONSENTS)
#: Targets several columns may feed, on purpose: list fields merge the answers of several
#: questions (and the one-column-per-answer checkboxes of pretix and LimeSurvey), a
#: registration number may be made of two columns (pretix: order code and position), and any
#: number of columns may be kept as extra or ignored. Every other target takes one column:
#: two e-mail columns are two different addresses (the attendee's and the orderer's), never
#: one to fill the other's gaps.
MULTI_TARGETS = frozenset({"interests", "offers", "seeks", "registration_id", "extra", "ignore"})
#: Targets whose columns' values are checked against the field before a column is mapped.
CHECKED_TARGETS = frozenset({*TEXT_TARGETS, *LIST_TARGETS, "email", "phone"})

#: Exact header names (compared folded, without spaces and punctuation, after a "Question:"
#: prefix of registration tools is removed), German and English, per target.
# fmt: off
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("Vorname", "Vornamen", "Rufname", "First Name", "Firstname", "Given Name",
                   "Forename"),
    "middle_name": ("Middle Name", "Zweiter Vorname", "Weitere Vornamen"),
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
    "attendance": ("Teilnahme", "Teilnahmeart", "Teilnahmeform", "Art der Teilnahme",
                   "Vor Ort oder online", "Participation", "Attendance", "Attendance type"),
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
    "consent_mail": ("E-Mails erhalten", "Mails erhalten", "Kontaktübersicht per E-Mail",
                     "Zusammenfassung per E-Mail", "Receive emails", "Email consent"),
    "registration_id": ("Anmelde-ID", "Anmeldungs-ID", "Registration ID", "Attendee ID",
                        "Teilnehmer-ID", "Ticket ID", "Response ID", "Antwort ID"),
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
    ("kontaktubersicht", "consent_mail"),
    ("zusammenfassung", "consent_mail"),
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


#: Header words of columns about the order or the orderer rather than the attendee, and of
#: columns that name the attendee (compared within the compact header).
ORDER_WORDS = ("invoice", "rechnung", "buyer", "kaufer", "besteller", "orderer", "purchaser",
               "billing", "order", "bestell")  # fmt: skip
ATTENDEE_WORDS = ("attendee", "teilnehm")
#: The answer named by a checkbox column's header: "Themen – Inklusion" (pretix),
#: "Themen [Inklusion]" (LimeSurvey).
_OPTION = re.compile(r"^.+?(?:\s[–—-]\s(?P<dash>[^–—]+)|\[(?P<bracket>[^\[\]]+)\])\s*$")
#: Preference rank of a column a preset does not name, behind every one it names.
UNNAMED = 1_000


def option_of(header: str) -> str:
    """The answer a one-column-per-answer checkbox header names, or ''."""
    match = _OPTION.match(header)
    return (match.group("dash") or match.group("bracket") or "").strip() if match else ""


#: Each preset with its identifying header sets and first headers, compacted.
_IDENTIFY = [
    (
        preset,
        [{_compact(h) for h in headers} for headers in preset.identify],
        {_compact(h) for h in preset.first},
    )
    for preset in PRESETS
]


def detect_preset(header: list[str]) -> Preset | None:
    """The tool whose export has this header, by the headers that identify it."""
    compact = {_compact(h) for h in header}
    first = _compact(header[0]) if header else ""
    for preset, identify, firsts in _IDENTIFY:
        if first in firsts or any(headers <= compact for headers in identify):
            return preset
    return None


@dataclass
class ColumnGuess:
    """Where one column goes by the guess, and why it does not go where it might."""

    candidate: str  # the field its header (or the tool's preset) suggests
    target: str  # where it goes
    misfit: str = ""  # why its values do not fit the candidate field
    preferred: str = ""  # the column chosen for the candidate field instead of this one
    secondary: bool = False  # about the order or whoever filled in the form


@dataclass
class Suggestion:
    """The guessed mapping of a file: the tool it comes from, and each column's guess."""

    tool: str
    columns: list[ColumnGuess]

    @property
    def mapping(self) -> list[str]:
        return [c.target for c in self.columns]


def suggest(header: list[str], rows: Sequence[tuple[int, list[str]]] = ()) -> Suggestion:
    """The guessed mapping: one column per field, chosen on purpose.

    Each column's candidate field comes from the tool's preset, else from its header. A column
    whose values do not fit its candidate (yes/no answers as e-mail, numbers as a role) is kept
    as extra. Where several columns offer a one-column field, the best is taken: filled before
    empty, the attendee's before the order's, the preset's order, then the column order; the
    others are kept as extra and named as alternatives in the preview. Given and family name
    together win over a full-name column.
    """
    preset = detect_preset(header)
    named: dict[str, tuple[str, int]] = {}
    if preset is not None:
        for target, headers in preset.columns:
            for rank, name in enumerate(headers):
                named.setdefault(_compact(name), (target, rank))
    secondary = {_compact(h) for h in preset.secondary} if preset else set()
    guesses, ranks = [], []
    for index, name in enumerate(header):
        compact = _compact(name)
        target, rank = named.get(compact, (guess_target(name), UNNAMED))
        values = sample(rows, index) if rows and target in CHECKED_TARGETS else []
        guess = ColumnGuess(target, target, secondary=_is_secondary(compact, secondary))
        guess.misfit = misfit(target, values, options=bool(option_of(name)))
        if guess.misfit:
            guess.target = "extra"
        guesses.append(guess)
        level = 2 if guess.secondary else 0 if any(w in compact for w in ATTENDEE_WORDS) else 1
        empty = bool(rows) and target in CHECKED_TARGETS and not values
        ranks.append((empty, level, rank, index))
    by_target: dict[str, list[int]] = {}
    for index, guess in enumerate(guesses):
        if guess.target not in MULTI_TARGETS:
            by_target.setdefault(guess.target, []).append(index)
    for indexes in by_target.values():
        best, *others = sorted(indexes, key=ranks.__getitem__)
        for index in others:
            guesses[index].target, guesses[index].preferred = "extra", header[best]
    _settle_names(header, guesses)
    return Suggestion(preset.tool if preset else "", guesses)


def _is_secondary(compact: str, secondary: set[str]) -> bool:
    """A column about the order or the form's filler: named so by the preset or its header."""
    return compact in secondary or any(word in compact for word in ORDER_WORDS)


def _settle_names(header: list[str], guesses: list[ColumnGuess]) -> None:
    """A lone "Name" next to "Vorname" is the family name (and the other way round); next to
    both, a full-name column is an alternative to them."""
    chosen = {g.target: i for i, g in enumerate(guesses) if g.target in NAME_TARGETS}
    if "name" not in chosen:
        return
    full = guesses[chosen["name"]]
    if ("first_name" in chosen) != ("last_name" in chosen):
        full.target = "last_name" if "first_name" in chosen else "first_name"
    elif "first_name" in chosen:
        parts = f"{header[chosen['first_name']]}, {header[chosen['last_name']]}"
        full.target, full.preferred = "extra", parts


def auto_mapping(header: list[str], rows: Sequence[tuple[int, list[str]]] = ()) -> list[str]:
    """A target per column, guessed from the header (and, given rows, checked against them)."""
    return suggest(header, rows).mapping


def settle(previous: list[str], chosen: list[str]) -> list[str]:
    """The organiser's choice, where giving a one-column field to another column takes it from
    the column that had it (which is kept as extra)."""
    settled = list(chosen)
    for index, target in enumerate(chosen):
        if target in MULTI_TARGETS or index >= len(previous) or previous[index] == target:
            continue
        for other, old in enumerate(chosen):
            if other != index and old == target and previous[other] == target:
                settled[other] = "extra"
    return settled


def check_mapping(header: list[str], mapping: list[str] | None) -> list[str]:
    """The mapping to use: the guessed one, or the given one after checking it fits."""
    if mapping is None:
        mapping = auto_mapping(header)
    if not mapping_fits(header, mapping):
        raise ImportRefused("bad_mapping", "The column mapping does not fit this file.")
    for target in TARGETS:
        columns = [h for h, t in zip(header, mapping, strict=True) if t == target]
        if len(columns) > 1 and target not in MULTI_TARGETS:
            shown = ", ".join(f'"{h[:40]}"' for h in columns)
            raise ImportRefused(
                "duplicate_target",
                f"Columns {shown} are all mapped to {target}: choose one of them.",
                target=target,
                columns=columns,
            )
    if not any(t in NAME_TARGETS for t in mapping):
        shown = ", ".join(f'"{h[:40]}"' for h in header[:12])
        raise ImportRefused(
            "no_name_column",
            f'No column holds names (found: {shown}). Expected e.g. "Vorname" and '
            '"Nachname", or "Name".',
            columns=header,
        )
    return mapping


def mapping_from_pairs(
    header: list[str], pairs: Iterable[str], rows: Sequence[tuple[int, list[str]]] = ()
) -> list[str]:
    """The guessed mapping changed by "HEADER=TARGET" pairs (the CLI's ``--map``)."""
    guessed = auto_mapping(header, rows)
    mapping = list(guessed)
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
    return settle(guessed, mapping)


def mapping_fits(header: list[str], mapping: list[str] | None) -> bool:
    """True when ``mapping`` names a known target for every column of ``header``."""
    return (
        mapping is not None and len(mapping) == len(header) and all(t in TARGETS for t in mapping)
    )
