"""PDFs from HTML: local assets load, anything from the network or elsewhere does not."""

from __future__ import annotations

import gc
import io
import threading
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from kiosk import pdf


def _png(path: Path) -> None:
    Image.new("RGB", (4, 4), "#1f5fa8").save(path, format="PNG")


def _images(document: bytes) -> int:
    return len(PdfReader(io.BytesIO(document)).pages[0].images)


def test_relative_assets_load_from_the_base_folder_only(tmp_path: Path) -> None:
    folder = tmp_path / "assets"
    folder.mkdir()
    _png(folder / "logo.png")
    _png(tmp_path / "outside.png")
    html = '<img src="logo.png"><img src="../outside.png"><img src="http://198.51.100.1/x.png">'
    document = pdf.html_to_pdf(html, base_url=folder)
    assert document.startswith(b"%PDF")
    assert _images(document) == 1


def test_stylesheets_apply() -> None:
    document = pdf.html_to_pdf("<p>x</p>", stylesheets=["@page { size: A6; margin: 0 }"])
    width, height = PdfReader(io.BytesIO(document)).pages[0].mediabox.upper_right
    assert (round(float(width)), round(float(height))) == (298, 420)  # A6 in points


def test_garbage_collection_comes_back_to_normal_after_each_pdf() -> None:
    normal = gc.get_threshold()
    with pdf.fewer_collections():
        assert gc.get_threshold()[0] >= pdf.GC_YOUNG_THRESHOLD
        with pdf.fewer_collections():
            pass
        assert gc.get_threshold()[0] >= pdf.GC_YOUNG_THRESHOLD  # the outer one still works
    assert gc.get_threshold() == normal
    made: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: made.append(pdf.html_to_pdf("<p>x</p>"))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 3 and all(d.startswith(b"%PDF") for d in made)
    assert gc.get_threshold() == normal


def test_each_thread_keeps_one_font_configuration() -> None:
    mine = pdf.font_config()
    assert pdf.font_config() is mine
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(pdf.font_config()))
    thread.start()
    thread.join()
    assert other and other[0] is not mine
