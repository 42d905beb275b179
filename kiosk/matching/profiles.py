"""Who takes part in matchmaking: consenting attendees' profiles from the database, and the pairs
who have met or are not a fit, which the model needs to rank and to leave out."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.events import Event
from kiosk.matching.terms import synonym_keys, term_key, term_label
from kiosk.text import clean


@dataclass(frozen=True)
class Profile:
    """What matching knows of one consenting attendee."""

    id: int
    person_id: int | None
    code: str
    name: str
    organisation: str
    project: str
    role: str
    interests: frozenset[str]
    offers: frozenset[str]
    seeks: frozenset[str]
    present: bool
    organisation_type: str = ""


def _keys(
    values: Iterable[str], synonyms: dict[str, str], labels: dict[str, Counter[str]]
) -> frozenset[str]:
    keys = set()
    for value in values:
        key = term_key(value)
        if not key:
            continue
        key = synonyms.get(key, key)
        labels[key][term_label(value)] += 1
        keys.add(key)
    return frozenset(keys)


def profiles_from_rows(
    rows: Sequence[dict[str, Any]], synonyms: dict[str, str]
) -> tuple[list[Profile], dict[str, str]]:
    """Profiles of attendee rows, and the label to show for each key (the most used spelling)."""
    keys = synonym_keys(synonyms)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    profiles = []
    for r in rows:
        lists = {
            f: (json.loads(r[f]) if r[f] and r[f] != "[]" else [])
            if isinstance(r[f], str)
            else r[f]
            for f in ("interests", "offers", "seeks")
        }
        profiles.append(
            Profile(
                id=r["id"],
                person_id=r.get("person_id"),
                code=r["code"],
                name=" ".join(p for p in (r["first_name"], r.get("last_name")) if p),
                organisation=r.get("organisation") or "",
                project=r.get("project") or "",
                role=r.get("role") or "",
                interests=_keys(lists["interests"], keys, labels),
                offers=_keys(lists["offers"], keys, labels),
                seeks=_keys(lists["seeks"], keys, labels),
                present=bool(r.get("checked_in_at")),
                organisation_type=r.get("organisation_type") or "",
            )
        )
    # A meaning the organiser named in the synonym list is shown by that name.
    for alias, canonical in synonyms.items():
        key = term_key(canonical)
        if key in labels or term_key(alias) in keys:
            labels[key][clean(canonical, max_length=120)] += 10**6
    shown = {k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, c in labels.items()}
    return profiles, shown


_PROFILE_COLUMNS = (
    "id, person_id, code, first_name, last_name, organisation, organisation_type, project, role, "
    "interests, offers, seeks, "
    # Someone who checked out has left: not "here now" any more.
    "CASE WHEN checked_out_at IS NULL THEN checked_in_at END AS checked_in_at"
)


def load_rows(db: Database, event_id: int, *, consenting: bool = True) -> list[dict[str, Any]]:
    """The event's attendee rows that matching reads (consenting ones only, unless asked)."""
    sql = f"SELECT {_PROFILE_COLUMNS} FROM attendees WHERE event_id = ? AND status != 'cancelled'"
    if consenting:
        sql += " AND consent_matchmaking = 1"
    return kdb.rows(db, sql + " ORDER BY id", [event_id])


def pairs_met(db: Database, event: Event, profiles: Sequence[Profile]) -> set[tuple[int, int]]:
    """Attendee-id pairs (both orders) who met: a contact here or earlier, or marked "met"."""
    found: set[tuple[int, int]] = set()
    for r in kdb.rows(db, "SELECT owner_id, other_id FROM contacts WHERE event_id = ?", [event.id]):
        found.add((r["owner_id"], r["other_id"]))
    for r in kdb.rows(
        db,
        "SELECT attendee_id, other_id FROM suggestion_feedback "
        "WHERE event_id = ? AND verdict = 'met'",
        [event.id],
    ):
        found.add((r["attendee_id"], r["other_id"]))
    by_person: dict[int, list[int]] = defaultdict(list)
    for p in profiles:
        if p.person_id is not None:
            by_person[p.person_id].append(p.id)
    earlier = kdb.rows(
        db,
        """SELECT a1.person_id AS p1, a2.person_id AS p2 FROM contacts c
        JOIN events e ON e.id = c.event_id
        JOIN attendees a1 ON a1.id = c.owner_id JOIN attendees a2 ON a2.id = c.other_id
        WHERE e.network = ? AND e.id != ?
          AND CASE WHEN coalesce(e.date, '') != '' AND ? != '' THEN e.date < ? ELSE e.id < ? END""",
        [event.network, event.id, event.date, event.date, event.id],
    )
    for r in earlier:
        for a in by_person.get(r["p1"], ()):
            for b in by_person.get(r["p2"], ()):
                found.add((a, b))
    return found | {(b, a) for a, b in found}


def pairs_not_a_fit(db: Database, event_id: int) -> set[tuple[int, int]]:
    """Attendee-id pairs (both orders) one of whom marked the other "not a fit"."""
    found = {
        (r["attendee_id"], r["other_id"])
        for r in kdb.rows(
            db,
            "SELECT attendee_id, other_id FROM suggestion_feedback "
            "WHERE event_id = ? AND verdict = 'not_a_fit'",
            [event_id],
        )
    }
    return found | {(b, a) for a, b in found}
