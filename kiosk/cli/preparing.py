"""Commands to prepare an event: events, the attendee list, the import, the organiser's password."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk import access, attendees, events
from kiosk import db as kdb
from kiosk.cli.base import (
    State,
    echo_json,
    event_of,
    fail,
    main,
    pass_state,
)

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
@click.option(
    "--format",
    "shape",
    type=click.Choice(events.FORMATS),
    default="on-site",
    show_default=True,
    help="How people take part: at the venue, online (a video link), or both.",
)
@click.option("--start", "start_time", default="", help="Start time, HH:MM (for invitations).")
@click.option("--end", "end_time", default="", help="End time, HH:MM.")
@click.option("--place", default="", help="Where it takes place (invitations, attendance list).")
@click.option("--video-url", default="", help="The video conference link (online attendees).")
@pass_state
def event_create(
    state: State,
    name: str,
    event_date: str,
    network: str,
    shape: str,
    start_time: str,
    end_time: str,
    place: str,
    video_url: str,
) -> None:
    """Create an event NAME; it becomes the current event."""
    given = {"start_time": start_time, "end_time": end_time, "place": place, "video_url": video_url}
    settings = {"format": shape, **{k: v for k, v in given.items() if v}}
    with state.db() as db:
        try:
            event = events.create_with(db, name, event_date=event_date, network=network, **settings)
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
    """Set the organiser's password (asked twice; short, simple and common ones are refused),
    or --generate one. Every organiser signed in before is signed out."""
    password = (
        access.generate_password()
        if generate
        else click.prompt("New organiser password", hide_input=True, confirmation_prompt=True)
    )
    with state.db() as db:
        try:
            access.choose_password(db, password)
        except access.AccessError as exc:
            fail(str(exc))
    click.echo(f"Organiser password: {password}" if generate else "Password set.")


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
    if result.no_matchmaking_consent:
        click.echo(
            "Warning: nobody has consented to matchmaking (no column of the file gives it), so "
            "nobody gets suggestions. The desk asks each person at check-in (one tap), and "
            "everyone can consent on their own page (the private link)."
        )
    c = result.counts
    click.echo(
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['skipped']} skipped ({c['merged']} duplicate rows merged, "
        f"{c['cancelled']} earlier registrations marked cancelled)."
    )
    if dry_run:
        click.echo("Dry run: nothing was saved.")
