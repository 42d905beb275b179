"""Badges: 1,000 on Avery L4785 sheets, and one badge from the running server.

    python bench/badges.py [--badges 1000] [--runs 3] [--requests 30] [--workers N]

(a) `kiosk badges -o FILE.pdf` for --badges attendees on L4785 sheets, in a child process:
    wall time (median of --runs) and peak RSS — of the largest process (getrusage of the
    children, workers included) and of all processes together (sampled from /proc on Linux);
(b) the same run's bare floor: WeasyPrint alone in one process, the minimum per badge (name,
    organisation, a PNG QR code, absolute positions), so the ratio holds on a busy machine;
    the ratio of CPU time (user + system, kiosk's workers included) next to that of wall time:
    workers spread kiosk's work over the cores, so only the CPU ratio says what it costs;
(c) one badge as the desk gets it: `kiosk` served by waitress on loopback, GET
    /badges/<id>.pdf --requests times after one warm-up request, median and p90.
Targets: (a) <= 10 s and <= 500 MB, (c) <= 0.2 s (DESIGN.md); (b) CPU ratio <= 1.5, so the
10 s hold on a busy laptop too. Needs a Unix (os.wait4).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk import access, attendees, events  # noqa: E402
from kiosk import db as kdb  # noqa: E402
from kiosk.attendees import AttendeeData  # noqa: E402

TARGET_BATCH_S = 10.0
TARGET_BATCH_MB = 500
TARGET_SINGLE_S = 0.2
#: Kiosk's CPU time for a batch against the bare floor's: unlike wall time, it does not depend
#: on how busy the machine is or how many cores the workers get.
TARGET_CPU_RATIO = 1.5
#: A batch run is stopped after this many seconds (the bench is bounded in time).
BATCH_TIMEOUT_S = 180
REQUEST_TIMEOUT_S = 10
RSS_POLL_S = 0.05
PASSWORD = "bench-passwort-2026"

FIRST = ["Anna", "Jürgen", "Ayşe", "Małgorzata", "Đorđe", "Nguyễn", "Olena", "Maximilian", "Zoë"]
LAST = ["Müller", "Weiß", "Öztürk", "Wójcik", "Петренко", "Al-Hassan", "Becker-Lüdenscheidt"]
ORGS = [
    ("Verkehrsbetriebe Nordhessen GmbH", "Betrieb"),
    ("Max-Eyth-Schule", "Schule"),
    ("Jobcenter Stadt Kassel", "Jobcenter"),
    ("Berufsbildungswerk Nordhessen für Jugendliche mit besonderem Förderbedarf", "Freier Träger"),
    ("Handwerkskammer Kassel", "Kammer"),
]
TOPICS = ["Inklusion", "Mentoring", "Azubi-Sharing", "Berufsorientierung", "Sprachförderung"]


def make_data(folder: Path, count: int) -> int:
    """A data folder with one event of ``count`` attendees; returns one attendee's id."""
    kdb.init(folder / "kiosk.sqlite3")
    db = kdb.connect(folder / "kiosk.sqlite3")
    try:
        access.set_password(db, PASSWORD)
        event = events.create(db, "Ausbildungsmesse Kassel 2026")
        rng = random.Random(2026)
        with kdb.transaction(db):
            for _ in range(count):
                org, kind = rng.choice(ORGS)
                person = attendees.create(
                    db,
                    event,
                    AttendeeData(
                        first_name=rng.choice(FIRST),
                        last_name=rng.choice(LAST),
                        organisation=org,
                        organisation_type=kind,
                        project="Stadtnetz Ausbildung",
                        role="Ausbildungsleitung",
                        interests=rng.sample(TOPICS, 3),
                    ),
                    how="bench",
                )
        return person["id"]
    finally:
        db.close()


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """Run a command; wall seconds, peak RSS of its largest process (the kernel's figure for
    the child and the workers it waited for) and of its whole tree (sampled), in MB, and the
    CPU seconds (user + system) of the child and the workers it waited for."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_tree = 0.0
    sampling = Path("/proc").is_dir()
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if sampling:
            peak_tree = max(peak_tree, _tree_rss_mb(child.pid))
        if time.perf_counter() - start > BATCH_TIMEOUT_S:
            child.kill()
            raise SystemExit(f"stopped after {BATCH_TIMEOUT_S} s: {' '.join(args)}")
        time.sleep(RSS_POLL_S)
    wall = time.perf_counter() - start
    output = child.stdout.read().decode("utf-8", "replace") if child.stdout else ""
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped above; keep Popen from waiting again
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(args)}\n{output}")
    return wall, usage.ru_maxrss / 1024, peak_tree, usage.ru_utime + usage.ru_stime


BARE = r"""
import base64, sys, qrcode
from qrcode.constants import ERROR_CORRECT_M
import weasyprint
n = int(sys.argv[1])
cells = []
for i in range(n):
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4, mask_pattern=4)
    q.add_data("HTTP://192.168.1.20:8000/b/%020d" % i)
    q.make(fit=True)
    img = q.make_image()
    import io; buf = io.BytesIO(); img.save(buf); uri = base64.b64encode(buf.getvalue()).decode()
    col, row = i % 2, (i % 10) // 2
    page = '<div class="s">' if i % 10 == 0 else ""
    end = "</div>" if i % 10 == 9 or i == n - 1 else ""
    cells.append(f'{page}<div class="b" style="left:{18 + col * 95}mm;top:{13 + row * 55}mm">'
                 f'<p class="n">Anna {i}</p><p class="o">Max-Eyth-Schule</p>'
                 f'<img src="data:image/png;base64,{uri}"></div>{end}')
