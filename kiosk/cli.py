"""The ``kiosk`` command: every organiser task from a terminal, and the server."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from kiosk import access, attendees, audit, events, links
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
        consents = "".join(
            mark if a[f"consent_{purpose}"] else "-"
            for purpose, mark in (("matchmaking", "V"), ("share_contact", "K"), ("mail", "M"))
        )
        arrived = kdb.local_time(a["checked_in_at"])
        click.echo(f"{a['code']}  {consents}  {arrived:16}  {a['name']} · {a['organisation']}")
    click.echo(
        f"{len(found)} attendees (V = matchmaking consent, K = shares contact details, "
        "M = mails from kiosk)"
    )


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
    """Serve the app (waitress; cheroot with TLS for --https); print where to open it."""
    scheme = "https" if https else "http"
    lan = lan_address() if host in ("0.0.0.0", "::") else None
    with state.db() as db:
        try:
            if public_url:
                links.remember(db, public_url)
            public = links.public_url(fallback=f"{scheme}://{lan or '127.0.0.1'}:{port}", db=db)
        except links.LinkError as exc:
            fail(str(exc))
        password = None
        if not access.has_password(db):
            password = access.generate_password()
            access.set_password(db, password)
        token = access.new_signin_token(db)
    app = state.app(PUBLIC_URL=public.rstrip("/"))
    if https:
        start, stop = _tls_server(state, app, host, port, lan, threads)
    else:
        from waitress import create_server

        # "Task queue depth is 3" on every request of a rush means nothing to an organiser
        # (requests wait their turn for a few milliseconds) and costs each of them a log record.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        server = create_server(app, host=host, port=port, threads=threads, ident="kiosk")
        start, stop = server.run, server.close
    local = f"{scheme}://127.0.0.1:{port}/"
    click.echo(f"kiosk is running. Data folder: {state.data_dir}")
    click.echo(f"  On this laptop:        {local}")
    if lan:
        click.echo(f"  On the local network:  {scheme}://{lan}:{port}/")
    if https:
        click.echo(
            "  The certificate is made by this laptop: browsers ask once to accept it "
            "(then the camera works)."
        )
    click.echo(f"  Badge QR codes point to {public}/b/...")
    click.echo(f"  Organiser sign-in (one-time link): {local}signin/{token}")
    if password:
        click.echo(f"  Organiser password (shown once, note it down): {password}")
    click.echo("Stop with Ctrl+C.")
    sys.stdout.flush()
    try:
        start()
    except KeyboardInterrupt:
        stop()
        click.echo("Stopped.")


def _tls_server(
    state: State, app: Any, host: str, port: int, lan: str | None, threads: int
) -> tuple[Any, Any]:
    """A cheroot server speaking TLS with this laptop's own certificate (waitress has no TLS)."""
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    from kiosk.certs import ensure_certificate

    cert, key = ensure_certificate(state.data_dir / "tls", lan)
    server = wsgi.Server((host, port), app, numthreads=threads, server_name="kiosk")
    server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    return server.start, server.stop


@main.command("serve")
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="Address to listen on (0.0.0.0 = LAN)."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option(
    "--public-url",
    default="",
    help="Base URL in badge QR codes, e.g. http://192.168.1.20:8000 (remembered for later "
    "runs and for `kiosk badges`; default: this laptop's LAN address).",
)
@click.option(
    "--https",
    is_flag=True,
    help="Serve with TLS and a certificate made for this laptop (browsers allow the camera "
    "only on https or on this laptop itself).",
)
@click.option(
    "--threads",
    default=SERVER_THREADS,
    show_default=True,
    help="Worker threads (requests served at once; connections are not limited by it).",
)
@pass_state
def serve_command(
    state: State, host: str, port: int, public_url: str, https: bool, threads: int
) -> None:
    """Run the production server for this laptop and the local network."""
    serve_app(state, host, port, https=https, public_url=public_url, threads=threads)


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

