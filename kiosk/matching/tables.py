"""Table plans for networking rounds: who sits where in each round, mixing organisations and never
seating two people together twice, so that everyone meets new faces."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events as kevents
from kiosk.events import Event
from kiosk.matching.errors import MatchingError
from kiosk.matching.model import Model
from kiosk.matching.profiles import Profile, load_rows, profiles_from_rows

#: Table plans: the sizes and round counts the organiser may choose.
TABLE_SIZE_RANGE = (2, 20)
ROUNDS_RANGE = (1, 12)
#: Table plan costs: sitting with someone again is almost forbidden, one's own organisation is
#: avoided strongly, one's own project less; shared fit pulls people together.
TABLE_REPEAT_COST = 1000.0
TABLE_SAME_ORG_COST = 20.0
TABLE_SAME_PROJECT_COST = 5.0
#: Swap attempts per person and round when improving a table plan (bounded time).
TABLE_SWAPS_PER_PERSON = 60


@dataclass
class TablePlan:
    """Who sits at which table in each round (attendee ids), and how well it mixes."""

    table_size: int
    rounds: list[list[list[int]]]
    repeats: int = 0
    same_organisation: int = 0
    id: int | None = None
    created_at: str = ""
    who: str = "present"
    #: Grouped by a shared topic (breakout rooms for topic sub-groups): each table's topic.
    by_topic: bool = False
    topics: list[list[str]] = field(default_factory=list)

    def as_json(self) -> str:
        """How the plan is stored."""
        data: dict[str, Any] = {"table_size": self.table_size, "rounds": self.rounds}
        data["who"] = self.who
        if self.by_topic:
            data.update(by_topic=True, topics=self.topics)
        return json.dumps(data)


def _table_costs(
    rows: Sequence[dict[str, Any]], consenting: set[int], synonyms: dict[str, str]
) -> tuple[np.ndarray, list[int]]:
    """Pairwise cost of sitting together (own organisation and project cost, shared fit pays),
    and the attendee ids in the order of its rows."""
    profiles, _ = profiles_from_rows(rows, synonyms)
    # Interests are used only of people who consented to matchmaking; others count as blank.
    profiles = [
        p
        if p.id in consenting
        else Profile(
            p.id,
            p.person_id,
            p.code,
            p.name,
            p.organisation,
            p.project,
            p.role,
            frozenset(),
            frozenset(),
            frozenset(),
            p.present,
        )
        for p in profiles
    ]
    model = Model(profiles)
    n = model.n
    fit = model.A @ model.B.T
    fit = (fit + fit.T) / 2
    org = model.org[:n]
    project = model.project[:n]
    cost = -fit.astype(np.float64)
    cost += TABLE_SAME_ORG_COST * (org[:, None] == org[None, :])
    cost += TABLE_SAME_PROJECT_COST * (project[:, None] == project[None, :])
    np.fill_diagonal(cost, 0.0)
    return cost, [p.id for p in model.profiles]


def _table_sizes(n: int, size: int) -> list[int]:
    """Sizes differing by at most one, none above ``size`` unless that would seat someone at a
    table much smaller than asked (below size - 1, or alone): then tables grow by one instead."""
    tables = max(1, -(-n // size))
    while tables > 1 and n // tables < max(2, size - 1):
        tables -= 1
    return [n // tables + (1 if k < n % tables else 0) for k in range(tables)]


def _one_round(cost: np.ndarray, size: int, rng: np.random.Generator) -> list[list[int]]:
    """Seat everyone at balanced tables with low total cost: greedy start, then random swaps."""
    n = cost.shape[0]
    capacity = _table_sizes(n, size)
    tables: list[list[int]] = [[] for _ in capacity]
    # Members of big organisations first, so they can still be spread over the tables.
    order = sorted(
        range(n), key=lambda i: (-(cost[i] >= TABLE_SAME_ORG_COST / 2).sum(), rng.random())
    )
    sums = np.zeros((n, len(tables)))  # sums[i, t] = cost of i joining table t
    for i in order:
        free = [t for t in range(len(tables)) if len(tables[t]) < capacity[t]]
        t = min(free, key=lambda t: (sums[i, t], len(tables[t])))
        tables[t].append(i)
        sums[:, t] += cost[:, i]
    seat = np.empty(n, dtype=np.int64)
    for t, members in enumerate(tables):
        seat[members] = t
    for _ in range(TABLE_SWAPS_PER_PERSON * n):
        a, b = rng.integers(n), rng.integers(n)
        ta, tb = seat[a], seat[b]
        if ta == tb:
            continue
        # Moving a to tb and b to ta: a leaves ta (minus its row sum there), joins tb without b.
        gain = (sums[a, ta] - sums[a, tb] + cost[a, b]) + (sums[b, tb] - sums[b, ta] + cost[a, b])
        if gain > 1e-9:
            sums[:, ta] += cost[:, b] - cost[:, a]
            sums[:, tb] += cost[:, a] - cost[:, b]
            seat[a], seat[b] = tb, ta
    out: list[list[int]] = [[] for _ in tables]
    for i in range(n):
        out[seat[i]].append(i)
    return out


def seated_people(
    db: Database, event: Event, size: int, rounds: int, who: str
) -> tuple[list[dict[str, Any]], set[int]]:
    """Whom a plan of tables or rooms seats (checked: size, rounds, whom) and which of them
    agreed to matchmaking (only their topics may group them)."""
    if not TABLE_SIZE_RANGE[0] <= size <= TABLE_SIZE_RANGE[1]:
        raise MatchingError(
            "bad_table_size", f"Table size must be {TABLE_SIZE_RANGE[0]}–{TABLE_SIZE_RANGE[1]}."
        )
    if not ROUNDS_RANGE[0] <= rounds <= ROUNDS_RANGE[1]:
        raise MatchingError("bad_rounds", f"Rounds must be {ROUNDS_RANGE[0]}–{ROUNDS_RANGE[1]}.")
    if who not in WHO:
        raise MatchingError("bad_who", f"Whom to seat: one of {', '.join(WHO)}.")
    rows = people_rows(db, event, who)
    if len(rows) < 2:
        raise MatchingError("too_few_people", "A table plan needs at least two people.")
    consenting = {
        r["id"]
        for r in kdb.rows(
            db,
            "SELECT id FROM attendees WHERE event_id = ? AND consent_matchmaking = 1",
            [event.id],
        )
    }
    return rows, consenting


def make_table_plan(
    db: Database, event: Event, table_size: int, rounds: int, *, who: str = "present"
) -> TablePlan:
    """Seat the people present (or all registered, or who takes part online) at tables for
    several rounds; store it."""
    rows, consenting = seated_people(db, event, table_size, rounds, who)
    synonyms = kevents.get(db, event.id).settings.get("synonyms") or {}
    cost, ids = _table_costs(rows, consenting, synonyms)
    result = seat_rounds(cost, table_size, rounds, seed=event.id)
    result.rounds = [[[ids[i] for i in table] for table in rnd] for rnd in result.rounds]
    result.who = who
    return store_table_plan(db, event, result)


#: Whom a plan seats: who is checked in, everyone registered, or who takes part online.
WHO = ("present", "all", "online")


def people_rows(db: Database, event: Event, who: str) -> list[dict[str, Any]]:
    """The attendee rows a plan for ``who`` seats (matching's columns, everyone's)."""
    rows = load_rows(db, event.id, consenting=False)
    shape = event.settings.get("format") or "on-site"
    if who == "present":
        # At a hybrid event the tables are in the room: who joins online gets breakout rooms.
        remote = _remote(db, event) if shape == "hybrid" else set()
        return [r for r in rows if r["checked_in_at"] and r["id"] not in remote]
    if who == "online":
        if shape == "on-site":
            return []
        remote = _remote(db, event)
        return [r for r in rows if r["id"] in remote]
    return rows


def _remote(db: Database, event: Event) -> set[int]:
    """Who takes part online: everybody at an online event, who said so at a hybrid one."""
    return {
        r["id"]
        for r in kdb.rows(
            db,
            "SELECT id FROM attendees WHERE event_id = ? AND (? OR attendance = 'online')",
            [event.id, event.settings.get("format") == "online"],
        )
    }


def store_table_plan(db: Database, event: Event, result: TablePlan) -> TablePlan:
    """Keep a plan as the event's latest."""
    with kdb.transaction(db):
        result.created_at = kdb.now()
        result.id = (
            db["table_plans"]
            .insert(
                {"event_id": event.id, "created_at": result.created_at, "plan": result.as_json()}
            )
            .last_pk
        )
    return result


