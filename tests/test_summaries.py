"""Each attendee's contact summary: the PDF read back, the vCard parsed, the organiser's ZIP."""

from __future__ import annotations

import io
import zipfile

import pdfplumber
import pytest
import vobject

from kiosk import attendees, checkin, contacts, summaries
from kiosk.attendees import AttendeeData


def person(db, event, first, last, **values) -> dict:
    found = attendees.create(
        db, event, AttendeeData(first_name=first, last_name=last, **values), how="test"
    )
    checkin.check_in(db, event, found["id"], desk="Eingang")
    return attendees.get(db, found["id"])


@pytest.fixture
def met(db, event):
    anna = person(
        db,
        event,
        "Anna",
        "Müller",
        email="anna@ihk.example",
        organisation="IHK Kassel",
        interests="Inklusion, Sprachförderung",
        consent_matchmaking=True,
        consent_share_contact=True,
    )
    joerg = person(
        db,
        event,
        "Jörg",
        "Weiß",
        email="joerg@schule.example",
        phone="0561 9876",
        organisation="Schule am Park",
        project="Übergang",
        consent_share_contact=False,
    )
    kemal = person(
        db,
        event,
        "Kemal",
        "Yıldız",
        email="kemal@hotel.example",
        organisation="Hotel am Park",
        interests="Inklusion",
        consent_matchmaking=True,
        consent_share_contact=True,
    )
    contacts.swap(db, event, anna["id"], joerg["id"], how="phone")
    [mine] = contacts.list_for(db, anna["id"])
    contacts.set_note(db, anna["id"], mine["id"], "Praktikum im Mai\nanrufen")
    return {"anna": anna, "joerg": joerg, "kemal": kemal}


def pdf_text(body: bytes) -> tuple[str, int]:
    with pdfplumber.open(io.BytesIO(body)) as document:
        return "\n".join(p.extract_text() for p in document.pages), len(document.pages)


def test_summary_pdf_shows_contacts_as_consented_notes_and_suggestions_not_met(
    db, event, met
) -> None:
    text, pages = pdf_text(summaries.pdf(db, event, met["anna"]))
    assert 1 <= pages <= 2
    assert "NETZWERKBRUNCH TEST" in text and "Anna Müller" in text
    assert "Jörg Weiß" in text and "Schule am Park" in text
    assert "joerg@schule.example" not in text and "0561 9876" not in text
    assert "Teilt keine E-Mail-Adresse" in text
    assert "Praktikum im Mai" in text
    # Kemal (consented, shares an interest, not met) is suggested with the reason.
    assert "Kemal Yıldız" in text and "Inklusion" in text


def test_summary_in_english(db, event, met) -> None:
    text, _ = pdf_text(summaries.pdf(db, event, met["anna"], lang="en"))
    assert "Your contacts" in text and "Jörg Weiß" in text


def test_the_other_side_sees_only_what_anna_shares(db, event, met) -> None:
    text, _ = pdf_text(summaries.pdf(db, event, met["joerg"]))
    assert "Anna Müller" in text and "anna@ihk.example" in text
    assert "Praktikum" not in text  # Anna's note is hers alone


def test_vcard_of_the_summary_parses_back(db, event, met) -> None:
    cards = list(vobject.readComponents(summaries.vcard(db, event, met["anna"])))
    assert [c.fn.value for c in cards] == ["Jörg Weiß"]
    assert not hasattr(cards[0], "email")  # Jörg does not share
    assert "Praktikum im Mai" in cards[0].note.value


def test_zip_holds_one_folder_per_attendee_with_safe_names_and_umlauts(db, event, met) -> None:
    twin = person(db, event, "Jörg", "Weiß", organisation="Anderswo")
    slash = person(db, event, "A/B", 'Zeichen: "*?"', organisation="X")
    body = summaries.zip_all(db, event, who="test")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        folders = sorted({n.split("/")[0] for n in names})
        assert len(folders) == 5
        assert "Weiß Jörg" in folders and f"Weiß Jörg ({twin['code'][:6]})" in folders
        assert "Müller Anna" in folders and "Yıldız Kemal" in folders
        odd = next(f for f in folders if f.startswith("Zeichen"))
        assert not any(ch in odd for ch in '/\\:*?"<>|')
        assert archive.read("Müller Anna/Kontakte.pdf").startswith(b"%PDF")
        card = archive.read("Müller Anna/Kontakte.vcf").decode("utf-8")
        assert "BEGIN:VCARD" in card and "Weiß" in card
        assert all(
            info.flag_bits & 0x800 for info in archive.infolist() if not info.filename.isascii()
        )
    assert slash["id"]


def test_safe_name_keeps_umlauts_and_drops_what_file_systems_refuse() -> None:
    assert summaries.safe_name("Jörg Weiß / IHK") == "Jörg Weiß - IHK"
    assert summaries.safe_name(' ..<>:"|?* ') == "kontakt"
    assert len(summaries.safe_name("x" * 500)) <= summaries.MAX_NAME


def test_many_summaries_are_laid_out_in_worker_processes_each_in_its_own_pdf(
    db, event, met, monkeypatch
) -> None:
    monkeypatch.setattr(summaries, "BATCH", 2)
    monkeypatch.setattr(summaries, "PARALLEL_MIN", 3)
    monkeypatch.setenv("KIOSK_PDF_WORKERS", "2")
    people = sorted(attendees.list_for_event(db, event.id), key=lambda a: a["id"])
    made = list(summaries.for_many(db, event, people))
    assert [m.attendee["id"] for m in made] == [a["id"] for a in people]
    for summary in made:
        text, pages = pdf_text(summary.pdf)
        assert pages == 1 and summary.attendee["name"] in text
        others = [a["name"] for a in people if a["id"] != summary.attendee["id"]]
        assert not any(f"{name} ·" in text.split("\n")[2] for name in others)


def test_hostile_values_go_through_summaries_vcards_and_the_zip_as_text(db, event) -> None:
    from kiosk import importing

    from conftest import SHARED_DATA

    hostile = SHARED_DATA / "bad" / "hostile-values.csv"
    importing.import_file(db, event, hostile.read_bytes(), hostile.name)
    people = attendees.list_for_event(db, event.id)
    script = next(a for a in people if a["first_name"].startswith("<script>"))
    for other in people:
        if other["id"] != script["id"]:
            contacts.swap(db, event, script["id"], other["id"], how="phone")
        checkin.check_in(db, event, other["id"], desk="Eingang")
    text, _ = pdf_text(summaries.pdf(db, event, script))
    text = " ".join(text.split())  # long names wrap inside their card
    assert "<script>alert(1)</script> Skript" in text
    assert '=HYPERLINK("http://evil.example","klick") Formel' in text
    assert "Robert'); DROP TABLE attendees;-- Tabellen" in text
    cards = list(vobject.readComponents(summaries.vcard(db, event, script)))
    assert len(cards) == len(people) - 1
    assert any(c.fn.value == '=HYPERLINK("http://evil.example","klick") Formel' for c in cards)
    with zipfile.ZipFile(io.BytesIO(summaries.zip_all(db, event, who="test"))) as archive:
        folders = {name.split("/")[0] for name in archive.namelist()}
    assert len(folders) == len(people)
    assert all(not set(f) & set('/\\:*?"<>|') for f in folders)
