"""Exports of the tools organisers use, made here from the tools' documented headers: each is
recognised, mapped by its preset, and yields exactly the attendees it lists; nobody is merged
who should not be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_import import people, run_file, write_csv, write_xlsx

from kiosk import attendees, events, importing

# Who registered, as every tool's file below says it: a team booked by one orderer (Anna Lang
# and Ben Kurz, order placed by chefin@), three teachers registered by their school office with
# its one address, and a registration that was cancelled (Dora Storno).
ANNA = ("Anna", "Lang", "anna.lang@betrieb.example", "Betrieb GmbH", "Ausbildungsleitung")
BEN = ("Ben", "Kurz", "ben.kurz@betrieb.example", "Betrieb GmbH", "Azubi")
ANNA_M = ("Anna", "Müller", "sekretariat@schule.example", "Gesamtschule Waldau", "Lehrerin")
JOERG = ("Jörg", "Weiß", "sekretariat@schule.example", "Gesamtschule Waldau", "Lehrer")
KAETHE = ("Käthe", "Groß", "sekretariat@schule.example", "Gesamtschule Waldau", "Schulleitung")
DORA = ("Dora", "Storno", "dora@verein.example", "Verein e.V.", "Vorstand")
ORDERER = "chefin@betrieb.example"
SECRETARIAT = "sekretariat@schule.example"
#: Each person's topics (a multiple-choice question) and networking consent.
TOPICS = {
    ANNA: ["Inklusion", "Praktikum"],
    BEN: ["Mentoring"],
    ANNA_M: ["Inklusion"],
    JOERG: ["Praktikum", "Mentoring"],
    KAETHE: [],
    DORA: ["Inklusion"],
}
CONSENT = {ANNA: True, BEN: False, ANNA_M: True, JOERG: True, KAETHE: False, DORA: True}
OPTIONS = ("Inklusion", "Praktikum", "Mentoring")
REGISTERED = [ANNA, BEN, ANNA_M, JOERG, KAETHE]
QUESTION = "Welche Themen interessieren Sie?"
CONSENT_QUESTION = "Dürfen wir Sie anderen Teilnehmenden vorschlagen?"


def stored(db: Any, event: events.Event) -> list[tuple[Any, ...]]:
    """The event's attendees as (first, last, e-mail, organisation, role, topics, consent)."""
    return sorted(
        (
            a["first_name"],
            a["last_name"],
            a["email"],
            a["organisation"],
            a["role"],
            a["interests"],
            a["consent_matchmaking"],
        )
        for a in people(db, event)
    )


