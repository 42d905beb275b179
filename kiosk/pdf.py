"""Render HTML to PDF with WeasyPrint, assets only from local files (never the network)."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kiosk import resource_dir

log = logging.getLogger("kiosk.pdf")

#: The app's own folders a document may always load assets from.
ASSET_FOLDERS = ("templates", "static", "badges")


class LocalFetcher:
    """Resolves a document's images and stylesheets from this laptop only: data: URIs and
    files inside the allowed folders; anything else (http, other files) is refused."""

    # WeasyPrint asks this when fetching fails: a refused asset is skipped, not fatal.
    _fail_on_errors = False

    def __init__(self, allowed: Iterable[Path]) -> None:
        self.allowed = [p.resolve() for p in allowed]

    def __call__(self, url: str) -> Any:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            header, _, payload = url.partition(",")
            mime = header[5:].split(";")[0] or "text/plain"
            body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload)
            return _response(url, body, mime)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.allowed) and path.is_file():
                return _response(url, path.read_bytes(), "")
        log.warning("PDF asset refused: %s", url[:80])
        raise ValueError(f"Only local files and data: URIs are allowed, not {url[:80]}")


def _response(url: str, body: bytes | str, mime: str) -> Any:
    """What WeasyPrint expects from a fetcher: a response object (70+) or a dict (older)."""
    try:
        from weasyprint.urls import URLFetcherResponse
    except ImportError:
        return {"string": body, "mime_type": mime or None, "redirected_url": url}
    return URLFetcherResponse(url, body, {"Content-Type": mime} if mime else {})


def html_to_pdf(
    html: str,
    *,
    base_url: Path | None = None,
    allowed: Iterable[Path] = (),
    stylesheets: Sequence[str] = (),
) -> bytes:
    """The one place that makes a PDF: HTML (from our templates) through WeasyPrint.

    Relative links resolve against the folder ``base_url`` (default: static/); assets load
    only from the app's templates/, static/ and badges/ folders, ``base_url``, the
    ``allowed`` folders and data: URIs — never over the network.
    """
    document = render_document(html, base_url=base_url, allowed=allowed, stylesheets=stylesheets)
    return document.write_pdf()


def render_document(
    html: str,
    *,
    base_url: Path | None = None,
    allowed: Iterable[Path] = (),
    stylesheets: Sequence[str] = (),
) -> Any:
    """The laid-out WeasyPrint document of :func:`html_to_pdf` (before it is written)."""
    import weasyprint

    base = (base_url or resource_dir("static")).resolve()
    folders = [*(resource_dir(name) for name in ASSET_FOLDERS), base, *allowed]
    return weasyprint.HTML(
        string=html, base_url=base.as_uri() + "/", url_fetcher=LocalFetcher(folders)
    ).render(stylesheets=[stylesheet(css) for css in stylesheets])


@functools.lru_cache(maxsize=4)
def stylesheet(css: str) -> Any:
    """A parsed stylesheet, kept: the same badge stylesheet serves every rendering."""
    import weasyprint

    return weasyprint.CSS(string=css)


def preload() -> None:
    """Import WeasyPrint now, e.g. before forking workers that then share it."""
    import weasyprint  # noqa: F401
