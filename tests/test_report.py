"""The network report: exact anonymous figures, figures kept past a purge, the network picture
(labels apart, inside, escaped, the same every time) and the PDF read back."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from kiosk import attendees, checkin, contacts, events, report, retention
from kiosk import db as kdb
from kiosk import pdf as kpdf
from kiosk.attendees import AttendeeData
from kiosk.report import ReportError
from kiosk.report.labels import PAD_EM, text_em

SVG = "{http://www.w3.org/2000/svg}"
A4_PT = (595.28, 841.89)
NOTO = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
HOSTILE = [
    "<script>alert('x')</script>",
    '=HYPERLINK("http://example.com","klick")',
    "Müller & Söhne GmbH",
    "Überbetriebliche Ausbildungsstätte für Jugendliche mit besonderem Förderbedarf "
    "im Landkreis Waldeck-Frankenberg, Außenstelle Korbach-Süd",
    "Ärztekammer Öhringen-Ülzen",
]


# -- a constructed network: two earlier/later events and the one reported ---------------------


def add(db, event, first, last, org, kind, project, **lists):
    data = AttendeeData(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@example.org",
        phone="0561 4711",
        organisation=org,
        organisation_type=kind,
        project=project,
        **lists,
    )
    return attendees.create(db, event, data, how="test")


def shown(db, event, attendee, other, at):
    with kdb.transaction(db):
        db.execute(
            "INSERT INTO suggestions_shown (attendee_id, other_id, event_id, first_at) "
            "VALUES (?, ?, ?, ?)",
            [attendee["id"], other["id"], event.id, at],
        )


@pytest.fixture
def net(db):
    """The autumn meeting of "Testnetz", with a spring meeting before it (Anna and Ben swapped
    contacts there), a meeting after it and one of another network (pairs that don't count)."""
    spring = events.create(db, "Frühjahrstreffen", event_date="2026-03-10", network="Testnetz")
    later = events.create(db, "Wintertreffen", event_date="2027-01-20", network="Testnetz")
    other = events.create(db, "Anderes Netz", event_date="2026-01-01", network="Andernetz")
    autumn = events.create(db, "Herbsttreffen", event_date="2026-11-22", network="Testnetz")
    people: dict[str, Any] = {}

    def everyone(event):
        return {
            "anna": add(
                db, event, "Anna", "Schmidt", "Max-Eyth-Schule", "Schule", "Berufsorientierung",
                interests=["Inklusion", "Mentoring"],
            ),
            "ben": add(
                db, event, "Ben", "Weber", "Elektro Nowak GmbH", "Betrieb", "Azubi-Sharing",
                interests=["Inklusion"], offers=["Praktikumsplätze"],
            ),
            "carla": add(
                db, event, "Carla", "Öztürk", "elektro nowak GmbH", "Betrieb", "Azubi-Sharing",
                interests=["Mentoring"],
            ),
            "dora": add(
                db, event, "Dora", "Klein", "Jobcenter Kassel", "Jobcenter", "Berufsorientierung",
                seeks=["Praktikumsplätze"],
            ),
        }  # fmt: skip

    before = everyone(spring)
    contacts.swap(db, spring, before["anna"]["id"], before["ben"]["id"], how="phone")
    after = everyone(later)
    contacts.swap(db, later, after["anna"]["id"], after["dora"]["id"], how="phone")
    elsewhere = everyone(other)
    contacts.swap(db, other, elsewhere["carla"]["id"], elsewhere["dora"]["id"], how="phone")

    people.update(everyone(autumn))
    people["emil"] = add(
        db, autumn, "Emil", "Wolf", "Max-Eyth-Schule", "Schule", "", interests=["Inklusion"]
    )
    people["gustav"] = add(db, autumn, "Gustav", "Graf", "Handwerkskammer", "Kammer", "")
    with kdb.transaction(db):
        db.execute(
            "UPDATE attendees SET status = 'cancelled' WHERE id = ?", [people["gustav"]["id"]]
        )
    for key in ("anna", "ben", "carla", "dora"):
        checkin.check_in(db, autumn, people[key]["id"], desk="Eingang")
    walk_in = AttendeeData(
        first_name="Fiona",
        last_name="Fuchs",
        email="fiona.fuchs@example.org",
        organisation="Caritas",
        organisation_type="Freier Träger",
        project="Azubi-Sharing",
        interests=["inklusion"],
    )
    people["fiona"] = checkin.walk_in(db, autumn, walk_in, desk="Eingang").attendee

    p = people
    shown(db, autumn, p["dora"], p["fiona"], "2000-01-01T00:00:00.000+00:00")  # before: acted on
    shown(db, autumn, p["anna"], p["dora"], "2999-01-01T00:00:00.000+00:00")  # after: not
    shown(db, autumn, p["ben"], p["dora"], "2000-01-01T00:00:00.000+00:00")  # never met
    for a, b in [("anna", "ben"), ("ben", "carla"), ("anna", "dora"), ("carla", "fiona"),
                 ("dora", "fiona")]:  # fmt: skip
        contacts.swap(db, autumn, p[a]["id"], p[b]["id"], how="phone")
    # One side removing the contact from their list does not undo that the pair met.
    mine = next(
        c for c in contacts.list_for(db, p["fiona"]["id"]) if c["other_id"] == p["dora"]["id"]
    )
    contacts.remove(db, p["fiona"]["id"], mine["id"])
    return autumn, people


EXPECTED = {
    "version": 1,
    "event": {"name": "Herbsttreffen", "date": "2026-11-22", "network": "Testnetz"},
    "attendance": {
        "registered": 6,
        "arrived": 5,
        "arrived_on_site": 5,
        "arrived_online": 0,
        "not_arrived": 1,
        "cancelled": 1,
        "walk_ins": 1,
        "organisations": 4,
        "organisations_arrived": 4,
        "projects": 2,
        "projects_arrived": 2,
        "by_organisation_type": [
            {"name": "Betrieb", "registered": 2, "arrived": 2},
            {"name": "Schule", "registered": 2, "arrived": 1},
            {"name": "Freier Träger", "registered": 1, "arrived": 1},
            {"name": "Jobcenter", "registered": 1, "arrived": 1},
        ],
        "by_organisation": [
            {"name": "Elektro Nowak GmbH", "registered": 2, "arrived": 2, "type": "Betrieb"},
            {"name": "Max-Eyth-Schule", "registered": 2, "arrived": 1, "type": "Schule"},
            {"name": "Caritas", "registered": 1, "arrived": 1, "type": "Freier Träger"},
            {"name": "Jobcenter Kassel", "registered": 1, "arrived": 1, "type": "Jobcenter"},
        ],
        "by_project": [
            {"name": "Azubi-Sharing", "registered": 3, "arrived": 3},
            {"name": "Berufsorientierung", "registered": 2, "arrived": 2},
            {"name": "", "registered": 1, "arrived": 0},
        ],
    },
    "contacts": {
        "pairs": 5,
        "people": 5,
        "cross_organisation": 4,
        "cross_project": 2,
        "new": 4,
        "known": 1,
        "from_suggestion": 1,
    },
    "suggestions": {"shown": 3, "people": 3},
    "topics": [
        {"name": "Inklusion", "people": 3, "interests": 3, "offers": 0, "seeks": 0},
        {"name": "Mentoring", "people": 2, "interests": 2, "offers": 0, "seeks": 0},
        {"name": "Praktikumsplätze", "people": 2, "interests": 0, "offers": 1, "seeks": 1},
    ],
    "network": {
        "organisation": {
            "nodes": [
                {"name": "Elektro Nowak GmbH", "attendees": 2},
                {"name": "Caritas", "attendees": 1},
                {"name": "Jobcenter Kassel", "attendees": 1},
                {"name": "Max-Eyth-Schule", "attendees": 1},
            ],
            "edges": [
                {"a": "Caritas", "b": "Elektro Nowak GmbH", "contacts": 1},
                {"a": "Caritas", "b": "Jobcenter Kassel", "contacts": 1},
                {"a": "Elektro Nowak GmbH", "b": "Max-Eyth-Schule", "contacts": 1},
                {"a": "Jobcenter Kassel", "b": "Max-Eyth-Schule", "contacts": 1},
            ],
        },
        "project": {
            "nodes": [
                {"name": "Azubi-Sharing", "attendees": 3},
                {"name": "Berufsorientierung", "attendees": 2},
            ],
            "edges": [{"a": "Azubi-Sharing", "b": "Berufsorientierung", "contacts": 2}],
        },
    },
}


def without_time(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k != "computed_at"}


# -- figures ------------------------------------------------------------------------------------


def test_figures_are_exact_for_a_constructed_event(db, net) -> None:
    event, _ = net
    found = report.compute(db, event)
    assert without_time(found) == EXPECTED
    assert found["computed_at"]


def test_figures_are_json_and_hold_nothing_personal(db, net) -> None:
    event, people = net
    report.store(db, event)
    row = kdb.one(db, "SELECT figures FROM report_figures WHERE event_id = ?", [event.id])
    text = row["figures"]
    assert json.loads(text)["contacts"]["pairs"] == 5
    for person in people.values():
        for field in ("first_name", "last_name", "email", "phone", "code", "secret"):
            value = person[field]
            if value:
                assert value.lower() not in text.lower(), (field, value)
    assert "@" not in text
    keys = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(json.loads(text))
    assert not keys & {"id", "email", "first_name", "last_name", "code", "person_id"}


def test_figures_after_the_purge_are_the_stored_ones(db, net) -> None:
    event, _ = net
    kept = report.compute(db, event)
    retention.purge(db, event, who="organiser")  # stores the figures, then deletes
    assert not kdb.rows(db, "SELECT id FROM attendees WHERE event_id = ?", [event.id])
    found = report.figures(db, event)
    assert without_time(found) == without_time(kept) == EXPECTED
    assert found == report.stored(db, event)
    # Computed now, there would be nothing left to count.
    assert report.compute(db, event)["attendance"]["registered"] == 0


def test_an_erased_persons_contacts_leave_the_figures(db, net) -> None:
    event, people = net
    retention.erase(db, event, people["fiona"]["id"], who="organiser")
    found = report.compute(db, event)["contacts"]
    assert found["pairs"] == 3  # Carla–Fiona and Dora–Fiona are gone with Fiona
    assert found["cross_organisation"] == 2 and found["from_suggestion"] == 0


def test_figures_are_live_while_the_attendees_are_there(db, net) -> None:
    event, people = net
    report.store(db, event)
    contacts.swap(db, event, people["anna"]["id"], people["carla"]["id"], how="phone")
    assert report.figures(db, event)["contacts"]["pairs"] == 6
    assert report.stored(db, event)["contacts"]["pairs"] == 5


def test_figures_of_an_empty_event(db, event) -> None:
    found = report.figures(db, event)
    assert found["attendance"]["registered"] == 0
    assert found["contacts"]["pairs"] == 0
    assert found["topics"] == []
    assert found["network"]["organisation"] == {"nodes": [], "edges": []}


# -- the PDF ------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)


def assert_a4_pages(reader: PdfReader) -> None:
    assert 1 <= len(reader.pages) <= 3
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_PT, abs=1)


