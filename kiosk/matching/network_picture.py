"""The network picture: organisations or projects on a circle, linked by suggestions made and
contacts swapped, so that the organiser sees (and can show funders) which connections formed."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.matching.current import current_plan
from kiosk.matching.errors import MatchingError
from kiosk.matching.profiles import load_rows
from kiosk.matching.suggestions import DESK_SIZE
from kiosk.text import fold

#: Edges in the network picture come from each attendee's first suggestions.
NETWORK_TOP = DESK_SIZE


@dataclass(frozen=True)
class Node:
    """One organisation or project on the circle, with where to write its name."""

    label: str
    people: int
    x: float
    y: float
    r: float
    anchor: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Edge:
    """Links between two nodes: suggestions made and contacts swapped."""

    a: int
    b: int
    suggested: int
    contacts: int


@dataclass(frozen=True)
class Network:
    """Groups on a circle and the links between them, ready to draw as SVG."""

    by: str
    size: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    max_weight: int


#: Geometry of the network picture (SVG user units).
NETWORK_SIZE = 1200
NETWORK_RADIUS = 340
NETWORK_MAX_NODES = 60


def network(db: Database, event: Event, by: str = "organisation") -> Network:
    """Organisations (or projects) and how many suggestions and contacts link them."""
    if by not in ("organisation", "project"):
        raise MatchingError("bad_grouping", f"Group by organisation or project, not {by}.")
    people = {r["id"]: (r[by] or "").strip() for r in load_rows(db, event.id, consenting=False)}
    current = current_plan(db, event)
    links: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for i, items in enumerate(current.lists):
        a = people.get(current.model.profiles[i].id, "")
        for j, _ in items[:NETWORK_TOP]:
            b = people.get(current.model.profiles[j].id, "")
            if a and b and a != b:
                links[tuple(sorted((a, b)))][0] += 1
    for r in kdb.rows(
        db,
        "SELECT owner_id, other_id FROM contacts WHERE event_id = ? AND owner_id < other_id",
        [event.id],
    ):
        a, b = people.get(r["owner_id"], ""), people.get(r["other_id"], "")
        if a and b and a != b:
            links[tuple(sorted((a, b)))][1] += 1
    sizes = Counter(g for g in people.values() if g)
    groups = [g for g, _ in sizes.most_common(NETWORK_MAX_NODES)]
    groups.sort(key=fold)
    at = {g: k for k, g in enumerate(groups)}
    centre = NETWORK_SIZE / 2
    nodes = []
    biggest = max(sizes.values(), default=1)
    for k, g in enumerate(groups):
        angle = 2 * math.pi * k / max(len(groups), 1) - math.pi / 2
        cos, sin = math.cos(angle), math.sin(angle)
        nodes.append(
            Node(
                label=g,
                people=sizes[g],
                x=round(centre + NETWORK_RADIUS * cos, 1),
                y=round(centre + NETWORK_RADIUS * sin, 1),
                r=round(5 + 11 * math.sqrt(sizes[g] / biggest), 1),
                anchor="start" if cos > 0.01 else "end" if cos < -0.01 else "middle",
                label_x=round(centre + (NETWORK_RADIUS + 26) * cos, 1),
                label_y=round(centre + (NETWORK_RADIUS + 26) * sin + 4, 1),
            )
        )
    edges = tuple(
        Edge(at[a], at[b], s, c) for (a, b), (s, c) in sorted(links.items()) if a in at and b in at
    )
    heaviest = max((max(e.suggested, e.contacts) for e in edges), default=1)
    return Network(by, NETWORK_SIZE, tuple(nodes), edges, heaviest)
