"""The self-signed TLS certificate that lets `kiosk serve --https` give browsers a camera."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.datafolder import private_folder, write_private

#: How long a made certificate is valid; browsers warn about self-signed ones anyway.
VALID_DAYS = 397
#: A certificate this close to its end is made anew.
RENEW_DAYS = 30
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"


def names_for(lan_ip: str | None, hostname: str | None = None) -> tuple[list[str], list[str]]:
    """The DNS names and IP addresses this laptop is reached by: loopback, LAN, hostname."""
    host = (hostname or socket.gethostname()).strip().lower()
    dns = {"localhost"}
    if host and host != "localhost":
        dns.add(host)
        if "." not in host:
            dns.add(f"{host}.local")  # what phones and Macs resolve by mDNS
    ips = ["127.0.0.1", "::1"]
    if lan_ip and lan_ip not in ips:
        ips.append(lan_ip)
    return sorted(dns), ips


def _covers(cert: x509.Certificate, dns: list[str], ips: list[str]) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_dns = set(san.get_values_for_type(x509.DNSName))
    have_ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    return set(dns) <= have_dns and set(ips) <= have_ips


def ensure_certificate(folder: Path, lan_ip: str | None) -> tuple[Path, Path]:
    """(cert, key) files in ``folder``: reused while valid for this laptop, else made anew."""
    private_folder(folder)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    dns, ips = names_for(lan_ip)
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        fresh = cert.not_valid_after_utc - datetime.now(UTC) > timedelta(days=RENEW_DAYS)
        if fresh and _covers(cert, dns, ips):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk")])
    now = datetime.now(UTC)
    san = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_path.unlink(missing_ok=True)
    write_private(  # 0600 from the start, never readable by another account for a moment
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