def test_the_pdf_shows_the_figures_in_german(db, net) -> None:
    event, _ = net
    reader, text = pdf_text(report.pdf(db, event))
    assert_a4_pages(reader)
    assert "Netzwerkbericht" in text
    assert "Herbsttreffen" in text and "22.11.2026" in text and "Testnetz" in text
    assert "Von 6 Angemeldeten sind 5 gekommen (83 %)" in text
    assert "Eine Person hat sich spontan vor Ort angemeldet" in text
    assert "Eine Anmeldung wurde storniert" in text
    assert "Elektro Nowak GmbH" in text and "Freier Träger" in text
    assert "4 zwischen verschiedenen Organisationen · 80 % von 5 Kontakten" in text
    assert "2 zwischen verschiedenen Projekten · 40 % von 5 Kontakten" in text
    assert "4 neue Verbindungen" in text
    assert "1 bekannt von früheren Treffen des Netzwerks" in text
    assert "1 nach einem Vorschlag von kiosk" in text
    assert "Inklusion 3 3 0 0" in text
    assert "Praktikumsplätze 2 0 1 1" in text
    assert "Netzwerk der Organisationen" in text
    for person in ("Schmidt", "Öztürk", "example.org"):
        assert person not in text


def test_the_pdf_in_english(db, net) -> None:
    event, _ = net
    reader, text = pdf_text(report.pdf(db, event, lang="en"))
    assert_a4_pages(reader)
    assert "Network report" in text and "22 Nov 2026" in text
    assert "Of 6 registered people, 5 came (83%)" in text
    assert "4 between different organisations · 80% of 5 contacts" in text
    assert "Network of organisations" in text


