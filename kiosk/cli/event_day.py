"""Commands of the event day: badges, check-in, suggestions."""

from __future__ import annotations

from pathlib import Path

import click
from sqlite_utils import Database

from kiosk import links
from kiosk.cli.base import (
    DEFAULT_PORT,
    State,
    echo_json,
    event_of,
    fail,
    lan_address,
    main,
    pass_state,
    person_of,
)
from kiosk.events import Event

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
@click.option(
    "--mark-printed",
    is_flag=True,
    help="Record the badges as printed (a PDF alone is only noted as made, so --only-new "
    "still finds them).",
)
@click.option("--no-log", is_flag=True, help="Record nothing, not even that a PDF was made.")
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
    mark_printed: bool,
    no_log: bool,
    output: Path | None,
    list_layouts: bool,
    as_json: bool,
) -> None:
    """Write the event's badges as one PDF (all, or --only-new: never printed), or
    --list-layouts. A PDF is not a print: give --mark-printed once it is printed."""
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
                mark_printed=mark_printed,
            )
        except badges.BadgeError as exc:
            fail(str(exc))
    output.write_bytes(pdf)
    noted = "recorded as printed" if mark_printed and not no_log else "not marked printed"
    click.echo(f"Wrote {count} badges to {output} ({noted}).")


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
@click.argument("person", required=False)
@click.option(
    "--all", "everybody", is_flag=True, help="Everybody's suggestions, with load figures."
)
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option("-n", "count", default=10, show_default=True, help="How many suggestions.")
@click.option(
    "--lang", type=click.Choice(["de", "en"]), default="de", show_default=True, help="Language."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per suggestion.")
@pass_state
def suggest_command(
    state: State,
    person: str | None,
    everybody: bool,
    slug: str | None,
    count: int,
    lang: str,
    as_json: bool,
) -> None:
    """Whom PERSON (an e-mail, a badge code or a name) should meet, with the reasons; with
    --all, everybody's lists and how often each person is suggested."""
    from kiosk import events, matching

    if everybody == bool(person):
        fail("Name one PERSON, or use --all.")
    with state.db() as db:
        event = event_of(db, slug)
        address = events.address_form(db, event)
        if everybody:
            _suggest_all(db, event, max(1, count), lang, address, as_json)
            return
        attendee = person_of(db, event, person or "")
        found = matching.for_attendee(db, event, attendee["id"], max(1, count))
    if not attendee["consent_matchmaking"] or attendee["status"] == "cancelled":
        fail(f"{attendee['name']} has not consented to matchmaking: no suggestions.")
    if as_json:
        echo_json([s.as_dict(lang, address) for s in found])
        return
    click.echo(f"{attendee['name']} · {attendee['organisation']}")
    if not found:
        click.echo("No suggestions: nobody who consented has anything in common with them yet.")
    for k, s in enumerate(found, start=1):
        where = f" · {s.organisation}" if s.organisation else ""
        click.echo(f"{k:2}. {s.name}{where}  [{s.score:.1f}]  {s.code}")
        click.echo(f"    {s.reason_text(lang, address)}")


def _suggest_all(
    db: Database, event: Event, count: int, lang: str, address: str, as_json: bool
) -> None:
    """Everybody's suggestions (the event's current plan) and the load figures."""
    from kiosk import matching

    current = matching.current_plan(db, event)
    model = current.model
    people = [
        (p, current.suggestions(p.id, count), int(current.load[i]))
        for i, p in enumerate(model.profiles)
    ]
    people.sort(key=lambda x: x[0].id)
    figures = current.load_figures()
    if as_json:
        echo_json(
            [
                {
                    "code": p.code,
                    "load": load,
                    "suggestions": [s.as_dict(lang, address) for s in found],
                }
                for p, found, load in people
            ]
        )
        return
    for p, found, load in people:
        where = f" · {p.organisation}" if p.organisation else ""
        click.echo(f"{p.name}{where}  {p.code}  (suggested to {load})")
        if not found:
            click.echo("    no suggestions: nothing in common with anyone who consented")
        for k, s in enumerate(found, start=1):
            click.echo(f"  {k:2}. {s.name} · {s.organisation}: {s.reason_text(lang, address)}")
    click.echo(
        f"{figures['people']} people take part; most suggested {figures['max_load']} times "
        f"(bound {figures['bound']}), median {figures['median_load']:g} among those suggested; "
        f"suggested to nobody {figures['suggested_to_nobody']}; "
        f"without suggestions {figures['empty_lists']}, fewer than {current.size}: "
        f"{figures['short_lists']}."
    )
