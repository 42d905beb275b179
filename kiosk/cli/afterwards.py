"""Commands for after the event: exports, purge, erasure."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import audit
from kiosk.cli.base import (
    State,
    event_of,
    fail,
    main,
    pass_state,
    person_of,
)

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
        attendee = person_of(db, event, person)
        if not yes and not click.confirm(
            f"Erase {attendee['name']} and everything stored about them?", default=False
        ):
            fail("Nothing deleted.")
        retention.erase(db, event, attendee["id"], who="cli")
    click.echo(f"Erased {attendee['name']}.")


# -- backups ---------------------------------------------------------------------------------


@main.command("backup")
@click.option("--list", "show", is_flag=True, help="List the backups instead of making one.")
@pass_state
def backup_command(state: State, show: bool) -> None:
    """Make a checked backup of the database now (kiosk serve makes one every few minutes and
    on stopping), or --list the backups in the data folder."""
    from kiosk import backups

    if show:
        for path in backups.listing(state.data_dir):
            click.echo(f"{path.name}  {path.stat().st_size:,} bytes")
        return
    with state.db():
        pass  # the database exists and is migrated
    try:
        made = backups.make(state.database)
    except backups.BackupError as exc:
        fail(str(exc))
    click.echo(f"Backup: {made}")


@main.command("restore")
@click.argument("backup")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@pass_state
def restore_command(state: State, backup: str, yes: bool) -> None:
    """Go back to BACKUP (a file, or the name of one in the data folder's backups), after
    checking it; the database as it is now is kept as a backup first. Stop kiosk serve
    before."""
    from kiosk import backups

    path = Path(backup)
    if not path.exists():
        path = state.data_dir / backups.BACKUP_DIR / backup
    try:
        backups.check(path) if path.exists() else None
    except backups.BackupError as exc:
        fail(f"Not restored: {exc}")
    if not yes and not click.confirm(
        f"Replace the database with {path.name}? Changes since then are set aside "
        "(kept as a backup).",
        default=False,
    ):
        fail("Nothing restored.")
    try:
        before = backups.restore(state.database, path)
    except backups.BackupError as exc:
        fail(f"Not restored: {exc}")
    click.echo(f"Restored {path.name}. The database as it was is kept as {before.name}.")
