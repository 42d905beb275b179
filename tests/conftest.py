"""Fixtures: a fresh app and database per test, the CLI runner, and a real browser on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kiosk import access, create_app, events
from kiosk import db as kdb

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHROMIUM = os.environ.get("KIOSK_CHROMIUM", "/usr/bin/chromium")
ORGANISER_PASSWORD = "richtig-geheim-42"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    """An app on a fresh SQLite file; CSRF is off here and tested on its own in test_security."""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE": str(tmp_path / "kiosk.sqlite3"),
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "PUBLIC_URL": "http://kiosk.test",
        }
    )


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A connection to the test app's database."""
    database = kdb.connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def event(db: Any) -> events.Event:
    """An empty current event."""
    return events.create(db, "Netzwerkbrunch Test", event_date="2026-11-22", network="Testnetz")


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def organiser(app: Any, client: Any) -> Any:
    """A test client signed in as the organiser."""
    database = kdb.connect(app.config["DATABASE"])
    access.set_password(database, ORGANISER_PASSWORD)
    database.close()
    response = client.post("/login", data={"password": ORGANISER_PASSWORD})
    assert response.status_code == 303
    return client


@pytest.fixture
def runner(tmp_path: Path) -> Any:
    """Run the ``kiosk`` command against a data folder of this test's own."""
    from kiosk.cli import main

    class Runner:
        data_dir = tmp_path / "data"

        def invoke(self, *args: str, **kwargs: Any) -> Any:
            result = CliRunner().invoke(
                main, ["--data", str(self.data_dir), *args], catch_exceptions=False, **kwargs
            )
            return result

    return Runner()


# -- reading pages --------------------------------------------------------------------------------

#: Elements that have no end tag.
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


@dataclass
class Element:
    """One element of a page: its tag, attributes, the text inside it and the form around it."""

    tag: str
    attrs: dict[str, str]
    form: Element | None = None
    text: str = ""
    inside: list[Element] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        forms = [e for e in self.open if e.tag == "form"]
        element = Element(tag, {k: v or "" for k, v in attrs}, forms[-1] if forms else None)
        for parent in self.open:
            parent.inside.append(element)
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def read_html(html: str) -> list[Element]:
    """Every element of an HTML page or fragment, in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.elements


def by_id(elements: list[Element]) -> dict[str, Element]:
    """The elements that have an id, by their id."""
    return {e.attrs["id"]: e for e in elements if "id" in e.attrs}


# -- the real browser ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served by waitress on loopback, in a thread of the test process."""

    def __init__(self, data_dir: Path) -> None:
        from waitress import create_server

        self.data_dir = data_dir
        self.app = create_app(
            {
                "DATA_DIR": str(data_dir),
                "DATABASE": str(data_dir / "kiosk.sqlite3"),
                "SECRET_KEY": "live-test",
                "PUBLIC_URL": "http://kiosk.test",
            }
        )
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = create_server(self.app, host="127.0.0.1", port=self.port, threads=8)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # Closing the sockets under the serving loop's select() at the end of a test may
            # raise there ("bad file descriptor"); only an error while serving is one.
            if not self.stopping:
                raise

    def db(self) -> Any:
        return kdb.connect(self.app.config["DATABASE"])

    def stop(self) -> None:
        self.stopping = True
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    database = server.db()
    access.set_password(database, ORGANISER_PASSWORD)
    database.close()
    yield server
    server.stop()


#: Seconds ``kiosk serve`` may take to listen (the target is 2; the machine may be busy).
SERVE_READY_SECONDS = 30


class ServerProcess:
    """``kiosk serve`` in a process of its own, which a test can kill (-9) and start again on
    the same port and data folder, or replace by a server that accepts and never answers."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.hanging: socket.socket | None = None
        self.held: list[socket.socket] = []
        kdb.init(data_dir / "kiosk.sqlite3")

    def db(self) -> Any:
        return kdb.connect(self.data_dir / "kiosk.sqlite3")

    def start(self) -> None:
        args = [sys.executable, "-m", "kiosk", "--data", str(self.data_dir), "serve"]
        args += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + SERVE_READY_SECONDS
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("kiosk serve exited")
            time.sleep(0.05)
        raise RuntimeError("kiosk serve did not listen in time")

    def kill(self) -> None:
        """kill -9: the process ends without a word to anyone connected."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def hang(self) -> None:
        """In place of the server: a socket that accepts connections and never answers."""
        self.hanging = socket.socket()
        self.hanging.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.hanging.bind(("127.0.0.1", self.port))
        self.hanging.listen(64)

        def accept() -> None:
            while self.hanging is not None:
                try:
                    conn, _ = self.hanging.accept()
                except OSError:
                    return
                self.held.append(conn)  # read nothing, answer nothing

        threading.Thread(target=accept, daemon=True).start()

    def unhang(self) -> None:
        hanging, self.hanging = self.hanging, None
        if hanging is not None:
            hanging.close()
        for conn in self.held:
            conn.close()
        self.held.clear()

    def stop(self) -> None:
        self.unhang()
        self.kill()


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    """``kiosk serve`` as its own process, started; killed at the end."""
    server = ServerProcess(tmp_path / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skipped (or failed, in CI) when absent."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("KIOSK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KIOSK_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context and page (its own cookies), with German as the browser language."""
    context = browser.new_context(locale="de-DE", base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Any) -> None:
    """Sign the browser page in as the organiser."""
    page.goto("/login")
    page.fill("#password", ORGANISER_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/admin/**")


@pytest.fixture
def organiser_page(page: Any) -> Any:
    """A browser page signed in as the organiser."""
    sign_in(page)
    return page


# -- a real SMTP server on loopback ----------------------------------------------------------------


class MailSink:
    """An aiosmtpd handler that keeps every message it accepted and does what a test asks:
    refuse some recipients, drop the connection at a given message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}  # address -> the answer to RCPT, e.g. "550 ..."
        self.drop_at_mail: set[int] = set()  # drop the connection at MAIL of these (1-based)
        self.drop_after_data: set[int] = set()  # keep these, then drop without answering
        self.mail_commands = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands += 1
        if self.mail_commands in self.drop_at_mail:
            server.transport.close()
            return "421 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if len(self.received) in self.drop_after_data:
            server.transport.close()
        return "250 Message accepted for delivery"

    def messages(self) -> list[Any]:
        """What arrived, parsed: email.message.EmailMessage objects."""
        import email
        import email.policy

        return [
            email.message_from_bytes(content, policy=email.policy.default)
            for _, _, content in self.received
        ]

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts, _ in self.received for rcpt in rcpts]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port, in a thread; ``password`` turns on AUTH."""

    def __init__(self, *, user: str = "", password: str = "") -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.sink = MailSink()
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.logins: list[str] = []
        options: dict[str, Any] = {}
        if password:

            def authenticator(server, session, envelope, mechanism, auth_data):
                self.logins.append(auth_data.login.decode())
                ok = auth_data.login == user.encode() and auth_data.password == password.encode()
                return AuthResult(success=ok, handled=False)

            options = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(self.sink, hostname=self.host, port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that accepts everything (no AUTH, no TLS)."""
    server = SmtpServer()
    yield server
    server.stop()
