"""Check-in under pressure: `kiosk serve` with 10,000 attendees, desks scanning over loopback.

    python bench/checkin.py [--duration 60] [--rush 10] [--runs 3] [--attendees 10000]
                            [--dashboard]

(a) 20 desks each scanning once a second (and polling the counters every 2 s): p50/p99;
    with --dashboard, (a) runs again with the organiser's dashboard open, polling what it
    polls (counters, chart, the lists of arrivals by type and of who is missing);
(b) 20 clients scanning without pause: check-ins per second, next to a bare Flask + SQLite
    endpoint doing the same write (both served side by side, rushed in alternating turns),
    with synchronous=FULL and =NORMAL;
(c) search as you type: p50/p99 over HTTP and in-process;
(d) kill -9 in the middle of a rush: every check-in that got a success answer is stored;
(o) the laptop unreachable (the server stopped, SIGSTOP) for --outage seconds while 20 desks
    scan once a second: the desks keep what gets no answer within the desk timeout and replay
    it through the desk's replay endpoint when a ping finds the laptop again. Every scan of the
    window is stored exactly once; scan p99 during the replay burst.
Medians over --runs runs. Loopback only; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DESKS = 20
COUNTER_POLL_S = 2.0
#: The dashboard's chart is polled every 10 s (its counters and lists like the desks').
CHART_POLL_S = 10.0
SERVER_READY_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 10.0
SEARCH_QUERIES = 400
#: Worker threads of the servers under test (--threads; 0 = kiosk's default).
SERVER_THREADS = 0
#: The bare endpoint's waitress threads (as many as kiosk's default, to compare like with like).
BARE_THREADS = 16
#: (b) alternates between the app and the bare endpoint in this many turns each.
TURNS = 10
WARM_UP_S = 0.5

SYLLABLES = (
    "ber",
    "gen",
    "mann",
    "hof",
    "müll",
    "schä",
    "öz",
    "weiß",
    "krü",
    "lan",
    "koch",
    "rich",
    "kai",
    "sch",
    "mitt",
    "hart",
    "wolf",
    "no",
    "wak",
    "som",
    "lor",
    "herr",
    "brau",
    "fisch",
    "wag",
    "ner",
    "bäck",
    "stein",
    "bach",
    "feld",
    "dorf",
    "ling",
    "hau",
    "ser",
)
ORGS = (
    "Max-Eyth-Schule",
    "Jobcenter Stadt Kassel",
    "Handwerkskammer Kassel",
    "Tischlerei Brandt & Söhne",
    "Klinikum Fuldatal gGmbH",
    "Tiefbau Hauptstraße GmbH",
    "Caritas Nordhessen-Kassel",
    "Agentur für Arbeit Kassel",
)


# -- data -----------------------------------------------------------------------------------------


def last_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def make_data(folder: Path, count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """A data folder with one event of ``count`` attendees; returns their codes and names."""
    from kiosk import attendees, events
    from kiosk import db as kdb
    from kiosk.attendees import AttendeeData
    from kiosk.demo import FIRST_NAMES

    rng = random.Random(seed)
    kdb.init(folder / "kiosk.sqlite3")
    db = kdb.connect(folder / "kiosk.sqlite3")
    event = events.create(db, "Ausbildungsmesse Bench")
    codes, names = [], []
    with kdb.transaction(db):
        for i in range(count):
            first, last = rng.choice(FIRST_NAMES), last_name(rng)
            a = attendees.create(
                db,
                event,
                AttendeeData(
                    first_name=first,
                    last_name=last,
                    organisation=rng.choice(ORGS),
                    email=f"p{i}@example.org",
                ),
                how="bench",
            )
            codes.append(a["code"])
            names.append(f"{first} {last}")
    db.close()
    return codes, names


def fresh_copy(template: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    shutil.copy(template / "kiosk.sqlite3", target / "kiosk.sqlite3")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- servers --------------------------------------------------------------------------------------


class Server:
    """A server subprocess on loopback (its own process group, so kill -9 takes it all)."""

    def __init__(self, args: list[str], ready: str) -> None:
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
        assert self.proc.stdout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited: " + "".join(self.lines))
            self.lines.append(line)
            if ready in line:
                break
        else:
            raise RuntimeError("server not ready in time")
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout
        for _ in self.proc.stdout:
            pass

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self.kill()


def start_app(folder: Path, port: int, synchronous: str = "FULL") -> tuple[Server, str]:
    """`kiosk serve` on loopback; returns it and the organiser's one-time sign-in link."""
    args = [sys.executable, str(Path(__file__).resolve()), "--serve-app", synchronous, "--"]
    args += ["--data", str(folder), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if SERVER_THREADS:
        args += ["--threads", str(SERVER_THREADS)]
    server = Server(args, "Stop with Ctrl+C")
    text = "".join(server.lines)
    link = re.search(r"sign-in \(one-time link\): (\S+)", text)
    if not link:
        server.stop()
        raise RuntimeError("no sign-in link in: " + text)
    return server, link.group(1)


def serve_app_with(synchronous: str, cli_args: list[str]) -> None:
    """Run `kiosk` with another synchronous setting (only to compare; the product uses FULL)."""
    from kiosk import db as kdb

    original = kdb.connect

    def connect(path: Any) -> Any:
        database = original(path)
        database.conn.execute(f"PRAGMA synchronous = {synchronous}")
        return database

    kdb.connect = connect
    from kiosk.cli import main
    from kiosk.cli.base import State

    make_app = State.app

    def timed_app(self: Any, **config: Any) -> Any:
        """The app, telling in a header how long it worked on each request (server time)."""
        app = make_app(self, **config)
        inner = app.wsgi_app

        def wsgi(environ: Any, start_response: Any) -> Any:
            started = time.perf_counter()

            def start(status: str, headers: list, exc_info: Any = None) -> Any:
                took = (time.perf_counter() - started) * 1000
                return start_response(status, [*headers, ("X-Server-Ms", f"{took:.3f}")], exc_info)

            return inner(environ, start)

        app.wsgi_app = wsgi
        return app

    State.app = timed_app

    main(cli_args, prog_name="kiosk")


def bare_app(database: str, synchronous: str) -> Any:
    """The floor: Flask + SQLite doing the same check-in write, nothing else."""
    from flask import Flask, request

    app = Flask("bare")

    @app.post("/desk/scan")
    def scan() -> Any:
        conn = sqlite3.connect(database, timeout=5, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT id, event_id, checked_in_at FROM attendees WHERE code = ?",
                [request.form["code"]],
            ).fetchone()
            if row is None or row[2] is not None:
                conn.execute("ROLLBACK")
                return "no", 409
            conn.execute(
                "UPDATE attendees SET checked_in_at = datetime('now'), checked_in_desk = ? "
                "WHERE id = ?",
                ["bare", row[0]],
            )
            conn.execute(
                "INSERT INTO attendee_log (event_id, attendee_id, at, action, desk, detail) "
                "VALUES (?, ?, datetime('now'), 'checked_in', 'bare', '{}')",
                [row[1], row[0]],
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        return 'data-outcome="welcome"'

    return app


def serve_bare(database: str, port: int, synchronous: str) -> None:
    from waitress import serve

    print("bare ready", flush=True)
    serve(bare_app(database, synchronous), host="127.0.0.1", port=port, threads=BARE_THREADS)


def start_bare(folder: Path, port: int, synchronous: str) -> Server:
    args = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", synchronous]
    args += [str(folder / "kiosk.sqlite3"), str(port)]
    server = Server(args, "bare ready")
    wait_for_port(port)
    return server


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


# -- a desk as an HTTP client ---------------------------------------------------------------------


class Client:
    """One browser: a keep-alive connection, its session cookie and its CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        self.cookie = ""
        self.csrf = ""
        self.server_ms = float("nan")

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, htmx: bool = False
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
            if self.csrf:
                headers["X-CSRFToken"] = self.csrf
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def page(self, path: str) -> str:
        _, text, _ = self.request("GET", path)
        token = re.search(r'name="csrf-token" content="([^"]+)"', text)
        if token:
            self.csrf = token.group(1)
        return text

    def close(self) -> None:
        self.conn.close()


def sign_in(port: int, signin: str) -> Client:
    """A client signed in as the organiser (the sign-in link works once)."""
    organiser = Client(port)
    status, _, _ = organiser.request("GET", urlsplit(signin).path)
    assert status == 302, f"sign-in link refused: {status}"
    return organiser


def desks_for(port: int, signin: str, count: int, organiser: Client | None = None) -> list[Client]:
    """Sign in as the organiser (unless signed in already), make ``count`` desk links, and
    open each in its own client."""
    keep = organiser is not None
    organiser = organiser or sign_in(port, signin)
    organiser.page("/admin/desks")
    clients = []
    for n in range(count):
        form = {"name": f"Desk {n + 1}", "mode": "desk", "action": "link"}
        status, _, _ = organiser.request(
            "POST", "/admin/desks", {**form, "csrf_token": organiser.csrf}
        )
        assert status == 303, f"desk not made: {status}"
        link = re.search(r"/desk/join/[\w-]+", organiser.page("/admin/desks"))
        assert link, "no desk link on the page"
        desk = Client(port)
        status, _, _ = desk.request("GET", link.group(0))
        assert status == 302, f"desk link refused: {status}"
        desk.page("/desk/")
        clients.append(desk)
    if not keep:
        organiser.close()
    return clients


def scan(client: Client, code: str) -> tuple[float, bool]:
    """One scan; the seconds until the desk had the answer, and whether it was a welcome."""
    started = time.perf_counter()
    status, text, headers = client.request("POST", "/desk/scan", {"code": code}, htmx=True)
    elapsed = time.perf_counter() - started
    client.server_ms = float(headers.get("X-Server-Ms", "nan"))
    return elapsed, status == 200 and 'data-outcome="welcome"' in text


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_threads(count: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# -- the phases -----------------------------------------------------------------------------------


def watch_dashboard(client: Client, until: float, polls: list[float]) -> None:
    """The organiser's dashboard: what its page polls, as often as it does; the lists' poll
    carries the stamp of the last answer (a 204 while nothing changed)."""
    page = client.page("/admin/dashboard")
    found = re.search(r'id="dashboard-lists" hx-get="([^"]+)"', page)
    lists = found.group(1).replace("&amp;", "&") if found else "/admin/dashboard/lists"
    next_chart = time.monotonic() + CHART_POLL_S
    while time.monotonic() < until:
        time.sleep(COUNTER_POLL_S)
        t = time.perf_counter()
        client.request("GET", "/desk/counters", htmx=True)
        status, text, _ = client.request("GET", lists, htmx=True)
        if status == 200:
            found = re.search(r'id="dashboard-lists" hx-get="([^"]+)"', text)
            lists = found.group(1).replace("&amp;", "&") if found else lists
        if time.monotonic() >= next_chart:
            client.request("GET", "/admin/dashboard/chart", htmx=True)
            next_chart += CHART_POLL_S
        polls.append(time.perf_counter() - t)


def phase_steady(
    template: Path, codes: list[str], duration: float, dashboard: bool = False
) -> dict[str, float]:
    """(a) 20 desks, each one scan a second (and the counters every 2 s); with ``dashboard``
    the organiser's dashboard open too."""
    folder = fresh_copy(template)
    port = free_port()
    server, signin = start_app(folder, port)
    try:
        organiser = sign_in(port, signin)
        desks = desks_for(port, signin, DESKS, organiser)
        latencies: list[float] = []
        server_times: list[float] = []
        polls: list[float] = []
        dashboard_polls: list[float] = []
        failures = [0]
        lock = threading.Lock()
        start = time.monotonic() + 0.5
        watcher = None
        if dashboard:
            watcher = threading.Thread(
                target=watch_dashboard, args=(organiser, start + duration, dashboard_polls)
            )
            watcher.start()

        def desk(n: int) -> None:
            client = desks[n]
            mine = codes[n::DESKS]
            next_scan = start + n / DESKS
            next_poll = next_scan + 0.5
            i = 0
            while next_scan < start + duration and i < len(mine):
                now = time.monotonic()
                if next_poll <= next_scan and next_poll <= start + duration:
                    time.sleep(max(0.0, next_poll - now))
                    t = time.perf_counter()
                    client.request("GET", "/desk/counters", htmx=True)
                    with lock:
                        polls.append(time.perf_counter() - t)
                    next_poll += COUNTER_POLL_S
                    continue
                time.sleep(max(0.0, next_scan - now))
                elapsed, ok = scan(client, mine[i])
                with lock:
                    latencies.append(elapsed)
                    server_times.append(client.server_ms / 1000)
                    failures[0] += not ok
                i += 1
                next_scan += 1.0

        run_threads(DESKS, desk)
        if watcher is not None:
            watcher.join()
        organiser.close()
        for d in desks:
            d.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    extra = {"dashboard_poll_p99_ms": percentile(dashboard_polls, 99) * 1000} if dashboard else {}
    return {
        **extra,
        "scans": len(latencies),
        "failed": failures[0],
        "server_p50_ms": percentile(server_times, 50) * 1000,
        "server_p99_ms": percentile(server_times, 99) * 1000,
        "desk_p50_ms": percentile(latencies, 50) * 1000,
        "desk_p99_ms": percentile(latencies, 99) * 1000,
        "desk_max_ms": max(latencies) * 1000,
        "poll_p99_ms": percentile(polls, 99) * 1000,
    }


def rush(
    clients: list[Client], codes: list[str], seconds: float, kill: Callable | None = None
) -> tuple[list[str], list[float], float, int]:
    """Scan without pause from every client for ``seconds``.

    Returns the confirmed codes, the latencies, the seconds until the last answer came, and how
    many check-ins were confirmed within ``seconds``: the throughput counts only those, so the
    answers still on their way when time is up (a slow tail) do not stretch the time.
    """
    confirmed: list[str] = []
    latencies: list[float] = []
    in_time = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        client = clients[n]
        for code in codes[n :: len(clients)]:
            if time.monotonic() >= stop_at:
                break
            try:
                elapsed, ok = scan(client, code)
            except (OSError, http.client.HTTPException):
                break  # the server is gone
            answered = time.monotonic()
            with lock:
                latencies.append(elapsed)
                if ok:
                    confirmed.append(code)
                    in_time[0] += answered <= stop_at

    started = time.monotonic()
    killer = None
    if kill is not None:
        killer = threading.Timer(seconds / 2, kill)
        killer.start()
    run_threads(len(clients), worker)
    if killer:
        killer.join()
    return confirmed, latencies, time.monotonic() - started, in_time[0]


def bare_clients(port: int) -> list[Client]:
    return [Client(port) for _ in range(DESKS)]


def phase_saturation(
    template: Path, codes: list[str], seconds: float, synchronous: str
) -> dict[str, float]:
    """(b) 20 clients without pause, against the app and against the bare endpoint, in turns.

    Both servers run side by side; the clients rush one, then the other, in TURNS short turns
    of ``seconds / TURNS`` each. A machine whose speed drifts (a laptop's turbo, a shared host)
    then slows both alike, and the ratio measures the app, not the drift.
    """
    folders = [fresh_copy(template), fresh_copy(template)]
    servers: list[Server] = []
    clients: dict[str, list[Client]] = {}
    try:
        port = free_port()
        server, signin = start_app(folders[0], port, synchronous)
        servers.append(server)
        clients["app"] = desks_for(port, signin, DESKS)
        port = free_port()
        servers.append(start_bare(folders[1], port, synchronous))
        clients["bare"] = bare_clients(port)
        # Each turn scans its own codes, on both servers (each has its own copy of the data).
        chunks = [codes[n :: TURNS + 1] for n in range(TURNS + 1)]
        for name in clients:  # warm up: threads, connections, caches
            rush(clients[name], chunks[TURNS], WARM_UP_S)
        totals = {name: [0, 0.0, []] for name in clients}
        for turn in range(TURNS):
            order = ("app", "bare") if turn % 2 == 0 else ("bare", "app")
            for name in order:
                _, latencies, _, in_time = rush(clients[name], chunks[turn], seconds / TURNS)
                totals[name][0] += in_time
                totals[name][1] += seconds / TURNS
                totals[name][2] += latencies
    finally:
        for group in clients.values():
            for c in group:
                c.close()
        for server in servers:
            server.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    out: dict[str, float] = {}
    for name, (count, took, latencies) in totals.items():
        out[f"{name}_per_s"] = count / took
        out[f"{name}_p99_ms"] = percentile(latencies, 99) * 1000
    out["ratio"] = out["app_per_s"] / out["bare_per_s"]
    return out


def typing_queries(names: list[str], count: int, seed: int) -> list[str]:
    """What a desk helper types: growing prefixes of a name, some with one typo."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        name = rng.choice(names)
        last = name.split()[-1]
        if rng.random() < 0.3 and len(last) > 4:  # swap two letters
            i = rng.randint(1, len(last) - 2)
            last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
        queries += [last[:n] for n in range(2, len(last) + 1)]
    return queries[:count]


def phase_search(template: Path, names: list[str], seed: int) -> dict[str, float]:
    """(c) search as you type: over HTTP (one desk typing) and the service in-process."""
    from kiosk import db as kdb
    from kiosk import events
    from kiosk.attendees import namesearch

    queries = typing_queries(names, SEARCH_QUERIES, seed)
    folder = fresh_copy(template)
    db = kdb.connect(folder / "kiosk.sqlite3")
    event = events.current(db)
    namesearch.search(db, event.id, "warm")  # builds the word index once, as the first search does
    inproc = []
    for q in queries:
        t = time.perf_counter()
        namesearch.search(db, event.id, q)
        inproc.append(time.perf_counter() - t)
    started = time.perf_counter()
    namesearch._indexes.clear()
    namesearch.index_for(db, event.id)
    build = time.perf_counter() - started
    db.close()
    port = free_port()
    server, signin = start_app(folder, port)
    try:
        (desk,) = desks_for(port, signin, 1)
        desk.request("GET", "/desk/search?" + urlencode({"q": "warm"}), htmx=True)
        http_times = []
        for q in queries:
            t = time.perf_counter()
            status, _, _ = desk.request("GET", "/desk/search?" + urlencode({"q": q}), htmx=True)
            http_times.append(time.perf_counter() - t)
            assert status == 200
        desk.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "http_p50_ms": percentile(http_times, 50) * 1000,
        "http_p99_ms": percentile(http_times, 99) * 1000,
        "service_p50_ms": percentile(inproc, 50) * 1000,
        "service_p99_ms": percentile(inproc, 99) * 1000,
        "index_build_ms": build * 1000,
    }


def phase_kill(template: Path, codes: list[str], seconds: float) -> dict[str, float]:
    """(d) kill -9 in the middle of a rush; then count what the desks were told was done."""
    folder = fresh_copy(template)
    port = free_port()
    server, signin = start_app(folder, port)
    try:
        clients = desks_for(port, signin, DESKS)
        confirmed, _, _, _ = rush(clients, codes, seconds, kill=server.kill)
        for c in clients:
            c.close()
    finally:
        server.kill()
    db = sqlite3.connect(folder / "kiosk.sqlite3")
    stored = {
        r[0] for r in db.execute("SELECT code FROM attendees WHERE checked_in_at IS NOT NULL")
    }
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "confirmed": len(confirmed),
        "stored": len(stored),
        "lost": len(set(confirmed) - stored),
    }


#: (o): how long a desk waits for an answer before it keeps the scan (the event's default).
DESK_TIMEOUT_S = 3.0
#: (o): seconds of scanning before the outage and after the laptop is back.
BEFORE_S, AFTER_S = 10.0, 20.0
#: (o): the desks' ping interval while the laptop is away, and their replay spread.
PING_S, REPLAY_SPREAD_S = 2.0, 2.0


class OfflineDesk:
    """A desk as desk-offline.js behaves: a scan with a nonce; no answer in time, and it keeps
    the scan and pings; once the laptop answers, it replays what it kept."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.client.conn.timeout = DESK_TIMEOUT_S
        self.kept: list[dict[str, Any]] = []
        self.online = True
        self.next_ping = 0.0

    def reconnect(self) -> None:
        self.client.conn.close()
        self.client.conn = http.client.HTTPConnection(
            "127.0.0.1", self.client.port, timeout=DESK_TIMEOUT_S
        )

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        try:
            return self.client.request("POST", path, form, htmx=True)
        except (OSError, http.client.HTTPException):
            self.reconnect()
            return None

    def scan(self, code: str) -> float | None:
        """One scan; the server's milliseconds when it was answered, None when it was kept."""
        nonce = os.urandom(16).hex()
        if self.online:
            answer = self.post("/desk/scan", {"code": code, "nonce": nonce})
            if answer and answer[0] == 200:
                return float(answer[2].get("X-Server-Ms", "nan"))
            self.online = False
            self.next_ping = time.monotonic() + PING_S
        self.kept.append({"nonce": nonce, "code": code, "at": time.monotonic()})
        return None

    def ping(self) -> bool:
        """True when the laptop answered again (then the kept scans are due)."""
        if self.online or time.monotonic() < self.next_ping:
            return False
        try:
            status, _, _ = self.client.request("GET", "/desk/ping", htmx=True)
        except (OSError, http.client.HTTPException):
            self.reconnect()
            self.next_ping = time.monotonic() + PING_S
            return False
        self.online = status == 204
        return self.online

    def replay(self) -> tuple[float, int]:
        """Replay what was kept; the seconds it took and how many the laptop confirmed."""
        now = time.monotonic()
        scans = [
            {"nonce": k["nonce"], "code": k["code"], "age": int((now - k["at"]) * 1000)}
            for k in self.kept
        ]
        body = json.dumps({"scans": scans})
        started = time.perf_counter()
        self.client.conn.timeout = REQUEST_TIMEOUT_S * 3
        headers = {
            "Cookie": self.client.cookie,
            "HX-Request": "true",
            "X-CSRFToken": self.client.csrf,
            "Content-Type": "application/json",
        }
        self.client.conn.request("POST", "/desk/replay", body=body, headers=headers)
        response = self.client.conn.getresponse()
        text = response.read().decode()
        took = time.perf_counter() - started
        self.client.conn.timeout = DESK_TIMEOUT_S
        if response.status == 429:  # another desk's replay runs: the caller tries again soon
            return took, -1
        done = re.search(r'data-done="([^"]*)"', text)
        confirmed = set(done.group(1).split()) if done else set()
        self.kept = [k for k in self.kept if k["nonce"] not in confirmed]
        return took, len(confirmed)


def phase_offline(template: Path, codes: list[str], outage: float) -> dict[str, float]:
    """(o) 20 desks at one scan a second; the server stopped for ``outage`` seconds, then back."""
    folder = fresh_copy(template)
    port = free_port()
    server, signin = start_app(folder, port)
    scanned: list[str] = []
    after_ms: list[float] = []
    before_ms: list[float] = []  # the same desks before the outage: the run's own yardstick
    replays: list[float] = []
    kept_total = [0]
    busy = [0]
    lock = threading.Lock()
    try:
        desks = [OfflineDesk(c) for c in desks_for(port, signin, DESKS)]
        start = time.monotonic() + 0.5
        away_at, back_at = start + BEFORE_S, start + BEFORE_S + outage
        end = back_at + AFTER_S

        def outage_control() -> None:
            time.sleep(max(0.0, away_at - time.monotonic()))
            os.killpg(server.proc.pid, signal.SIGSTOP)
            time.sleep(max(0.0, back_at - time.monotonic()))
            os.killpg(server.proc.pid, signal.SIGCONT)

        controller = threading.Thread(target=outage_control)
        controller.start()

        def desk(n: int) -> None:
            station = desks[n]
            mine = iter(codes[n::DESKS])
            next_scan = start + n / DESKS
            replay_at = None
            while next_scan < end:
                time.sleep(max(0.0, next_scan - time.monotonic()))
                code = next(mine)
                server_ms = station.scan(code)
                with lock:
                    scanned.append(code)
                    kept_total[0] += server_ms is None
                    if server_ms is not None:
                        (after_ms if time.monotonic() >= back_at else before_ms).append(server_ms)
                if station.ping():
                    replay_at = time.monotonic() + random.random() * REPLAY_SPREAD_S
                if replay_at is not None and time.monotonic() >= replay_at and station.kept:
                    took, confirmed = station.replay()
                    replay_at = None
                    if confirmed < 0:  # busy: again in one to two seconds
                        replay_at = time.monotonic() + 1 + random.random()
                    with lock:
                        replays.append(took)
                        busy[0] += confirmed < 0
                next_scan += 1.0
            while station.kept:  # the last kept scans, once the laptop answers
                if station.online or station.ping():
                    took, confirmed = station.replay()
                    with lock:
                        replays.append(took)
                        busy[0] += confirmed < 0
                    if confirmed < 0:
                        time.sleep(1 + random.random())
                else:
                    time.sleep(0.2)

        run_threads(DESKS, desk)
        controller.join()
        for d in desks:
            d.client.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGCONT)
        server.stop()
    db = sqlite3.connect(folder / "kiosk.sqlite3")
    logged = dict(
        db.execute(
            """SELECT a.code, count(l.id) FROM attendees a JOIN attendee_log l
            ON l.attendee_id = a.id AND l.action = 'checked_in' GROUP BY a.code"""
        ).fetchall()
    )
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "scans": len(scanned),
        "kept": kept_total[0],
        "stored_once": sum(logged.get(c) == 1 for c in scanned),
        "twice": sum(logged.get(c, 0) > 1 for c in scanned),
        "missing": sum(c not in logged for c in scanned),
        "before_server_p99_ms": percentile(before_ms, 99),
        "after_server_p50_ms": percentile(after_ms, 50),
        "after_server_p99_ms": percentile(after_ms, 99),
        "replay_p50_ms": percentile(replays, 50) * 1000,
        "replay_max_ms": max(replays, default=float("nan")) * 1000,
        "replay_busy_answers": busy[0],
    }


