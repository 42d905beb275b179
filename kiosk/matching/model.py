"""The model: an event's profiles as weighted vectors, so that one matrix product scores anybody
against everybody (what they have in common, who is here, who was met) fast enough for a fair."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from kiosk.matching.profiles import Profile
from kiosk.matching.suggestions import PLAN_SIZE, Reason
from kiosk.text import fold

#: What one offers and the other seeks says more than a shared topic.
COMPLEMENT_WEIGHT = 2.0
#: Added to every item's IDF, so that a topic the whole room ticked still counts a little.
IDF_FLOOR = 0.25
#: People from one's own project are met at project meetings anyway: their fit counts half.
SAME_PROJECT_FACTOR = 0.5
#: Breaks ties in favour of another project even when there is no fit at all.
OTHER_PROJECT_BONUS = 0.25
#: People who are here now: worth about one shared, moderately rare interest.
HERE_NOW_BONUS = 2.0
#: Already met: below every new face (fits stay far below this).
MET_PENALTY = 1000.0
#: Largest tie-breaker; a fixed per-event order, far below any real difference of fit.
JITTER = 1e-3


def _group_ids(values: Sequence[str], start: int = 0) -> np.ndarray:
    """Equal folded non-empty values share an id; every empty value gets an id of its own."""
    ids: dict[str, int] = {}
    folded: dict[str, str] = {}  # names repeat: fold each distinct spelling once
    out = np.empty(len(values), dtype=np.int64)
    fresh = start
    for i, value in enumerate(values):
        key = folded.get(value)
        if key is None:
            key = folded[value] = re.sub(r"[^a-z0-9]+", "", fold(value))
        if not key:
            out[i] = fresh
            fresh += 1
            continue
        if key not in ids:
            ids[key] = fresh
            fresh += 1
        out[i] = ids[key]
    return out


def _idf(df: Counter[str], n: int) -> dict[str, float]:
    return {t: math.log((n + 1) / (c + 1)) + IDF_FLOOR for t, c in df.items()}


class Model:
    """An event's consenting attendees as vectors, ready to score any row against everybody.

    The fit of two people is the sum, over what they have in common, of how rare each item is at
    this event (an IDF weight): shared interests count once, and what one offers that the other
    seeks (in either direction) counts ``COMPLEMENT_WEIGHT`` times. Items are compared by
    ``term_key`` after the event's synonym list (``events.DEFAULT_SETTINGS["synonyms"]``).

    The rank score adds to the fit: a bonus for people who are here now, a bonus for another
    project (and half the fit for one's own project), and a large penalty for people already met
    (a contact swapped here or at an earlier event of the same network, or marked "met"), which
    keeps them below every new face. People marked "not a fit" are never suggested to each other
    again, and nobody is suggested someone from their own organisation.
    """

    def __init__(
        self,
        profiles: Sequence[Profile],
        labels: dict[str, str] | None = None,
        *,
        met: Iterable[tuple[int, int]] = (),
        not_a_fit: Iterable[tuple[int, int]] = (),
        seed: int = 0,
    ) -> None:
        # People of one project sit next to each other, so that "same project" is a rectangle
        # of the score matrix (cheap to adjust) instead of a mask over all of it.
        project_ids = _group_ids([p.project for p in profiles])
        order = sorted(range(len(profiles)), key=lambda i: (int(project_ids[i]), i))
        self.profiles = [profiles[i] for i in order]
        self.labels = labels or {}
        self.index = {p.id: i for i, p in enumerate(self.profiles)}
        n = self.n = len(self.profiles)
        interest_df = Counter(t for p in self.profiles for t in p.interests)
        trade_df = Counter(t for p in self.profiles for t in p.offers | p.seeks)
        # Rarity among those who filled in that list: at a fair only companies name interests,
        # and an interest four of forty companies share is not rare because pupils name none.
        self.idf_interest = _idf(interest_df, sum(1 for p in self.profiles if p.interests))
        self.idf_trade = _idf(trade_df, sum(1 for p in self.profiles if p.offers or p.seeks))
        vocab = sorted(set(interest_df) | set(trade_df))
        col = {t: i for i, t in enumerate(vocab)}
        v = len(vocab)
        w_int = np.array([self.idf_interest.get(t, 0.0) for t in vocab], dtype=np.float32)
        w_trade = np.array(
            [COMPLEMENT_WEIGHT * self.idf_trade.get(t, 0.0) for t in vocab], dtype=np.float32
        )
        interests = np.zeros((n, v), dtype=np.float32)
        offers = np.zeros((n, v), dtype=np.float32)
        seeks = np.zeros((n, v), dtype=np.float32)
        for i, p in enumerate(self.profiles):
            interests[i, [col[t] for t in p.interests]] = 1
            offers[i, [col[t] for t in p.offers]] = 1
            seeks[i, [col[t] for t in p.seeks]] = 1
        # fit(i, j) = A[i] . B[j]: shared interests, i's offers x j's seeks, i's seeks x j's offers.
        self.A = np.ascontiguousarray(
            np.hstack([interests * w_int, offers * w_trade, seeks * w_trade]), dtype=np.float32
        )
        self.B = np.ascontiguousarray(np.hstack([interests, seeks, offers]), dtype=np.float32)
        # A column only counts where both sides have it (an offer nobody seeks adds nothing):
        # dropping the others makes the product about half as wide.
        useful = self.A.any(axis=0) & self.B.any(axis=0)
        self.A = np.ascontiguousarray(self.A[:, useful])
        self.B = np.ascontiguousarray(self.B[:, useful])
        # Columns are padded to a multiple of the group width used to find top candidates fast.
        self.width = max(1, n // 256)
        self.n_pad = -(-max(n, 1) // self.width) * self.width
        pad = self.n_pad - n
        self.Bt = np.ascontiguousarray(
            np.vstack([self.B, np.zeros((pad, self.B.shape[1]), dtype=np.float32)]).T
        )
        self.org = np.concatenate(
            [_group_ids([p.organisation for p in self.profiles]), -1 - np.arange(pad)]
        ).astype(np.int32)
        self.project = np.concatenate(
            [project_ids[order], -1 - np.arange(pad)] if n else [-1 - np.arange(pad)]
        ).astype(np.int32)
        starts = np.flatnonzero(np.diff(self.project[:n], prepend=-(2**31), append=-(2**31)))
        self.project_runs = [(int(a), int(b)) for a, b in itertools.pairwise(starts) if b - a > 1]
        self.present = np.array([p.present for p in self.profiles], dtype=bool)
        order = np.random.default_rng(seed).permutation(n).astype(np.float32)
        bonus = HERE_NOW_BONUS * self.present.astype(np.float32) + JITTER * order / max(n, 1)
        self.colbonus = np.concatenate([bonus, np.full(pad, -np.inf, dtype=np.float32)]).astype(
            np.float32
        )
        self.met = self._pair_arrays(met)
        self.blocked = self._pair_arrays(not_a_fit)
        self.met_set = set(zip(*(a.tolist() for a in self.met), strict=True))
        # Everybody outside one's organisation and not marked "not a fit" may be suggested.
        org_size = np.bincount(self.org[:n]) if n else np.zeros(0, dtype=np.int64)
        rows, cols = self.blocked
        across = rows[self.org[rows] != self.org[cols]]
        self.eligible = n - org_size[self.org[:n]] - np.bincount(across, minlength=n)

    def _pair_arrays(self, pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        idx = sorted(
            (self.index[a], self.index[b]) for a, b in pairs if a in self.index and b in self.index
        )
        rows = np.array([r for r, _ in idx], dtype=np.int64)
        cols = np.array([c for _, c in idx], dtype=np.int64)
        return rows, cols

    def scores(self, start: int, stop: int) -> np.ndarray:
        """Rank scores of rows start..stop against every (padded) column; -inf = never."""
        S = self.A[start:stop] @ self.Bt
        for a, b in self.project_runs:
            if a < stop and b > start:
                same = S[max(a, start) - start : min(b, stop) - start, a:b]
                same *= SAME_PROJECT_FACTOR
                same -= OTHER_PROJECT_BONUS
        S += self.colbonus
        S[self.org[start:stop, None] == self.org[None, :]] = -np.inf
        for (rows, cols), blocked in ((self.met, False), (self.blocked, True)):
            lo, hi = np.searchsorted(rows, [start, stop])
            if hi > lo:
                if blocked:
                    S[rows[lo:hi] - start, cols[lo:hi]] = -np.inf
                else:
                    S[rows[lo:hi] - start, cols[lo:hi]] -= MET_PENALTY
        return S

    def fit(self, i: int, j: int) -> float:
        """The fit of i with j without bonuses (what they have to talk about)."""
        return float(self.A[i] @ self.B[j])

    def reasons(self, i: int, j: int) -> tuple[Reason, ...]:
        """Why j is suggested to i, as data, the most telling items first."""
        me, other = self.profiles[i], self.profiles[j]
        found = []

        def items(keys: Iterable[str], idf: dict[str, float]) -> tuple[str, ...]:
            ordered = sorted(keys, key=lambda t: (-idf.get(t, 0.0), self.labels.get(t, t)))
            return tuple(self.labels.get(t, t) for t in ordered)

        if me.seeks & other.offers:
            found.append(
                Reason("offers_what_you_seek", items(me.seeks & other.offers, self.idf_trade))
            )
        if me.offers & other.seeks:
            found.append(
                Reason("seeks_what_you_offer", items(me.offers & other.seeks, self.idf_trade))
            )
        if me.interests & other.interests:
            found.append(
                Reason("shared_interest", items(me.interests & other.interests, self.idf_interest))
            )
        if other.present:
            found.append(Reason("here_now"))
        if me.project and other.project and self.project[i] != self.project[j]:
            found.append(Reason("other_project", (other.project,)))
        if (i, j) in self.met_set:
            found.append(Reason("met_before"))
        return tuple(found)

    def suggest_one(
        self, i: int, n: int = PLAN_SIZE, *, load: np.ndarray | None = None, bound: int = 0
    ) -> list[tuple[int, float]]:
        """Row i's best n (index, score), skipping people already at the bound in ``load``."""
        row = self.scores(i, i + 1)[0, : self.n]
        if load is not None and bound:
            row[load >= bound] = -np.inf
        finite = np.flatnonzero(np.isfinite(row))
        if finite.size > n:
            finite = finite[np.argpartition(-row[finite], n - 1)[:n]]
        best = finite[np.argsort(-row[finite], kind="stable")]
        return [(int(j), float(row[j])) for j in best]
