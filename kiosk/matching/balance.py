"""The balanced plan: everybody's suggestion lists made at once, so that popular people are not in
everybody's list while others are in nobody's, and the bound on how many lists one person is in
follows need.

The assignment is a capacitated greedy by need, in three steps:

1. **Sole providers first.** When one person alone offers what someone seeks (the only company
   training a trade), that pair is placed before anything else, and the bound of that person is
   raised to the number of people who need them this way: they always stay in those lists.
2. **Rounds by need.** Each receiver's candidates are the people they have something in common
   with (never anybody else), best first. Round p offers every receiver their p-th candidate;
   when more receivers want a person in one round than the bound leaves room for, those with
   the fewest candidates of their own come first (they have nowhere else to go), then the better
   fit. A receiver who was turned away tries their next candidate in the next round.
3. **Repairs.** Lists the candidate pool left short are filled from the rest of the receiver's
   real matches (the bound gives way only for the first ``MIN_SUGGESTIONS``); then people
   suggested to nobody are swapped in for a list's weakest entry that they nearly equal (never
   for a sole provider).

Presence plays no part in who is in a list, only in its order (``Model.display_score``): so
checking someone in never drops a relevant person from anybody's list, and nobody reaches the
bound by being here. Nobody with nothing in common is ever in a list, let alone at the bound.
A list is shorter than its size when fewer real matches exist; it is never padded.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from kiosk.matching.model import HERE_NOW_BONUS, MET_PENALTY, Model
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
#: Largest tie-break in favour of people fewer others want (below real differences of fit).
TIE_BREAK = 0.01
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
    sole: set[tuple[int, int]] = field(default_factory=set)
    built_at: float = field(default_factory=time.monotonic)
    build_seconds: float = 0.0

    def suggestions(self, attendee_id: int, n: int | None = None) -> list[Suggestion]:
        """The attendee's suggestions with their reasons ([] when they do not take part)."""
        i = self.model.index.get(attendee_id)
        if i is None:
            return []
        return [_suggestion(self.model, i, j, s) for j, s in self.lists[i][: n or self.size]]

    def load_figures(self) -> dict[str, float]:
        """How evenly people are suggested: lists, empty lists, most and median appearances."""
        shown = self.load[self.load > 0]
        lengths = [len(items) for items in self.lists]
        return {
            "people": self.model.n,
            "bound": self.bound,
            "max_load": int(self.load.max()) if self.load.size else 0,
            "median_load": float(np.median(shown)) if shown.size else 0.0,
            "suggested_to_nobody": int((self.load == 0).sum()),
            "empty_lists": sum(1 for k in lengths if k == 0),
            "short_lists": sum(1 for k in lengths if 0 < k < self.size),
            "overflow": self.overflow,
        }

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
    # Rows with fewer real matches than the pool: take the real ones only.
    threshold = np.where(np.isfinite(threshold), threshold, np.finfo(np.float32).min)
    r, c = np.divmod(np.flatnonzero(threshold[:, None] <= S), model.n_pad)
    s = S[r, c]
    keep = np.isfinite(s)
    r, c, s = r[keep], c[keep], s[keep]
    order = np.lexsort((c, -s, r))
    r, c, s = r[order], c[order], s[order]
    position = np.arange(r.size) - np.searchsorted(r, r)
    keep = position < pool
    r, c, s, position = r[keep], c[keep], s[keep], position[keep]
    # A row with fewer candidates than the pool has all its real matches in it; a full pool
    # means at least that many (all a list needs).
    eligible = np.bincount(r, minlength=rows)
    return r + start, c, s, position, eligible


def bound_for(demand: np.ndarray, size: int) -> int:
    """The most lists one person may appear in: see ``plan`` for why."""
    base = math.ceil(BASE_BOUND_FACTOR * size)
    total = float(demand.sum())
    if total <= 0:
        return base
    weighted_mean = float((demand**2).sum()) / total
    return max(base, math.ceil(BOUND_SLACK * weighted_mean))


