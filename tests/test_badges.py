"""Badges: layouts, text fitting, QR codes, fonts and the print log, checked on real PDFs."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from kiosk import attendees, badges, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

from conftest import SHARED_DATA

PUBLIC_URL = "http://192.168.178.20:8000"
MM_PER_PT = 25.4 / 72
#: Positions are compared to this many millimetres (the brief asks for 0.5 mm).
TOLERANCE_MM = 0.5

LONG_NAME = ("Maximilian", "Becker-Lüdenscheidt von Brühl")
LONG_ORGANISATION = (
    "Berufsbildungswerk Nordhessen für Jugendliche mit besonderem Förderbedarf gGmbH"
)


def add(db: Any, event: events.Event, first: str, last: str = "", **more: Any) -> dict[str, Any]:
    return attendees.create(
        db, event, AttendeeData(first_name=first, last_name=last, **more), how="test"
    )


def chars_mm(pdf: bytes, page: int = 0) -> list[dict[str, Any]]:
    """The characters on a page with their boxes in mm from the top-left corner."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [
            {
                "text": c["text"],
                "x0": c["x0"] * MM_PER_PT,
                "x1": c["x1"] * MM_PER_PT,
                "top": c["top"] * MM_PER_PT,
                "bottom": c["bottom"] * MM_PER_PT,
            }
            for c in doc.pages[page].chars
        ]


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        (float(p.mediabox.width) * MM_PER_PT, float(p.mediabox.height) * MM_PER_PT)
        for p in reader.pages
    ]


