"""Uploads waiting in the data folder between the preview and the organiser's confirmation."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from kiosk.importing.errors import ImportRefused
from kiosk.text import clean

#: Uploads wait in <DATA_DIR>/uploads between preview and confirmation; older ones are removed.
UPLOAD_DIR = "uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _upload_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / UPLOAD_DIR


def save_upload(data_dir: str | Path, filename: str, data: bytes) -> str:
    """Keep an uploaded file under a random name until it is confirmed; returns its token."""
    folder = _upload_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": clean(Path(filename).name, max_length=120), "mapping": None}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load_upload(data_dir: str | Path, token: str) -> tuple[str, bytes, list[str] | None]:
    """The file name, bytes and chosen mapping of a waiting upload."""
    folder = _upload_dir(data_dir)
    if not _TOKEN.match(token) or not (folder / f"{token}.bin").exists():
        raise ImportRefused("upload_gone", "This upload is no longer there; upload the file again.")
    meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
    return meta["filename"], (folder / f"{token}.bin").read_bytes(), meta.get("mapping")


def save_mapping(data_dir: str | Path, token: str, mapping: list[str]) -> None:
    """Remember the organiser's column choices for a waiting upload."""
    filename, _, _ = load_upload(data_dir, token)
    path = _upload_dir(data_dir) / f"{token}.json"
    meta = {"filename": filename, "mapping": mapping}
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


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
