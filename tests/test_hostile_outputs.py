"""The hostile values of ../shared/data/bad/hostile-values.csv (formulas, markup, template
syntax, SQL, a 5,000-character name, control and bidi characters) imported as names and
organisations, and read back from every output: pages, PDFs, CSV, XLSX, vCard, mail, report.
Each shows them as the text they are; none runs, none adds a header, cell formula or property."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pdfplumber
import pytest
import vobject

from kiosk import attendees, checkin, contacts, events, exports, importing, mail, report

from conftest import SHARED_DATA

HOSTILE = SHARED_DATA / "bad" / "hostile-values.csv"
SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
TEMPLATE = "{{ 7*7 }}"
FORMULA = '=HYPERLINK("http://evil.example","klick")'
SQL = "Robert'); DROP TABLE attendees;--"
RISKY_START = ("=", "+", "-", "@")


def hostile_list() -> bytes:
    """The hostile file with its first names also as organisation and interests."""
    rows = list(csv.reader(io.StringIO(HOSTILE.read_text(encoding="utf-8")), delimiter=";"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([*rows[0], "Organisation", "Interessen"])
    for first, last, email in rows[1:]:
        writer.writerow([first, last, email, first[:150], f"{first[:60]}, Inklusion"])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def hostile(db: Any, event: events.Event) -> dict[str, Any]:
    """Everybody of the hostile file imported, consenting, checked in; the script person has
    swapped contacts with everyone else."""
    result = importing.import_file(db, event, hostile_list(), "hostile.csv")
    assert result.counts["created"] == 10
    people = attendees.list_for_event(db, event.id)
    db.execute(
        "UPDATE attendees SET consent_matchmaking = 1, consent_share_contact = 1, "
        "consent_mail = 1 WHERE event_id = ?",
        [event.id],
    )
    db.conn.commit()
    script = next(a for a in people if a["first_name"] == SCRIPT)
    for other in people:
        checkin.check_in(db, event, other["id"], desk="Eingang")
        if other["id"] != script["id"]:
            contacts.swap(db, event, script["id"], other["id"], how="phone")
    return {
        "people": attendees.list_for_event(db, event.id),
        "script": attendees.get(db, script["id"]),
    }


def assert_page_is_harmless(html: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def pdf_text(body: bytes) -> str:
    with pdfplumber.open(io.BytesIO(body)) as document:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in document.pages)


def assert_cells_are_text(cells: list[str]) -> None:
    assert not [c for c in cells if c.startswith(RISKY_START)]


# -- pages ---------------------------------------------------------------------------------------


def test_organiser_pages(organiser: Any, hostile: dict[str, Any]) -> None:
    script = hostile["script"]
    for path in (
        "/admin/attendees",
        f"/admin/attendees/{script['id']}",
        "/admin/dashboard",
        "/admin/matching",
        "/admin/after",
        "/admin/badges",
    ):
        answer = organiser.get(path)
        assert answer.status_code == 200, path
        html = answer.get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html, path


def test_desk_pages(organiser: Any, hostile: dict[str, Any]) -> None:
    script = hostile["script"]
    found = organiser.get("/desk/search?q=Skript", headers={"HX-Request": "true"})
    assert_page_is_harmless(found.get_data(as_text=True))
    card = organiser.get(f"/desk/attendee/{script['id']}", headers={"HX-Request": "true"})
    assert_page_is_harmless(card.get_data(as_text=True))
    scanned = organiser.post(
        "/desk/scan", data={"code": script["code"]}, headers={"HX-Request": "true"}
    )
    assert_page_is_harmless(scanned.get_data(as_text=True))


def test_attendee_pages(client: Any, hostile: dict[str, Any]) -> None:
    script = hostile["script"]
    own = client.get(f"/me/{script['secret']}").get_data(as_text=True)
    assert_page_is_harmless(own)
    # The contacts are listed as the text they are: markup escaped, templates not run.
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;klick&#34;)" in own
    assert "Robert&#39;); DROP TABLE attendees;--" in own and TEMPLATE in own
    badge = client.get(f"/b/{script['code']}").get_data(as_text=True)
    assert_page_is_harmless(badge)


# -- PDFs ----------------------------------------------------------------------------------------


def test_badge_pdf(organiser: Any, hostile: dict[str, Any]) -> None:
    answer = organiser.get(f"/badges/{hostile['script']['id']}.pdf")
    assert answer.status_code == 200
    assert SCRIPT in pdf_text(answer.data)


def test_summary_pdf(client: Any, hostile: dict[str, Any]) -> None:
    answer = client.get(f"/me/{hostile['script']['secret']}/summary.pdf")
    text = pdf_text(answer.data)
    assert FORMULA in text and SQL in text and IMAGE in text
    assert "49" not in text.replace("2026", "")


def test_report_pdf(db: Any, event: events.Event, hostile: dict[str, Any]) -> None:
    text = pdf_text(report.pdf(db, events.get(db, event.id)))
    assert SCRIPT in text or "<script>alert(1)</" in text  # long names may be cut with "…"
    assert "AAAAAAAAAA" in text and "A" * 1000 not in text  # the long name is cut


def test_attendance_pdf(db: Any, event: events.Event, hostile: dict[str, Any]) -> None:
    text = pdf_text(exports.attendance_pdf(db, event, who="test"))
    assert f"Vorlage, {TEMPLATE}" in text and f"Skript, {SCRIPT}" in text


# -- CSV, XLSX, vCard ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["attendees", "contacts", "checkins"])
def test_csv_exports(db: Any, event: events.Event, hostile: dict[str, Any], kind: str) -> None:
    body = exports.export(db, event, kind, "csv", who="test").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    cells = [c for r in rows for c in r]
    assert_cells_are_text(cells)
    assert any(SCRIPT in c for c in cells) and any(c.startswith("'=HYPERLINK") for c in cells)
    assert all("\x00" not in c for c in cells)


@pytest.mark.parametrize("kind", ["attendees", "contacts", "checkins"])
def test_xlsx_exports(db: Any, event: events.Event, hostile: dict[str, Any], kind: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(exports.export(db, event, kind, "xlsx", who="test")))
    cells = [c for r in book.active.iter_rows() for c in r if isinstance(c.value, str)]
    assert not any(c.data_type == "f" for c in cells)
    risky = [c for c in cells if c.value.startswith(RISKY_START)]
    assert risky and all(c.quotePrefix for c in risky)
    assert any(c.value == FORMULA for c in cells)


def test_vcards(client: Any, hostile: dict[str, Any]) -> None:
    answer = client.get(f"/me/{hostile['script']['secret']}/contacts.vcf")
    cards = list(vobject.readComponents(answer.get_data(as_text=True)))
    assert len(cards) == len(hostile["people"]) - 1
    names = {card.fn.value for card in cards}
    assert f"{FORMULA} Formel" in names and f"{IMAGE} Bild" in names
    allowed = {"version", "fn", "n", "email", "tel", "org", "title", "note", "url", "uid"}
    for card in cards:  # nothing but what a contact card has
        assert set(card.contents) <= allowed, card.contents.keys()


# -- mail ----------------------------------------------------------------------------------------


def test_private_link_mails(
    db: Any, event: events.Event, hostile: dict[str, Any], smtp_server: Any
) -> None:
    mail.save_settings(
        db,
        event.id,
        {
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "security": "none",
            "sender": "orga@netzwerk.example",
            "sender_name": SCRIPT,
            "rate": "1000",
        },
        secret="test",
    )
    event = events.get(db, event.id)
    mail.send_out(db, event, "link", secret="test", base_url="http://kiosk.test")
    messages = smtp_server.sink.messages()
    assert len(messages) == len(hostile["people"])
    for message in messages:
        assert len(message.get_all("To")) == 1 and message.get_all("Bcc") is None
        assert "\n" not in str(message["Subject"])
        html = message.get_body(("html",))
        if html is not None:
            assert SCRIPT not in html.get_content() and "<img src=x" not in html.get_content()
    plain = " ".join(m.get_body(("plain",)).get_content() for m in messages)
    assert SCRIPT in plain and TEMPLATE in plain  # plain text says it as written
    assert re.search(r"Guten Tag .*Skript", plain)