def decode_qr_codes(pdf: bytes, page: int = 0, dpi: int = 200) -> list[str]:
    """Every QR code on a page, read by zxing-cpp from the page rendered by pdfium, once each
    (zxing now and then reports one code twice: 3 of 150 sheets of four in a trial)."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[page].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return list(dict.fromkeys(r.text for r in found))


def text_in(chars: list[dict[str, Any]], x0: float, top: float, x1: float, bottom: float) -> str:
    """The characters whose centre lies inside a rectangle (mm)."""
    inside = [
        c
        for c in chars
        if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]
    return "".join(c["text"] for c in inside)


# -- the layout table --------------------------------------------------------------------------

REQUIRED_LAYOUTS = {
    "a6",
    "a6-4up",
    "avery-l4785",
    "herma-4412",
    "durable-1456",
    "durable-1445",
    "brother-dk11202",
    "brother-62-roll",
}


def test_layout_table_has_every_required_layout_and_a_dymo_label() -> None:
    found = badges.layouts()
    assert set(found) >= REQUIRED_LAYOUTS
    assert any(name.startswith("dymo-") and lay.kind == "label" for name, lay in found.items())
    assert (found["avery-l4785"].badge_w, found["avery-l4785"].badge_h) == (80, 50)
    assert found["avery-l4785"].per_page == 10
    assert (found["durable-1456"].columns, found["durable-1456"].rows) == (2, 4)
    assert (found["durable-1445"].badge_w, found["durable-1445"].badge_h) == (90, 54)
    assert found["durable-1445"].per_page == 10
    assert found["a6-4up"].per_page == 4


@pytest.mark.parametrize("name", sorted(badges.layouts()))
def test_every_badge_position_lies_on_the_page_without_overlap(name: str) -> None:
    lay = badges.get_layout(name)
    cells = [lay.slot_origin(i) for i in range(lay.per_page)]
    for x, y in cells:
        assert x >= 0 and y >= 0
        assert x + lay.badge_w <= lay.page_w + 1e-6 and y + lay.badge_h <= lay.page_h + 1e-6
    for i, (ax, ay) in enumerate(cells):
        for bx, by in cells[i + 1 :]:
            apart_x = ax + lay.badge_w <= bx + 1e-6 or bx + lay.badge_w <= ax + 1e-6
            apart_y = ay + lay.badge_h <= by + 1e-6 or by + lay.badge_h <= ay + 1e-6
            assert apart_x or apart_y
    if lay.kind == "label":
        assert (lay.page_w, lay.page_h) == (lay.badge_w, lay.badge_h)


@pytest.mark.parametrize("name", sorted(badges.layouts()))
def test_badge_areas_stay_inside_the_badge_and_apart(name: str) -> None:
    lay = badges.get_layout(name)
    design = badges.design_for(lay)
    boxes = design.boxes()
    for area, r in boxes.items():
        assert r.x >= -1e-6 and r.y >= -1e-6, area
        assert r.right <= lay.badge_w + 1e-6 and r.bottom <= lay.badge_h + 1e-6, area
        assert r.w > 0 and r.h > 0, area
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ra, rb = boxes[a], boxes[b]
            overlap_x = min(ra.right, rb.right) - max(ra.x, rb.x)
            overlap_y = min(ra.bottom, rb.bottom) - max(ra.y, rb.y)
            assert overlap_x <= 1e-6 or overlap_y <= 1e-6, (a, b)
    assert design.qr.w >= badges.QR_MIN_MM - 0.5


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(badges.BadgeError) as info:
        badges.get_layout("avery-9999")
    assert info.value.code == "unknown_layout"


# -- PDFs: page size, badges per page, text in its cell ------------------------------------------


@pytest.mark.parametrize("name", sorted(badges.layouts()))
def test_pdf_page_is_the_layout_page_and_holds_its_badges(
    db: Any, event: events.Event, name: str
) -> None:
    lay = badges.get_layout(name)
    count = min(lay.per_page + 1, 5) if lay.per_page > 1 else 2
    people = [add(db, event, f"Vorname{i:02d}", f"Nachname{i:02d}") for i in range(count)]
    pdf = badges.render_pdf(event, people, lay, public_url=PUBLIC_URL)

    sizes = page_sizes_mm(pdf)
    expected_pages = -(-count // lay.per_page)
    assert len(sizes) == expected_pages
    for w, h in sizes:
        assert abs(w - lay.page_w) <= TOLERANCE_MM and abs(h - lay.page_h) <= TOLERANCE_MM
    chars = chars_mm(pdf, 0)
    on_first_page = min(count, lay.per_page)
    for i in range(on_first_page):
        x, y = lay.slot_origin(i)
        cell = text_in(chars, x, y, x + lay.badge_w, y + lay.badge_h)
        assert f"Vorname{i:02d}" in cell and f"Nachname{i:02d}" in cell
        assert event.name in cell
    expected = {badges.qr_text(PUBLIC_URL, p["code"]) for p in people[:on_first_page]}
    assert set(decode_qr_codes(pdf, 0, dpi=150)) == expected


def test_sheet_puts_each_badge_in_its_own_cell(db: Any, event: events.Event) -> None:
    lay = badges.get_layout("avery-l4785")
    people = [
        add(db, event, f"Person{i:02d}", "Muster", organisation=f"Firma {i:02d}") for i in range(12)
    ]
    people = attendees.list_for_event(db, event.id)
    pdf = badges.render_pdf(event, people, lay, public_url=PUBLIC_URL)
    assert len(page_sizes_mm(pdf)) == 2
    chars = chars_mm(pdf, 0)
    for i, person in enumerate(people[:10]):
        x, y = lay.slot_origin(i)
        cell = text_in(chars, x, y, x + lay.badge_w, y + lay.badge_h)
        assert person["first_name"] in cell
        assert person["organisation"] in cell
        others = [p["first_name"] for j, p in enumerate(people[:10]) if j != i]
        assert not any(o in cell for o in others)
    # nothing is printed between the labels
    gutter = text_in(chars, 18 + 80 + 0.5, 0, 113 - 0.5, 297)
    assert gutter == ""
    second = "".join(c["text"] for c in chars_mm(pdf, 1))
    assert people[10]["first_name"] in second and people[11]["first_name"] in second


def test_a_large_batch_is_split_over_worker_processes_in_order(event: events.Event) -> None:
    people = [
        {"id": i, "code": f"{i:020d}", "first_name": f"Person{i:03d}", "last_name": "Teil"}
        for i in range(210)
    ]
    seen: list[tuple[int, int]] = []
    pdf = badges.render_pdf(
        event,
        people,
        badges.get_layout("avery-l4785"),
        public_url=PUBLIC_URL,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(page_sizes_mm(pdf)) == 21
    assert len(seen) >= 2 and seen[-1] == (210, 210)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        firsts = [re.findall(r"Person(\d{3})", p.extract_text() or "") for p in doc.pages]
    assert [int(n) for page in firsts for n in page] == list(range(210))


def test_qr_codes_decode_to_each_attendees_badge_url(db: Any, event: events.Event) -> None:
    people = [add(db, event, f"Scan{i}", "Test") for i in range(10)]
    pdf = badges.render_pdf(event, people, badges.get_layout("avery-l4785"), public_url=PUBLIC_URL)
    decoded = decode_qr_codes(pdf)
    assert len(decoded) == 10
    expected = {badges.badge_url(PUBLIC_URL, p["code"]) for p in people}
    # scheme and host are printed in capitals (QR alphanumeric mode); URLs ignore their case
    assert {badges.qr_text(PUBLIC_URL, p["code"]) for p in people} == set(decoded)
    for text in decoded:
        scheme_host, path = text.split("/b/")
        assert f"{scheme_host.lower()}/b/{path}" in expected
        assert attendees.find_code(text) in {p["code"] for p in people}


def test_qr_text_uses_capitals_only_where_case_does_not_matter() -> None:
    code = "0123456789ABCDEFGHIJ"
    assert badges.badge_url("http://kiosk.test/", code) == f"http://kiosk.test/b/{code}"
    assert badges.qr_text("http://kiosk.test:8000", code) == f"HTTP://KIOSK.TEST:8000/b/{code}"
    assert badges.qr_text("https://a.example/kiosk", code) == f"HTTPS://A.EXAMPLE/kiosk/b/{code}"


def test_one_badge_pdf_is_noted_only_when_asked(db: Any, event: events.Event) -> None:
    person = add(db, event, "Walk", "In")
    badges.single_badge_pdf(db, event, person["id"], public_url=PUBLIC_URL, how="warm-up")
    pdf = badges.single_badge_pdf(
        db, event, person["id"], public_url=PUBLIC_URL, how="desk", note_pdf=True
    )
    assert pdf.startswith(b"%PDF")
    assert [(e["how"], e["kind"]) for e in badges.print_log(db, person["id"])] == [("desk", "pdf")]
    assert attendees.get(db, person["id"])["badge_print_count"] == 0
    other = events.create(db, "Andere Veranstaltung")
    with pytest.raises(badges.BadgeError) as info:
        badges.single_badge_pdf(db, other, person["id"], public_url=PUBLIC_URL, how="desk")
    assert info.value.code == "not_found"


# -- text always fits --------------------------------------------------------------------------


def test_fit_text_shrinks_then_wraps_then_shortens() -> None:
    box = badges.Box(width=40, height=10, max_pt=24, min_pt=8, bold=True)
    short = badges.fit_text("Anna", box)
    assert (short.text, short.size, short.lines) == ("Anna", 24, 1)
    longer = badges.fit_text("Maximilian-Alexander", box)
    assert longer.size < 24 and longer.text == "Maximilian-Alexander"
    wrapped = badges.fit_text("Becker-Lüdenscheidt von Brühl zu Hohenstein", box)
    assert wrapped.lines >= 2 and wrapped.text.endswith("Hohenstein")
    huge = badges.fit_text("x" * 5000, box)
    assert huge.size == 8 and huge.text.endswith("…") and len(huge.text) < 200
    assert badges.fit_text("  ", box).text == ""
    # decomposed umlauts are composed (one glyph each)
    assert badges.fit_text("Mu\u0308ller", box).text == "Müller"


@pytest.mark.parametrize("name", ["avery-l4785", "dymo-11356", "a6", "brother-62-roll"])
def test_long_names_and_organisations_stay_inside_their_boxes(
    db: Any, event: events.Event, name: str
) -> None:
    lay = badges.get_layout(name)
    design = badges.design_for(lay)
    person = add(
        db,
        event,
        *LONG_NAME,
        organisation=LONG_ORGANISATION,
        project="Assistierte Ausbildung flexibel im Landkreis Kassel",
        role="Sozialpädagogische Begleitung",
        organisation_type="Freier Träger",
        interests="Inklusion, Assistierte Ausbildung, Sprachförderung",
    )
    pdf = badges.render_pdf(event, [person], lay, public_url=PUBLIC_URL)
    chars = chars_mm(pdf)
    x, y = lay.slot_origin(0)

    def inside(area: badges.Rect) -> str:
        found = text_in(chars, x + area.x, y + area.y, x + area.right, y + area.bottom)
        for c in chars:
            cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
            if x + area.x <= cx <= x + area.right and y + area.y <= cy <= y + area.bottom:
                assert c["x0"] >= x + area.x - TOLERANCE_MM
                assert c["x1"] <= x + area.right + TOLERANCE_MM
                assert c["bottom"] <= y + area.bottom + TOLERANCE_MM
        return found

    names = inside(design.names).replace(" ", "")
    assert "".join(LONG_NAME).replace(" ", "") == names  # whole, not shortened
    details = inside(design.details).replace(" ", "")
    assert LONG_ORGANISATION.replace(" ", "") in details
    # every character is somewhere inside the badge, none beyond it
    for c in chars:
        assert x - TOLERANCE_MM <= c["x0"] and c["x1"] <= x + lay.badge_w + TOLERANCE_MM
        assert y - TOLERANCE_MM <= c["top"] and c["bottom"] <= y + lay.badge_h + TOLERANCE_MM


def test_hostile_values_print_as_harmless_text(db: Any, event: events.Event) -> None:
    lay = badges.get_layout("avery-l4785")
    hostile = add(
        db,
        event,
        "<script>alert(1)</script>{{ 7*7 }}" + "A" * 5000,
        "{% raw %}<b>x</b>",
        organisation='=HYPERLINK("http://evil.example")',
        organisation_type='Betrieb"><img src=x>',
        interests="{{ config }}, <i>kursiv</i>",
    )
    neighbour = add(db, event, "Nachbarin", "Normal")
    pdf = badges.render_pdf(event, [hostile, neighbour], lay, public_url=PUBLIC_URL)
    chars = chars_mm(pdf)
    text = "".join(c["text"] for c in chars)
    assert "<script>alert(1)</script>{{7*7}}" in text.replace(" ", "")
    assert "49" not in text
    assert "{%raw%}<b>x</b>" in text.replace(" ", "")
    cells = [lay.slot_origin(0), lay.slot_origin(1)]
    for c in chars:  # the overlong name never leaves its badge: each character is in a cell
        assert any(
            x - TOLERANCE_MM <= c["x0"]
            and c["x1"] <= x + lay.badge_w + TOLERANCE_MM
            and y - TOLERANCE_MM <= c["top"]
            and c["bottom"] <= y + lay.badge_h + TOLERANCE_MM
            for x, y in cells
        ), c
    nx, ny = lay.slot_origin(1)
    second = text_in(chars, nx, ny, nx + lay.badge_w, ny + lay.badge_h)
    assert "Nachbarin" in second and "script" not in second
    fields = badges.badge_fields(
        {"code": "0" * 20, "first_name": "B" * 5000}, badges.design_for(lay), PUBLIC_URL, {}
    )
    assert fields["first"].text.endswith("…") and len(fields["first"].text) < 100


def test_a_single_name_is_printed_large(db: Any, event: events.Event) -> None:
    person = add(db, event, "", "Nguyễn")
    fields = badges.badge_fields(
        person, badges.design_for(badges.get_layout("avery-l4785")), PUBLIC_URL, {}
    )
    assert fields["first"].text == "Nguyễn" and not fields["last"]


# -- every script prints -----------------------------------------------------------------------


def _to_unicode(data: bytes) -> dict[int, str]:
    text = data.decode("latin-1")
    found: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            found[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            base = bytes.fromhex(dst).decode("utf-16-be")
            for i, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                found[cid] = base[:-1] + chr(ord(base[-1]) + i)
    return found


def glyph_coverage(pdf: bytes) -> set[str]:
    """Characters drawn with a real glyph of a font embedded in the PDF.

    Each embedded font maps its glyphs back to text (ToUnicode); a glyph counts only if the
    embedded font program really has it — a character no font knows is drawn with a glyph id
    outside the font (an empty box) and is not counted.
    """
    covered: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", []):
                cid_font = descendant.get_object()
                assert cid_font.get("/CIDToGIDMap", "/Identity") == "/Identity"
                descriptor = cid_font["/FontDescriptor"].get_object()
                program = descriptor["/FontFile2"].get_object().get_data()
                glyphs = TTFont(io.BytesIO(program))["maxp"].numGlyphs
                mapping = _to_unicode(font["/ToUnicode"].get_object().get_data())
                for gid, text in mapping.items():
                    if 0 < gid < glyphs:
                        covered |= set(text)
    return covered


def shared_names() -> list[tuple[str, str]]:
    path = SHARED_DATA / "online-registration-export.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        names = [row["Attendee name"] for row in csv.DictReader(f)]
    return [tuple(n.split(" ", 1)) if " " in n else (n, "") for n in names]  # type: ignore[misc]


OWN_NAMES = [
    ("İsmail", "Işık Çağlayan Gündoğdu"),  # Turkish
    ("Żaneta", "Wąsowska-Łęcka"),  # Polish
    ("Ђорђе", "Јовановић"),  # Serbian Cyrillic
    ("Đorđe", "Šćekić"),  # Serbian Latin
    ("Анастасия", "Щербакова"),  # Russian
    ("فاطمة", "الزهراء"),  # Arabic, right to left
    ("Nguyễn Thị", "Phương Thảo"),  # Vietnamese
    ("Ærøskøbing", "Åsa Øster"),  # Latin with more diacritics
    ("Ελένη", "Παπαδοπούλου"),  # Greek
    ("דוד", "כהן"),  # Hebrew, right to left
    ("अमित", "शर्मा"),  # Devanagari
    ("王", "芳"),  # Chinese
    ("민준", "김"),  # Korean
    ("さくら", "山田"),  # Japanese
]


def test_every_character_of_every_name_has_a_real_glyph(db: Any, event: events.Event) -> None:
    people = [add(db, event, first, last) for first, last in [*shared_names(), *OWN_NAMES]]
    pdf = badges.render_pdf(event, people, badges.get_layout("avery-l4785"), public_url=PUBLIC_URL)
    covered = glyph_coverage(pdf)
    missing = {
        person["name"]: [c for c in person["name"] if not c.isspace() and c not in covered]
        for person in people
    }
    assert {name: chars for name, chars in missing.items() if chars} == {}
    scripts = "".join(first + last for first, last in OWN_NAMES)
    assert {"ğ", "ş", "ı", "İ", "Ł", "Ż", "ą", "Ђ", "ћ", "Щ", "ف", "ễ", "ả", "Ø"} <= set(scripts)


def test_the_glyph_check_notices_a_character_no_font_has(db: Any, event: events.Event) -> None:
    person = add(db, event, "A\u3400B", "Test")  # a CJK character no installed font has
    pdf = badges.render_pdf(event, [person], badges.get_layout("a6"), public_url=PUBLIC_URL)
    covered = glyph_coverage(pdf)
    assert {"A", "B"} <= covered
    assert "\u3400" not in covered


def test_right_to_left_names_read_in_order(db: Any, event: events.Event) -> None:
    person = add(db, event, "فاطمة", "Öztürk")
    fields = badges.badge_fields(person, badges.design_for(badges.get_layout("a6")), PUBLIC_URL, {})
    assert fields["rtl"] == {"first": True, "last": False, "organisation": False}


# -- the print log -----------------------------------------------------------------------------


def test_a_pdf_is_not_a_print_until_marked_or_confirmed(db: Any, event: events.Event) -> None:
    first = [add(db, event, f"Erste{i}", "Runde") for i in range(3)]
    pdf, count = badges.batch_pdf(db, event, public_url=PUBLIC_URL, how="batch", batch="a" * 32)
    assert count == 3 and pdf.startswith(b"%PDF")
    for person in first:
        row = attendees.get(db, person["id"])
        assert row["badge_print_count"] == 0 and row["badge_pdf_at"]
    assert badges.counts(db, event) == {"total": 3, "printed": 0, "new": 3, "pdf": 3}
    # "only new" still means never printed: a second PDF holds the same badges
    _, count = badges.batch_pdf(db, event, public_url=PUBLIC_URL, only_new=True)
    assert count == 3

    assert badges.confirm_batch_printed(db, event, "a" * 32) == 3
    assert badges.confirm_batch_printed(db, event, "a" * 32) == 0  # a second click: no change
    assert badges.counts(db, event) == {"total": 3, "printed": 3, "new": 0, "pdf": 0}
    with pytest.raises(badges.BadgeError) as info:
        badges.batch_pdf(db, event, public_url=PUBLIC_URL, only_new=True)
    assert info.value.code == "nothing_to_print"
    with pytest.raises(badges.BadgeError):
        badges.confirm_batch_printed(db, event, "b" * 32)

    late = add(db, event, "Spät", "Gekommen")
    pdf, count = badges.batch_pdf(
        db, event, public_url=PUBLIC_URL, only_new=True, how="cli", mark_printed=True
    )
    assert count == 1
    assert "Spät" in "".join(c["text"] for c in chars_mm(pdf))
    assert attendees.get(db, first[0]["id"])["badge_print_count"] == 1

    badges.single_badge_pdf(db, event, late["id"], public_url=PUBLIC_URL, how="desk")
    badges.single_badge_pdf(
        db, event, late["id"], public_url=PUBLIC_URL, how="organiser", note_pdf=True
    )
    badges.confirm_printed(db, event, late["id"])
    log = badges.print_log(db, late["id"])
    assert [(e["how"], e["kind"], e["layout"]) for e in log] == [
        ("cli", "print", badges.DEFAULT_LAYOUT),
        ("organiser", "pdf", badges.DEFAULT_SINGLE_LAYOUT),
        ("pdf, confirmed", "print", badges.DEFAULT_SINGLE_LAYOUT),
    ]
    assert attendees.get(db, late["id"])["badge_print_count"] == 2

    _, count = badges.batch_pdf(db, event, public_url=PUBLIC_URL, record=False)
    assert count == 4
    assert len(badges.print_log(db, late["id"])) == 3


def test_a_single_badge_goes_on_a_single_badge_layout_chosen_once(
    db: Any, event: events.Event
) -> None:
    person = add(db, event, "Walk", "In")
    assert badges.print_settings(db).layout == "avery-l4785"  # a sheet of ten
    assert badges.print_settings(db).single == badges.DEFAULT_SINGLE_LAYOUT == "a6"
    pdf = badges.single_badge_pdf(db, event, person["id"], public_url=PUBLIC_URL, how="t")
    [(width, height)] = page_sizes_mm(pdf)
    assert abs(width - 105) <= TOLERANCE_MM and abs(height - 148) <= TOLERANCE_MM
    with pytest.raises(badges.BadgeError) as info:
        badges.save_print_settings(db, single_layout="durable-1445")
    assert info.value.code == "not_single"
    badges.save_print_settings(db, single_layout="brother-dk11202")
    pdf = badges.single_badge_pdf(db, event, person["id"], public_url=PUBLIC_URL, how="t")
    [(width, height)] = page_sizes_mm(pdf)
    assert abs(width - 100) <= TOLERANCE_MM and abs(height - 62) <= TOLERANCE_MM
    assert {lay.name for lay in badges.single_layouts()} >= {"a6", "brother-dk11202"}
    assert all(lay.per_page == 1 for lay in badges.single_layouts())


def test_deleting_an_attendee_deletes_their_print_log(db: Any, event: events.Event) -> None:
    person = add(db, event, "Weg", "Damit")
    badges.record_prints(db, [person["id"]], how="test", layout="a6")
    attendees.delete(db, person["id"])
    assert kdb.rows(db, "SELECT * FROM badge_prints") == []


# -- printing ----------------------------------------------------------------------------------


def _fake_lp(folder: Path, exit_code: int) -> Path:
    """A stand-in for CUPS' lp that keeps what it was given (CUPS is not ours to test)."""
    script = folder / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{folder}/args"\n'
        f'cat > "{folder}/job.pdf"\n'
        f'[ {exit_code} -eq 0 ] || echo "lp: The printer or class does not exist." >&2\n'
        f"exit {exit_code}\n",
        encoding="ascii",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_print_pdf_hands_the_pdf_to_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path, 0)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    badges.print_pdf(b"%PDF-1.7 test", "Brother_QL-820NWB")
    assert (tmp_path / "args").read_text().split() == [
        "-d",
        "Brother_QL-820NWB",
        "-t",
        "kiosk",
        "badges",
        "-",
    ]
    assert (tmp_path / "job.pdf").read_bytes() == b"%PDF-1.7 test"


