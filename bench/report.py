"""The network report for a fair of 10,000 attendees: figures and PDF, beside a bare floor.

    python bench/report.py [--attendees 10000] [--contacts 5000] [--runs 3]

One data folder: an event of --attendees people from ~300 organisations of realistic names
and types, 40 projects, topics from a list of 30; 80 % arrived, 3 % walk-ins; --contacts
pairs who swapped contacts (a fifth of them had met at an earlier meeting of the network,
a quarter after being shown each other as a suggestion); eight suggestions shown per person.

(a) the report in this process: ``report.figures`` (live) and ``report.pdf`` — each median
    of --runs after one warm-up, and the whole (figures + PDF);
(b) the report as the organiser makes it: ``kiosk export report`` in a fresh process (cold:
    imports, fonts, WeasyPrint), median of --runs;
(c) the same run's bare floor: the headline counts by plain SQL (registered/arrived by
    organisation, contact pairs, cross-organisation pairs) and a minimal WeasyPrint PDF
    (three A4 pages: two tables and an inline SVG of 60 circles and 60 plain labels).
Wall and CPU seconds are printed: on a busy machine the wall time grows, the CPU time much
less. Target (DESIGN.md): network report for 10,000 attendees <= 5 s. Needs a Unix (resource).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk import attendees, events, report  # noqa: E402
from kiosk import db as kdb  # noqa: E402
from kiosk.attendees import AttendeeData  # noqa: E402

TARGET_S = 5.0
NETWORK = "Ausbildungsnetz Nordhessen"
ARRIVED_SHARE = 0.8
WALK_IN_SHARE = 0.03
KNOWN_SHARE = 0.2
SUGGESTED_SHARE = 0.25
SHOWN_PER_PERSON = 8
ORGANISATIONS = 300
PROJECTS = 40
TIMEOUT_S = 120

KINDS = {
    "Betrieb": ["{} GmbH", "{} GmbH & Co. KG", "Autohaus {}", "Bäckerei {}", "Elektro {} GmbH"],
    "Schule": ["{}-Schule", "Berufliche Schulen {}", "Gesamtschule {}", "Max-Eyth-Schule {}"],
    "Freier Träger": ["Jugendwerkstatt {}", "Diakonie {}", "Caritas {}", "Bildungswerk {} e.V."],
    "Kammer": ["Handwerkskammer {}", "IHK {}", "Kreishandwerkerschaft {}"],
    "Jobcenter": ["Jobcenter {}", "Jobcenter Landkreis {}"],
    "Agentur für Arbeit": ["Agentur für Arbeit {}"],
    "Kommune": ["Stadt {}, Jugendamt", "Landkreis {}, Fachdienst Jugend"],
    "Hochschule": ["Universität {}", "Hochschule {}"],
}
PLACES = [
    "Kassel", "Baunatal", "Vellmar", "Hofgeismar", "Wolfhagen", "Melsungen", "Fritzlar",
    "Homberg (Efze)", "Eschwege", "Witzenhausen", "Korbach", "Bad Arolsen", "Frankenberg",
    "Schwalmstadt", "Rotenburg a. d. Fulda", "Bad Hersfeld", "Hann. Münden", "Lohfelden",
    "Kaufungen", "Fuldatal", "Calden", "Grebenstein", "Immenhausen", "Zierenberg",
]  # fmt: skip
TOPICS = [
    "Inklusion", "Mentoring", "Azubi-Sharing", "Berufsorientierung", "Sprachförderung",
    "Praktikumsplätze", "Ausbildungsabbruch", "Digitalisierung", "Elternarbeit",
    "Betriebserkundungen", "Bewerbungstraining", "Einstiegsqualifizierung", "Teilzeitausbildung",
    "Assistierte Ausbildung", "Geflüchtete", "Fachkräftesicherung", "Pflegeberufe", "Handwerk",
    "MINT", "Nachhaltigkeit", "Übergangsmanagement", "Jugendberufsagentur", "Schulsozialarbeit",
    "Berufseinstiegsbegleitung", "Ausbildungsmessen", "Frauen in MINT", "Kooperationsverträge",
    "Lernortkooperation", "Prüfungsvorbereitung", "Wohnen für Azubis",
]  # fmt: skip
FIRST = ["Anna", "Jürgen", "Ayşe", "Małgorzata", "Jonas", "Olena", "Maximilian", "Zoë", "Emre"]
LAST = ["Müller", "Weiß", "Öztürk", "Wójcik", "Schneider", "Al-Hassan", "Becker-Lüdenscheidt"]


def organisations(rng: random.Random) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    while len(found) < ORGANISATIONS:
        kind = rng.choice(list(KINDS))
        name = rng.choice(KINDS[kind]).format(rng.choice(PLACES + LAST))
        found.setdefault(name, kind)
    return sorted(found.items())


def make_data(folder: Path, count: int, pairs: int) -> None:
    """The data folder: the fair, an earlier meeting of its network, contacts, suggestions."""
    path = folder / "kiosk.sqlite3"
    kdb.init(path)
    db = kdb.connect(path)
    rng = random.Random(2026)
    orgs = organisations(rng)
    # A few organisations send many people (a fair's big schools), most send a few.
    weights = [1 / (k + 1) ** 0.8 for k in range(len(orgs))]
    projects = [f"Projekt {p} {rng.choice(PLACES)}" for p in range(PROJECTS)]
    earlier = events.create(
        db, "Netzwerktreffen Frühjahr", event_date="2026-03-12", network=NETWORK
    )
    fair = events.create(db, "Ausbildungsmesse 2026", event_date="2026-11-22", network=NETWORK)
    stamp = "2026-11-22T09:00:00.000+00:00"
    with kdb.transaction(db):
        people = []
        for i in range(count):
            org, kind = rng.choices(orgs, weights)[0]
            people.append(
                AttendeeData(
                    first_name=rng.choice(FIRST),
                    last_name=f"{rng.choice(LAST)} {i}",
                    email=f"person{i}@example.org",
                    organisation=org,
                    organisation_type=kind,
                    project=rng.choice(projects),
                    interests=rng.sample(TOPICS, rng.randint(1, 4)),
                    offers=rng.sample(TOPICS, rng.randint(0, 2)),
                    seeks=rng.sample(TOPICS, rng.randint(0, 2)),
                )
            )
        walk_ins = set(rng.sample(range(count), round(count * WALK_IN_SHARE)))
        ids = [
            attendees.create(db, fair, p, how="walk-in" if i in walk_ins else "import")["id"]
            for i, p in enumerate(people)
        ]
        arrived = {i for i in range(count) if rng.random() < ARRIVED_SHARE} | walk_ins
        db.conn.executemany(
            "UPDATE attendees SET checked_in_at = ? WHERE id = ?",
            [(stamp, ids[i]) for i in sorted(arrived)],
        )
        chosen: set[tuple[int, int]] = set()
        while len(chosen) < pairs:
            a, b = rng.sample(ids, 2)
            chosen.add((min(a, b), max(a, b)))
        rows = []
        shown = []
        known = []
        for k, (a, b) in enumerate(sorted(chosen)):
            rows += [(fair.id, a, b, stamp, "phone"), (fair.id, b, a, stamp, "phone")]
            if k % round(1 / SUGGESTED_SHARE) == 0:
                shown.append((a, b, fair.id, "2026-11-22T08:30:00.000+00:00"))
            if k % round(1 / KNOWN_SHARE) == 1:
                known.append((a, b))
        db.conn.executemany(
            "INSERT INTO contacts (event_id, owner_id, other_id, created_at, how) "
            "VALUES (?,?,?,?,?)",
            rows,
        )
        # The earlier meeting: the known pairs' persons were there and swapped contacts.
        data_of = dict(zip(ids, people, strict=True))
        before: dict[int, int] = {}
        for a, b in known:
            for one in (a, b):
                if one not in before:
                    before[one] = attendees.create(db, earlier, data_of[one], how="import")["id"]
            db.conn.executemany(
                "INSERT INTO contacts (event_id, owner_id, other_id, created_at, how) "
                "VALUES (?,?,?,?,?)",
                [
                    (earlier.id, before[a], before[b], "2026-03-12T10:00:00.000+00:00", "phone"),
                    (earlier.id, before[b], before[a], "2026-03-12T10:00:00.000+00:00", "phone"),
                ],
            )
        taken = {(a, b) for a, b, _, _ in shown}
        for a in ids:
            for b in rng.sample(ids, SHOWN_PER_PERSON):
                if a != b and (a, b) not in taken:
                    taken.add((a, b))
                    shown.append((a, b, fair.id, "2026-11-22T09:30:00.000+00:00"))
        db.conn.executemany(
            "INSERT INTO suggestions_shown (attendee_id, other_id, event_id, first_at) "
            "VALUES (?,?,?,?)",
            shown,
        )
    db.close()


def median_time(action: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``runs`` calls after a warm-up (imports, fonts,
    WeasyPrint's caches). CPU time is what the work costs when the machine is busy."""
    action()
    walls, cpus, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus), result