def expected(persons: list[tuple[str, ...]], **changes: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for person in persons:
        first, last, email, organisation, role = person
        row = [first, last, email, organisation, role, TOPICS[person], CONSENT[person]]
        for index, value in changes.get(last, {}).items():
            row[int(index)] = value
        rows.append(tuple(row))
    return sorted(rows)


def imported_twice(db: Any, event: events.Event, path: Path) -> importing.Result:
    """Import a file, check that importing it again creates nobody, return the first result."""
    first = run_file(db, event, path)
    again = run_file(db, event, path)
    assert (again.counts["created"], again.counts["updated"]) == (0, 0)
    assert again.counts["unchanged"] == first.counts["created"]
    return first


def shared_rows(result: importing.Result) -> dict[str, list[int]]:
    return {s.email: s.rows for s in result.shared}


# -- pretix ------------------------------------------------------------------------------------

PRETIX_EN = {
    "code": "Order code", "position": "Position ID", "status": "Status", "email": "Email",
    "phone": "Phone number", "product": "Product", "price": "Price", "name": "Attendee name",
    "given": "Attendee name: Given name", "family": "Attendee name: Family name",
    "attendee_email": "Attendee email", "company": "Company", "comment": "Order comment",
    "invoice_company": "Company", "invoice_name": "Invoice address name",
    "verified": "E-mail address verified", "locale": "Order locale", "yes": "Yes", "no": "No",
    "paid": "paid", "canceled": "canceled", "slug": "Event slug",
}  # fmt: skip
PRETIX_DE = {
    "code": "Bestellnummer", "position": "Position", "status": "Status", "email": "E-Mail",
    "phone": "Telefonnummer", "product": "Produkt", "price": "Preis",
    "name": "Name Teilnehmer*in", "given": "Name Teilnehmer*in: Vorname",
    "family": "Name Teilnehmer*in: Nachname", "attendee_email": "E-Mail Teilnehmer*in",
    "company": "Firma", "comment": "Bestellkommentar", "invoice_company": "Firma",
    "invoice_name": "Rechnungsadresse: Name", "verified": "E-Mail-Adresse verifiziert",
    "locale": "Bestellsprache", "yes": "Ja", "no": "Nein", "paid": "bezahlt",
    "canceled": "storniert", "slug": "Kurzname der Veranstaltung",
}  # fmt: skip


def pretix_rows(labels: dict[str, str], *, grouped: bool) -> list[list[Any]]:
    """An "order positions" export: order-level columns (the orderer's e-mail, the invoice
    company) beside the attendee's, the questions as columns, multiple choice one column per
    answer (or grouped in one), cancelled orders included."""
    t = labels
    topics = [QUESTION] if grouped else [f"{QUESTION} – {o}" for o in OPTIONS]
    header = [
        t["slug"], t["code"], t["position"], t["status"], t["email"], t["phone"], t["product"],
        t["price"], t["name"], t["given"], t["family"], t["attendee_email"], t["company"],
        t["comment"], "Funktion", *topics, CONSENT_QUESTION, t["invoice_company"],
        t["invoice_name"], t["verified"], t["locale"],
    ]  # fmt: skip
    orders = [
        ("TEAM1", ORDERER, [ANNA, BEN], "Betrieb GmbH Buchhaltung", "Chefin Roth"),
        ("SCHUL", SECRETARIAT, [ANNA_M, JOERG, KAETHE], "Stadt Kassel", "Sekretariat"),
        ("STORN", DORA[2], [DORA], "", ""),
    ]
    rows = [header]
    for code, orderer, persons, invoice_company, invoice_name in orders:
        status = t["canceled"] if persons == [DORA] else t["paid"]
        for position, person in enumerate(persons, 1):
            first, last, email, organisation, role = person
            chosen = TOPICS[person]
            answers = (
                [", ".join(chosen)]
                if grouped
                else [t["yes"] if o in chosen else t["no"] for o in OPTIONS]
            )
            rows.append(
                [
                    "brunch", code, position, status, orderer, "+49 561 1", "Ticket", "0.00",
                    f"{first} {last}", first, last, email, organisation, "", role, *answers,
                    t["yes"] if CONSENT[person] else t["no"], invoice_company, invoice_name,
                    t["yes"], "de",
                ]
            )  # fmt: skip
    return rows


def test_pretix_order_positions_english_csv(db: Any, event: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "brunch_orders.csv", pretix_rows(PRETIX_EN, grouped=False), delimiter=","
    )
    result = imported_twice(db, event, path)
    assert result.tool == "pretix"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert mapping["Attendee email"] == "email"
    assert mapping["Email"] == "extra"  # the orderer's: one colleague books for the team
    assert mapping["E-mail address verified"] == "ignore"
    assert (mapping["Attendee name: Given name"], mapping["Attendee name: Family name"]) == (
        "first_name",
        "last_name",
    )
    assert mapping["Attendee name"] == "extra"
    assert (mapping["Position ID"], mapping["Funktion"]) == ("registration_id", "role")
    assert (mapping["Company"], mapping["Company (2)"]) == ("organisation", "extra")
    assert stored(db, event) == expected(REGISTERED)
    assert result.counts["merged"] == 0
    assert shared_rows(result) == {SECRETARIAT: [4, 5, 6]}
    assert "cancelled" in {p.code for p in result.problems if p.row == 7}
    anna = next(a for a in people(db, event) if a["last_name"] == "Lang")
    assert anna["extra"][importing.REGISTRATION_KEY] == "pretix: TEAM1-1"
    assert anna["extra"]["Email"] == ORDERER


def test_pretix_order_positions_german_workbook(db: Any, event: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "brunch_bestellungen.xlsx", pretix_rows(PRETIX_DE, grouped=True))
    result = imported_twice(db, event, path)
    assert result.tool == "pretix"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["E-Mail Teilnehmer*in"], mapping["E-Mail"]) == ("email", "extra")
    assert (mapping["Position"], mapping["Funktion"]) == ("registration_id", "role")
    assert mapping["Firma"] == "organisation"
    assert stored(db, event) == expected(REGISTERED)
    assert shared_rows(result) == {SECRETARIAT: [4, 5, 6]}