def test_the_pdf_of_a_purged_event_renders_from_the_stored_figures(db, net) -> None:
    event, _ = net
    retention.purge(db, event, who="organiser")
    reader, text = pdf_text(report.pdf(db, event))
    assert_a4_pages(reader)
    assert "Von 6 Angemeldeten sind 5 gekommen (83 %)" in text


def test_the_pdf_of_an_empty_event(db, event) -> None:
    reader, text = pdf_text(report.pdf(db, event))
    assert_a4_pages(reader)
    assert "Es wurden keine Kontakte über kiosk getauscht" in text


def test_an_unknown_language_is_refused(db, event) -> None:
    with pytest.raises(ReportError) as refused:
        report.pdf(db, event, lang="fr")
    assert refused.value.code == "bad_language"


def big_figures(names: list[str], seed: int = 5) -> dict[str, Any]:
    """Figures of a big fair: many organisations, long and hostile names, every list full."""
    rng = random.Random(seed)

    def rows(items: list[str]) -> list[dict[str, Any]]:
        return [{"name": n, "registered": 90 - i, "arrived": 80 - i} for i, n in enumerate(items)]

    def network(items: list[str]) -> dict[str, Any]:
        return {
            "nodes": [{"name": n, "attendees": rng.randint(1, 60)} for n in items],
            "edges": [
                {"a": a, "b": b, "contacts": rng.randint(1, 9)}
                for a, b in (rng.sample(items, 2) for _ in range(2 * len(items)))
            ],
        }

    organisations = rows(names)
    for row in organisations:
        row["type"] = "Betrieb"
    projects = names[:40]
    return {
        "version": 1,
        "computed_at": "2026-11-22T18:00:00.000+00:00",
        "event": {"name": "Ausbildungsmesse", "date": "2026-11-22", "network": "Stadtnetz"},
        "attendance": {
            "registered": 10_000,
            "arrived": 8_123,
            "not_arrived": 1_877,
            "cancelled": 12,
            "walk_ins": 321,
            "organisations": len(names),
            "organisations_arrived": len(names),
            "projects": len(projects),
            "projects_arrived": len(projects),
            "by_organisation_type": rows([f"Art {n}" for n in names[:14]]),
            "by_organisation": organisations,
            "by_project": rows(projects),
        },
        "contacts": {
            "pairs": 5_000,
            "people": 6_000,
            "cross_organisation": 4_500,
            "cross_project": 3_000,
            "new": 4_000,
            "known": 1_000,
            "from_suggestion": 1_200,
        },
        "suggestions": {"shown": 80_000, "people": 7_000},
        "topics": [
            {"name": n, "people": 100 - i, "interests": 50, "offers": 30, "seeks": 20}
            for i, n in enumerate(names[:15])
        ],
        "network": {"organisation": network(names), "project": network(projects)},
    }


