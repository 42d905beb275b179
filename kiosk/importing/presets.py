"""The exports of the tools organisers use, as data: the headers that identify each, its columns."""

# The header lists follow each tool's documented or source-defined export columns: pretix's
# order data export (sheet "order positions", English and German labels, questions appended as
# columns, multiple-choice answers one column each or grouped with ", "), Eventbrite's attendee
# report, Microsoft Forms and Google Forms response sheets (question texts as headers),
# LimeSurvey's response export (question codes or full texts), Indico's registrant export and
# Outlook's contact CSV (English and German). Columns a preset does not name (the questions of
# a form) are guessed from their header like any other file's.

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """One tool's export: how to recognise it and which field each of its columns fills."""

    tool: str
    #: Sets of headers; a file holding every header of one set is this tool's export.
    identify: tuple[tuple[str, ...], ...]
    #: (field, headers): the columns that fill each field, best first where several offer one.
    columns: tuple[tuple[str, tuple[str, ...]], ...]
    #: Columns about the order or about whoever filled in the form, not about the attendee: one
    #: fills its field only when no other column offers it (the orderer's e-mail when the
    #: attendee's is not asked).
    secondary: tuple[str, ...] = ()
    #: A header the export always starts with, as one more way to recognise it.
    first: tuple[str, ...] = ()


#: Columns that only concern payment, the order process or the form run.
_PRETIX_IGNORED = (
    "Event slug", "Kurzname der Veranstaltung", "Order date", "Bestelldatum", "Order time",
    "Bestelluhrzeit", "Price", "Preis", "Tax rate", "Steuersatz", "Tax rule", "Steuerregel",
    "Tax value", "Steuer", "Address", "Adresse", "ZIP code", "Postleitzahl", "City", "Ort",
    "Country", "Land", "State", "Bundesstaat", "Voucher", "Gutschein", "Pseudonymization ID",
    "Pseudonyme ID", "Seat ID", "Sitzplatz-ID", "Seat name", "Sitzbezeichnung", "Seat zone",
    "Sitzbereich", "Seat row", "Sitzreihe", "Seat number", "Sitzplatz", "Follow-up date",
    "Datum zur Wiedervorlage", "Address (2)", "Adresse (2)", "ZIP code (2)", "Postleitzahl (2)",
    "City (2)", "Ort (2)", "Country (2)", "Land (2)", "State (2)", "Bundesstaat (2)", "VAT ID",
    "USt-ID-Nr.", "Sales channel", "Verkaufskanal", "Order locale", "Bestellsprache",
    "E-mail address verified", "E-Mail-Adresse verifiziert", "Payment providers",
    "Zahlungsmethoden", "Date", "Termin", "Start date", "Beginn", "End date", "Ende",
)  # fmt: skip