def test_pretix_orderer_address_serves_when_attendees_give_none(
    db: Any, event: Any, tmp_path: Path
) -> None:
    rows = pretix_rows(PRETIX_EN, grouped=False)
    email = rows[0].index("Attendee email")
    for row in rows[1:]:
        row[email] = ""
    result = run_file(db, event, write_csv(tmp_path / "orders.csv", rows, delimiter=","))
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["Email"], mapping["Attendee email"]) == ("email", "extra")
    # The team shares the orderer's address; each of them is still imported.
    assert len(people(db, event)) == 5
    assert shared_rows(result) == {ORDERER: [2, 3], SECRETARIAT: [4, 5, 6]}


# -- Eventbrite ----------------------------------------------------------------------------------


def test_eventbrite_attendee_report(db: Any, event: Any, tmp_path: Path) -> None:
    header = [
        "Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Price Tier",
        "Ticket Type", "Attendee #", "Group", "Order Type", "Currency", "Total Paid",
        "Fees Paid", "Eventbrite Fees", "Eventbrite Payment Processing", "Attendee Status",
        QUESTION, CONSENT_QUESTION, "Job Title", "Company", "Cell Phone",
    ]  # fmt: skip
    rows = [header]
    orders = [("1001", [ANNA, BEN]), ("1002", [ANNA_M, JOERG, KAETHE]), ("1003", [DORA])]
    number = 5000
    for order, persons in orders:
        for person in persons:
            first, last, email, organisation, role = person
            number += 1
            status = "Not Attending" if person == DORA else "Attending"
            rows.append(
                [
                    order, "2026-10-01", first, last, email, 1, "", "Netzwerkbrunch", number, "",
                    "Free Order", "EUR", "0.00", "0.00", "0.00", "0.00", status,
                    ", ".join(TOPICS[person]),
                    "Yes" if CONSENT[person] else "No", role, organisation, "",
                ]
            )  # fmt: skip
    result = imported_twice(db, event, write_csv(tmp_path / "report.csv", rows, delimiter=","))
    assert result.tool == "Eventbrite"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["Attendee #"], mapping["Attendee Status"]) == ("registration_id", "status")
    assert (mapping["Order #"], mapping["Total Paid"]) == ("extra", "ignore")
    assert stored(db, event) == expected(REGISTERED)
    assert shared_rows(result) == {SECRETARIAT: [4, 5, 6]}
    assert result.counts["skipped"] == 1  # Dora: not attending


# -- Microsoft Forms and Google Forms --------------------------------------------------------

FORMS_MS = {
    "en": ("ID", "Start time", "Completion time", "Email", "Name", "Last modified time"),
    "de": ("ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name", "Letzte Änderung"),
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_microsoft_forms_workbook(db: Any, event: Any, tmp_path: Path, language: str) -> None:
    """The account columns are whoever filled in the form: the school office's for its
    teachers, "anonymous" for guests. The form's own questions name the attendee."""
    header = [
        *FORMS_MS[language], "Vorname", "Nachname", "E-Mail-Adresse", "Organisation",
        "Funktion", QUESTION, CONSENT_QUESTION,
    ]  # fmt: skip
    rows: list[list[Any]] = [header]
    for number, person in enumerate(REGISTERED, 1):
        first, last, email, organisation, role = person
        account = (SECRETARIAT, "Sekretariat Waldau") if email == SECRETARIAT else ("anonymous", "")
        topics = "".join(f"{t};" for t in TOPICS[person])  # Forms ends each choice with ";"
        rows.append(
            [
                number, "2026-10-01 09:00:00", "2026-10-01 09:04:00", *account, "", first,
                last, email, organisation, role, topics, "Ja" if CONSENT[person] else "Nein",
            ]
        )  # fmt: skip
    result = imported_twice(db, event, write_xlsx(tmp_path / "Anmeldung.xlsx", rows))
    assert result.tool == "Microsoft Forms"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["E-Mail-Adresse"], mapping["Name"]) == ("email", "extra")
    assert mapping[FORMS_MS[language][3]] == "extra"  # the account's address
    assert stored(db, event) == expected(REGISTERED)
    assert shared_rows(result) == {SECRETARIAT: [4, 5, 6]}