#: How the CLI names the targets of columns that fill no attendee field.
IMPORT_TARGET_NOTES = {"extra": "kept as extra", "ignore": "not imported"}
#: Why a column's values do not fit the field its header suggests.
IMPORT_MISFITS = {
    "yes_no": "its values are yes/no answers",
    "numbers": "its values are numbers",
    "not_email": "its values are not e-mail addresses",
    "email": "its values are e-mail addresses",
    "not_phone": "its values are not phone numbers",
}


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; save nothing.")
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Put a column into another field, e.g. --map Einwilligung=consent_matchmaking "
    "(fields: first_name, middle_name, last_name, name, email, phone, organisation, "
    "organisation_type, project, role, interests, offers, seeks, consent_matchmaking, "
    "consent_share_contact, consent_mail, registration_id, status, cancelled, extra, "
    "ignore). Repeatable.",
)
@click.option(
    "--apart",
    "apart",
    multiple=True,
    metavar="ROW-ROW",
    help="Keep apart two rows the import would take for one person (the merges it prints, "
    "e.g. --apart 5-60). Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result (or refusal) as JSON.")
@pass_state
def import_command(
    state: State,
    file: Path,
    slug: str | None,
    dry_run: bool,
    pairs: tuple[str, ...],
    apart: tuple[str, ...],
    as_json: bool,
) -> None:
    """Import registrations from FILE (CSV, TSV, TXT or XLSX) into the event.

    Prints created / updated / skipped counts and every row problem with its row number
    (header = row 1). Importing the same file again changes only what changed. Exports of
    pretix, Eventbrite, Microsoft Forms, Google Forms, LimeSurvey, Indico and Outlook are
    recognised by their headers. Different people are never merged: rows are one person
    only with the same e-mail address and a name that agrees (or the same registration);
    people who share an address are listed.
    """
    from kiosk import importing

    with state.db() as db:
        event = event_of(db, slug)
        try:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise importing.ImportRefused("unreadable", f"Cannot read the file: {exc}") from exc
            table = importing.read_file(data, file.name)
            mapping = (
                importing.mapping_from_pairs(table.header, pairs, table.rows) if pairs else None
            )
            kept = importing.parse_pairs(apart)
            result = importing.run(db, event, table, mapping, dry_run=dry_run, apart=kept)
        except importing.ImportRefused as exc:
            if as_json:
                echo_json({"refused": True, "code": exc.code, "row": exc.row, "message": str(exc)})
                raise click.exceptions.Exit(1) from exc
            fail(f"{file.name}: {exc}")
            return
    if as_json:
        echo_json({"event": event.slug, **result.as_dict()})
        return
    source = result.source()
    how = ", ".join(
        p
        for p in (
            source["format"].upper(),
            source["encoding"],
            f"delimiter {source['delimiter']}" if source["delimiter"] else "",
            f"sheet {source['sheet']}" if source["sheet"] else "",
        )
        if p
    )
    click.echo(f"{file.name} ({how}, {source['rows']} rows) -> event '{event.name}'")
    if result.tool:
        click.echo(f"Recognised: {result.tool} export; its columns are mapped by its preset.")
    for column in result.columns():
        target = IMPORT_TARGET_NOTES.get(column.target, column.target)
        if column.misfit:
            target += f" (not {column.candidate}: {IMPORT_MISFITS[column.misfit]})"
        elif column.preferred and column.target != column.candidate:
            target += f' (also {column.candidate}; "{column.preferred[:30]}" is taken)'
        click.echo(f"  {column.header[:40]:40} -> {target}")
    for problem in result.problems:
        click.echo(problem.message)
    c = result.counts
    click.echo(
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['skipped']} skipped ({c['merged']} duplicate rows merged, "
        f"{c['cancelled']} earlier registrations marked cancelled)."
    )
    if dry_run:
        click.echo("Dry run: nothing was saved.")


# -- badges ------------------------------------------------------------------------------------


def badge_public_url(db: Database, given: str) -> str:
    """The base URL badge QR codes point to: --public-url, else the stored setting, else
    this laptop's LAN address on the default port."""
    try:
        fallback = f"http://{lan_address() or '127.0.0.1'}:{DEFAULT_PORT}"
        return links.public_url(given, fallback, db=db)
    except links.LinkError as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