def test_print_pdf_reports_a_refused_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path, 1)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(badges.BadgeError) as info:
        badges.print_pdf(b"%PDF", "Nirgendwo")
    assert info.value.code == "print_failed"
    assert "does not exist" in str(info.value)
    with pytest.raises(badges.BadgeError) as info:
        badges.print_pdf(b"%PDF", "bad name; rm -rf /")
    assert info.value.code == "print_failed"


def test_print_pdf_without_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(badges.BadgeError) as info:
        badges.print_pdf(b"%PDF", "Drucker")
    assert info.value.code == "print_failed" and "lp" in str(info.value)


# -- settings: calibration, printers, colours, logo --------------------------------------------


def test_calibration_moves_everything_by_the_offset(db: Any, event: events.Event) -> None:
    person = add(db, event, "Kalibrierung", "Test")
    lay = badges.get_layout("avery-l4785")
    plain = badges.render_pdf(event, [person], lay, public_url=PUBLIC_URL)
    badges.save_calibration(db, "", 1.5, -2.0)
    offset = badges.print_settings(db).offset("")
    assert offset == (1.5, -2.0)
    shifted = badges.render_pdf(event, [person], lay, public_url=PUBLIC_URL, offset=offset)

    def first_k(pdf: bytes) -> dict[str, Any]:
        return next(c for c in chars_mm(pdf) if c["text"] == "K")

    a, b = first_k(plain), first_k(shifted)
    assert b["x0"] - a["x0"] == pytest.approx(1.5, abs=0.05)
    assert b["top"] - a["top"] == pytest.approx(-2.0, abs=0.05)
    with pytest.raises(badges.BadgeError) as info:
        badges.save_calibration(db, "", 11, 0)
    assert info.value.code == "bad_offset"


