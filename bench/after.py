"""The day after, measured: summaries, exports, purge — each beside a bare floor of the same run
— then the report (bench/report.py) and the mails (bench/mail.py).

    python bench/after.py [--attendees 10000] [--summaries 1000] [--runs 3] [--skip report,mail]

One data folder made by bench/report.py's generator: an event of --attendees people (80 %
arrived, walk-ins, 5,000 contact pairs, suggestions shown) and an earlier meeting. Each phase
runs in a fresh process (its time and peak memory are its own), median of --runs:
(a) contact summaries (PDF + vCard, ZIP) of --summaries arrived people; bare: WeasyPrint
    making a one-page PDF of each person's name and contacts, one document per person;
(b) CSV and XLSX of all attendees; bare: csv.writer / openpyxl write-only on the same rows;
(c) purge of the event incl. VACUUM and the log truncated, on a copy; bare: DELETE of the
    event's rows and VACUUM.
Targets (DESIGN.md): summaries for 1,000 <= 30 s and <= 500 MB; CSV <= 1 s, XLSX <= 4 s at
10,000; purge of 10,000 <= 5 s; report for 10,000 <= 5 s; 1,000 mails to loopback <= 60 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGETS = {"summaries": 30.0, "csv": 1.0, "xlsx": 4.0, "purge": 5.0}
MEMORY_TARGET_MB = 500
#: Seconds between two samples of a phase's memory.
MEMORY_SAMPLE_S = 0.05
CONTACT_PAIRS = 5_000


# -- the phases, each run in a child process ---------------------------------------------------


def _event(db):
    from kiosk import events

    return events.by_slug(db, "ausbildungsmesse-2026")


def phase_summaries(folder: Path, count: int) -> float:
    from kiosk import attendees, summaries
    from kiosk import db as kdb

    db = kdb.connect(folder / "kiosk.sqlite3")
    event = _event(db)
    people = [a for a in attendees.list_for_event(db, event.id) if a["checked_in_at"]][:count]
    start = time.perf_counter()
    body = summaries.zip_all(db, event, who="bench", people=people)
    elapsed = time.perf_counter() - start
    assert body.startswith(b"PK")
    return elapsed


def phase_summaries_bare(folder: Path, count: int) -> float:
    from kiosk import db as kdb
    from kiosk import pdf

    db = kdb.connect(folder / "kiosk.sqlite3")
    event = _event(db)
    people = kdb.rows(
        db,
        "SELECT id, first_name, last_name FROM attendees WHERE event_id = ? "
        "AND checked_in_at IS NOT NULL ORDER BY id LIMIT ?",
        [event.id, count],
    )
    start = time.perf_counter()
    for person in people:
        names = kdb.rows(
            db,
            "SELECT a.first_name, a.last_name FROM contacts c JOIN attendees a "
            "ON a.id = c.other_id WHERE c.owner_id = ?",
            [person["id"]],
        )
        items = "".join(f"<li>{n['first_name']} {n['last_name']}</li>" for n in names)
        pdf.html_to_pdf(f"<h1>{person['first_name']} {person['last_name']}</h1><ul>{items}</ul>")
    return time.perf_counter() - start


def phase_table(folder: Path, fmt: str) -> float:
    from kiosk import db as kdb
    from kiosk import exports

    db = kdb.connect(folder / "kiosk.sqlite3")
    event = _event(db)
    start = time.perf_counter()
    exports.export(db, event, "attendees", fmt, who="bench")
    return time.perf_counter() - start


def phase_table_bare(folder: Path, fmt: str) -> float:
    from kiosk import db as kdb

    db = kdb.connect(folder / "kiosk.sqlite3")
    event = _event(db)
    start = time.perf_counter()
    rows = db.conn.execute("SELECT * FROM attendees WHERE event_id = ?", [event.id]).fetchall()
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(tuple(r) for r in rows)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("x")
        for row in rows:
            sheet.append(list(row))
        book.save(io.BytesIO())
    return time.perf_counter() - start


def phase_purge(folder: Path) -> float:
    from kiosk import db as kdb
    from kiosk import retention

    db = kdb.connect(folder / "kiosk.sqlite3")
    event = _event(db)
    start = time.perf_counter()
    retention.purge(db, event, who="bench")
    return time.perf_counter() - start


def phase_purge_bare(folder: Path) -> float:
    import sqlite3

    conn = sqlite3.connect(folder / "kiosk.sqlite3")
    event_id = conn.execute("SELECT id FROM events WHERE slug = 'ausbildungsmesse-2026'").fetchone()
    start = time.perf_counter()
    for table in ("contacts", "suggestions_shown", "attendee_log", "attendees"):
        conn.execute(f"DELETE FROM {table} WHERE event_id = ?", event_id)
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return time.perf_counter() - start


PHASES = {
    "summaries": lambda folder, args: phase_summaries(folder, args.summaries),
    "summaries-bare": lambda folder, args: phase_summaries_bare(folder, args.summaries),
    "csv": lambda folder, args: phase_table(folder, "csv"),
    "csv-bare": lambda folder, args: phase_table_bare(folder, "csv"),
    "xlsx": lambda folder, args: phase_table(folder, "xlsx"),
    "xlsx-bare": lambda folder, args: phase_table_bare(folder, "xlsx"),
    "purge": lambda folder, args: phase_purge(folder),
    "purge-bare": lambda folder, args: phase_purge_bare(folder),
}


def child(args: argparse.Namespace) -> None:
    """Run one phase and print its seconds and peak memory as JSON."""
    seconds = PHASES[args.child](Path(args.folder), args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": max(peak_mb, children_mb)}))


# -- the parent ----------------------------------------------------------------------------------


def _tree_rss_mb(root: int) -> float:
    """The resident memory of a process and all its descendants, in MB (Linux /proc)."""
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat[1])
        rss = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        sizes[pid] = int(rss[0].split()[1]) if rss else 0
    total = 0
    for pid, size in sizes.items():
        node = pid
        while node not in (0, 1) and node != root:
            node = parents.get(node, 0)
        total += size if node == root else 0
    return total / 1024


def run(phase: str, folder: Path, args: argparse.Namespace, *, copy: bool = False) -> dict:
    """One phase in a fresh process (on a copy of the data when it deletes); its memory,
    worker processes included, is sampled while it runs."""
    work = folder
    if copy:
        work = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
        shutil.copytree(folder, work, dirs_exist_ok=True)
    try:
        command = [sys.executable, __file__, "--child", phase, "--folder", str(work)]
        command += ["--summaries", str(args.summaries)]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, _tree_rss_mb(child.pid))
            time.sleep(MEMORY_SAMPLE_S)
        output = child.stdout.read() if child.stdout else ""
        if child.returncode:
            raise SystemExit(f"phase {phase} failed ({child.returncode})")
        found = json.loads(output.strip().splitlines()[-1])
        found["tree_mb"] = peak
        return found
    finally:
        if copy:
            shutil.rmtree(work, ignore_errors=True)


def measure(phase: str, folder: Path, args: argparse.Namespace, *, copy: bool = False) -> dict:
    """Median seconds (and the largest peak memory) of --runs runs, kiosk and bare alternating."""
    kiosk, bare = [], []
    for _ in range(args.runs):
        kiosk.append(run(phase, folder, args, copy=copy))
        bare.append(run(f"{phase}-bare", folder, args, copy=copy))
    return {
        "seconds": statistics.median(r["seconds"] for r in kiosk),
        "bare_seconds": statistics.median(r["seconds"] for r in bare),
        "peak_mb": max(r["tree_mb"] for r in kiosk),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--summaries", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated: report, mail")
    parser.add_argument("--child", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import report as report_bench  # bench/report.py's data generator

    folder = Path(tempfile.mkdtemp(prefix="kiosk-after-"))
    started = time.perf_counter()
    report_bench.make_data(folder, args.attendees, CONTACT_PAIRS)
    print(
        f"data: {args.attendees:,} attendees, {CONTACT_PAIRS:,} contact pairs "
        f"({time.perf_counter() - started:.1f} s to make); median of {args.runs} runs"
    )
    results = {}
    for name, phase, copy in (
        (f"(a) summaries of {args.summaries:,} (ZIP)", "summaries", False),
        (f"(b) CSV of {args.attendees:,}", "csv", False),
        (f"(b) XLSX of {args.attendees:,}", "xlsx", False),
        (f"(c) purge of {args.attendees:,} incl. VACUUM", "purge", True),
    ):
        found = measure(phase, folder, args, copy=copy)
        results[phase] = found
        target = TARGETS[phase]
        verdict = "ok" if found["seconds"] <= target else "MISSED"
        memory = ""
        if phase == "summaries":
            fits = "ok" if found["peak_mb"] <= MEMORY_TARGET_MB else "MISSED"
            memory = f", {found['peak_mb']:.0f} MB at most, all processes ({fits})"
        ratio = found["seconds"] / found["bare_seconds"]
        print(
            f"{name:34} {found['seconds']:7.2f} s (target <= {target:g} s: {verdict}){memory}; "
            f"bare {found['bare_seconds']:.2f} s, ratio {ratio:.2f}"
        )
    shutil.rmtree(folder, ignore_errors=True)
    skip = set(filter(None, args.skip.split(",")))
    for script, extra in (
        ("report.py", ["--runs", str(args.runs)]),
        ("mail.py", ["--runs", str(args.runs)]),
    ):
        if script.removesuffix(".py") in skip:
            continue
        print(f"-- bench/{script}")
        subprocess.run([sys.executable, str(ROOT / "bench" / script), *extra], check=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
