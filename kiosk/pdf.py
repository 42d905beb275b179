"""Render HTML to PDF with WeasyPrint, assets only from local files (never the network)."""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from kiosk import resource_dir

log = logging.getLogger("kiosk.pdf")
T = TypeVar("T")
R = TypeVar("R")

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
    with fewer_collections():
        document = render_document(
            html, base_url=base_url, allowed=allowed, stylesheets=stylesheets
        )
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
    with fewer_collections():
        return weasyprint.HTML(
            string=html, base_url=base.as_uri() + "/", url_fetcher=LocalFetcher(folders)
        ).render(stylesheets=[stylesheet(css) for css in stylesheets], font_config=font_config())


#: Objects made between two collections of Python's youngest generation while WeasyPrint works
#: (Python's default: 700). A document is hundreds of thousands of objects that all stay alive
#: until it is written, so the default collects (and walks the growing older generations) again
#: and again for nothing: 1,000 badges take ~20 % less CPU time, with the same peak memory
#: (render and write of 250 badges: 3.9 instead of 4.9 ms per badge).
GC_YOUNG_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_users = [0]
_gc_saved: list[int] = [0]


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while a document is made (threads and nesting share one
    setting: the first to enter raises the threshold, the last to leave restores it)."""
    with _gc_lock:
        if _gc_users[0] == 0:
            _gc_saved[0] = gc.get_threshold()[0]
            gc.set_threshold(max(GC_YOUNG_THRESHOLD, _gc_saved[0]), *gc.get_threshold()[1:])
        _gc_users[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users[0] -= 1
            if _gc_users[0] == 0:
                gc.set_threshold(_gc_saved[0], *gc.get_threshold()[1:])


_fonts = threading.local()


def font_config() -> Any:
    """WeasyPrint's font configuration, one per thread and kept: a fresh one for every document
    loads the system's fonts again and starts with empty caches, ~12 ms of CPU time per PDF
    (a third of a single badge's). Our documents bring no fonts of their own (no @font-face),
    so the configuration never changes; threads do not share one (Pango is not thread-safe)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


@functools.lru_cache(maxsize=4)
def stylesheet(css: str) -> Any:
    """A parsed stylesheet, kept: the same badge stylesheet serves every rendering."""
    import weasyprint

    return weasyprint.CSS(string=css)


def preload_weasyprint() -> None:
    """Import WeasyPrint now, e.g. before forking workers that then share it."""
    import weasyprint  # noqa: F401


# -- many PDFs at once ---------------------------------------------------------------------------

#: Most worker processes a batch of PDFs uses (each holds WeasyPrint and its fonts: ~100 MB).
MAX_WORKERS = 4


def worker_count(setting: str = "KIOSK_PDF_WORKERS") -> int:
    """Worker processes for a big batch: one per core, at most MAX_WORKERS; the environment
    variable ``setting`` overrides (e.g. 1 on a laptop short of memory)."""
    configured = os.environ.get(setting, "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def pool_context(preload: Sequence[str] = ()) -> Any:
    """How worker processes start: a fork of this process when nothing else runs in it (the
    command line: WeasyPrint is already loaded), a fork of a preloaded server process when
    threads run (the web server), a fresh interpreter where fork is not available."""
    import multiprocessing

    if sys.platform != "linux":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        preload_weasyprint()  # loaded once here, shared by the forked workers
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", *preload])
    return context


def in_workers(
    function: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    *,
    preload: Sequence[str] = (),
    done: Callable[[int], None] | None = None,
) -> list[R]:
    """``function`` of each job in worker processes, the results in the jobs' order;
    ``done(index)`` is called as each job finishes (for progress)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: list[Any] = [None] * len(jobs)
    context = pool_context(preload)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(function, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if done:
                done(index)
    return results