css = ("@page{size:A4;margin:0}.s{position:relative;width:210mm;height:297mm;break-after:page}"
       ".b{position:absolute;width:80mm;height:50mm}.n{font:bold 24pt 'Noto Sans';margin:4mm}"
       ".o{font:9pt 'Noto Sans';margin:0 4mm}img{position:absolute;right:4mm;bottom:4mm;"
       "width:21mm;image-rendering:pixelated}")
html = f"<html><head><style>{css}</style></head><body>{''.join(cells)}</body></html>"
weasyprint.HTML(string=html).write_pdf(sys.argv[2])
"""


def bench_batch(folder: Path, count: int, runs: int, workers: int | None) -> dict[str, Any]:
    env = dict(os.environ)
    if workers:
        env["KIOSK_BADGE_WORKERS"] = str(workers)
    out = folder / "badges.pdf"
    command = [
        sys.executable,
        "-c",
        "from kiosk.cli import run; run()",
        "--data",
        str(folder),
        "badges",
        "--layout",
        "avery-l4785",
        "--public-url",
        "http://192.168.1.20:8000",
        "--no-log",
        "-o",
        str(out),
    ]
    results = [run_child(command, env) for _ in range(runs)]
    bare = [
        run_child([sys.executable, "-c", BARE, str(count), str(folder / "bare.pdf")], env)
        for _ in range(runs)
    ]
    return {
        "wall": statistics.median(r[0] for r in results),
        "largest_mb": max(r[1] for r in results),
        "tree_mb": max(r[2] for r in results),
        "cpu": statistics.median(r[3] for r in results),
        "bare_wall": statistics.median(r[0] for r in bare),
        "bare_cpu": statistics.median(r[3] for r in bare),
        "bare_mb": max(r[1] for r in bare),
        "pdf_mb": out.stat().st_size / 1e6,
    }


def bench_single(folder: Path, attendee_id: int, requests: int) -> dict[str, float]:
    from waitress import create_server

    from kiosk import create_app

    app = create_app({"DATA_DIR": str(folder), "PUBLIC_URL": "http://192.168.1.20:8000"})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = opener.open(f"{base}/login", timeout=REQUEST_TIMEOUT_S).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        body = f"csrf_token={token}&password={PASSWORD}".encode()
        opener.open(f"{base}/login", data=body, timeout=REQUEST_TIMEOUT_S).read()
        url = f"{base}/badges/{attendee_id}.pdf"

        def fetch() -> float:
            start = time.perf_counter()
            with opener.open(url, timeout=REQUEST_TIMEOUT_S) as response:
                data = response.read()
            assert data.startswith(b"%PDF"), data[:80]
            return time.perf_counter() - start

        cold = fetch()
        times = sorted(fetch() for _ in range(requests))
    finally:
        server.task_dispatcher.shutdown()  # let the last answer finish before the socket goes
        server.close()
        thread.join(timeout=5)
    return {
        "cold": cold,
        "median": statistics.median(times),
        "p90": times[int(0.9 * (len(times) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0 = auto)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-badges-"))
    try:
        print(f"Making {options.badges} attendees ...", flush=True)
        attendee_id = make_data(folder, options.badges)
        print(f"(a) {options.badges} badges on L4785 sheets, {options.runs} runs ...", flush=True)
        batch = bench_batch(folder, options.badges, options.runs, options.workers or None)
        single = bench_single(folder, attendee_id, options.requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    workers = options.workers or "auto"
    ok = "ok" if batch["wall"] <= TARGET_BATCH_S else "MISSED"
    print(
        f"(a) kiosk badges, {options.badges} on L4785 (workers {workers}, cpus {os.cpu_count()}):"
        f" median {batch['wall']:.2f} s (target <= {TARGET_BATCH_S:g} s: {ok}),"
        f" PDF {batch['pdf_mb']:.1f} MB"
    )
    mb_ok = "ok" if batch["largest_mb"] <= TARGET_BATCH_MB else "MISSED"
    print(
        f"    peak RSS: largest process {batch['largest_mb']:.0f} MB"
        f" (target <= {TARGET_BATCH_MB} MB: {mb_ok}),"
        f" all processes together {batch['tree_mb']:.0f} MB (sampled)"
    )
    print(
        f"(b) bare WeasyPrint floor, same machine now: median {batch['bare_wall']:.2f} s,"
        f" {batch['bare_mb']:.0f} MB; ratio kiosk/bare {batch['wall'] / batch['bare_wall']:.2f}"
    )
    cpu_ok = "ok" if batch["cpu"] <= TARGET_CPU_RATIO * batch["bare_cpu"] else "MISSED"
    print(
        f"    CPU (user+sys, workers included): kiosk {batch['cpu']:.2f} s, bare"
        f" {batch['bare_cpu']:.2f} s; ratio kiosk/bare {batch['cpu'] / batch['bare_cpu']:.2f}"
        f" (target <= {TARGET_CPU_RATIO:g}: {cpu_ok})"
    )
    single_ok = "ok" if single["median"] <= TARGET_SINGLE_S else "MISSED"
    print(
        f"(c) one badge from the running server: median {single['median'] * 1000:.0f} ms,"
        f" p90 {single['p90'] * 1000:.0f} ms (target <= {TARGET_SINGLE_S * 1000:.0f} ms:"
        f" {single_ok}); first request after start {single['cold'] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