BARE_SQL = [
    """SELECT organisation, count(*), count(checked_in_at) FROM attendees
    WHERE event_id = ? AND status != 'cancelled' GROUP BY organisation""",
    """SELECT count(*) FROM (SELECT DISTINCT min(owner_id, other_id), max(owner_id, other_id)
    FROM contacts WHERE event_id = ?)""",
    """SELECT count(*) FROM contacts c JOIN attendees a ON a.id = c.owner_id
    JOIN attendees b ON b.id = c.other_id
    WHERE c.event_id = ? AND c.owner_id < c.other_id AND a.organisation != b.organisation""",
]


def bare_html(rows: list[Any]) -> str:
    """Three A4 pages, the minimum a report is: two tables and a network of 60 circles."""
    rng = random.Random(1)
    table = "".join(f"<tr><td>{r[0]}</td><td>{r[1]}</td><td>{r[2]}</td></tr>" for r in rows[:40])
    circles = "".join(
        f'<circle cx="{rng.randint(20, 700)}" cy="{rng.randint(20, 680)}" r="8"/>'
        f'<text x="{rng.randint(20, 600)}" y="{rng.randint(20, 680)}" font-size="10">'
        f"{rows[k % len(rows)][0][:22]}</text>"
        for k in range(60)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 700">{circles}</svg>'
    return (
        "<style>@page{size:A4;margin:18mm} body{font:9pt 'Noto Sans'} "
        "table{break-after:page} img{width:100%}</style>"
        f"<h1>Bericht</h1><table>{table}</table><table>{table}</table>{svg}"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-report-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        make_data(folder, args.attendees, args.contacts)
        print(f"data: {args.attendees:,} attendees, {args.contacts:,} contact pairs "
              f"({time.perf_counter() - start:.1f} s to make)")  # fmt: skip
        db = kdb.connect(folder / "kiosk.sqlite3")
        event = events.current(db)

        figures_s, figures_cpu, found = median_time(lambda: report.figures(db, event), args.runs)
        pdf_s, pdf_cpu, pdf = median_time(lambda: report.pdf(db, event), args.runs)
        print(
            f"(a) in process: figures {figures_s:.2f} s (cpu {figures_cpu:.2f}), figures + PDF "
            f"{pdf_s:.2f} s (cpu {pdf_cpu:.2f}), {len(pdf) / 1e3:.0f} kB; "
            f"pairs {found['contacts']['pairs']:,}, "
            f"known {found['contacts']['known']:,}, after a suggestion "
            f"{found['contacts']['from_suggestion']:,}, organisations "
            f"{found['attendance']['organisations']:,}"
        )

        command = [
            sys.executable, "-c", "from kiosk.cli import run; run()", "--data", str(folder),
            "export", "report", "-o", str(folder / "report.pdf"),
        ]  # fmt: skip
        cold, cold_cpus = [], []
        for _ in range(args.runs):
            start, before = time.perf_counter(), _children_cpu()
            subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_S)
            cold.append(time.perf_counter() - start)
            cold_cpus.append(_children_cpu() - before)
        cold_s, cold_cpu = statistics.median(cold), statistics.median(cold_cpus)
        print(f"(b) kiosk export report (fresh process): {cold_s:.2f} s (cpu {cold_cpu:.2f})")

        def bare() -> bytes:
            rows = [db.conn.execute(BARE_SQL[0], [event.id]).fetchall()]
            for sql in BARE_SQL[1:]:
                db.conn.execute(sql, [event.id]).fetchone()
            from kiosk.badges import html_to_pdf

            return html_to_pdf(bare_html(rows[0]))

        bare_s, bare_cpu, _ = median_time(bare, args.runs)
        print(
            f"(c) bare floor in process: SQL counts + minimal PDF {bare_s:.2f} s "
            f"(cpu {bare_cpu:.2f})"
        )
        print(
            json.dumps(
                {
                    "figures_s": round(figures_s, 2),
                    "report_s": round(pdf_s, 2),
                    "report_cpu_s": round(pdf_cpu, 2),
                    "export_cold_s": round(cold_s, 2),
                    "export_cold_cpu_s": round(cold_cpu, 2),
                    "bare_s": round(bare_s, 2),
                    "bare_cpu_s": round(bare_cpu, 2),
                    "report_vs_bare_cpu": round(pdf_cpu / bare_cpu, 2),
                    "target_s": TARGET_S,
                    "within_target": cold_s <= TARGET_S,
                    "load_average": round(os.getloadavg()[0], 1),
                }
            )
        )
        db.close()


if __name__ == "__main__":
    main()