def plan(model: Model, size: int = PLAN_SIZE) -> Plan:
    """Suggestions for everybody: sole providers, rounds by need under a bound, then repairs.

    Each person appears in at most ``Plan.bound`` lists (more only as a sole provider, see the
    module docstring). The bound is ``max(ceil(1.5 k), ceil(1.25 x the demand-weighted mean
    demand))``, where the demand on a person is how many list places would go to them if every
    attendee spread their k places evenly over their best 3k real matches. In a room of peers
    demand is about k everywhere, so the bound is 1.5 k (15 for lists of 10): nobody is in more
    than half again the average number of lists. At a fair where 1,500 pupils want the same 40
    companies, demand on a company is in the hundreds, and so is the bound: a stand can take
    that, while the bound still spreads the pupils over every company that trains their trade.
    """
    n = model.n
    if n == 0:
        return Plan(model, size, 0, [], np.zeros(0, dtype=np.int64))
    pool = CANDIDATE_FACTOR * size
    parts = [_candidates(model, s, min(s + BLOCK_ROWS, n), pool) for s in range(0, n, BLOCK_ROWS)]
    R, C, S, P = (np.concatenate([p[k] for p in parts]) for k in range(4))
    eligible = np.concatenate([p[4] for p in parts])
    pool_size = np.bincount(R, minlength=n)
    # A receiver spreads its places over its candidates, at most one place on each.
    demand = np.bincount(
        C, weights=np.minimum(1.0, size / np.maximum(pool_size[R], 1)), minlength=n
    )
    bound = bound_for(demand, size)
    R, C, S, P = _prefer_less_wanted(R, C, S, demand)

    lists, load, sole = _place_sole_providers(model, size)
    bounds = np.maximum(bound, load)
    _assign_by_need(R, C, S, P, pool_size, lists, load, bounds, size)
    overflow = _fill_short(model, lists, load, eligible, size, bounds)
    _repair_unsuggested(model, lists, load, sole)
    here = (HERE_NOW_BONUS * model.present).tolist()  # presence orders, see display_score
    for items in lists:
        items.sort(key=lambda cs: -(cs[1] + here[cs[0]]))
    return Plan(model, size, bound, lists, load, overflow, sole=sole)