@pytest.mark.parametrize(
    ("timestamp", "collected"), [("Timestamp", "Email Address"), ("Zeitstempel", "E-Mail-Adresse")]
)
def test_google_forms_sheet(
    db: Any, event: Any, tmp_path: Path, timestamp: str, collected: str
) -> None:
    """The collected address is whoever filled in the form (the school office, for Käthe too,
    who gave no address of her own); checkbox answers are joined with ", "."""
    header = [
        timestamp, collected, "Vorname", "Nachname", "Ihre E-Mail-Adresse", "Schule/Betrieb",
        "Funktion", QUESTION, CONSENT_QUESTION,
    ]  # fmt: skip
    rows = [header]
    for person in REGISTERED:
        first, last, email, organisation, role = person
        own = "" if person == KAETHE else email
        rows.append(
            [
                "01.10.2026 09:00:00", email, first, last, own, organisation, role,
                ", ".join(TOPICS[person]), "Ja" if CONSENT[person] else "Nein",
            ]
        )  # fmt: skip
    path = write_csv(tmp_path / "Anmeldung (Antworten).csv", rows, delimiter=",")
    result = imported_twice(db, event, path)
    assert result.tool == "Google Forms"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["Ihre E-Mail-Adresse"], mapping[collected]) == ("email", "extra")
    assert stored(db, event) == expected(REGISTERED, Groß={"2": ""})
    assert shared_rows(result) == {SECRETARIAT: [4, 5]}


# -- LimeSurvey and Indico -------------------------------------------------------------------

LIMESURVEY = {
    "en": ("Response ID", "Date submitted", "Last page", "Start language", "Seed"),
    "de": ("Antwort ID", "Datum Abgeschickt", "Letzte Seite", "Start-Sprache", "Seed"),
    "codes": ("id", "submitdate", "lastpage", "startlanguage", "seed"),
}


@pytest.mark.parametrize("headings", ["en", "de", "codes"])
def test_limesurvey_response_export(db: Any, event: Any, tmp_path: Path, headings: str) -> None:
    """Full question texts as headers, a multiple-choice question one column per answer
    ("Question [Answer]", "Ja" or empty), and the survey's own columns."""
    header = [
        *LIMESURVEY[headings], "Vorname", "Nachname", "E-Mail", "Organisation", "Funktion",
        *(f"{QUESTION} [{o}]" for o in OPTIONS), CONSENT_QUESTION,
    ]  # fmt: skip
    rows = [header]
    for number, person in enumerate(REGISTERED, 1):
        first, last, email, organisation, role = person
        answers = ["Ja" if o in TOPICS[person] else "" for o in OPTIONS]
        rows.append(
            [
                number, "2026-10-01 09:04:00", 3, "de", 12345, first, last, email, organisation,
                role, *answers, "Ja" if CONSENT[person] else "Nein",
            ]
        )  # fmt: skip
    path = write_csv(tmp_path / "results-survey123.csv", rows, delimiter=",")
    result = imported_twice(db, event, path)
    assert result.tool == "LimeSurvey"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert mapping[LIMESURVEY[headings][0]] == "registration_id"
    assert mapping[f"{QUESTION} [Mentoring]"] == "interests"
    assert stored(db, event) == expected(REGISTERED)
    assert shared_rows(result) == {SECRETARIAT: [4, 5, 6]}