PRESETS: tuple[Preset, ...] = (
    Preset(
        tool="pretix",
        identify=(("Order code", "Position ID"), ("Bestellnummer", "Position", "Produkt")),
        columns=(
            # Order code and position number together name one registration (one ticket).
            ("registration_id", ("Order code", "Bestellnummer", "Position ID", "Position")),
            ("status", ("Status",)),
            ("email", ("Attendee email", "E-Mail Teilnehmer*in", "Email", "E-Mail")),
            ("phone", ("Phone number", "Telefonnummer")),
            ("first_name", ("Attendee name: Given name", "Name Teilnehmer*in: Vorname")),
            ("last_name", ("Attendee name: Family name", "Name Teilnehmer*in: Nachname")),
            ("name", ("Attendee name", "Name Teilnehmer*in")),
            # The first "Company" is the attendee's, the second one the invoice address's.
            ("organisation", ("Company", "Firma", "Company (2)", "Firma (2)")),
            ("extra", ("Product", "Produkt", "Variation", "Variante", "Order comment",
                       "Bestellkommentar", "Attendee name: Title", "Name Teilnehmer*in: Titel",
                       "Invoice address name", "Rechnungsadresse: Name",
                       "Invoice address name: Given name", "Invoice address name: Family name",
                       "Rechnungsadresse: Name: Vorname", "Rechnungsadresse: Name: Nachname")),
            ("ignore", _PRETIX_IGNORED),
        ),
        secondary=("Email", "E-Mail", "Phone number", "Telefonnummer", "Company (2)", "Firma (2)"),
    ),
    Preset(
        tool="Eventbrite",
        identify=(("Attendee #", "Order #"), ("Attendee #", "Attendee Status")),
        columns=(
            ("registration_id", ("Attendee #",)),
            ("status", ("Attendee Status",)),
            ("first_name", ("First Name",)),
            ("last_name", ("Last Name",)),
            ("email", ("Email", "Buyer Email")),
            ("organisation", ("Company",)),
            ("role", ("Job Title",)),
            ("phone", ("Cell Phone", "Work Phone", "Home Phone")),
            ("extra", ("Order #", "Ticket Type", "Group", "Buyer First Name", "Buyer Last Name")),
            ("ignore", ("Order Date", "Quantity", "Price Tier", "Order Type", "Currency",
                        "Total Paid", "Fees Paid", "Eventbrite Fees", "Barcode #",
                        "Eventbrite Payment Processing", "Home Address 1", "Home Address 2",
                        "Home City", "Home State", "Home Zip", "Home Country")),
        ),
        secondary=("Buyer Email", "Work Phone", "Home Phone"),
    ),
    Preset(
        tool="Microsoft Forms",
        identify=(("Start time", "Completion time"), ("Startzeit", "Fertigstellungszeit")),
        columns=(
            ("registration_id", ("ID",)),
            # The account that filled in the form: a secretariat may register its teachers.
            ("email", ("Email", "E-Mail")),
            ("name", ("Name",)),
            ("ignore", ("Start time", "Startzeit", "Completion time", "Fertigstellungszeit",
                        "Last modified time", "Letzte Änderung")),
        ),
        secondary=("Email", "E-Mail", "Name"),
    ),
    Preset(
        tool="Google Forms",
        identify=(),
        first=("Timestamp", "Zeitstempel"),
        columns=(
            # The address collected by the form is whoever filled it in.
            ("email", ("Email Address", "E-Mail-Adresse")),
            ("ignore", ("Timestamp", "Zeitstempel", "Score", "Punkte")),
        ),
        secondary=("Email Address", "E-Mail-Adresse"),
    ),
    Preset(
        tool="LimeSurvey",
        identify=(
            ("Response ID", "Last page"),
            ("id", "lastpage", "startlanguage"),
            ("Antwort ID", "Letzte Seite"),
        ),
        columns=(
            ("registration_id", ("Response ID", "id", "Antwort ID")),
            ("first_name", ("First name", "firstname")),
            ("last_name", ("Last name", "lastname")),
            ("email", ("Email address", "email")),
            ("ignore", ("Date submitted", "submitdate", "Datum Abgeschickt", "Last page",
                        "lastpage", "Letzte Seite", "Start language", "startlanguage",
                        "Start-Sprache", "Seed", "seed", "Date started", "startdate",
                        "Datum gestartet", "Date last action", "datestamp",
                        "Datum letzte Aktivität", "IP address", "ipaddr", "IP-Adresse",
                        "Referrer URL", "refurl", "Token", "token", "Access code",
                        "Zugangsschlüssel")),
        ),
    ),
    Preset(
        tool="Indico",
        identify=(
            ("ID", "Name", "Registration state"),
            ("ID", "Name", "Registration date"),
            ("ID", "Name", "Email Address", "Affiliation"),
        ),
        columns=(
            ("registration_id", ("ID",)),
            ("status", ("Registration state",)),
            ("first_name", ("First Name",)),
            ("last_name", ("Last Name",)),
            ("name", ("Name",)),
            ("email", ("Email Address",)),
            ("organisation", ("Affiliation",)),
            ("role", ("Position",)),
            ("phone", ("Phone Number",)),
            ("extra", ("Title",)),
            ("ignore", ("Address", "Country", "Registration date", "Price", "Paid", "Checked in",
                        "Check-in date", "Payment date", "Picture")),
        ),
    ),
    Preset(
        tool="Outlook",
        identify=(
            ("E-mail Display Name",),
            ("E-Mail: Angezeigter Name",),
            ("First Name", "Middle Name", "E-mail 2 Address"),
            ("Vorname", "Weitere Vornamen", "E-Mail 2: Adresse"),
        ),
        columns=(
            ("first_name", ("First Name", "Vorname")),
            ("middle_name", ("Middle Name", "Weitere Vornamen")),
            ("last_name", ("Last Name", "Nachname")),
            ("organisation", ("Company", "Firma")),
            ("role", ("Job Title", "Position")),
            ("email", ("E-mail Address", "E-Mail-Adresse", "E-mail 2 Address",
                       "E-Mail 2: Adresse", "E-mail 3 Address", "E-Mail 3: Adresse")),
            ("phone", ("Mobile Phone", "Mobiltelefon", "Business Phone", "Telefon geschäftlich",
                       "Primary Phone", "Haupttelefon", "Home Phone", "Telefon (privat)")),
            ("extra", ("Title", "Anrede", "Suffix", "Department", "Abteilung", "Notes", "Notizen")),
            ("ignore", ("E-mail Type", "E-Mail-Typ", "E-mail Display Name",
                        "E-Mail: Angezeigter Name", "E-mail 2 Type", "E-Mail 2: Typ",
                        "E-mail 2 Display Name", "E-Mail 2: Angezeigter Name", "E-mail 3 Type",
                        "E-Mail 3: Typ", "E-mail 3 Display Name", "E-Mail 3: Angezeigter Name",
                        "Birthday", "Geburtstag", "Gender", "Geschlecht", "Priority", "Priorität",
                        "Private", "Privat", "Sensitivity", "Vertraulichkeit")),
        ),
        # The first address and the mobile number are the person's at an event; the others
        # are offered in the preview.
        secondary=("E-mail 2 Address", "E-Mail 2: Adresse", "E-mail 3 Address",
                   "E-Mail 3: Adresse"),
    ),
)  # fmt: skip
