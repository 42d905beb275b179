"""How good a plan is, in figures the organiser and the benchmarks can check: suggestions without
anything in common, whether those who seek something get someone who offers it first, whether
the only provider of something reaches everyone who seeks it, and how evenly people are shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kiosk.matching.balance import Plan

#: Kinds of reason that are something in common (the others only order or annotate).
IN_COMMON = frozenset({"shared_interest", "offers_what_you_seek", "seeks_what_you_offer"})


@dataclass(frozen=True)
class Quality:
    """A plan's quality figures; shares are 0..1 (None when nobody is concerned)."""

    suggestions: int
    without_common: float | None
    seekers: int
    provider_first: float | None
    sole_seekers: int
    sole_provider_kept: float | None
    max_load: int
    median_load: float
    load_ratio: float | None
    empty_lists: int

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON."""
        return asdict(self)


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def measure(plan: Plan) -> Quality:
    """The quality figures of ``plan``."""
    model = plan.model
    n = model.n
    total = common_less = 0
    for i, items in enumerate(plan.lists):
        for j, _ in items:
            total += 1
            if model.fit(i, j) <= 0:
                common_less += 1
    # Who seeks something that somebody they may meet offers, and who alone offers an item.
    offered_by: dict[str, list[int]] = {}
    for j, p in enumerate(model.profiles):
        for t in p.offers:
            offered_by.setdefault(t, []).append(j)
    seekers = first_ok = sole_seekers = sole_ok = 0
    for i, p in enumerate(model.profiles):
        providers: set[int] = set()
        sole: set[int] = set()
        for t in p.seeks:
            offering = offered_by.get(t, [])
            if not offering:
                continue
            allowed = model.allowed(np.full(len(offering), i), np.array(offering))
            if allowed.any():
                providers.update(np.array(offering)[allowed].tolist())
            if len(offering) == 1 and allowed[0] and (i, offering[0]) not in model.met_set:
                sole.add(offering[0])
        if providers:
            seekers += 1
            items = plan.lists[i]
            first = items[0][0] if items else -1
            if first in providers and model.profiles[first].offers & p.seeks:
                first_ok += 1
        if sole:
            sole_seekers += 1
            listed = {j for j, _ in plan.lists[i]}
            if sole <= listed:
                sole_ok += 1
    load = plan.load[:n]
    median = float(np.median(load)) if n else 0.0
    max_load = int(load.max()) if n else 0
    return Quality(
        suggestions=total,
        without_common=_share(common_less, total),
        seekers=seekers,
        provider_first=_share(first_ok, seekers),
        sole_seekers=sole_seekers,
        sole_provider_kept=_share(sole_ok, sole_seekers),
        max_load=max_load,
        median_load=median,
        load_ratio=max_load / median if median else None,
        empty_lists=sum(1 for items in plan.lists if not items),
    )
