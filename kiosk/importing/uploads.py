"""Uploads waiting in the data folder between the preview and the organiser's confirmation."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database

from kiosk.datafolder import private_folder
from kiosk.events import Event
from kiosk.importing.errors import ImportRefused
from kiosk.importing.mapping import Suggestion, auto_mapping, mapping_fits, settle, suggest
from kiosk.importing.planning import plan
from kiosk.importing.reading import Table, read_file
from kiosk.importing.result import ColumnInfo, Result, describe_columns
from kiosk.text import clean

#: Uploads wait in <DATA_DIR>/uploads between preview and confirmation; older ones are removed.
UPLOAD_DIR = "uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _upload_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / UPLOAD_DIR


def save_upload(data_dir: str | Path, filename: str, data: bytes) -> str:
    """Read an uploaded file (once: the preview, the mapping and the confirmation use what was
    read, so a costly file costs once) and keep it under a random name until it is confirmed;
    returns its token. A file that cannot be read is refused here (``ImportRefused``)."""
    name = clean(Path(filename).name, max_length=120)
    table = read_file(data, name or filename)
    folder = private_folder(_upload_dir(data_dir))
    _remove_stale(folder)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": name, "mapping": None, "table": dataclasses.asdict(table)}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


class Upload(NamedTuple):
    """A waiting upload: the file, the organiser's choices so far, and the file as read."""

    filename: str
    data: bytes
    mapping: list[str] | None
    apart: list[tuple[int, int]]
    table: Table


def _table(kept: dict[str, Any]) -> Table:
    return Table(**{**kept, "rows": [(int(n), list(cells)) for n, cells in kept["rows"]]})


def load_upload(data_dir: str | Path, token: str) -> Upload:
    """The file name, bytes, chosen mapping, merges kept apart and table of a waiting upload."""
    folder = _upload_dir(data_dir)
    if not _TOKEN.match(token) or not (folder / f"{token}.bin").exists():
        raise ImportRefused("upload_gone", "This upload is no longer there; upload the file again.")
    meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
    apart = [(int(a), int(b)) for a, b in meta.get("apart") or []]
    data = (folder / f"{token}.bin").read_bytes()
    if meta.get("table") is None:  # kept by an earlier kiosk: read now, once
        meta["table"] = dataclasses.asdict(read_file(data, meta["filename"]))
        _write_meta(folder / f"{token}.json", meta)
    return Upload(meta["filename"], data, meta.get("mapping"), apart, _table(meta["table"]))


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def save_mapping(
    data_dir: str | Path,
    token: str,
    mapping: list[str],
    apart: Iterable[tuple[int, int]] | None = None,
) -> None:
    """Remember the organiser's column choices (and merges kept apart) for a waiting upload."""
    upload = load_upload(data_dir, token)
    path = _upload_dir(data_dir) / f"{token}.json"
    kept = upload.apart if apart is None else sorted(set(apart))
    table = dataclasses.asdict(upload.table)
    _write_meta(
        path, {"filename": upload.filename, "mapping": mapping, "apart": kept, "table": table}
    )


def choose(
    data_dir: str | Path, token: str, mapping: list[str], apart: Iterable[tuple[int, int]]
) -> list[str]:
    """Take the organiser's choices from the preview's form and remember them: a one-column
    field given to another column is taken from the column that had it."""
    upload = load_upload(data_dir, token)
    previous = upload.mapping
    if previous is None or len(previous) != len(mapping):
        previous = auto_mapping(upload.table.header, upload.table.rows)
    mapping = settle(previous, mapping)
    save_mapping(data_dir, token, mapping, apart)
    return mapping


@dataclass
class Preview:
    """What the preview shows of a waiting upload: the file, its mapping and the dry run (or
    why the file cannot be imported as mapped)."""

    table: Table
    suggestion: Suggestion
    mapping: list[str]
    result: Result | None
    refused: ImportRefused | None

    def columns(self) -> list[ColumnInfo]:
        return describe_columns(self.table, self.mapping, self.suggestion)


def preview(db: Database, event: Event, upload: Upload) -> Preview:
    """The dry run of a waiting upload under the organiser's choices (else the guessed
    mapping); a refusal of the mapping is part of the preview, a refusal of the file is not."""
    table = upload.table
    suggestion = suggest(table.header, table.rows)
    fits = mapping_fits(table.header, upload.mapping)
    mapping = upload.mapping if fits and upload.mapping else suggestion.mapping
    try:
        result = plan(db, event, table, mapping, apart=upload.apart)
    except ImportRefused as exc:
        return Preview(table, suggestion, mapping, None, exc)
    return Preview(table, suggestion, mapping, result, None)


def parse_pairs(values: Iterable[str]) -> list[tuple[int, int]]:
    """Merges kept apart as the preview's form sends them ("5-60")."""
    pairs = []
    for value in values:
        first, sep, other = value.partition("-")
        if sep and first.isdigit() and other.isdigit():
            pairs.append((int(first), int(other)))
    return pairs


def discard_upload(data_dir: str | Path, token: str) -> None:
    """Delete a waiting upload (after the import, or when the organiser cancels)."""
    if not _TOKEN.match(token):
        return
    for suffix in (".bin", ".json"):
        (_upload_dir(data_dir) / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