def phase_commit_cost(template: Path, codes: list[str], count: int = 1000) -> dict[str, float]:
    """The check-in service in-process, one desk: what synchronous=FULL costs over NORMAL."""
    from kiosk import checkin, events
    from kiosk import db as kdb

    out = {}
    for mode in ("FULL", "NORMAL"):
        folder = fresh_copy(template)
        db = kdb.connect(folder / "kiosk.sqlite3")
        db.conn.execute(f"PRAGMA synchronous = {mode}")
        event = events.current(db)
        times = []
        for code in codes[:count]:
            t = time.perf_counter()
            checkin.scan(db, event, code, desk="bench")
            times.append(time.perf_counter() - t)
        db.close()
        shutil.rmtree(folder, ignore_errors=True)
        out[f"{mode.lower()}_p50_ms"] = percentile(times, 50) * 1000
        out[f"{mode.lower()}_p99_ms"] = percentile(times, 99) * 1000
    return out


# -- main -----------------------------------------------------------------------------------------


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def show(title: str, figures: dict[str, float], runs: int) -> None:
    parts = ", ".join(
        f"{k} {v:.2f}" if k == "ratio" else f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in figures.items()
    )
    print(f"{title} (median of {runs}): {parts}", flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-app":
        serve_app_with(sys.argv[2], sys.argv[4:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bare":
        serve_bare(sys.argv[3], int(sys.argv[4]), sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of (a) per run")
    parser.add_argument("--rush", type=float, default=10, help="seconds of (b) and (d) per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per phase (medians printed)")
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--phases", default="abcd", help="which of a, b, c, d, o, s to run")
    parser.add_argument("--outage", type=float, default=30, help="seconds the laptop is away (o)")
    parser.add_argument("--threads", type=int, default=0, help="kiosk serve --threads")
    parser.add_argument("--sync", default="FULL,NORMAL", help="synchronous settings for (b)")
    parser.add_argument(
        "--dashboard", action="store_true", help="(a) again with the organiser's dashboard open"
    )
    args = parser.parse_args()
    global SERVER_THREADS
    SERVER_THREADS = args.threads

    print("command: python bench/checkin.py " + " ".join(sys.argv[1:]), flush=True)
    template = Path(tempfile.mkdtemp(prefix="kiosk-bench-template-"))
    try:
        started = time.perf_counter()
        codes, names = make_data(template, args.attendees)
        print(f"data: {len(codes)} attendees in {time.perf_counter() - started:.1f} s", flush=True)
        rng = random.Random(1)
        if "a" in args.phases:
            # With --dashboard the runs alternate (without, with): a busy machine weighs on both.
            plain, watched = [], []
            for _ in range(args.runs):
                plain.append(phase_steady(template, rng.sample(codes, len(codes)), args.duration))
                if args.dashboard:
                    sample = rng.sample(codes, len(codes))
                    watched.append(phase_steady(template, sample, args.duration, True))
            show(
                f"(a) 20 desks x 1 scan/s for {args.duration:.0f} s, ms",
                median_of(plain),
                len(plain),
            )
            if watched:
                show(
                    "(a) the same, the organiser's dashboard open, ms",
                    median_of(watched),
                    args.runs,
                )
        if "b" in args.phases:
            for mode in args.sync.split(","):
                runs = [
                    phase_saturation(template, rng.sample(codes, len(codes)), args.rush, mode)
                    for _ in range(args.runs)
                ]
                note = "" if mode == "FULL" else " (to choose the setting; kiosk uses FULL)"
                show(f"(b) saturation, synchronous={mode}{note}", median_of(runs), len(runs))
                print(f"    app/bare per run: {[round(r['ratio'], 2) for r in runs]}", flush=True)
        if "c" in args.phases:
            runs = [phase_search(template, names, seed) for seed in range(args.runs)]
            show("(c) search as you type, 10,000 attendees, ms", median_of(runs), len(runs))
        if "d" in args.phases:
            runs = [
                phase_kill(template, rng.sample(codes, len(codes)), args.rush)
                for _ in range(args.runs)
            ]
            show("(d) kill -9 mid-rush", median_of(runs), len(runs))
            print(f"    lost per run: {[r['lost'] for r in runs]}", flush=True)
        if "o" in args.phases:
            runs = [
                phase_offline(template, rng.sample(codes, len(codes)), args.outage)
                for _ in range(args.runs)
            ]
            show(f"(o) laptop away {args.outage:.0f} s, 20 desks, ms", median_of(runs), len(runs))
            twice_missing = [(r["twice"], r["missing"]) for r in runs]
            print(f"    stored twice / missing per run: {twice_missing}", flush=True)
        if "s" in args.phases:
            runs = [phase_commit_cost(template, rng.sample(codes, len(codes)))]
            show("(s) one check-in in-process, one desk, ms", median_of(runs), len(runs))
    finally:
        shutil.rmtree(template, ignore_errors=True)


if __name__ == "__main__":
    main()
