"""The report's figures: who came, which organisations and projects met, which connections
formed — anonymous counts and names of organisations, projects and topics only, so they can
be kept after an event's personal data is purged and shown to funders."""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import fold

#: Changes when the figures' shape changes, so a stored old shape can be recognised.
FIGURES_VERSION = 1
#: The most shared topics kept.
TOP_TOPICS = 15
#: What the network can be grouped by.
GROUPINGS = ("organisation", "project")
#: The lists a topic can come from.
TOPIC_LISTS = ("interests", "offers", "seeks")
#: Folded names remembered: a fair's 10,000 rows repeat a few hundred names.
KEY_CACHE_SIZE = 4096


class ReportError(KioskError):
    """The report could not be made; ``code`` says why."""


# -- names -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=KEY_CACHE_SIZE)
def _key(name: str) -> str:
    """What makes two spellings one group: "Max-Eyth-Schule" and "max-eyth-schule " are one."""
    return fold(name or "")


class _Names:
    """Groups spellings by their folded key; a group is shown by its most frequent spelling."""

    def __init__(self) -> None:
        self.spellings: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, name: str, weight: int = 1) -> str:
        key = _key(name)
        if key:
            self.spellings[key][name.strip()] += weight
        return key

    def name(self, key: str) -> str:
        # Most frequent spelling; ties go to the first in sort order, so the choice is stable.
        counts = self.spellings[key]
        return min(counts, key=lambda s: (-counts[s], s))


def _ranked(items: Iterable[dict[str, Any]], count: str) -> list[dict[str, Any]]:
    """Biggest first, then by name (folded), so equal counts always come in the same order."""
    return sorted(items, key=lambda item: (-item[count], _key(item["name"]), item["name"]))


# -- attendance --------------------------------------------------------------------------------


def _attendance(db: Database, event: Event) -> dict[str, Any]:
    """Registered, arrived, cancelled and walk-ins; by organisation type and by organisation."""
    groups = kdb.rows(
        db,
        """SELECT organisation, organisation_type, project, count(*) AS registered,
        count(checked_in_at) AS arrived FROM attendees
        WHERE event_id = ? AND status != 'cancelled'
        GROUP BY organisation, organisation_type, project""",
        [event.id],
    )
    cancelled = kdb.one(
        db,
        "SELECT count(*) AS n FROM attendees WHERE event_id = ? AND status = 'cancelled'",
        [event.id],
    )
    walk_ins = kdb.one(
        db,
        """SELECT count(DISTINCT l.attendee_id) AS n FROM attendee_log l
        JOIN attendees a ON a.id = l.attendee_id AND a.status != 'cancelled'
        WHERE l.event_id = ? AND l.action = 'created'
        AND json_extract(l.detail, '$.how') = 'walk-in'""",
        [event.id],
    )
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"registered": 0, "arrived": 0})
    by_org: dict[str, dict[str, int]] = defaultdict(lambda: {"registered": 0, "arrived": 0})
    by_project: dict[str, dict[str, int]] = defaultdict(lambda: {"registered": 0, "arrived": 0})
    type_names, org_names, project_names = _Names(), _Names(), _Names()
    org_types: dict[str, Counter[str]] = defaultdict(Counter)
    for g in groups:
        kind = (g["organisation_type"] or "").strip()
        type_key = type_names.add(kind, g["registered"])
        org_key = org_names.add(g["organisation"] or "", g["registered"])
        project_key = project_names.add(g["project"] or "", g["registered"])
        for table, key in ((by_type, type_key), (by_org, org_key), (by_project, project_key)):
            table[key]["registered"] += g["registered"]
            table[key]["arrived"] += g["arrived"]
        if org_key and kind:
            org_types[org_key][kind] += g["registered"]

    def listing(table: dict[str, dict[str, int]], names: _Names) -> list[dict[str, Any]]:
        return _ranked(
            ({"name": names.name(k) if k else "", **v} for k, v in table.items()), "registered"
        )

    organisations = listing(by_org, org_names)
    for row in organisations:
        kinds = org_types.get(_key(row["name"]))
        row["type"] = min(kinds, key=lambda s: (-kinds[s], s)) if kinds else ""
    registered = sum(g["registered"] for g in groups)
    arrived = sum(g["arrived"] for g in groups)
    # Who said "Ich bin dabei" (the desk "online") took part online; everyone else on site.
    online = kdb.one(
        db,
        """SELECT count(*) AS n FROM attendees WHERE event_id = ? AND status != 'cancelled'
        AND checked_in_at IS NOT NULL AND checked_in_desk = 'online'""",
        [event.id],
    )
    arrived_online = online["n"] if online else 0
    return {
        "registered": registered,
        "arrived": arrived,
        "arrived_on_site": arrived - arrived_online,
        "arrived_online": arrived_online,
        "not_arrived": registered - arrived,
        "cancelled": cancelled["n"] if cancelled else 0,
        "walk_ins": walk_ins["n"] if walk_ins else 0,
        "organisations": sum(1 for k in by_org if k),
        "organisations_arrived": sum(1 for k, v in by_org.items() if k and v["arrived"]),
        "projects": sum(1 for k in by_project if k),
        "projects_arrived": sum(1 for k, v in by_project.items() if k and v["arrived"]),
        "by_organisation_type": listing(by_type, type_names),
        "by_organisation": organisations,
        "by_project": listing(by_project, project_names),
    }