def seat_rounds(cost: np.ndarray, table_size: int, rounds: int, *, seed: int = 0) -> TablePlan:
    """Rounds of tables over a pairwise cost matrix; sitting together again costs a lot."""
    rng = np.random.default_rng(seed)
    cost = cost.copy()
    base = cost.copy()
    seatings = []
    for _ in range(rounds):
        tables = _one_round(cost, table_size, rng)
        seatings.append(tables)
        for members in tables:
            idx = np.array(members)
            cost[np.ix_(idx, idx)] += TABLE_REPEAT_COST
        np.fill_diagonal(cost, 0.0)
    together: Counter[tuple[int, int]] = Counter()
    same_org = 0
    for tables in seatings:
        for members in tables:
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    together[(a, b) if a < b else (b, a)] += 1
                    same_org += base[a, b] >= TABLE_SAME_ORG_COST / 2
    repeats = sum(c - 1 for c in together.values() if c > 1)
    return TablePlan(table_size, seatings, repeats, int(same_org))


def latest_table_plan(db: Database, event: Event) -> TablePlan | None:
    """The event's most recent table plan, or None."""
    row = kdb.one(
        db, "SELECT * FROM table_plans WHERE event_id = ? ORDER BY id DESC LIMIT 1", [event.id]
    )
    if row is None:
        return None
    data = json.loads(row["plan"])
    return TablePlan(
        data["table_size"],
        data["rounds"],
        id=row["id"],
        created_at=row["created_at"],
        who=data.get("who", "present"),
        by_topic=bool(data.get("by_topic")),
        topics=data.get("topics") or [],
    )


def table_plan_people(db: Database, table_plan: TablePlan) -> dict[int, dict[str, str]]:
    """Name, organisation and project of everybody seated (what their badge shows)."""
    ids = sorted({a for rnd in table_plan.rounds for table in rnd for a in table})
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in kdb.rows(
            db,
            "SELECT id, first_name, last_name, organisation, project FROM attendees "
            f"WHERE id IN ({marks})",
            chunk,
        ):
            name = " ".join(p for p in (r["first_name"], r["last_name"]) if p)
            found[r["id"]] = {
                "name": name,
                "organisation": r["organisation"] or "",
                "project": r["project"] or "",
            }
    return found
