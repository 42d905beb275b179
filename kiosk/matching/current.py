"""The event's current plan: built from the database, kept per event and reused until its data
changes, so that every page, the desk and the CLI get suggestions without recomputing them."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events as kevents
from kiosk.events import Event
from kiosk.matching.balance import Plan, plan
from kiosk.matching.model import Model
from kiosk.matching.profiles import load_rows, pairs_met, pairs_not_a_fit, profiles_from_rows
from kiosk.matching.rules import RuleChoice, choose_rule
from kiosk.matching.suggestions import PLAN_SIZE, Suggestion

#: A plan that took at most this long is rebuilt on every change (a brunch: ~10 ms); a slower
#: one (a fair, 10,000 people) at most every REFRESH_SECONDS, so phones polling cannot pile up.
CHEAP_BUILD_SECONDS = 0.05
REFRESH_SECONDS = 30.0
#: … and only for an event of at least so many people: a brunch's plan is always cheap, and one
#: slow build (a busy laptop, a PDF rendering beside it) must not freeze its lists for 30 s.
LARGE_EVENT_PEOPLE = 300
#: How many prepared events the process keeps (one laptop serves one event at a time).
CACHE_SIZE = 4

# The matching package's only state: each event's plan with the data version it was built from.
_cache: dict[tuple[str, int], tuple[tuple[Any, ...], Plan]] = {}
_building: set[tuple[str, int]] = set()
_cache_lock = threading.Lock()


def data_version(db: Database, event: Event) -> tuple[Any, ...]:
    """Changes whenever something matching depends on changes (one row to read): the event's
    matching version, which triggers raise on every change of its attendees, contacts and
    feedback (kiosk.migrations), and the settings matching uses."""
    row = kdb.one(db, "SELECT version FROM matching_versions WHERE event_id = ?", [event.id])
    return (
        row["version"] if row else None,
        json.dumps(
            [event.settings.get("synonyms"), event.settings.get("matching_rule")], sort_keys=True
        ),
    )


def build_model(db: Database, event: Event) -> Model:
    """Load the event's consenting attendees, what they have met, and make the vectors."""
    settings = kevents.get(db, event.id).settings
    profiles, labels = profiles_from_rows(load_rows(db, event.id), settings.get("synonyms") or {})
    return Model(
        profiles,
        labels,
        met=pairs_met(db, event, profiles),
        not_a_fit=pairs_not_a_fit(db, event.id),
        seed=event.id,
        rule=choose_rule(profiles, settings.get("matching_rule", "auto")).rule,
    )


def current_rule(db: Database, event: Event) -> RuleChoice:
    """Who meets whom at the event now: the organiser's choice or the inferred rule, with what
    it was inferred from."""
    settings = kevents.get(db, event.id).settings
    profiles, _ = profiles_from_rows(load_rows(db, event.id), {})
    return choose_rule(profiles, settings.get("matching_rule", "auto"))


def current_plan(db: Database, event: Event, *, fresh: bool = False) -> Plan:
    """The event's balanced plan, rebuilt when data changed (see CHEAP_BUILD_SECONDS).

    While one request rebuilds, the others get the previous plan instead of waiting.
    """
    event = kevents.get(db, event.id)
    key = (kdb.database_file(db), event.id)
    version = data_version(db, event)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and not fresh:
            old_version, old_plan = cached
            if old_version == version:
                return old_plan
            slow = (
                old_plan.build_seconds > CHEAP_BUILD_SECONDS
                and len(old_plan.model.profiles) >= LARGE_EVENT_PEOPLE
            )
            young = time.monotonic() - old_plan.built_at < REFRESH_SECONDS
            # The organiser's own change (synonyms) shows at once; arrivals may wait a moment.
            edited = old_version[-1] != version[-1]
            if ((slow and young) or key in _building) and not edited:
                return old_plan
        _building.add(key)
    try:
        started = time.monotonic()
        built = plan(build_model(db, event), PLAN_SIZE)
        built.build_seconds = time.monotonic() - started
    finally:
        with _cache_lock:
            _building.discard(key)
    with _cache_lock:
        _cache[key] = (version, built)
        while len(_cache) > CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
    return built


def for_attendee(
    db: Database, event: Event, attendee_id: int, n: int = PLAN_SIZE
) -> list[Suggestion]:
    """Whom this attendee should meet, best first ([] without their consent)."""
    current = current_plan(db, event)
    if attendee_id not in current.model.index and _takes_part(db, attendee_id):
        current = current_plan(db, event, fresh=True)  # consented since the plan was made
    elif _changed_own_profile(db, event, current, attendee_id):
        current = current_plan(db, event, fresh=True)  # they just added to their interests
    found = current.suggestions(attendee_id, n) if n <= PLAN_SIZE else []
    if n > PLAN_SIZE:
        wide = plan(current.model, n)
        found = wide.suggestions(attendee_id, n)
    # Feedback given since a large event's plan was made still counts at once.
    refused = {b for a, b in pairs_not_a_fit(db, event.id) if a == attendee_id}
    return [s for s in found if s.attendee_id not in refused]


def _changed_own_profile(db: Database, event: Event, current: Plan, attendee_id: int) -> bool:
    """True when the attendee's interests, offers or seeks differ from those the plan used
    (a large event's plan is reused for a while; one's own edit shows at once)."""
    i = current.model.index.get(attendee_id)
    if i is None:
        return False
    rows = kdb.rows(
        db, "SELECT id, interests, offers, seeks FROM attendees WHERE id = ?", [attendee_id]
    )
    if not rows:
        return False
    row = {**rows[0], "code": "", "first_name": ""}
    synonyms = kevents.get(db, event.id).settings.get("synonyms") or {}
    (now,), _ = profiles_from_rows([row], synonyms)
    had = current.model.profiles[i]
    return (now.interests, now.offers, now.seeks) != (had.interests, had.offers, had.seeks)


def _takes_part(db: Database, attendee_id: int) -> bool:
    row = kdb.one(
        db,
        "SELECT 1 FROM attendees "
        "WHERE id = ? AND consent_matchmaking = 1 AND status != 'cancelled'",
        [attendee_id],
    )
    return row is not None


def suggestions_for(db: Database, attendee: dict[str, Any], n: int = PLAN_SIZE) -> list[Suggestion]:
    """An attendee's suggestions for their page or the desk ([] without consent or cancelled)."""
    if not attendee.get("consent_matchmaking") or attendee.get("status") == "cancelled":
        return []
    return for_attendee(db, kevents.get(db, attendee["event_id"]), attendee["id"], n)


def for_everybody(db: Database, event: Event, n: int = PLAN_SIZE) -> Plan:
    """Balanced suggestions for every consenting attendee, freshly computed."""
    return plan(build_model(db, event), n)