def _prefer_less_wanted(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, demand: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Among candidates who fit equally well, the one fewer others want comes first (at a fair,
    ten companies training the same trade share its pupils instead of two getting them all)."""
    if not rows.size:
        return rows, cols, scores, rows
    top = float(demand.max()) or 1.0
    scores = scores - TIE_BREAK * demand[cols] / top
    # One float key sorts by row, then better score first (scores stay far below the spacing).
    span = float(np.abs(scores).max()) * 4 + 1
    order = np.argsort(rows * span - scores.astype(np.float64), kind="stable")
    rows, cols, scores = rows[order], cols[order], scores[order]
    position = np.arange(rows.size) - np.searchsorted(rows, rows)
    return rows, cols, scores, position


def _place_sole_providers(
    model: Model, size: int
) -> tuple[list[list[tuple[int, float]]], np.ndarray, set[tuple[int, int]]]:
    """Step 1: everybody gets the people who alone offer something they seek (their best
    ``size`` of them)."""
    n = model.n
    lists: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    load = np.zeros(n, dtype=np.int64)
    rows, cols = model.sole_offer
    if rows.size:
        pairs = np.unique(np.stack([rows, cols]), axis=1)
        rows, cols = pairs[0], pairs[1]
        ok = model.allowed(rows, cols)
        ok &= np.array(
            [
                (r, c) not in model.met_set
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
            ],
            dtype=bool,
        )
        rows, cols = rows[ok], cols[ok]
    sole: set[tuple[int, int]] = set()
    if not rows.size:
        return lists, load, sole
    scores = model.pair_scores(rows, cols)
    keep = np.isfinite(scores)
    rows, cols, scores = rows[keep], cols[keep], scores[keep]
    for k in np.lexsort((-scores, rows)).tolist():
        r, c = int(rows[k]), int(cols[k])
        if len(lists[r]) < size:
            lists[r].append((c, float(scores[k])))
            load[c] += 1
            sole.add((r, c))
    return lists, load, sole


def _assign_by_need(
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    position: np.ndarray,
    pool_size: np.ndarray,
    lists: list[list[tuple[int, float]]],
    load: np.ndarray,
    bounds: np.ndarray,
    size: int,
) -> None:
    """Step 2: round p gives every receiver its p-th candidate unless that person is full.

    Within a round, a person's places go to the receivers with the fewest candidates first,
    then to better fits. Vectorised: in one round each receiver has one edge, so an edge is
    accepted when fewer than ``bound - load`` earlier edges of the round name the same person.
    """
    n = load.size
    count = np.array([len(items) for items in lists], dtype=np.int64)
    taken = [r * n + c for r, items in enumerate(lists) for c, _ in items]
    if taken:
        fresh = ~np.isin(rows * n + cols, np.array(taken, dtype=np.int64))
        rows, cols, scores = rows[fresh], cols[fresh], scores[fresh]
        # Positions again, among the candidates not placed yet.
        position = np.arange(rows.size) - np.searchsorted(rows, rows)
    need = pool_size[rows]
    for p in range(int(position.max()) + 1 if position.size else 0):
        at = np.flatnonzero(position == p)
        at = at[count[rows[at]] < size]
        if at.size == 0:
            continue
        at = at[np.lexsort((rows[at], -scores[at], need[at], cols[at]))]
        c = cols[at]
        first = np.searchsorted(c, c)  # index where this person's run starts
        rank = np.arange(c.size) - first
        at = at[load[c] + rank < bounds[c]]
        np.add.at(load, cols[at], 1)
        count[rows[at]] += 1
        for r, c_, s in zip(rows[at].tolist(), cols[at].tolist(), scores[at].tolist(), strict=True):
            lists[r].append((c_, s))


def _fill_short(
    model: Model,
    lists: list[list[tuple[int, float]]],
    load: np.ndarray,
    eligible: np.ndarray,
    size: int,
    bounds: np.ndarray,
) -> int:
    """Step 3a: fill lists the candidate pool left short from the receiver's other real
    matches; the bound gives way only for the first ``MIN_SUGGESTIONS``."""
    overflow = 0
    for i in range(model.n):
        want = min(size, int(eligible[i]))
        if len(lists[i]) >= want:
            continue
        row = model.scores(i, i + 1)[0, : model.n]
        row[[c for c, _ in lists[i]]] = -np.inf
        ranked = [j for j in np.argsort(-row, kind="stable").tolist() if np.isfinite(row[j])]
        for j in ranked:
            if len(lists[i]) >= want:
                break
            if load[j] < bounds[j]:
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
    model: Model,
    lists: list[list[tuple[int, float]]],
    load: np.ndarray,
    sole: set[tuple[int, int]],
) -> None:
    """Step 3b: swap people nobody was suggested to into the list whose weakest entry they
    nearly equal (only real matches, never in place of a sole provider)."""
    nobody = np.flatnonzero(load == 0)
    if nobody.size == 0:
        return
    n = model.n
    weakest_score = np.full(n, np.inf, dtype=np.float64)
    weakest_at = np.full(n, -1, dtype=np.int64)

    def refresh(i: int) -> None:
        weakest_score[i] = np.inf
        if sole:
            swappable = [k for k, (c, _) in enumerate(lists[i]) if (i, c) not in sole]
        else:
            swappable = range(len(lists[i]))
        if not swappable:
            return
        k = min(swappable, key=lambda x: lists[i][x][1])
        c, s = lists[i][k]
        weakest_at[i] = k
        # Only a weakest entry that stays suggested to someone else may be swapped out; the
        # newcomer may be a little weaker (a share of the score, so it scales with the event).
        if load[c] >= 2:
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
        T = model.column_scores(cols)
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
        score=model.display_score(j, score),
        fit=model.fit(i, j),
        reasons=model.reasons(i, j),
    )
