"""The event's logo on its badges, kept with the batch PDFs in the data folder."""

from __future__ import annotations

import io
import struct
import uuid
from pathlib import Path

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events as kevents
from kiosk.badges.errors import BadgeError
from kiosk.events import Event

#: Largest uploaded logo (pixels on the long side) kept after re-encoding.
LOGO_MAX_PX = 1200
#: Folder in the data folder for generated batch PDFs and the event logos.
OUTPUT_FOLDER = "badges"


def data_dir_of(db: Database) -> Path:
    """The data folder: where the database file lives (everything kiosk writes goes there)."""
    row = kdb.one(db, "PRAGMA database_list")
    return Path(row["file"]).parent if row and row.get("file") else Path.cwd()


def output_dir(db: Database) -> Path:
    """The folder for batch PDFs and logos inside the data folder (created on demand)."""
    folder = data_dir_of(db) / OUTPUT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logo_path(db: Database, event: Event) -> Path | None:
    """The event's uploaded logo file, if there is one."""
    name = event.settings.get("badge_logo") or ""
    if not name:
        return None
    path = data_dir_of(db) / OUTPUT_FOLDER / Path(name).name
    return path if path.is_file() else None


def save_logo(db: Database, event: Event, data: bytes) -> Path:
    """Store an uploaded logo (PNG/JPEG/GIF/WebP) re-encoded as PNG in the data folder."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise BadgeError("bad_logo", "The logo must be a PNG, JPEG, GIF or WebP image.")
            image.load()
            image = image.convert("RGBA")
            image.thumbnail((LOGO_MAX_PX, LOGO_MAX_PX))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadgeError("bad_logo", "This file is not an image kiosk can read.") from exc
    name = f"logo-{event.id}-{uuid.uuid4().hex[:8]}.png"
    path = output_dir(db) / name
    path.write_bytes(out.getvalue())
    old = logo_path(db, event)
    kevents.update_settings(db, event.id, {"badge_logo": name})
    if old is not None:
        old.unlink(missing_ok=True)
    return path


def remove_logo(db: Database, event: Event) -> None:
    """Forget the event's logo and delete its file."""
    old = logo_path(db, event)
    kevents.update_settings(db, event.id, {"badge_logo": ""})
    if old is not None:
        old.unlink(missing_ok=True)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file in pixels, read from its header."""
    with path.open("rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])
