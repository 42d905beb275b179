"""The balanced plan: everybody's suggestion lists made at once, so that popular people are not in
everybody's list while others are in nobody's."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from kiosk.matching.model import MET_PENALTY, OTHER_PROJECT_BONUS, SAME_PROJECT_FACTOR, Model
from kiosk.matching.suggestions import PLAN_SIZE, Suggestion

#: Everybody with at least this many eligible people gets at least this many suggestions.
MIN_SUGGESTIONS = 3
#: The bound is at least this many times the list size (a room of peers) ...
BASE_BOUND_FACTOR = 1.5
#: ... and at least this many times the demand-weighted mean demand (a fair).
BOUND_SLACK = 1.25
#: Each receiver's candidate pool for the balanced assignment, in multiples of the list size.
CANDIDATE_FACTOR = 3
#: A person suggested to nobody replaces a list's weakest entry only if they score at most this
#: much less, plus this share of the weakest entry's score (everyone suggested, at little cost).
REPAIR_MAX_LOSS = 1.0
REPAIR_MAX_SHARE = 0.25
#: Rows scored at once in the blocked product (memory: rows x attendees x 4 bytes).
BLOCK_ROWS = 1024


@dataclass
class Plan:
    """Balanced suggestion lists for every consenting attendee of an event."""

    model: Model
    size: int
    bound: int
    lists: list[list[tuple[int, float]]]
    load: np.ndarray
    overflow: int = 0
    built_at: float = field(default_factory=time.monotonic)
    build_seconds: float = 0.0

    def suggestions(self, attendee_id: int, n: int | None = None) -> list[Suggestion]:
        """The attendee's suggestions with their reasons ([] when they do not take part)."""
        i = self.model.index.get(attendee_id)
        if i is None:
            return []
        return [_suggestion(self.model, i, j, s) for j, s in self.lists[i][: n or self.size]]

    def best_fit(self, i: int) -> float:
        """The fit of i's best suggestion (0 without any)."""
        return max((self.model.fit(i, j) for j, _ in self.lists[i]), default=0.0)


def _candidates(model: Model, start: int, stop: int, pool: int) -> tuple[np.ndarray, ...]:
    """Each row's best ``pool`` candidates (row, col, score, position) and its eligible count."""
    S = model.scores(start, stop)
    rows = stop - start
    groups = model.n_pad // model.width
    # The pool-th largest group maximum is a lower bound of the pool-th largest score: only
    # entries above it need sorting, which is much faster than partitioning whole rows.
    # (Groups are interleaved columns: a reduction over the middle axis is fast in numpy.)
    group_max = S.reshape(rows, model.width, groups).max(axis=1)
    if groups > pool:
        threshold = np.partition(group_max, groups - pool, axis=1)[:, groups - pool]
    else:
        threshold = group_max.min(axis=1)
    r, c = np.divmod(np.flatnonzero(threshold[:, None] <= S), model.n_pad)
    s = S[r, c]
    keep = np.isfinite(s)
    r, c, s = r[keep], c[keep], s[keep]
    order = np.lexsort((c, -s, r))
    r, c, s = r[order], c[order], s[order]
    position = np.arange(r.size) - np.searchsorted(r, r)
    keep = position < pool
    return r[keep] + start, c[keep], s[keep], position[keep], model.eligible[start:stop]


def bound_for(demand: np.ndarray, size: int) -> int:
    """The most lists one person may appear in: see ``plan`` for why."""
    base = math.ceil(BASE_BOUND_FACTOR * size)
    total = float(demand.sum())
    if total <= 0:
        return base
    weighted_mean = float((demand**2).sum()) / total
    return max(base, math.ceil(BOUND_SLACK * weighted_mean))


def plan(model: Model, size: int = PLAN_SIZE) -> Plan:
    """Suggestions for everybody: round-robin greedy under a per-person bound, then repairs.

    Each person appears in at most ``Plan.bound`` lists. The bound is
    ``max(ceil(1.5 k), ceil(1.25 x the demand-weighted mean demand))``, where the demand on a
    person is how many list places would go to them if every attendee spread their k places
    evenly over their best 3k candidates. In a room of peers demand is about k everywhere, so the
    bound is 1.5 k (15 for lists of 10, 8 for lists of 5): nobody is in more than half again the
    average number of lists. At a fair where 1,500 pupils want the same 40 companies, demand on a
    company is in the hundreds, and so is the bound: a stand can take that, while the bound still
    spreads the pupils over every company that trains their trade instead of sending them all to
    the first one. Lists are filled round by round (everybody's best available first, then
    everybody's second, ...), so no receiver is starved by others' second choices; then people
    suggested to nobody are swapped into a list whose weakest entry they nearly equal.
    """
    n = model.n
    if n == 0:
        return Plan(model, size, 0, [], np.zeros(0, dtype=np.int64))
    pool = CANDIDATE_FACTOR * size
    parts = [_candidates(model, s, min(s + BLOCK_ROWS, n), pool) for s in range(0, n, BLOCK_ROWS)]
    R, C, S, P = (np.concatenate([p[k] for p in parts]) for k in range(4))
    eligible = np.concatenate([p[4] for p in parts])
    pool_size = np.bincount(R, minlength=n)
    demand = np.bincount(C, weights=size / np.maximum(pool_size[R], 1), minlength=n)
    bound = bound_for(demand, size)

    lists, load = _assign_round_robin(R, C, S, P, n, size, bound)
    overflow = _fill_short(model, lists, load, eligible.tolist(), size, bound)
    load_arr = np.array(load, dtype=np.int64)
    _repair_unsuggested(model, lists, load_arr)
    for items in lists:
        items.sort(key=lambda cs: -cs[1])
    return Plan(model, size, bound, lists, load_arr, overflow)