def test_hostile_names_are_shown_as_written_in_the_pdf(db, event) -> None:
    names = HOSTILE + realistic_names(195, seed=11)
    html = report.html(big_figures(names), event)
    assert "<script>alert" not in html
    pdf = kpdf.html_to_pdf(html)
    reader, text = pdf_text(pdf)
    assert_a4_pages(reader)
    assert "<script>alert('x')</script>" in text
    assert '=HYPERLINK("http://example.com","klick")' in text
    assert "Müller & Söhne GmbH" in text
    assert "Ärztekammer Öhringen-Ülzen" in text
    assert "Überbetriebliche Ausbildungsstätte für Jugendliche mit…" in text
    assert "8.123" in text and "weitere (190 Organisationen)" in text


# -- the network picture ------------------------------------------------------------------------

PARTS = [
    "Berufsbildungswerk", "Nordhessen", "gGmbH", "Max-Eyth-Schule", "Kassel", "Jugendhilfe",
    "Agentur für Arbeit", "Handwerkskammer", "Verkehrsbetriebe", "Diakonie", "Caritas", "Elektro",
    "Nowak GmbH", "& Co. KG", "Jobcenter", "Landkreis", "Werra-Meißner", "Kompetenzagentur",
    "Übergang Schule–Beruf", "IHK", "e.V.", "Stadt", "Bäckerei Öztürk", "Schulamt", "Wohnungsbau",
]  # fmt: skip


