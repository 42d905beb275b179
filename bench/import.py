"""Benchmark: import 10,000 registration rows from a generated CSV into a fresh data folder.

Run: python bench/import.py [--rows N] [--runs N]

Prints the median of the in-process import (read, map, plan, write, commit: what the target
"import 10,000 rows <= 3 s" is about), a bare floor measured in the same run (the csv module and
one executemany INSERT; the ratio holds when the machine is busy), and the whole `kiosk import`
command (including the Python start), each into a fresh temporary data folder.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk import db as kdb
from kiosk import events, importing

TARGET_SECONDS = 3.0
FIRST = ["Anna", "Jörg", "Käthe", "Ümit", "Zoë", "Çağla", "Małgorzata", "Sören", "Ольга", "Mariam"]
LAST = ["Müller", "Weiß", "Öztürk", "Becker-Lüdenscheidt", "Петренко", "Nguyễn", "von Brühl"]
ORGS = ["IHK Kassel", "Jobcenter Stadt Kassel", "Gesamtschule Waldau", "Bäckerei Groß GmbH"]
TOPICS = ["Inklusion", "Praktikum", "Mentoring", "Sprachförderung", "Digitalisierung"]


def make_csv(path: Path, rows: int) -> None:
    """A list shaped like a German Excel export: ';', Windows-1252 is not needed (UTF-8 BOM)."""
    rnd = random.Random(42)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["Vorname", "Nachname", "E-Mail", "Organisation", "Klasse", "Interessen",
                      "Bietet", "Sucht", "Vernetzung"])  # fmt: skip
        for i in range(rows):
            email = f"person{i}@example.org" if i % 4 else ""
            out.writerow(
                [
                    rnd.choice(FIRST),
                    f"{rnd.choice(LAST)} {i}",
                    email,
                    rnd.choice(ORGS),
                    f"{8 + i % 3}{'abc'[i % 3]}" if not email else "",
                    ", ".join(rnd.sample(TOPICS, 3)),
                    rnd.choice(TOPICS),
                    rnd.choice(TOPICS),
                    rnd.choice(["ja", "nein", ""]),
                ]
            )


def run_in_process(csv_path: Path) -> float:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    try:
        database = folder / "kiosk.sqlite3"
        kdb.init(database)
        db = kdb.connect(database)
        event = events.create(db, "Bench")
        start = time.perf_counter()
        result = importing.import_file(db, event, csv_path.read_bytes(), csv_path.name)
        elapsed = time.perf_counter() - start
        db.close()
        assert result.counts["created"] > 0
        return elapsed
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_bare(csv_path: Path) -> float:
    """The floor: csv module + one executemany INSERT into SQLite with the app's pragmas."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    try:
        db = kdb.connect(folder / "bare.sqlite3")
        db.execute("CREATE TABLE t (a, b, c, d, e, f, g, h, i)")
        start = time.perf_counter()
        with csv_path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))[1:]
        with db.conn:
            db.conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        elapsed = time.perf_counter() - start
        db.close()
        return elapsed
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_command(csv_path: Path) -> tuple[float, str]:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    kiosk = [sys.executable, "-m", "kiosk", "--data", str(folder)]
    try:
        subprocess.run([*kiosk, "event", "create", "Bench"], check=True, capture_output=True)
        command = [*kiosk, "import", str(csv_path)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - start, " ".join(command)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, choices=range(1, 11))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        csv_path = Path(tmp) / "anmeldungen.csv"
        make_csv(csv_path, args.rows)
        print(f"command: python bench/import.py --rows {args.rows} --runs {args.runs}")
        print(f"file: {args.rows:,} rows, {csv_path.stat().st_size / 1024:.0f} KiB")
        service = [run_in_process(csv_path) for _ in range(args.runs)]
        median = statistics.median(service)
        verdict = "ok" if median <= TARGET_SECONDS else "OVER TARGET"
        print(
            f"import (read + plan + write, in process): median {median:.2f} s of {args.runs} "
            f"runs (min {min(service):.2f}, max {max(service):.2f}); target <= "
            f"{TARGET_SECONDS:.0f} s: {verdict}"
        )
        bare = statistics.median(run_bare(csv_path) for _ in range(args.runs))
        print(
            f"bare floor (csv + one executemany INSERT): median {bare:.2f} s; "
            f"import / bare = {median / bare:.1f}x"
        )
        timed = [run_command(csv_path) for _ in range(args.runs)]
        print(
            f"whole command incl. Python start: median "
            f"{statistics.median(t for t, _ in timed):.2f} s"
        )
        command = timed[0][1].split(" --data ")[0] + " --data <fresh temp folder> import <file>"
        print(f"  command: {command}")


if __name__ == "__main__":
    main()
