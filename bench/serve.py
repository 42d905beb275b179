"""How fast `kiosk serve` is ready: from starting the process to the first page answered.

    python bench/serve.py [--runs 5]

Target (DESIGN.md): ready in 2 s or less. Each run uses a fresh data folder (the first start
also creates the database and the organiser's password), on loopback.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TARGET_S = 2.0
TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready_seconds(data_dir: Path) -> float:
    """Seconds from starting `kiosk serve` to its first 200 answer."""
    port = _free_port()
    started = time.monotonic()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "kiosk", "--data", str(data_dir), "serve"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.monotonic() - started < TIMEOUT_S:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
        raise SystemExit(f"kiosk serve did not answer within {TIMEOUT_S:.0f} s")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            figures.append(ready_seconds(Path(folder)))
    print(
        f"kiosk serve ready: median {statistics.median(figures):.2f} s, "
        f"min {min(figures):.2f}, max {max(figures):.2f} over {args.runs} runs "
        f"(target <= {TARGET_S:.0f} s)"
    )


if __name__ == "__main__":
    main()
