"""QR codes: the badge PNG and the desk SVG both decode to what they hold."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from PIL import Image

from kiosk import pdf, qr

TEXT = "HTTP://192.168.178.20:8000/b/0123456789ABCDEFGHIJ"
#: Pixels per module when a code is enlarged for the decoder.
SCALE = 8


def _read(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return list(dict.fromkeys(r.text for r in found))


def test_png_has_one_pixel_per_module_and_decodes() -> None:
    modules = qr.matrix(TEXT)
    image = Image.open(io.BytesIO(qr.png(TEXT)))
    assert image.size == (len(modules), len(modules))
    assert image.getpixel((0, 0)) == 255  # the quiet zone is white
    big = image.resize((image.width * SCALE, image.height * SCALE), Image.NEAREST)
    assert _read(big) == [TEXT]
    assert qr.png_data_uri(TEXT).startswith("data:image/png;base64,")


def test_svg_draws_the_same_code_and_decodes() -> None:
    svg = qr.svg(TEXT)
    assert svg.startswith("<svg") and "<script" not in svg
    document = pdf.html_to_pdf(f'<div style="width:60mm;margin:10mm">{svg}</div>')
    doc = pypdfium2.PdfDocument(document)
    try:
        page = doc[0].render(scale=200 / 72).to_pil()
    finally:
        doc.close()
    assert _read(page) == [TEXT]
