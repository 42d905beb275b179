"""`kiosk tables`: the table plan for networking rounds, or breakout rooms for an online
meeting (by mixing organisations or by shared topic), as text, a PDF or Zoom's CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlite_utils import Database

from kiosk.events import Event

if TYPE_CHECKING:
    from kiosk.matching.rooms import RoomRound

from kiosk.cli.base import State, event_of, fail, main, pass_state


def _who_for(shape: str, zoom: bool, given: str | None) -> str:
    """Whom to seat: as told; else who takes part online at an online event (or for Zoom at a
    hybrid one), else who is checked in."""
    if given:
        return given
    return "online" if shape == "online" or (shape == "hybrid" and zoom) else "present"


@main.command("tables")
@click.option("--rounds", type=int, required=True, help="How many rounds (1-12).")
@click.option("--size", type=int, required=True, help="People per table or room (2-20).")
@click.option("--by-topic", is_flag=True, help="Group by a shared topic instead of mixing.")
@click.option("--zoom", is_flag=True, help="Write Zoom's breakout-room pre-assignment CSV.")
@click.option(
    "--who",
    type=click.Choice(["present", "all", "online"]),
    help="Whom to seat: checked in, all registered, or who takes part online (default: online "
    "at online events and for --zoom at hybrid ones, else who is checked in).",
)
@click.option("--event", "slug", help="Event slug (default: the current event).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write: .pdf for the printable plan, else text; with --zoom a .csv (one file "
    "per round when there are several: NAME-1.csv, NAME-2.csv ...). Default: print it.",
)
@click.option(
    "--lang", type=click.Choice(["de", "en"]), default="de", show_default=True, help="Language."
)
@pass_state
def tables_command(
    state: State,
    rounds: int,
    size: int,
    by_topic: bool,
    zoom: bool,
    who: str | None,
    slug: str | None,
    output: Path | None,
    lang: str,
) -> None:
    """A new table plan (or breakout rooms): rounds of tables that mix organisations, or with
    --by-topic rooms of a shared topic; printed, or written as PDF, text or Zoom's CSV."""
    from kiosk import matching
    from kiosk.matching import rooms

    with state.db() as db:
        event = event_of(db, slug)
        whom = _who_for(event.settings.get("format") or "on-site", zoom, who)
        try:
            if by_topic:
                plan = rooms.make_topic_plan(db, event, size, rounds, who=whom)
            else:
                plan = matching.make_table_plan(db, event, size, rounds, who=whom)
        except matching.MatchingError as exc:
            fail(f"No plan: {exc}")
        on_site = not (zoom or by_topic or whom == "online")
        found = rooms.room_rounds(db, plan, lang, tables=on_site)
        people = len({a for rnd in plan.rounds for table in rnd for a in table})
        click.echo(
            f"{people} people, {len(found[0].rooms)} {'tables' if on_site else 'rooms'} per "
            f"round, {len(found)} round(s); seated: {whom}.",
            err=True,
        )
        if zoom:
            _write_zoom(db, event, found, output)
            return
        if output and output.suffix.lower() == ".pdf":
            from kiosk.cli.afterwards import write_atomically

            write_atomically(output, rooms.plan_pdf(event, found, by_topic=by_topic, lang=lang))
            click.echo(f"Wrote {output}", err=True)
            return
        text = rooms.room_list_text(event, found, lang)
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {output}", err=True)
        else:
            click.echo(text, nl=False)


def _write_zoom(db: Database, event: Event, found: list[RoomRound], output: Path | None) -> None:
    from kiosk.matching import rooms

    if output is None and len(found) > 1:
        fail("Zoom takes one round per file: give -o FILE.csv (one file per round is written).")
    for rnd in found:
        text = rooms.zoom_export(db, event, rnd, who="command line")
        if output is None:
            click.echo(text, nl=False)
        else:
            path = (
                output
                if len(found) == 1
                else output.with_name(f"{output.stem}-{rnd.number}{output.suffix or '.csv'}")
            )
            path.write_text(text, encoding="utf-8", newline="")
            click.echo(f"Wrote {path} (round {rnd.number})", err=True)
        if "rooms" in rnd.over_zoom_limits:
            click.echo(
                f"Warning: round {rnd.number} has {len(rnd.rooms)} rooms; Zoom pre-assigns at "
                f"most {rooms.ZOOM_MAX_ROOMS}.",
                err=True,
            )
        if "people" in rnd.over_zoom_limits:
            click.echo(
                f"Warning: round {rnd.number} has {rnd.zoom_people} people; Zoom pre-assigns at "
                f"most {rooms.ZOOM_MAX_PEOPLE}.",
                err=True,
            )
        for room, person in rnd.without_email:
            click.echo(
                f"No e-mail, assign by hand: {person['name']} -> {room.name} (round {rnd.number})",
                err=True,
            )
        for room, person in rnd.shared_email:
            click.echo(
                f"E-mail shared with someone in another room, assign by hand: {person['name']} "
                f"-> {room.name} (round {rnd.number})",
                err=True,
            )
