"""One stranger on the venue network cannot stall `kiosk serve`: requests are bounded where
waitress reads them, and scans stay fast meanwhile (a real server on loopback)."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from kiosk import attendees, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData
from kiosk.cli.limits import MAX_CHUNK_LINE

ATTENDEES = 40
#: What a scan may take at most here (client side, on a busy shared machine): the server-side
#: target is 15 ms at p99; the margin is for the machine, not for the server.
SCAN_P99_LIMIT_S = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`kiosk serve` on loopback with an event of attendees, and the organiser signed in."""

    def __init__(self, folder: Path) -> None:
        kdb.init(folder / "kiosk.sqlite3")
        db = kdb.connect(folder / "kiosk.sqlite3")
        event = events.create(db, "Netzwerktreffen")
        self.codes = [
            attendees.create(
                db, event, AttendeeData(first_name="Anna", last_name=f"Muster{i}"), how="test"
            )["code"]
            for i in range(ATTENDEES)
        ]
        db.close()
        self.port = free_port()
        command = [sys.executable, "-m", "kiosk", "--data", str(folder), "serve"]
        self.proc = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("Ctrl+C" in line for line in lines):
            lines.append(self.proc.stdout.readline())
        link = re.search(r"one-time link\): (\S+)", "".join(lines))
        assert link, "".join(lines)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self.cookie = ""
        status, _ = self.request("GET", urlsplit(link.group(1)).path)
        assert status == 302
        _, page = self.request("GET", "/desk/")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token
        self.csrf = token.group(1)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple:
        headers = {"Cookie": self.cookie, "HX-Request": "true"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        return response.status, text

    def scan_seconds(self, code: str) -> float:
        started = time.perf_counter()
        status, text = self.request("POST", "/desk/scan", {"code": code})
        assert status == 200 and "data-outcome" in text
        return time.perf_counter() - started

    def stop(self) -> None:
        self.conn.close()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


def endless_chunk_line(port: int, budget_bytes: int = 4 * 1024 * 1024) -> tuple[int, float, int]:
    """POST /login with a chunked body whose chunk-size line never ends: how many bytes the
    server took before answering or closing, the seconds that took, and the status seen."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    piece = b"a" * 8192
    sent, started, status = 0, time.monotonic(), 0
    sock.setblocking(False)
    answer = b""
    try:
        while sent < budget_bytes:
            try:
                answer += sock.recv(4096)
                break  # the server answered (and closes)
            except BlockingIOError:
                pass
            try:
                sent += sock.send(piece)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break  # the server closed the connection
            if sent % (64 * 1024) < len(piece):
                time.sleep(0.001)  # a stranger's pace on Wi-Fi: tens of MB a second at most
        if not answer:
            sock.setblocking(True)
            sock.settimeout(5)
            try:
                answer = sock.recv(4096)
            except OSError:
                answer = b""
    finally:
        sock.close()
    found = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    status = int(found.group(1)) if found else 0
    return sent, time.monotonic() - started, status


def test_endless_chunk_size_line_is_cut_off_quickly(served: Served) -> None:
    sent, seconds, status = endless_chunk_line(served.port)
    assert status == 400
    # Refused at the first reads past the bound, not after the upload limit's megabytes (the
    # rest is what the sockets' buffers took before the answer came back).
    assert MAX_CHUNK_LINE < sent < 2 * 1024 * 1024
    assert seconds < 3


def test_scans_stay_fast_while_a_stranger_sends_endless_chunk_lines(served: Served) -> None:
    baseline = [served.scan_seconds(served.codes[i % ATTENDEES]) for i in range(40)]
    stop = threading.Event()
    attacks: list[tuple[int, float, int]] = []

    def stranger() -> None:
        while not stop.is_set():
            attacks.append(endless_chunk_line(served.port))

    attacker = threading.Thread(target=stranger, daemon=True)
    attacker.start()
    try:
        under_attack = [served.scan_seconds(served.codes[i % ATTENDEES]) for i in range(200)]
    finally:
        stop.set()
        attacker.join(timeout=30)
    assert attacks and all(status == 400 for _, _, status in attacks)
    p99 = sorted(under_attack)[int(0.99 * (len(under_attack) - 1))]
    assert p99 < SCAN_P99_LIMIT_S, (statistics.median(baseline), p99)
    # The stranger's requests leave the usual scan nearly untouched.
    assert statistics.median(under_attack) < 3 * statistics.median(baseline) + 0.02


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")


def test_an_endless_header_block_is_refused(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        try:
            for _ in range(100):
                sock.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        except OSError:
            pass
        answer = sock.recv(4096)
        assert re.match(rb"HTTP/1\.[01] 431", answer)


def test_https_server_refuses_chunked_bodies_before_reading_them(tmp_path: Path) -> None:
    from werkzeug.test import Client

    from kiosk import create_app
    from kiosk.cli.limits import refuse_chunked

    app = create_app({"DATABASE": str(tmp_path / "kiosk.sqlite3"), "SECRET_KEY": "x"})
    client = Client(refuse_chunked(app))
    answer = client.post(
        "/login", headers={"Transfer-Encoding": "chunked"}, input_stream=None, data=b"a" * 100
    )
    assert answer.status_code == 411
    assert client.get("/login").status_code in (200, 302)


def test_one_address_cannot_take_every_connection(served: Served) -> None:
    from kiosk.cli.limits import CONNECTION_LIMIT, PER_ADDRESS

    hoard = []
    try:
        for _ in range(CONNECTION_LIMIT + 20):  # a stranger's device holds idle connections
            sock = socket.socket()
            sock.bind(("127.0.0.2", 0))
            sock.settimeout(5)
            sock.connect(("127.0.0.1", served.port))
            hoard.append(sock)
        # Everybody else is still served at once.
        other = socket.socket()
        other.bind(("127.0.0.3", 0))
        other.settimeout(5)
        other.connect(("127.0.0.1", served.port))
        other.sendall(b"GET /login HTTP/1.1\r\nHost: kiosk\r\nConnection: close\r\n\r\n")
        assert other.recv(64).startswith(b"HTTP/1.1 200")
        other.close()
        # The hoarder keeps PER_ADDRESS of them; the server closed the rest.
        time.sleep(0.5)
        still_open = 0
        for sock in hoard:
            sock.setblocking(False)
            try:
                still_open += sock.recv(1) != b""
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
        assert still_open == PER_ADDRESS
    finally:
        for sock in hoard:
            sock.close()
    assert served.scan_seconds(served.codes[0]) < SCAN_P99_LIMIT_S
