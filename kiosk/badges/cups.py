"""Printing straight to a CUPS printer (``lp``), for desks and batches without a print dialog."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess

from kiosk.badges.errors import BadgeError

log = logging.getLogger("kiosk.badges")

#: Seconds ``lp`` may take to accept a job.
PRINT_TIMEOUT_S = 30
#: Seconds ``lpstat`` may take to list the printers.
LPSTAT_TIMEOUT_S = 3
_PRINTER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{0,127}$")


def valid_printer_name(name: str) -> bool:
    """True for a CUPS-like printer name ('' included): no spaces, quotes or shell syntax."""
    return bool(_PRINTER_NAME.match(name))


def available_printers() -> list[str]:
    """The CUPS printers this laptop knows (``lpstat -e``); empty without CUPS."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        result = subprocess.run(
            [lpstat, "-e"], capture_output=True, text=True, timeout=LPSTAT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = [line.strip() for line in result.stdout.splitlines()]
    return [n for n in names if n and valid_printer_name(n)]


def print_pdf(pdf: bytes, printer: str) -> None:
    """Send a PDF to a CUPS printer with ``lp -d PRINTER``; BadgeError('print_failed') if not."""
    if not printer or not valid_printer_name(printer):
        raise BadgeError("print_failed", f"Not a printer name: {printer!r}")
    lp = shutil.which("lp")
    if lp is None:
        raise BadgeError(
            "print_failed", "Cannot print directly: the 'lp' command (CUPS) is not installed."
        )
    try:
        result = subprocess.run(
            [lp, "-d", printer, "-t", "kiosk badges", "-"],
            input=pdf,
            capture_output=True,
            timeout=PRINT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BadgeError(
            "print_failed", f"Printer '{printer}' did not accept the job: {exc}"
        ) from exc
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1] if reason else f"lp exited with {result.returncode}"
        raise BadgeError("print_failed", f"Printer '{printer}' did not accept the job: {detail}")
    log.info("badge PDF sent to printer %s (%d bytes)", printer, len(pdf))