def realistic_names(count: int, seed: int) -> list[str]:
    """Organisation names of realistic lengths (one to five parts), all different."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        name = " ".join(rng.sample(PARTS, rng.randint(1, 5)))
        if name not in found:
            found.append(name)
    return found


def random_network(count: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    names = realistic_names(count, seed)
    nodes = [{"name": n, "attendees": rng.randint(1, 40)} for n in names]
    edges = [
        {"a": a, "b": b, "contacts": rng.randint(1, 12)}
        for a, b in (rng.sample(names, 2) for _ in range(2 * count))
    ]
    return nodes, edges


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    return [
        (float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") == "label-box"
    ]


def view_box(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    return width, height


@pytest.mark.parametrize("count", [5, 30, 60])
def test_labels_never_overlap_and_stay_inside(count: int) -> None:
    nodes, edges = random_network(count)
    root = parse(report.network_svg(nodes, edges, width=720, height=540))
    width, height = view_box(root)
    found = boxes(root)
    assert len(found) == count  # every group has its name
    # A box may be rounded to 0.1 when written; overlaps by less than that are none.
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in itertools.combinations(found, 2):
        apart = (
            x1 + w1 <= x2 + 0.1 or x2 + w2 <= x1 + 0.1 or y1 + h1 <= y2 + 0.1 or y2 + h2 <= y1 + 0.1
        )
        assert apart, ((x1, y1, w1, h1), (x2, y2, w2, h2))
    for x, y, w, h in found:
        assert x >= 0 and y >= 0 and x + w <= width + 0.05 and y + h <= height + 0.05
    circles = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
        for c in root.iter(f"{SVG}circle")
    ]
    assert len(circles) == count
    for cx, cy, r in circles:
        assert r <= cx <= width - r and r <= cy <= height - r
        for x, y, w, h in found:  # no name covers a circle
            nx, ny = min(max(cx, x), x + w), min(max(cy, y), y + h)
            assert (nx - cx) ** 2 + (ny - cy) ** 2 >= (r + 0.5) ** 2


@pytest.mark.parametrize("count", [5, 60])
def test_label_text_fits_its_box(count: int) -> None:
    nodes, edges = random_network(count)
    root = parse(report.network_svg(nodes, edges))
    font = float(
        next(g for g in root.iter(f"{SVG}g") if g.get("class") == "labels").get("font-size")
    )
    for label in (g for g in root.iter(f"{SVG}g") if g.get("class") == "label"):
        rect = label.find(f"{SVG}rect")
        x, y = float(rect.get("x")), float(rect.get("y"))
        w, h = float(rect.get("width")), float(rect.get("height"))
        for span in label.iter(f"{SVG}tspan"):
            # Each line is drawn to its given length, whatever font the laptop has.
            assert span.get("lengthAdjust") == "spacingAndGlyphs"
            length = float(span.get("textLength"))
            assert length == pytest.approx(text_em(span.text) * font, abs=0.1)
            assert x + PAD_EM * font - 0.1 <= float(span.get("x"))
            assert float(span.get("x")) + length <= x + w + 0.1
            assert y < float(span.get("y")) < y + h


@pytest.mark.parametrize("font_file", [NOTO, DEJAVU], ids=["noto", "dejavu"])
def test_estimated_widths_are_near_the_real_fonts(font_file: Path) -> None:
    """The estimate is the length each line is drawn to: Noto Sans (and Arial) are drawn at
    their own width or a little wider; DejaVu Sans, the widest, is squeezed a little."""
    if not font_file.exists():
        pytest.skip(f"no {font_file.name} here")
    from fontTools.ttLib import TTFont

    font = TTFont(str(font_file))
    cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    for name in realistic_names(200, seed=3) + HOSTILE:
        real = sum(metrics[cmap[ord(c)]][0] for c in name) / units
        ratio = text_em(name) / real
        if font_file == NOTO:
            assert 1.0 <= ratio <= 1.2, (name, ratio)
        else:
            assert 0.88 <= ratio <= 1.1, (name, ratio)


def test_beyond_sixty_the_biggest_are_shown_and_the_rest_counted() -> None:
    nodes, edges = random_network(75)
    root = parse(report.network_svg(nodes, edges))
    assert len(list(root.iter(f"{SVG}circle"))) == 60
    biggest = sorted(nodes, key=lambda n: -n["attendees"])[:50]
    titles = {t.text for t in root.iter(f"{SVG}title")}
    assert all(any(t and t.startswith(n["name"] + ":") for t in titles) for n in biggest)
    note = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "note")
    assert note.text == "60 von 75 gezeigt – 15 kleinere nicht gezeigt"
    assert len(boxes(root)) == 60


def test_the_picture_is_the_same_every_time() -> None:
    nodes, edges = random_network(30)
    first = report.network_svg(nodes, edges)
    assert report.network_svg(list(reversed(nodes)), list(reversed(edges))) == first
    code = (
        "import json, sys; from kiosk.report import network_svg; "
        "n, e = json.load(sys.stdin); sys.stdout.write(network_svg(n, e))"
    )
    for seed in ("1",):
        other = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps([nodes, edges]),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        assert other == first


def test_hostile_names_are_escaped_and_readable_in_the_picture() -> None:
    names = HOSTILE + realistic_names(10, seed=1)
    nodes = [{"name": n, "attendees": 5} for n in names]
    edges = [{"a": HOSTILE[0], "b": HOSTILE[1], "contacts": 3}]
    svg = report.network_svg(nodes, edges)
    assert "<script>" not in svg
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    tips = {t.text for t in root.iter(f"{SVG}title")}
    for name in HOSTILE:
        assert name in tips  # the whole name, as written, in its tooltip
    lines = [s.text for s in root.iter(f"{SVG}tspan")]
    assert "<script>alert('x')</script>" in lines
    assert '=HYPERLINK("http://' in lines  # split after the slash, onto two lines
    assert "Müller & Söhne GmbH" in lines
    long_lines = [line for line in lines if line.startswith("Überbetriebliche")]
    assert long_lines and all(len(line) <= 30 for line in long_lines)
    assert any(line.endswith("…") for line in lines)


def test_an_empty_picture_says_so() -> None:
    root = parse(report.network_svg([], []))
    assert "Noch keine Daten" in "".join(root.itertext())


def test_the_organisers_picture_by_organisation_and_by_project(db, net) -> None:
    event, _ = net
    by_org = parse(report.picture(db, event))
    assert len(boxes(by_org)) == 4
    by_project = parse(report.picture(report.figures(db, event), event, by="project"))
    assert {s.text for s in by_project.iter(f"{SVG}tspan")} == {
        "Azubi-Sharing",
        "Berufsorientierung",
    }
    with pytest.raises(ReportError) as refused:
        report.picture(db, event, by="person")
    assert refused.value.code == "bad_grouping"


def test_for_print_the_lines_are_a_few_paths_and_the_rest_is_the_same() -> None:
    nodes, edges = random_network(60)
    page = parse(report.network_svg(nodes, edges))
    printed = parse(report.network_svg(nodes, edges, tooltips=False, lang="en"))
    assert boxes(printed) == boxes(page)
    assert len(list(printed.iter(f"{SVG}title"))) == 1  # the picture's own
    lines = next(g for g in printed.iter(f"{SVG}g") if g.get("class") == "edges")
    assert all(p.tag == f"{SVG}path" for p in lines)
    segments = sum(p.get("d").count("M") for p in lines)
    widths = {e.get("stroke-width") for e in page.iter(f"{SVG}line") if e.get("stroke-width")}
    assert len(lines) == len(widths) < segments / 4  # one path per line width
    assert segments == len(
        [e for e in page.iter(f"{SVG}line") if e.find(f"{SVG}title") is not None]
    )
    assert printed.get("aria-label").startswith("Network: 60 groups")
