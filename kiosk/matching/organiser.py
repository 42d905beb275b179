"""What the organiser checks: everybody's first suggestions, and who has no good match, so that
the organiser can review the lists and introduce the lonely ones by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.matching.balance import Plan
from kiosk.matching.profiles import Profile
from kiosk.matching.suggestions import DESK_SIZE, Suggestion
from kiosk.text import fold

#: "No good match": nothing in common with any suggestion, or a best fit below this share of the
#: event's median best fit (relative, because IDF weights depend on the event's size).
GOOD_MATCH_SHARE = 0.25


def overview(
    current: Plan, query: str = "", limit: int = 200
) -> tuple[list[tuple[Profile, list[Suggestion]]], int]:
    """Consenting attendees matching ``query`` (folded name/organisation) with their first three,
    at most ``limit`` of them, and how many matched."""
    words = fold(query).split()
    found = [
        p
        for p in current.model.profiles
        if all(w in fold(f"{p.name} {p.organisation}") for w in words)
    ]
    rows = [(p, current.suggestions(p.id, DESK_SIZE)) for p in found[:limit]]
    return rows, len(found)


@dataclass(frozen=True)
class Lonely:
    """A consenting attendee without a good match, for the organiser to introduce by hand."""

    attendee_id: int
    code: str
    name: str
    organisation: str
    best_fit: float
    has_profile: bool
    topics: tuple[str, ...]


def no_good_match(current: Plan) -> list[Lonely]:
    """Consenting attendees without a good match (see GOOD_MATCH_SHARE), weakest first."""
    model = current.model
    best = [current.best_fit(i) for i in range(model.n)]
    threshold = GOOD_MATCH_SHARE * float(np.median(best)) if best else 0.0
    found = []
    for i, p in enumerate(model.profiles):
        if best[i] <= 0 or best[i] < threshold:
            keys = sorted(p.interests | p.offers | p.seeks)
            found.append(
                Lonely(
                    attendee_id=p.id,
                    code=p.code,
                    name=p.name,
                    organisation=p.organisation,
                    best_fit=best[i],
                    has_profile=bool(keys),
                    topics=tuple(model.labels.get(k, k) for k in keys),
                )
            )
    return sorted(found, key=lambda x: (x.best_fit, x.name))
