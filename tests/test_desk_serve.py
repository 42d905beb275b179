"""`kiosk serve --https`: a certificate made for this laptop, kept in the data folder, and TLS."""

from __future__ import annotations

import http.client
import ipaddress
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cryptography import x509

from kiosk import certs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_certificate_names_this_laptop_and_is_reused(tmp_path: Path) -> None:
    cert_path, key_path = certs.ensure_certificate(tmp_path, "192.168.178.20")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.168.178.20") in san.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert {"localhost", socket.gethostname().lower()} <= set(san.get_values_for_type(x509.DNSName))
    assert key_path.stat().st_mode & 0o077 == 0
    first = cert_path.read_bytes()
    assert certs.ensure_certificate(tmp_path, "192.168.178.20")[0].read_bytes() == first
    # Another network at the next venue: a new address, so a new certificate.
    assert certs.ensure_certificate(tmp_path, "10.1.2.3")[0].read_bytes() != first


def test_serve_https_serves_tls_with_the_made_certificate(tmp_path: Path) -> None:
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
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("Ctrl+C" in line for line in lines):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert f"On this laptop:        https://127.0.0.1:{port}/" in text
        link = re.search(r"one-time link\): (https://\S+)", text)
        assert link
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
        response: Any = None
        for _ in range(50):
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
                conn.request("GET", "/login")
                response = conn.getresponse()
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        assert response is not None and response.status == 200
        assert "Content-Security-Policy" in dict(response.getheaders())
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