def _assign_round_robin(
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    position: np.ndarray,
    n: int,
    size: int,
    bound: int,
) -> tuple[list[list[tuple[int, float]]], list[int]]:
    """Round p gives every receiver its p-th candidate unless that person is at the bound.

    Within a round, better fits come first; a receiver skipped in round p tries its next
    candidate in round p + 1. Vectorised: in one round each receiver has one edge, so an edge is
    accepted when fewer than ``bound - load`` earlier edges of the round name the same person.
    """
    load = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    taken_r, taken_c, taken_s = [], [], []
    for p in range(int(position.max()) + 1 if position.size else 0):
        at = np.flatnonzero(position == p)
        at = at[count[rows[at]] < size]
        if at.size == 0:
            continue
        at = at[
            np.lexsort((rows[at], -scores[at], cols[at]))
        ]  # by person suggested, better fit first
        c = cols[at]
        first = np.searchsorted(c, c)  # index where this person's run starts
        rank = np.arange(c.size) - first
        ok = load[c] + rank < bound
        at = at[ok]
        np.add.at(load, cols[at], 1)
        count[rows[at]] += 1
        taken_r.append(rows[at])
        taken_c.append(cols[at])
        taken_s.append(scores[at])
    lists: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    if taken_r:
        r_all, c_all, s_all = (np.concatenate(x) for x in (taken_r, taken_c, taken_s))
        for r, c, s in zip(r_all.tolist(), c_all.tolist(), s_all.tolist(), strict=True):
            lists[r].append((c, s))
    return lists, load.tolist()


def _fill_short(
    model: Model,
    lists: list[list[tuple[int, float]]],
    load: list[int],
    eligible: list[int],
    size: int,
    bound: int,
) -> int:
    """Fill lists the candidate pool left short; the bound gives way only for the first three."""
    overflow = 0
    for i in range(model.n):
        want = min(size, eligible[i])
        if len(lists[i]) >= want:
            continue
        row = model.scores(i, i + 1)[0, : model.n]
        row[[c for c, _ in lists[i]]] = -np.inf
        ranked = [j for j in np.argsort(-row, kind="stable").tolist() if np.isfinite(row[j])]
        for j in ranked:
            if len(lists[i]) >= want:
                break
            if load[j] < bound:
                lists[i].append((j, float(row[j])))
                load[j] += 1
        taken = {c for c, _ in lists[i]}
        for j in ranked:
            if len(lists[i]) >= min(MIN_SUGGESTIONS, want):
                break
            if j not in taken:
                lists[i].append((j, float(row[j])))
                load[j] += 1
                overflow += 1
    return overflow


def _repair_unsuggested(
    model: Model, lists: list[list[tuple[int, float]]], load: np.ndarray
) -> None:
    """Swap people nobody was suggested to into the list whose weakest entry they nearly equal."""
    nobody = np.flatnonzero(load == 0)
    if nobody.size == 0:
        return
    n = model.n
    weakest_score = np.full(n, np.inf, dtype=np.float64)
    weakest_at = np.full(n, -1, dtype=np.int64)

    def refresh(i: int) -> None:
        if not lists[i]:
            return
        k = min(range(len(lists[i])), key=lambda x: lists[i][x][1])
        c, s = lists[i][k]
        weakest_at[i] = k
        # Only a weakest entry that stays suggested to someone else may be swapped out; the
        # newcomer may be a little weaker (a share of the score, so it scales with the event).
        if load[c] < 2:
            weakest_score[i] = np.inf
        else:
            weakest_score[i] = s - REPAIR_MAX_SHARE * s if s > 0 else s

    for i in range(n):
        refresh(i)
    met_by_col: dict[int, list[int]] = defaultdict(list)
    blocked_by_col: dict[int, list[int]] = defaultdict(list)
    for r, c in zip(*model.met, strict=True):
        met_by_col[int(c)].append(int(r))
    for r, c in zip(*model.blocked, strict=True):
        blocked_by_col[int(c)].append(int(r))
    for start in range(0, nobody.size, BLOCK_ROWS):
        cols = nobody[start : start + BLOCK_ROWS]
        # One row per newcomer (contiguous): their score in every receiver's list.
        T = model.B[cols] @ model.A.T
        same_project = model.project[cols][:, None] == model.project[None, :n]
        T[same_project] = T[same_project] * SAME_PROJECT_FACTOR - OTHER_PROJECT_BONUS
        T += model.colbonus[cols][:, None]
        T[model.org[cols][:, None] == model.org[None, :n]] = -np.inf
        for k, j in enumerate(cols.tolist()):
            column = T[k]
            column[met_by_col.get(j, [])] -= MET_PENALTY
            column[blocked_by_col.get(j, [])] = -np.inf
            loss = weakest_score - column
            while True:
                i = int(np.argmin(loss))
                if not loss[i] <= REPAIR_MAX_LOSS:
                    break
                old, _ = lists[i][weakest_at[i]]
                if load[old] < 2:  # an earlier swap left it suggested only here
                    refresh(i)
                    loss[i] = weakest_score[i] - column[i]
                    continue
                lists[i][weakest_at[i]] = (j, float(column[i]))
                load[old] -= 1
                load[j] += 1
                refresh(i)
                break


def _suggestion(model: Model, i: int, j: int, score: float) -> Suggestion:
    """Row i's suggestion of column j, as people see it."""
    p = model.profiles[j]
    return Suggestion(
        attendee_id=p.id,
        code=p.code,
        name=p.name,
        organisation=p.organisation,
        project=p.project,
        role=p.role,
        score=score,
        fit=model.fit(i, j),
        reasons=model.reasons(i, j),
    )
