"""Breakout rooms from the table plan: rounds of rooms that mix organisations (the table plan
itself) or group people by a shared topic, exported as Zoom's pre-assignment CSV and as a
room list moderators of BigBlueButton or Jitsi can print or copy.

Topics count only of people who consented to matchmaking (as in the table plan); the others
join open rooms. Nobody is dropped: who has no e-mail address cannot be in Zoom's CSV, so the
room list and the export name them, for the host to move by hand.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.matching.profiles import profiles_from_rows
from kiosk.matching.tables import (
    TablePlan,
    _table_sizes,
    seated_people,
    store_table_plan,
)

#: Zoom's pre-assignment file: its header, and what one file may hold.
ZOOM_HEADER = ("Pre-assign Room Name", "Email Address")
ZOOM_MAX_ROOMS = 100
ZOOM_MAX_PEOPLE = 1000
#: Room names are cut to this length (a topic can be long).
MAX_TOPIC_LENGTH = 40
#: Words of the room names, per language.
ROOM_WORDS = {"de": ("Raum", "Tisch"), "en": ("Room", "Table")}


def room_name(number: int, topic: str = "", lang: str = "de", *, table: bool = False) -> str:
    """A room's name: "Raum 3", or "Raum 3 – Pflege" for a topic room ("Tisch 3" on site)."""
    word = ROOM_WORDS.get(lang, ROOM_WORDS["de"])[1 if table else 0]
    return f"{word} {number} – {topic}" if topic else f"{word} {number}"


# -- grouping by topic ---------------------------------------------------------------------------


def make_topic_plan(
    db: Database, event: Event, size: int, rounds: int, *, who: str = "online"
) -> TablePlan:
    """Rounds of rooms of people who share a topic (interest, offer or need), a different
    topic for each person in each round where they have one; stored as the latest plan."""
    rows, consenting = seated_people(db, event, size, rounds, who)
    profiles, labels = profiles_from_rows(rows, event.settings.get("synonyms") or {})
    topics = {
        p.id: (p.interests | p.offers | p.seeks) if p.id in consenting else frozenset()
        for p in profiles
    }
    orgs = {p.id: p.organisation.casefold() for p in profiles}
    plan = TablePlan(size, [], who=who, by_topic=True)
    had: dict[int, set[str]] = defaultdict(set)
    for number in range(rounds):
        groups = _topic_groups(topics, had)
        tables, names = [], []
        # Rooms of a topic met before are mixed anew: another order within each organisation.
        shuffle = random.Random(event.id * 1000 + number)
        for key in sorted(groups, key=lambda k: (k == "", -len(groups[k]), labels.get(k, k))):
            for room in _split(groups[key], size, orgs, shuffle):
                tables.append(room)
                names.append(labels.get(key, "")[:MAX_TOPIC_LENGTH] if key else "")
            for member in groups[key]:
                had[member].add(key)
        plan.rounds.append(tables)
        plan.topics.append(names)
    return store_table_plan(db, event, plan)


def _topic_groups(topics: dict[int, frozenset[str]], had: dict[int, set[str]]) -> dict:
    """Each person's topic for one round ("" for none): a fresh one, the most shared first;
    a topic nobody else chose gives way to another of theirs that has a group."""
    counts = Counter(t for ts in topics.values() for t in ts)
    groups: dict[str, list[int]] = defaultdict(list)
    for pid, ts in topics.items():
        fresh = [t for t in ts if t not in had[pid]] or list(ts)
        best = min(fresh, key=lambda t: (-counts[t], t)) if fresh else ""
        groups[best].append(pid)
    for key in sorted(k for k, members in groups.items() if k and len(members) == 1):
        if len(groups.get(key, ())) != 1:
            continue  # someone joined meanwhile
        (pid,) = groups.pop(key)
        other = [t for t in topics[pid] if len(groups.get(t, ())) >= 1]
        groups[min(other, key=lambda t: (-len(groups[t]), t)) if other else ""].append(pid)
    if len(groups.get("", ())) == 1 and len(groups) > 1:
        # One person without a topic joins the smallest room rather than sitting alone.
        (pid,) = groups.pop("")
        groups[min(groups, key=lambda k: (len(groups[k]), k))].append(pid)
    return groups


def _split(
    members: Sequence[int], size: int, orgs: dict[int, str], shuffle: random.Random
) -> list[list[int]]:
    """Rooms of at most ``size`` (balanced), members of one organisation spread over them."""
    sizes = _table_sizes(len(members), size)
    mixed = list(members)
    shuffle.shuffle(mixed)
    by_org = sorted(mixed, key=lambda m: orgs.get(m, ""))
    rooms: list[list[int]] = [[] for _ in sizes]
    k = 0
    for member in by_org:
        while len(rooms[k % len(rooms)]) >= sizes[k % len(rooms)]:
            k += 1
        rooms[k % len(rooms)].append(member)
        k += 1
    return rooms