@main.command("badges")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--layout", "layout_name", help="Layout name (see --list-layouts).")
@click.option("--only-new", is_flag=True, help="Only badges not printed yet.")
@click.option(
    "--public-url",
    default="",
    help="Base URL in the QR codes (default: the public_url setting, else this laptop's LAN "
    "address on port 8000).",
)
@click.option("--skip", default=0, show_default=True, help="Leave the first N labels empty.")
@click.option("--no-log", is_flag=True, help="Do not record the badges as printed (a test).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF.",
)
@click.option("--list-layouts", is_flag=True, help="Show the layouts and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --list-layouts: print JSON.")
@pass_state
def badges_command(
    state: State,
    slug: str | None,
    layout_name: str | None,
    only_new: bool,
    public_url: str,
    skip: int,
    no_log: bool,
    output: Path | None,
    list_layouts: bool,
    as_json: bool,
) -> None:
    """Write the event's badges as one PDF (all, or --only-new), or --list-layouts."""
    from kiosk import badges

    if list_layouts:
        _print_layouts(state, as_json)
        return
    if output is None:
        fail("Where should the PDF go? Give -o FILE.pdf (or use --list-layouts).")
    with state.db() as db:
        event = event_of(db, slug)
        try:
            pdf, count = badges.batch_pdf(
                db,
                event,
                public_url=badge_public_url(db, public_url),
                layout=layout_name,
                only_new=only_new,
                how="cli",
                skip=skip,
                record=not no_log,
            )
        except badges.BadgeError as exc:
            fail(str(exc))
    output.write_bytes(pdf)
    click.echo(f"Wrote {count} badges to {output}.")


def _print_layouts(state: State, as_json: bool) -> None:
    from kiosk import badges

    with state.db() as db:
        chosen = badges.print_settings(db).layout
    found = badges.layouts().values()
    if as_json:
        echo_json(
            [
                {
                    "name": lay.name,
                    "title": lay.title,
                    "kind": lay.kind,
                    "page_mm": [lay.page_w, lay.page_h],
                    "badge_mm": [lay.badge_w, lay.badge_h],
                    "per_page": lay.per_page,
                    "chosen": lay.name == chosen,
                }
                for lay in found
            ]
        )
        return
    for lay in found:
        mark = "*" if lay.name == chosen else " "
        size = f"{lay.badge_w:g} x {lay.badge_h:g} mm"
        per_page = f"{lay.per_page:>2}/page"
        click.echo(f"{mark} {lay.name:17} {lay.kind:6} {size:14} {per_page}  {lay.title}")
    click.echo("* = the layout chosen for batches (organiser page: Namensschilder)")


# -- check-in ----------------------------------------------------------------------------------


@main.command("checkin")
@click.argument("code")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--desk", "desk", default="CLI", show_default=True, help="Desk name to record.")
@click.option("--station", "desk", hidden=True, help="Older name of --desk.")
@pass_state
def checkin_command(state: State, code: str, slug: str | None, desk: str) -> None:
    """Check in the attendee whose badge CODE (or badge URL) this is, by the desk's rules.

    Exit code 0 only when this call checked someone in.
    """
    from kiosk import checkin, desks

    with state.db() as db:
        event = event_of(db, slug)
        try:
            result = checkin.scan(db, event, code, desk=desks.clean_name(desk))
        except checkin.CheckinError as exc:
            fail(checkin.describe(exc))
    a = result.attendee
    again = "Welcome back" if result.again else "Checked in"
    org = f" ({a['organisation']})" if a["organisation"] else ""
    click.echo(f"{again}: {a['name']}{org} at desk '{result.desk}'.")
    if not checkin.badge_printed(a):
        click.echo("Badge not printed yet.")


# -- suggestions -------------------------------------------------------------------------------


