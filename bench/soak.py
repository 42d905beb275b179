"""Soak on loopback: `kiosk serve` with 20 desks scanning, 300 phones polling their pages and
one stranger sending the slow request (a chunk-size line that never ends), for minutes.

    python bench/soak.py [--minutes 10] [--desks 20] [--phones 300] [--phone-poll 30]
                         [--no-stranger]

Printed: scans and polls made, errors (any answer that is not the page, any failed request),
server-side p50/p99 of scans and polls (X-Server-Ms) and as the clients saw them, how quickly
each slow request was cut off, and the server's memory (RSS) at the start, the end and its
peak. DESIGN.md's target for a scan: p99 <= 15 ms of server time. Loopback only; every loop
is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin import (  # the bench folder is not a package: found by sys.path
    Client,
    desks_for,
    free_port,
    make_data,
    percentile,
    start_app,
)

#: What a phone's own page asks for: its suggestions, as the page does every 30 s.
PHONE_PATH = "/me/{secret}/suggestions"
#: Seconds between two counter polls of a desk (as the desk page does).
COUNTER_POLL_S = 2.0
#: Seconds between the stranger's slow requests, and what one may send at most.
STRANGER_PAUSE_S = 0.5
STRANGER_BUDGET_BYTES = 8 * 1024 * 1024
#: How often the server's memory is read.
MEMORY_EVERY_S = 5.0
#: Target of DESIGN.md for a scan (server time, p99).
SCAN_P99_TARGET_MS = 15.0


class Tally:
    """What the clients measured, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scan_client: list[float] = []
        self.scan_server: list[float] = []
        self.poll_client: list[float] = []
        self.poll_server: list[float] = []
        self.counter_client: list[float] = []
        self.errors: list[str] = []
        self.cutoffs: list[float] = []
        self.cutoff_bytes: list[int] = []

    def error(self, what: str) -> None:
        with self.lock:
            if len(self.errors) < 1000:
                self.errors.append(what)


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def secrets_of(folder: Path, count: int) -> list[str]:
    conn = sqlite3.connect(folder / "kiosk.sqlite3")
    try:
        rows = conn.execute("SELECT secret FROM attendees ORDER BY id LIMIT ?", [count])
        return [r[0] for r in rows]
    finally:
        conn.close()


def desk_loop(client: Client, codes: list[str], n: int, end: float, tally: Tally) -> None:
    """One desk: a scan a second, the counters every 2 s."""
    next_scan = time.monotonic() + n / 20
    next_poll = next_scan + 0.5
    i = 0
    while True:
        soonest = min(next_scan, next_poll)
        if soonest >= end:
            return
        time.sleep(max(0.0, soonest - time.monotonic()))
        try:
            if next_poll <= next_scan:
                started = time.perf_counter()
                status, _, _ = client.request("GET", "/desk/counters", htmx=True)
                with tally.lock:
                    tally.counter_client.append(time.perf_counter() - started)
                if status != 200:
                    tally.error(f"counters {status}")
                next_poll += COUNTER_POLL_S
                continue
            started = time.perf_counter()
            status, text, headers = client.request(
                "POST", "/desk/scan", {"code": codes[i % len(codes)]}, htmx=True
            )
            took = time.perf_counter() - started
            if status != 200 or "data-outcome" not in text:
                tally.error(f"scan {status}")
            with tally.lock:
                tally.scan_client.append(took)
                tally.scan_server.append(float(headers.get("X-Server-Ms", "nan")) / 1000)
        except OSError as exc:
            tally.error(f"scan {type(exc).__name__}")
            client.conn.close()  # http.client reconnects on the next request
        i += 1
        next_scan += 1.0


def phone_loop(
    port: int, secret: str, offset: float, poll: float, end: float, tally: Tally
) -> None:
    """One phone: its page once, then its suggestions every ``poll`` seconds."""
    client = Client(port)
    path = PHONE_PATH.format(secret=secret)
    next_poll = time.monotonic() + offset
    first = True
    try:
        while next_poll < end:
            time.sleep(max(0.0, next_poll - time.monotonic()))
            try:
                started = time.perf_counter()
                if first:
                    status, _, _ = client.request("GET", f"/me/{secret}")
                    first = False
                else:
                    status, _, headers = client.request("GET", path, htmx=True)
                    with tally.lock:
                        tally.poll_client.append(time.perf_counter() - started)
                        tally.poll_server.append(float(headers.get("X-Server-Ms", "nan")) / 1000)
                if status != 200:
                    tally.error(f"phone {status}")
            except OSError as exc:
                tally.error(f"phone {type(exc).__name__}")
                client.conn.close()
            next_poll += poll
    finally:
        client.close()