# -- the rooms of a plan -------------------------------------------------------------------------


@dataclass
class Room:
    name: str
    people: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RoomRound:
    """One round's rooms, with who lacks an e-mail address and what exceeds Zoom's limits."""

    number: int
    rooms: list[Room]

    @property
    def without_email(self) -> list[tuple[Room, dict[str, Any]]]:
        return [(room, p) for room in self.rooms for p in room.people if not p["email"]]

    @property
    def shared_email(self) -> list[tuple[Room, dict[str, Any]]]:
        """Who shares an address with someone before them in the round (a school's office
        address): Zoom assigns an address to one room only, so they are moved by hand."""
        seen: set[str] = set()
        out = []
        for room in self.rooms:
            for p in room.people:
                address = p["email"].lower()
                if address and address in seen:
                    out.append((room, p))
                seen.add(address)
        return out

    @property
    def zoom_people(self) -> int:
        return len({p["email"].lower() for room in self.rooms for p in room.people if p["email"]})

    @property
    def over_zoom_limits(self) -> list[str]:
        """Which of Zoom's limits this round exceeds: "rooms", "people"."""
        over = []
        if len(self.rooms) > ZOOM_MAX_ROOMS:
            over.append("rooms")
        if self.zoom_people > ZOOM_MAX_PEOPLE:
            over.append("people")
        return over


def room_rounds(
    db: Database, plan: TablePlan, lang: str = "de", *, tables: bool = False
) -> list[RoomRound]:
    """The plan's rounds as named rooms (``tables``: named tables, for a plan on site) with
    each person's name, organisation and e-mail."""
    ids = sorted({a for rnd in plan.rounds for table in rnd for a in table})
    people: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in kdb.rows(
            db,
            "SELECT id, first_name, last_name, organisation, email FROM attendees "
            f"WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            people[r["id"]] = {
                "name": " ".join(p for p in (r["first_name"], r["last_name"]) if p),
                "organisation": r["organisation"] or "",
                "email": (r["email"] or "").strip(),
            }
    out = []
    for n, seating in enumerate(plan.rounds, start=1):
        names = plan.topics[n - 1] if plan.by_topic and len(plan.topics) >= n else []
        rooms = [
            Room(
                room_name(k, names[k - 1] if len(names) >= k else "", lang, table=tables),
                [people[a] for a in table if a in people],
            )
            for k, table in enumerate(seating, start=1)
        ]
        out.append(RoomRound(n, rooms))
    return out


def zoom_csv(room_round: RoomRound) -> str:
    """Zoom's pre-assignment CSV of one round: its header, then one row per person with an
    e-mail address, each address once (UTF-8, comma; spreadsheet formulas neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ZOOM_HEADER)
    written: set[str] = set()
    for room in room_round.rooms:
        for person in room.people:
            if person["email"] and person["email"].lower() not in written:
                written.add(person["email"].lower())
                writer.writerow([_safe(room.name), _safe(person["email"])])
    return buffer.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def room_list_text(event: Event, rounds: Sequence[RoomRound], lang: str = "de") -> str:
    """The rooms as plain text, for a moderator to copy into BigBlueButton or Jitsi."""
    words = {
        "de": ("Runde", "ohne E-Mail", "Personen"),
        "en": ("Round", "no e-mail", "people"),
    }.get(lang, ("Runde", "ohne E-Mail", "Personen"))
    lines = [event.name]
    for rnd in rounds:
        lines += ["", f"{words[0]} {rnd.number}"]
        for room in rnd.rooms:
            lines.append(f"{room.name} ({len(room.people)} {words[2]})")
            for p in room.people:
                org = f", {p['organisation']}" if p["organisation"] else ""
                mark = f" [{words[1]}]" if not p["email"] else ""
                lines.append(f"  - {p['name']}{org}{mark}")
    return "\n".join(lines) + "\n"


def zoom_export(db: Database, event: Event, room_round: RoomRound, *, who: str) -> str:
    """``zoom_csv`` of one round, recorded in the audit (it holds e-mail addresses)."""
    from kiosk import audit

    text = zoom_csv(room_round)
    audit.record(
        db,
        event.id,
        "export",
        "zoom_rooms",
        who=who,
        rows=room_round.zoom_people,
        detail={"format": "csv", "round": room_round.number, "rooms": len(room_round.rooms)},
    )
    return text


def plan_pdf(
    event: Event, rounds: Sequence[RoomRound], *, by_topic: bool, lang: str = "de"
) -> bytes:
    """The plan as a printable PDF: each round on its own page, its tables or rooms."""
    from kiosk import documents, pdf

    html = documents.render(
        "exports/rooms.html", lang, event=event, rounds=rounds, by_topic=by_topic
    )
    return pdf.html_to_pdf(html)