# -- contacts ----------------------------------------------------------------------------------


def _earlier_events(db: Database, event: Event) -> list[int]:
    """The network's events before this one: by date where both have one, else created before."""
    return [
        r["id"]
        for r in kdb.rows(
            db,
            """SELECT id FROM events WHERE network = ? AND id != ? AND CASE
            WHEN coalesce(date, '') != '' AND ? != '' THEN date < ? OR (date = ? AND id < ?)
            ELSE id < ? END""",
            [event.network, event.id, event.date, event.date, event.date, event.id, event.id],
        )
    ]


#: One row per unordered pair of this event's contacts, with both sides' groups, whether the
#: two persons had a contact at an earlier event of the network, and whether either had been
#: shown the other as a suggestion before the contact was made.
_PAIRS_SQL = """
WITH pairs AS (
  SELECT min(owner_id, other_id) AS a, max(owner_id, other_id) AS b, min(created_at) AS at
  FROM contacts WHERE event_id = :event GROUP BY 1, 2
), earlier AS (
  SELECT value AS id FROM json_each(:earlier)
)
SELECT p.a, p.b,
  x.organisation AS org_a, y.organisation AS org_b,
  x.project AS project_a, y.project AS project_b,
  x.person_id IS NOT NULL AND y.person_id IS NOT NULL AND (
    EXISTS (SELECT 1 FROM attendees xa JOIN contacts c ON c.owner_id = xa.id
            JOIN attendees yb ON yb.id = c.other_id
            WHERE xa.person_id = x.person_id AND yb.person_id = y.person_id
            AND c.event_id IN (SELECT id FROM earlier))
    OR EXISTS (SELECT 1 FROM attendees ya JOIN contacts c ON c.owner_id = ya.id
            JOIN attendees xb ON xb.id = c.other_id
            WHERE ya.person_id = y.person_id AND xb.person_id = x.person_id
            AND c.event_id IN (SELECT id FROM earlier))
  ) AS known,
  EXISTS (SELECT 1 FROM suggestions_shown s
          WHERE s.attendee_id = p.a AND s.other_id = p.b AND s.first_at < p.at)
  OR EXISTS (SELECT 1 FROM suggestions_shown s
          WHERE s.attendee_id = p.b AND s.other_id = p.a AND s.first_at < p.at) AS suggested
FROM pairs p JOIN attendees x ON x.id = p.a JOIN attendees y ON y.id = p.b
"""


def _contact_pairs(db: Database, event: Event) -> list[dict[str, Any]]:
    earlier = json.dumps(_earlier_events(db, event))
    return kdb.rows(db, _PAIRS_SQL, {"event": event.id, "earlier": earlier})


def _contacts(pairs: list[dict[str, Any]]) -> dict[str, int]:
    """Pairs who swapped contacts, and how many of them link different organisations and
    projects, met for the first time, or followed a suggestion."""

    def differ(a: str | None, b: str | None) -> bool:
        # Unknown on either side is not counted as "different": the report claims no more.
        ka, kb = _key(a or ""), _key(b or "")
        return bool(ka and kb and ka != kb)

    people = {p["a"] for p in pairs} | {p["b"] for p in pairs}
    known = sum(1 for p in pairs if p["known"])
    return {
        "pairs": len(pairs),
        "people": len(people),
        "cross_organisation": sum(1 for p in pairs if differ(p["org_a"], p["org_b"])),
        "cross_project": sum(1 for p in pairs if differ(p["project_a"], p["project_b"])),
        "new": len(pairs) - known,
        "known": known,
        "from_suggestion": sum(1 for p in pairs if p["suggested"]),
    }


def _suggestions(db: Database, event: Event) -> dict[str, int]:
    row = kdb.one(
        db,
        """SELECT count(*) AS shown, count(DISTINCT attendee_id) AS people
        FROM suggestions_shown WHERE event_id = ?""",
        [event.id],
    )
    return {"shown": row["shown"] if row else 0, "people": row["people"] if row else 0}