def test_print_settings_are_checked_and_kept(db: Any) -> None:
    saved = badges.save_print_settings(
        db, layout="durable-1456", single_layout="brother-dk11202", printer="Sheets_1"
    )
    assert saved.single == "brother-dk11202" and saved.desk_printer == "Sheets_1"
    again = badges.print_settings(db)
    assert (again.layout, again.single_layout, again.printer) == (
        "durable-1456",
        "brother-dk11202",
        "Sheets_1",
    )
    with pytest.raises(badges.BadgeError) as info:
        badges.save_print_settings(db, printer="Drucker; rm -rf /")
    assert info.value.code == "bad_printer"
    with pytest.raises(badges.BadgeError):
        badges.save_print_settings(db, layout="nope")


def test_band_colours_by_type_with_defaults_and_event_overrides(
    db: Any, event: events.Event
) -> None:
    assert badges.colour_for("Schule", badges.type_colours(event)) == "#2e7d32"
    assert badges.colour_for("Aussteller", {}) == badges.colour_for("aussteller", {})
    assert badges.colour_for("", {}) == badges.NO_TYPE_COLOUR
    event = badges.update_type_colours(db, event, {"Schule": "#FFEE00", "Aussteller": "#123456"})
    colours = badges.type_colours(event)
    assert colours["Schule"] == "#ffee00" and colours["Aussteller"] == "#123456"
    assert badges.text_colour_on("#ffee00") == badges.INK  # dark text on yellow
    assert badges.text_colour_on("#123456") == badges.WHITE
    with pytest.raises(badges.BadgeError) as info:
        badges.update_type_colours(db, event, {"Schule": "red; background:url(x)"})
    assert info.value.code == "bad_colour"
    person = add(db, event, "Lehrerin", "Beispiel", organisation_type="Schule")
    pdf = badges.render_pdf(event, [person], badges.get_layout("a6"), public_url=PUBLIC_URL)
    assert "SCHULE" in "".join(c["text"] for c in chars_mm(pdf))  # legible in black and white