def test_indico_registrant_export(db: Any, event: Any, tmp_path: Path) -> None:
    """Indico lets each address register once per form; a withdrawn registration is skipped."""
    header = [
        "ID", "Name", "First Name", "Last Name", "Email Address", "Affiliation", "Position",
        "Phone Number", QUESTION, CONSENT_QUESTION, "Registration date", "Registration state",
    ]  # fmt: skip
    persons = [ANNA, BEN, JOERG, DORA]
    rows: list[list[Any]] = [header]
    for number, person in enumerate(persons, 1):
        first, last, email, organisation, role = person
        email = "joerg.weiss@schule.example" if person == JOERG else email
        state = "Withdrawn" if person == DORA else "Completed"
        rows.append(
            [
                number, f"{first} {last}", first, last, email, organisation, role, "",
                ", ".join(TOPICS[person]), "Yes" if CONSENT[person] else "No",
                "2026-10-01", state,
            ]
        )  # fmt: skip
    result = imported_twice(db, event, write_xlsx(tmp_path / "registrations.xlsx", rows))
    assert result.tool == "Indico"
    mapping = dict(zip(result.table.header, result.mapping, strict=True))
    assert (mapping["ID"], mapping["Name"], mapping["Affiliation"]) == (
        "registration_id",
        "extra",
        "organisation",
    )
    assert stored(db, event) == expected(
        [ANNA, BEN, JOERG], Weiß={"2": "joerg.weiss@schule.example"}
    )
    assert result.counts["skipped"] == 1


# -- Outlook contacts --------------------------------------------------------------------------

OUTLOOK = {
    "en": ("Title", "First Name", "Middle Name", "Last Name", "Company", "Department",
           "Job Title", "Business Phone", "Mobile Phone", "E-mail Address", "E-mail Type",
           "E-mail Display Name", "E-mail 2 Address", "Notes"),
    "de": ("Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Firma", "Abteilung",
           "Position", "Telefon geschäftlich", "Mobiltelefon", "E-Mail-Adresse", "E-Mail-Typ",
           "E-Mail: Angezeigter Name", "E-Mail 2: Adresse", "Notizen"),
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_outlook_contacts_csv(db: Any, event: Any, tmp_path: Path, language: str) -> None:
    """A team mailbox shared by two colleagues; a second given name; office and mobile phone."""
    rows = [
        list(OUTLOOK[language]),
        ["Dr.", "Anna", "Maria", "Lang", "IHK Kassel", "Ausbildung", "Beraterin", "0561 1",
         "0170 1", "team@ihk.example", "SMTP", "Team IHK", "anna@privat.example", ""],
        ["", "Ben", "", "Kurz", "IHK Kassel", "Ausbildung", "Berater", "0561 2", "",
         "team@ihk.example", "SMTP", "Team IHK", "", "kommt später"],
    ]  # fmt: skip
    result = imported_twice(db, event, write_csv(tmp_path / "contacts.csv", rows, delimiter=","))
    assert result.tool == "Outlook"
    found = sorted(
        (a["first_name"], a["last_name"], a["email"], a["phone"], a["role"])
        for a in people(db, event)
    )
    assert found == [
        ("Anna Maria", "Lang", "team@ihk.example", "0170 1", "Beraterin"),
        ("Ben", "Kurz", "team@ihk.example", "", "Berater"),
    ]
    assert shared_rows(result) == {"team@ihk.example": [2, 3]}
    columns = {c.header: c for c in result.columns()}
    office = columns[OUTLOOK[language][7]]
    assert (office.target, office.candidate, office.preferred) == (
        "extra",
        "phone",
        OUTLOOK[language][8],
    )


def test_every_preset_is_recognised_by_its_own_headers() -> None:
    for preset in importing.PRESETS:
        samples = [list(h) for h in preset.identify] + [[h, "Vorname"] for h in preset.first]
        for header in samples:
            found = importing.detect_preset(header)
            assert found is not None and found.tool == preset.tool, (preset.tool, header)
    assert importing.detect_preset(["Vorname", "Nachname", "E-Mail", "Zeitstempel"]) is None


def test_an_attendee_already_there_is_found_by_address_and_name(
    db: Any, event: Any, tmp_path: Path
) -> None:
    data = attendees.AttendeeData(first_name="A.", last_name="Lang", email=ANNA[2])
    attendees.create(db, event, data, how="desk")
    path = write_csv(tmp_path / "o.csv", pretix_rows(PRETIX_EN, grouped=False), delimiter=",")
    result = run_file(db, event, path)
    assert (result.counts["created"], result.counts["updated"]) == (4, 1)
    assert len(people(db, event)) == 5
