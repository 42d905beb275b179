"""QR codes: kiosk.qr's PNG and SVG against the qrcode library's own image writers.

    python bench/qr.py [--codes 200] [--runs 7]

Per code, median of --runs passes over --codes different texts, all variants interleaved so a
busy machine slows each alike: the matrix alone (error correction M, the fixed mask); the badge
PNG (kiosk.qr.png: Pillow) and qrcode's make_image(); the desk SVG (kiosk.qr.svg: one path of
runs) and qrcode's SvgPathImage, with the fixed mask and with the library's mask search.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qrcode  # noqa: E402
from qrcode.image.svg import SvgPathImage  # noqa: E402

from kiosk import qr  # noqa: E402


def _library(text: str, border: int, **options: Any) -> qrcode.QRCode:
    code = qrcode.QRCode(box_size=1, border=border, **options)
    code.add_data(text)
    code.make(fit=True)
    return code


def library_png(text: str) -> bytes:
    out = io.BytesIO()
    _library(text, qr.PRINT_QUIET_ZONE, mask_pattern=qr.MASK_PATTERN).make_image().save(out)
    return out.getvalue()


def library_svg(text: str) -> str:
    code = _library(
        text, qr.SCREEN_QUIET_ZONE, mask_pattern=qr.MASK_PATTERN, image_factory=SvgPathImage
    )
    return code.make_image().to_string().decode()


def library_svg_mask_search(text: str) -> str:
    code = _library(text, qr.SCREEN_QUIET_ZONE, image_factory=SvgPathImage)
    return code.make_image().to_string().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    badge = [f"HTTP://192.168.1.20:8000/b/{i:020d}" for i in range(options.codes)]
    link = [f"http://192.168.1.20:8000/me/{i * 7919:032x}" for i in range(options.codes)]
    variants: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("matrix, badge URL", qr.matrix, badge),
        ("badge PNG, kiosk.qr.png (Pillow)", qr.png, badge),
        ("badge PNG, qrcode make_image()", library_png, badge),
        ("matrix, private link", lambda t: qr.matrix(t, border=qr.SCREEN_QUIET_ZONE), link),
        ("desk SVG, kiosk.qr.svg", qr.svg, link),
        ("desk SVG, qrcode SvgPathImage", library_svg, link),
        ("desk SVG, SvgPathImage + mask search", library_svg_mask_search, link),
    ]
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(options.runs):
        for name, make, texts in variants:
            start = time.perf_counter()
            for text in texts:
                make(text)
            times[name].append((time.perf_counter() - start) / len(texts) * 1000)
    for name, _, _ in variants:
        print(f"{name:40s} median {statistics.median(times[name]):6.2f} ms per code")


if __name__ == "__main__":
    main()
