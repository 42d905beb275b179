"""What kiosk leaves on disk is this laptop user's alone, and its cookies stay on TLS under
--https."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk import certs, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_database_and_secret_are_private_even_with_an_open_umask(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "kiosk-data"
    old = os.umask(0)  # the most open setting a laptop may have
    try:
        create_app({"DATA_DIR": str(folder)})
        certs.ensure_certificate(folder / "tls", None)
    finally:
        os.umask(old)
    assert mode(folder) == 0o700
    assert mode(folder / "secret_key") == 0o600
    assert mode(folder / "kiosk.sqlite3") == 0o600
    for extra in ("kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):
        if (folder / extra).exists():
            assert mode(folder / extra) == 0o600
    assert mode(folder / "tls") == 0o700
    assert mode(folder / "tls" / "key.pem") == 0o600
    assert len((folder / "secret_key").read_text()) == 64
    # Made once: the next start reads the same secret.
    assert create_app({"DATA_DIR": str(folder)}).secret_key == (folder / "secret_key").read_text()


def test_session_cookie_is_secure_under_https(tmp_path: Path) -> None:
    port = free_port()
    args = [sys.executable, "-m", "kiosk", "--data", str(tmp_path), "serve", "--https"]
    proc = subprocess.Popen(
        [*args, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("Ctrl+C" in line for line in lines):
            lines.append(proc.stdout.readline())
        link = re.search(r"one-time link\): (\S+)", "".join(lines))
        assert link
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
        response: Any = None
        for _ in range(50):
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
                conn.request("GET", urlsplit(link.group(1)).path)
                response = conn.getresponse()
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        assert response is not None and response.status == 302
        cookie = response.getheader("Set-Cookie", "")
        assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