def stranger_loop(port: int, end: float, tally: Tally) -> None:
    """The slow request of a stranger, again and again: POST /login with a chunked body whose
    chunk-size line never ends."""
    piece = b"a" * 8192
    while time.monotonic() < end:
        sent = 0
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(
                    b"POST /login HTTP/1.1\r\nHost: kiosk\r\nTransfer-Encoding: chunked\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                )
                sock.settimeout(0.001)
                answered = False
                while sent < STRANGER_BUDGET_BYTES and time.monotonic() < end:
                    try:
                        if sock.recv(4096):
                            answered = True
                            break
                    except TimeoutError:
                        pass
                    with contextlib.suppress(TimeoutError):
                        sent += sock.send(piece)
                if answered or sent >= STRANGER_BUDGET_BYTES:
                    with tally.lock:
                        tally.cutoffs.append(time.monotonic() - started)
                        tally.cutoff_bytes.append(sent)
                if not answered and sent >= STRANGER_BUDGET_BYTES:
                    tally.error("the slow request was not cut off")
        except OSError:
            with tally.lock:  # the server closed the connection on it: cut off
                tally.cutoffs.append(time.monotonic() - started)
                tally.cutoff_bytes.append(sent)
        time.sleep(STRANGER_PAUSE_S)


def memory_loop(pid: int, end: float, samples: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while time.monotonic() < end:
        samples.append((time.monotonic() - started, rss_mb(pid)))
        time.sleep(MEMORY_EVERY_S)


def ms(values: list[float], p: float) -> float:
    return percentile([v for v in values if v == v], p) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--desks", type=int, default=20)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--phone-poll", type=float, default=30.0, help="seconds between polls")
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument(
        "--no-stranger", action="store_true", help="without the slow request (to compare)"
    )
    args = parser.parse_args()
    print("command: python bench/soak.py " + " ".join(sys.argv[1:]), flush=True)

    folder = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    try:
        codes, _ = make_data(folder, args.attendees)
        secrets = secrets_of(folder, args.phones)
        port = free_port()
        server, signin = start_app(folder, port)
        try:
            desks = desks_for(port, signin, args.desks)
            tally = Tally()
            memory: list[tuple[float, float]] = []
            end = time.monotonic() + args.minutes * 60
            threads = [
                threading.Thread(target=desk_loop, args=(d, codes[n :: args.desks], n, end, tally))
                for n, d in enumerate(desks)
            ]
            spread = args.phone_poll / max(1, len(secrets))  # phones come one after the other
            threads += [
                threading.Thread(
                    target=phone_loop,
                    args=(port, s, n * spread, args.phone_poll, end, tally),
                )
                for n, s in enumerate(secrets)
            ]
            if not args.no_stranger:
                threads.append(threading.Thread(target=stranger_loop, args=(port, end, tally)))
            threads.append(
                threading.Thread(target=memory_loop, args=(server.proc.pid, end, memory))
            )
            for thread in threads:
                thread.daemon = True
                thread.start()
            for thread in threads:
                thread.join(timeout=args.minutes * 60 + 60)
            for desk in desks:
                desk.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    show(args, tally, memory)


def show(args: argparse.Namespace, tally: Tally, memory: list[tuple[float, float]]) -> None:
    """Print the figures."""
    first = [m for t, m in memory if t < 60] or [memory[0][1]]
    last = [m for t, m in memory if t > memory[-1][0] - 60] or [memory[-1][1]]
    scan, poll = tally.scan_server, tally.poll_server
    print(
        f"duration: {args.minutes:g} min, {args.desks} desks, {args.phones} phones (a poll "
        f"every {args.phone_poll:g} s), {0 if args.no_stranger else 1} stranger; loopback, "
        "shared 2-core machine"
    )
    print(
        f"scans: {len(tally.scan_client)}, phone polls: {len(tally.poll_client)}, counter "
        f"polls: {len(tally.counter_client)}, errors: {len(tally.errors)}"
    )
    if tally.errors:
        print(f"  first errors: {sorted(set(tally.errors))[:10]}")
    print(
        f"scan, server ms: p50 {ms(scan, 50):.1f}, p99 {ms(scan, 99):.1f} (target <= "
        f"{SCAN_P99_TARGET_MS:g}); as the desk saw it: p50 {ms(tally.scan_client, 50):.1f}, "
        f"p99 {ms(tally.scan_client, 99):.1f}"
    )
    print(
        f"phone poll, server ms: p50 {ms(poll, 50):.1f}, p99 {ms(poll, 99):.1f}; as the phone "
        f"saw it: p99 {ms(tally.poll_client, 99):.1f}; desk counters, as the desk saw them: "
        f"p99 {ms(tally.counter_client, 99):.1f}"
    )
    if tally.cutoffs:
        print(
            f"slow requests: {len(tally.cutoffs)}, cut off after median "
            f"{statistics.median(tally.cutoffs) * 1000:.1f} ms (max "
            f"{max(tally.cutoffs) * 1000:.1f}), median "
            f"{statistics.median(tally.cutoff_bytes):,.0f} bytes sent"
        )
    print(
        f"server memory, MB: first minute {statistics.mean(first):.1f}, last minute "
        f"{statistics.mean(last):.1f}, peak {max(m for _, m in memory):.1f}"
    )


if __name__ == "__main__":
    main()