def _png(width: int = 300, height: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 168)).save(out, format="PNG")
    return out.getvalue()


def test_logo_is_stored_in_the_data_folder_and_printed(
    app: Any, db: Any, event: events.Event
) -> None:
    person = add(db, event, "Logo", "Test")
    without = badges.render_pdf(event, [person], badges.get_layout("a6"), public_url=PUBLIC_URL)
    path = badges.save_logo(db, event, _png())
    assert path.parent == Path(app.config["DATA_DIR"]) / "badges"
    event = events.get(db, event.id)
    assert badges.logo_path(db, event) == path
    logo = badges.logo_path(db, event)
    with_logo = badges.render_pdf(
        event, [person], badges.get_layout("a6"), public_url=PUBLIC_URL, logo=logo
    )

    def images(pdf: bytes) -> int:
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        return len(page.images)

    assert images(with_logo) == images(without) + 1
    with pytest.raises(badges.BadgeError) as info:
        badges.save_logo(db, event, b"<svg onload=alert(1)>")
    assert info.value.code == "bad_logo"
    badges.remove_logo(db, event)
    assert not path.exists() and badges.logo_path(db, events.get(db, event.id)) is None


def test_assets_come_only_from_this_laptop(tmp_path: Path) -> None:
    fetch = badges.LocalFetcher([tmp_path])
    (tmp_path / "ok.png").write_bytes(_png(2, 2))
    assert fetch((tmp_path / "ok.png").as_uri()).read().startswith(b"\x89PNG")
    assert fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in ("http://example.com/logo.png", "https://cdn.example/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetch(url)
    html = '<p>x</p><img src="http://198.51.100.1/tracker.png"><img src="file:///etc/hostname">'
    assert badges.html_to_pdf(html).startswith(b"%PDF")


# -- the command line --------------------------------------------------------------------------


def test_cli_lists_layouts_and_writes_badges(runner: Any, tmp_path: Path) -> None:
    listing = runner.invoke("badges", "--list-layouts")
    assert listing.exit_code == 0
    for name in REQUIRED_LAYOUTS:
        assert name in listing.output
    assert runner.invoke("event", "create", "CLI Treffen").exit_code == 0
    no_one = runner.invoke("badges", "-o", str(tmp_path / "x.pdf"))
    assert no_one.exit_code == 1 and "No attendees" in no_one.output

    database = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    try:
        event = events.current(database)
        for i in range(3):
            add(database, event, f"Cli{i}", "Person")
    finally:
        database.close()
    out = tmp_path / "badges.pdf"
    result = runner.invoke(
        "badges",
        "--layout",
        "durable-1445",
        "--public-url",
        "https://kiosk.example",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "3 badges" in result.output
    pdf = out.read_bytes()
    assert abs(page_sizes_mm(pdf)[0][0] - 210) <= TOLERANCE_MM
    assert all(t.startswith("HTTPS://KIOSK.EXAMPLE/b/") for t in decode_qr_codes(pdf))
    assert "not marked printed" in result.output
    # a PDF is not a print: the next --only-new holds the same badges until --mark-printed
    again = runner.invoke("badges", "--only-new", "-o", str(tmp_path / "again.pdf"))
    assert again.exit_code == 0 and "3 badges" in again.output, again.output
    marked = runner.invoke("badges", "--only-new", "--mark-printed", "-o", str(out))
    assert marked.exit_code == 0 and "recorded as printed" in marked.output
    done = runner.invoke("badges", "--only-new", "-o", str(tmp_path / "done.pdf"))
    assert done.exit_code == 1 and "already" in done.output
    bad = runner.invoke("badges", "--layout", "nope", "-o", str(tmp_path / "bad.pdf"))
    assert bad.exit_code == 1 and "Unknown badge layout" in bad.output
    as_json = runner.invoke("badges", "--list-layouts", "--json")
    assert '"avery-l4785"' in as_json.output


def test_a_refused_single_print_is_not_recorded(
    db: Any, event: events.Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_in = add(db, event, "Rosa", "Walkin")
    _fake_lp(tmp_path, 1)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(badges.BadgeError):
        badges.single_badge_pdf(
            db, event, walk_in["id"], public_url=PUBLIC_URL, how="desk", printer="Nirgendwo"
        )
    assert attendees.get(db, walk_in["id"])["badge_print_count"] == 0
    _fake_lp(tmp_path, 0)
    badges.single_badge_pdf(
        db, event, walk_in["id"], public_url=PUBLIC_URL, how="desk", printer="Brother"
    )
    assert attendees.get(db, walk_in["id"])["badge_print_count"] == 1
    assert (tmp_path / "job.pdf").read_bytes().startswith(b"%PDF")


def test_a_single_print_without_a_printer_is_refused_and_not_recorded(
    db: Any, event: events.Event
) -> None:
    person = add(db, event, "Ohne", "Drucker")
    no_printer = badges.print_settings(db).desk_printer
    assert no_printer == ""  # none chosen yet
    with pytest.raises(badges.BadgeError) as info:
        badges.single_badge_pdf(
            db, event, person["id"], public_url=PUBLIC_URL, how="desk", printer=no_printer
        )
    assert info.value.code == "no_printer"
    assert badges.print_log(db, person["id"]) == []


def test_a_batch_the_printer_refuses_keeps_its_pdf_and_records_nothing(
    db: Any, event: events.Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = add(db, event, "Lena", "Sommer")
    badges.save_print_settings(db, printer="Nirgendwo")
    _fake_lp(tmp_path, 1)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    kept = tmp_path / "batch.pdf"
    with pytest.raises(badges.BadgeError) as info:
        badges.batch_pdf(db, event, public_url=PUBLIC_URL, send=True, save_to=kept)
    assert info.value.code == "print_failed"
    assert "Sommer" in "".join(c["text"] for c in chars_mm(kept.read_bytes()))
    assert attendees.get(db, person["id"])["badge_print_count"] == 0
    _fake_lp(tmp_path, 0)
    badges.batch_pdf(db, event, public_url=PUBLIC_URL, send=True)
    assert [e["how"] for e in badges.print_log(db, person["id"])] == ["lp:Nirgendwo"]