@main.command("suggest")
@click.argument("person")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("-n", "count", default=10, show_default=True, help="How many suggestions.")
@click.option(
    "--lang", type=click.Choice(["de", "en"]), default="de", show_default=True, help="Language."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per suggestion.")
@pass_state
def suggest_command(
    state: State, person: str, slug: str | None, count: int, lang: str, as_json: bool
) -> None:
    """Whom PERSON (an e-mail, a badge code or a name) should meet, with the reasons."""
    from kiosk import matching

    with state.db() as db:
        event = event_of(db, slug)
        try:
            attendee = attendees.find_attendee(db, event, person)
        except attendees.AttendeeError as exc:
            fail(str(exc))
        found = matching.for_attendee(db, event, attendee["id"], max(1, count))
    if as_json:
        echo_json([s.as_dict(lang) for s in found])
        return
    if not attendee["consent_matchmaking"]:
        fail(f"{attendee['name']} has not consented to matchmaking: no suggestions.")
    click.echo(f"{attendee['name']} · {attendee['organisation']}")
    if not found:
        click.echo("No suggestions: nobody else who consented is from another organisation.")
    for k, s in enumerate(found, start=1):
        where = f" · {s.organisation}" if s.organisation else ""
        click.echo(f"{k:2}. {s.name}{where}  [{s.score:.1f}]  {s.code}")
        click.echo(f"    {s.reason_text(lang)}")


# -- after the event: export, purge, erase ----------------------------------------------------

#: What `kiosk export` makes, and the file each kind is (tables: CSV or XLSX by suffix).
EXPORT_KINDS = ("attendees", "contacts", "checkins", "attendance", "summaries", "report")


def write_atomically(path: Path, body: bytes) -> None:
    """Write a file so that a failure leaves the old one (or none), never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(body)
    temporary.replace(path)


@main.command("export")
@click.argument("kind", type=click.Choice(EXPORT_KINDS))
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write: .csv or .xlsx for lists, .pdf for attendance and report, .zip for "
    "summaries.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="For lists: csv (German Excel: ; and UTF-8) or xlsx; default: the file name's suffix.",
)
@click.option(
    "--lang", type=click.Choice(["de", "en"]), default="de", show_default=True, help="Language."
)
@click.option("--signature", is_flag=True, help="attendance: add a column to sign.")
@pass_state
def export_command(
    state: State,
    kind: str,
    slug: str | None,
    output: Path,
    fmt: str | None,
    lang: str,
    signature: bool,
) -> None:
    """Export KIND of the event: attendees, contacts, checkins (CSV/XLSX), attendance (PDF),
    summaries (ZIP of each attendee's PDF and vCard) or report (PDF). Every export is audited."""
    from kiosk import exports, summaries

    with state.db() as db:
        event = event_of(db, slug)
        try:
            if kind in exports.TABLES:
                body = exports.export(
                    db, event, kind, exports.format_of(output.name, fmt), who="cli", lang=lang
                )
            elif kind == "attendance":
                body = exports.attendance_pdf(db, event, who="cli", lang=lang, signature=signature)
            elif kind == "summaries":
                body = summaries.zip_all(db, event, who="cli", lang=lang)
            else:
                from kiosk import report

                body = report.pdf(db, event, lang=lang)
                audit.record(db, event.id, "export", "report.pdf", who="cli")
        except exports.ExportError as exc:
            fail(str(exc))
    write_atomically(output, body)
    click.echo(f"Wrote {kind} of '{event.name}' to {output} ({len(body):,} bytes).")


@main.command("purge")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--expired", is_flag=True, help="Purge every event past its retention deadline.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@pass_state
def purge_command(state: State, slug: str | None, expired: bool, yes: bool) -> None:
    """Delete the personal data of an event (or of every expired one), keeping the report's
    anonymous figures; nothing of those people stays in the data folder."""
    from kiosk import retention

    with state.db() as db:
        if expired:
            targets = retention.expired(db)
            if not targets:
                click.echo("No event is past its retention deadline.")
                return
        else:
            targets = [event_of(db, slug)]
            if retention.is_purged(targets[0]):
                click.echo(f"'{targets[0].name}' was purged already.")
                return
        names = ", ".join(f"'{e.name}'" for e in targets)
        if not yes and not click.confirm(
            f"Delete all personal data of {names}? This cannot be undone.", default=False
        ):
            fail("Nothing deleted.")
        for event in targets:
            done = retention.purge(db, event, who="cli")
            click.echo(
                f"Purged '{event.name}': {done.rows.get('attendees', 0)} attendees, "
                f"{done.total} rows and {done.files} files deleted; the report's figures kept."
            )


@main.command("erase")
@click.argument("person")
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@pass_state
def erase_command(state: State, person: str, slug: str | None, yes: bool) -> None:
    """Erase one attendee on request (PERSON: e-mail, badge code or name): their data goes,
    contacts others made with them stay as "deleted contact"."""
    from kiosk import retention

    with state.db() as db:
        event = event_of(db, slug)
        try:
            attendee = attendees.find_attendee(db, event, person)
        except attendees.AttendeeError as exc:
            fail(str(exc))
        if not yes and not click.confirm(
            f"Erase {attendee['name']} and everything stored about them?", default=False
        ):
            fail("Nothing deleted.")
        retention.erase(db, event, attendee["id"], who="cli")
    click.echo(f"Erased {attendee['name']}.")


def run() -> None:
    """Entry point that keeps click's exit codes and makes output UTF-8 on Windows consoles."""
    if os.name == "nt":
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    main()
