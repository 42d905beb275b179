"""The data folder is this laptop user's alone: made 0700, its database and secrets 0600 from
the moment they exist (other accounts on the laptop read nothing)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: Modes of what kiosk makes in the data folder (POSIX; Windows keeps its own ACLs).
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Make ``path`` (and missing parents) if needed; a folder kiosk makes is 0700."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it a moment ago
            path.mkdir(mode=FOLDER_MODE)
            path.chmod(FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path: Path) -> bool:
    """Create an empty file 0600 unless it exists (no moment with wider rights); True if
    it was made now."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def write_private(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file made 0600 from the start; False (nothing written) when
    the file exists already."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return True