# -- topics ------------------------------------------------------------------------------------


def _topics(db: Database, event: Event, limit: int = TOP_TOPICS) -> list[dict[str, Any]]:
    """The topics arrived people named most (people per topic, and in which of their lists);
    spellings that fold alike are one topic ("Inklusion", "inklusion")."""
    named = " UNION ALL ".join(
        f"""SELECT a.id AS attendee, '{name}' AS list, j.value AS topic
        FROM attendees a, json_each(a.{name}) j
        WHERE a.event_id = :event AND a.status != 'cancelled' AND a.checked_in_at IS NOT NULL
        AND json_valid(a.{name}) AND j.type = 'text'"""
        for name in TOPIC_LISTS
    )
    per_list = ", ".join(
        f"count(DISTINCT CASE WHEN list = '{name}' THEN attendee END) AS {name}"
        for name in TOPIC_LISTS
    )
    rows = kdb.rows(
        db,
        f"""SELECT topic, count(DISTINCT attendee) AS people, {per_list}
        FROM ({named}) GROUP BY topic""",
        {"event": event.id},
    )
    names = _Names()
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("people", *TOPIC_LISTS), 0)
    )
    for r in rows:
        key = names.add(r["topic"], r["people"])
        if key:
            for field in counts[key]:
                counts[key][field] += r[field]
    ranked = _ranked(({"name": names.name(k), **v} for k, v in counts.items()), "people")
    return ranked[:limit]


# -- the network of organisations and projects --------------------------------------------------


def _network(
    groups: list[dict[str, Any]], pairs: list[dict[str, Any]], side: str
) -> dict[str, list[dict[str, Any]]]:
    """Groups as nodes (arrived people) and contacts between two different groups as edges."""
    names = _Names()
    attendees: Counter[str] = Counter()
    for g in groups:
        key = names.add(g["name"], g["registered"])
        if key and g["arrived"]:
            attendees[key] += g["arrived"]
    links: Counter[tuple[str, str]] = Counter()
    for p in pairs:
        a, b = names.add(p[f"{side}_a"] or "", 0), names.add(p[f"{side}_b"] or "", 0)
        if a and b and a != b:
            links[(min(a, b), max(a, b))] += 1
    keys = set(attendees) | {k for pair in links for k in pair}
    nodes = _ranked(({"name": names.name(k), "attendees": attendees[k]} for k in keys), "attendees")
    edges = [
        {"a": names.name(a), "b": names.name(b), "contacts": n}
        for (a, b), n in sorted(links.items(), key=lambda item: (-item[1], item[0]))
    ]
    return {"nodes": nodes, "edges": edges}


# -- the public functions ----------------------------------------------------------------------


def compute(db: Database, event: Event) -> dict[str, Any]:
    """The event's report figures, computed from its data now (JSON-serialisable, anonymous)."""
    attendance = _attendance(db, event)
    pairs = _contact_pairs(db, event)
    return {
        "version": FIGURES_VERSION,
        "computed_at": kdb.now(),
        "event": {"name": event.name, "date": event.date, "network": event.network},
        "attendance": attendance,
        "contacts": _contacts(pairs),
        "suggestions": _suggestions(db, event),
        "topics": _topics(db, event),
        "network": {
            "organisation": _network(attendance["by_organisation"], pairs, "org"),
            "project": _network(attendance["by_project"], pairs, "project"),
        },
    }


def store(db: Database, event: Event) -> dict[str, Any]:
    """Compute the figures and keep them, so the report outlives the event's personal data
    (call it before a purge)."""
    figures = compute(db, event)  # outside the write lock: the desks need not wait for it
    with kdb.transaction(db):
        db["report_figures"].upsert(
            {
                "event_id": event.id,
                "stored_at": kdb.now(),
                "figures": json.dumps(figures, ensure_ascii=False, sort_keys=True),
            },
            pk="event_id",
        )
    return figures


def stored(db: Database, event: Event) -> dict[str, Any] | None:
    """The figures kept for the event, or None."""
    row = kdb.one(db, "SELECT figures FROM report_figures WHERE event_id = ?", [event.id])
    return json.loads(row["figures"]) if row else None


def figures(db: Database, event: Event) -> dict[str, Any]:
    """The event's figures: the kept ones once its attendees are gone (purged), else live."""
    has_attendees = kdb.one(
        db, "SELECT 1 AS yes FROM attendees WHERE event_id = ? LIMIT 1", [event.id]
    )
    if has_attendees is None:
        kept = stored(db, event)
        if kept is not None:
            return kept
    return compute(db, event)
