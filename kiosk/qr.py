"""QR codes made in Python with one fixed mask: PNG for printed badges, SVG for the desk screen."""

from __future__ import annotations

import base64
import io

#: One fixed mask instead of the library's search for the best of eight: the search costs
#: 2-10 ms per code, a fixed mask ~1 ms, and scanners read either equally well.
MASK_PATTERN = 4
#: Modules of white around a printed code, as the QR standard asks.
PRINT_QUIET_ZONE = 4
#: Modules of white around a code on screen (the page around it is white as well).
SCREEN_QUIET_ZONE = 2


def matrix(text: str, *, border: int = PRINT_QUIET_ZONE) -> list[list[bool]]:
    """The modules of ``text``'s QR code (error correction M, the fixed mask), quiet zone
    included; True is dark."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=1,
        border=border,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def png(text: str) -> bytes:
    """A QR code as a greyscale PNG with one pixel per module (a PDF scales it without
    smoothing); Pillow writes it from the matrix, faster than the library's make_image()."""
    from PIL import Image

    modules = matrix(text)
    size = len(modules)
    pixels = b"".join(bytes(0 if dark else 255 for dark in row) for row in modules)
    out = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(out, format="PNG")
    return out.getvalue()


def png_data_uri(text: str) -> str:
    """A QR code as a data: URI of its PNG, to put straight into a badge's HTML."""
    return "data:image/png;base64," + base64.b64encode(png(text)).decode("ascii")


def svg(text: str) -> str:
    """An inline SVG QR code (no file, allowed by the CSP) drawn as one path of horizontal runs.

    The library's own SVG writer (SvgPathImage) takes ~4 times as long for the same fixed
    mask: `python bench/qr.py` on a busy 2-core machine, 18 ms against 4 ms per private link.
    """
    modules = matrix(text, border=SCREEN_QUIET_ZONE)
    size = len(modules)
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img"><rect width="{size}" height="{size}" '
        f'fill="#fff"/><path d="{"".join(runs)}"/></svg>'
    )
