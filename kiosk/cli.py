"""The ``kiosk`` command: every organiser task from a terminal, and the server."""

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

from kiosk import access, attendees, events
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


def event_of(db: Database, slug: str | None) -> events.Event:
    """The event a command works on, or a one-line failure."""
    try:
        return events.current(db, slug)
    except events.EventError as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


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


# -- events ------------------------------------------------------------------------------------


@main.group("event")
def event_group() -> None:
    """Create and list events."""


@event_group.command("create")
@click.argument("name")
@click.option("--date", "event_date", default="", help="The event's date, YYYY-MM-DD.")
@click.option(
    "--network",
    default="",
    help="Events of one network recognise returning people (default: a network of its own).",
)
@pass_state
def event_create(state: State, name: str, event_date: str, network: str) -> None:
    """Create an event NAME; it becomes the current event."""
    with state.db() as db:
        try:
            event = events.create(db, name, event_date=event_date, network=network)
        except events.EventError as exc:
            fail(str(exc))
    click.echo(f"Created event '{event.name}' ({event.slug}); it is now the current event.")


@event_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def event_list(state: State, as_json: bool) -> None:
    """List events, newest first; the current one is marked."""
    with state.db() as db:
        found = events.all_events(db)
        chosen = events.current(db).id if found else None
        counts = {e.id: attendees.count(db, e.id) for e in found}
    if as_json:
        echo_json(
            [
                {
                    "slug": e.slug,
                    "name": e.name,
                    "date": e.date,
                    "network": e.network,
                    "current": e.id == chosen,
                    **counts[e.id],
                }
                for e in found
            ]
        )
        return
    if not found:
        click.echo("No events yet. Create one: kiosk event create NAME")
    for e in found:
        mark = "*" if e.id == chosen else " "
        c = counts[e.id]
        click.echo(
            f"{mark} {e.slug:30} {e.date or '—':10}  {c['arrived']}/{c['registered']}  {e.name}"
        )


@event_group.command("choose")
@click.argument("slug")
@pass_state
def event_choose(state: State, slug: str) -> None:
    """Make the event SLUG the current one."""
    with state.db() as db:
        event = event_of(db, slug)
        events.choose(db, event.id)
    click.echo(f"The current event is now '{event.name}'.")


# -- attendees ---------------------------------------------------------------------------------


@main.command("attendees")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per attendee.")
@pass_state
def attendees_command(state: State, slug: str | None, as_json: bool) -> None:
    """List the attendees with their codes, consents and check-in times."""
    with state.db() as db:
        event = event_of(db, slug)
        found = attendees.list_for_event(db, event.id)
    if as_json:
        echo_json([attendees.export_view(a) for a in found])
        return
    for a in found:
        consents = ("V" if a["consent_matchmaking"] else "-") + (
            "K" if a["consent_share_contact"] else "-"
        )
        arrived = (a["checked_in_at"] or "")[:16].replace("T", " ")
        click.echo(f"{a['code']}  {consents}  {arrived:16}  {a['name']} · {a['organisation']}")
    click.echo(f"{len(found)} attendees (V = matchmaking consent, K = shares contact details)")


# -- organiser access --------------------------------------------------------------------------


@main.command("password")
@click.option("--generate", is_flag=True, help="Make a new random password and print it.")
@pass_state
def password_command(state: State, generate: bool) -> None:
    """Set the organiser's password (asked twice), or --generate one."""
    password = (
        access.generate_password()
        if generate
        else click.prompt("New organiser password", hide_input=True, confirmation_prompt=True)
    )
    with state.db() as db:
        try:
            access.set_password(db, password)
        except access.AccessError as exc:
            fail(str(exc))
    click.echo(f"Organiser password: {password}" if generate else "Password set.")


# -- serving -----------------------------------------------------------------------------------


def lan_address() -> str | None:
    """This laptop's address on the local network, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))  # connect() on UDP only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def serve_app(
    state: State,
    host: str,
    port: int,
    *,
    https: bool = False,
    public_url: str = "",
    threads: int = SERVER_THREADS,
) -> None:
    """Serve the app with waitress; print where to open it and how the organiser signs in."""
    from waitress import create_server

    scheme = "https" if https else "http"
    lan = lan_address() if host in ("0.0.0.0", "::") else None
    public = public_url or f"{scheme}://{lan or '127.0.0.1'}:{port}"
    app = state.app(PUBLIC_URL=public.rstrip("/"))
    with state.db() as db:
        password = None
        if not access.has_password(db):
            password = access.generate_password()
            access.set_password(db, password)
        token = access.new_signin_token(db)
    server = create_server(app, host=host, port=port, threads=threads, ident="kiosk")
    local = f"{scheme}://127.0.0.1:{port}/"
    click.echo(f"kiosk is running. Data folder: {state.data_dir}")
    click.echo(f"  On this laptop:        {local}")
    if lan:
        click.echo(f"  On the local network:  {scheme}://{lan}:{port}/")
    click.echo(f"  Badge QR codes point to {public}/b/...")
    click.echo(f"  Organiser sign-in (one-time link): {local}signin/{token}")
    if password:
        click.echo(f"  Organiser password (shown once, note it down): {password}")
    click.echo("Stop with Ctrl+C.")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.")


@main.command("serve")
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="Address to listen on (0.0.0.0 = LAN)."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option("--public-url", default="", help="Base URL printed in badge QR codes.")
@pass_state
def serve_command(state: State, host: str, port: int, public_url: str) -> None:
    """Run the production server for this laptop and the local network."""
    serve_app(state, host, port, public_url=public_url)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Only create the demo event, do not serve.")
@pass_state
def demo_command(state: State, host: str, port: int, no_serve: bool) -> None:
    """Create a ready demo event with realistic attendees (if absent) and serve it."""
    from kiosk import demo

    with state.db() as db:
        event, created = demo.ensure_demo(db)
        count = attendees.count(db, event.id)
    verb = "Created" if created else "Using"
    click.echo(
        f"{verb} demo event '{event.name}': {count['registered']} attendees, "
        f"{count['arrived']} already checked in."
    )
    if not no_serve:
        serve_app(state, host, port)


# -- import ------------------------------------------------------------------------------------


# -- badges ------------------------------------------------------------------------------------


# -- check-in ----------------------------------------------------------------------------------


# -- suggestions -------------------------------------------------------------------------------


# -- contacts, export, purge -------------------------------------------------------------------


def run() -> None:
    """Entry point that keeps click's exit codes and makes output UTF-8 on Windows consoles."""
    if os.name == "nt":
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    main()
