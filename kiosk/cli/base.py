"""What every command shares: the ``kiosk`` group, the data folder, the current event, and
how a command fails or prints JSON."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from kiosk import attendees, events
from kiosk import db as kdb

DEFAULT_PORT = 8000
#: waitress worker threads: enough for 20 desks polling and scanning; writes queue on one lock.
SERVER_THREADS = 16


class State:
    """What the ``kiosk`` group passes to its commands: where the data folder is."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    @property
    def database(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    @contextmanager
    def db(self) -> Iterator[Database]:
        """The database, migrated, for one command."""
        kdb.init(self.database)
        database = kdb.connect(self.database)
        try:
            yield database
        finally:
            database.close()

    def app(self, **config: Any) -> Any:
        from kiosk import create_app

        return create_app({"DATA_DIR": str(self.data_dir), **config})


pass_state = click.make_pass_decorator(State)


def default_data_dir() -> Path:
    """The per-user data folder when neither --data nor KIOSK_DATA says otherwise."""
    return Path(click.get_app_dir("kiosk"))


def fail(message: str) -> None:
    """Stop the command with a one-line reason and a non-zero exit code."""
    raise click.ClickException(message)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def person_of(db: Database, event: events.Event, person: str) -> dict[str, Any]:
    """The attendee a command means (an e-mail, a badge code or a name), or a one-line
    failure."""
    try:
        return attendees.find_attendee(db, event, person)
    except attendees.AttendeeError as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


def event_of(db: Database, slug: str | None) -> events.Event:
    """The event a command works on, or a one-line failure."""
    try:
        return events.current(db, slug)
    except events.EventError as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


def lan_address() -> str | None:
    """This laptop's address on the local network, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))  # connect() on UDP only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KIOSK_DATA",
    default=None,
    help="Folder for everything kiosk writes (database, PDFs, secrets). "
    "Default: $KIOSK_DATA, else a per-user folder.",
)
@click.version_option(package_name="kiosk")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """kiosk: check-in and networking for network meetings, on one laptop."""
    ctx.obj = State((data_dir or default_data_dir()).expanduser().resolve())


def run() -> None:
    """Entry point that keeps click's exit codes and makes output UTF-8 on Windows consoles."""
    if os.name == "nt":
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    main()
