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
from kiosk.matching.rules import NO_SIDE, side_of
from kiosk.matching.suggestions import PLAN_SIZE, Reason
from kiosk.text import fold

#: What one offers and the other seeks counts this many times a shared interest of the same
#: rarity (the reason people come to a fair or a brunch at all).
COMPLEMENT_WEIGHT = 2.0
#: Added to every item's IDF, so that a topic the whole room ticked still counts a little.
IDF_FLOOR = 0.25
#: People from one's own project are met at project meetings anyway: their fit counts half
#: (the reason says so).
SAME_PROJECT_FACTOR = 0.5
#: Breaks ties in favour of another project.
OTHER_PROJECT_BONUS = 0.25
#: People who are here now come first within a list: worth about one shared, moderately rare
#: interest there. Presence only orders a list; it never puts anyone into one.
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


#: The bits of float32 -inf as int32: OR-ed into the bits of +0.0 they make -inf.
_NEG_INF_BITS = np.array(-np.inf, dtype=np.float32).view(np.int32)


def _never_where_zero(S: np.ndarray) -> None:
    """Set the exact zeros of a non-negative float32 matrix (no fit at all) to -inf, in place.

    Done on the bits without a branch: several times faster than a boolean mask on a
    matrix of 10 million entries, most of them kept."""
    bits = S.view(np.int32)
    bits |= (bits == 0).astype(np.int32) * _NEG_INF_BITS


def _idf(df: Counter[str], n: int) -> dict[str, float]:
    return {t: math.log((n + 1) / (c + 1)) + IDF_FLOOR for t, c in df.items()}


class Model:
    """An event's consenting attendees as vectors, ready to score any row against everybody.

    The fit of two people is the sum, over what they have in common, of how rare each item is at
    this event (an IDF weight over everybody who named anything): shared interests count once,
    and what one offers that the other seeks counts ``COMPLEMENT_WEIGHT`` times, its rarity
    being how few offer it (for the one who seeks) or how few seek it (for the one who offers).
    Items are compared by ``term_key`` after the event's synonym list.

    Only a fit above zero makes a suggestion: something in common. The rank score adds to the
    fit a bonus for another project (and half the fit for one's own project, which the reason
    says), and a large penalty for people already met (a contact swapped here or at an earlier
    event of the same network, or marked "met"), which keeps them below every new face. Whether
    someone is here only orders a list (``display_score``). People marked "not a fit" are never
    suggested to each other again, nobody is suggested someone from their own organisation, and
    under the rule "roles" (``rules``) exhibitors and visitors are suggested only to each other.
    """

    def __init__(
        self,
        profiles: Sequence[Profile],
        labels: dict[str, str] | None = None,
        *,
        met: Iterable[tuple[int, int]] = (),
        not_a_fit: Iterable[tuple[int, int]] = (),
        seed: int = 0,
        rule: str = "all",
    ) -> None:
        # People of one project sit next to each other, so that "same project" is a rectangle
        # of the score matrix (cheap to adjust) instead of a mask over all of it.
        project_ids = _group_ids([p.project for p in profiles])
        order = sorted(range(len(profiles)), key=lambda i: (int(project_ids[i]), i))
        self.profiles = [profiles[i] for i in order]
        self.labels = labels or {}
        self.rule = rule
        self.index = {p.id: i for i, p in enumerate(self.profiles)}
        n = self.n = len(self.profiles)
        interest_df = Counter(t for p in self.profiles for t in p.interests)
        offer_df = Counter(t for p in self.profiles for t in p.offers)
        seek_df = Counter(t for p in self.profiles for t in p.seeks)
        # One rarity scale for every kind of item: among those who named anything at all.
        named = sum(1 for p in self.profiles if p.interests or p.offers or p.seeks)
        self.idf_interest = _idf(interest_df, named)
        self.idf_offer = _idf(offer_df, named)  # how rare it is to find someone offering it
        self.idf_seek = _idf(seek_df, named)  # how rare it is to find someone seeking it
        vocab = sorted(set(interest_df) | set(offer_df) | set(seek_df))
        col = {t: i for i, t in enumerate(vocab)}
        v = len(vocab)
        w_int = np.array([self.idf_interest.get(t, 0.0) for t in vocab], dtype=np.float32)
        w_offer = np.array(
            [COMPLEMENT_WEIGHT * self.idf_seek.get(t, 0.0) for t in vocab], dtype=np.float32
        )
        w_seek = np.array(
            [COMPLEMENT_WEIGHT * self.idf_offer.get(t, 0.0) for t in vocab], dtype=np.float32
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
            np.hstack([interests * w_int, offers * w_offer, seeks * w_seek]), dtype=np.float32
        )
        self.B = np.ascontiguousarray(np.hstack([interests, seeks, offers]), dtype=np.float32)
        # A column only counts where both sides have it (an offer nobody seeks adds nothing):
        # dropping the others makes the product about half as wide.
        useful = self.A.any(axis=0) & self.B.any(axis=0)
        self.A = np.ascontiguousarray(self.A[:, useful])
        self.B = np.ascontiguousarray(self.B[:, useful])
        # Who alone offers what someone seeks (for the balance: they stay in that list).
        self.sole_offer = self._sole_offers(offers, seeks)
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
        # Sides meet only across under the rule "roles": a side of 0 meets everybody, and
        # padding columns get sides of their own.
        sides = [side_of(p) for p in self.profiles] if rule == "roles" else [NO_SIDE] * n
        self.side = np.concatenate([np.array(sides, dtype=np.int32), np.full(pad, -1)]).astype(
            np.int32
        )
        self.by_role = rule == "roles" and bool(np.any(self.side[:n] != NO_SIDE))
        starts = np.flatnonzero(np.diff(self.project[:n], prepend=-(2**31), append=-(2**31)))
        self.project_runs = [(int(a), int(b)) for a, b in itertools.pairwise(starts) if b - a > 1]
        self.present = np.array([p.present for p in self.profiles], dtype=bool)
        order = np.random.default_rng(seed).permutation(n).astype(np.float32)
        jitter = JITTER * order / max(n, 1)
        self.colbonus = np.concatenate([jitter, np.full(pad, -np.inf, dtype=np.float32)]).astype(
            np.float32
        )
        self.met = self._pair_arrays(met)
        self.blocked = self._pair_arrays(not_a_fit)
        self.met_set = set(zip(*(a.tolist() for a in self.met), strict=True))
        self.blocked_set = set(zip(*(a.tolist() for a in self.blocked), strict=True))

    def _pair_arrays(self, pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        idx = sorted(
            (self.index[a], self.index[b]) for a, b in pairs if a in self.index and b in self.index
        )
        rows = np.array([r for r, _ in idx], dtype=np.int64)
        cols = np.array([c for _, c in idx], dtype=np.int64)
        return rows, cols

    @staticmethod
    def _sole_offers(offers: np.ndarray, seeks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(seeker rows, offerer cols): what the seeker looks for is offered by that one alone."""
        single = np.flatnonzero(offers.sum(axis=0) == 1)
        if single.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        offerer = offers[:, single].argmax(axis=0)
        r, k = np.nonzero(seeks[:, single])
        return r.astype(np.int64), offerer[k].astype(np.int64)

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Which (row, col) pairs may be suggested at all, whatever they have in common."""
        ok = (self.org[rows] != self.org[cols]) & (rows != cols)
        if self.by_role:
            a, b = self.side[rows], self.side[cols]
            ok &= (a != b) | (a == NO_SIDE)
        if self.blocked_set:
            ok &= np.array(
                [
                    (r, c) not in self.blocked_set
                    for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
                ],
                dtype=bool,
            )
        return ok

    def scores(self, start: int, stop: int) -> np.ndarray:
        """Rank scores of rows start..stop against every (padded) column; -inf = never."""
        S = self.A[start:stop] @ self.Bt
        _never_where_zero(S)  # nothing in common (-inf stays -inf through what follows)
        for a, b in self.project_runs:
            if a < stop and b > start:
                same = S[max(a, start) - start : min(b, stop) - start, a:b]
                same *= SAME_PROJECT_FACTOR
                same -= OTHER_PROJECT_BONUS
        S += self.colbonus
        S[self.org[start:stop, None] == self.org[None, :]] = -np.inf
        if self.by_role:
            mine = self.side[start:stop, None]
            S[(mine == self.side[None, :]) & (mine != NO_SIDE)] = -np.inf
        for (rows, cols), blocked in ((self.met, False), (self.blocked, True)):
            lo, hi = np.searchsorted(rows, [start, stop])
            if hi > lo:
                if blocked:
                    S[rows[lo:hi] - start, cols[lo:hi]] = -np.inf
                else:
                    S[rows[lo:hi] - start, cols[lo:hi]] -= MET_PENALTY
        return S

    def pair_scores(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The scores of single (row, col) pairs, as ``scores`` gives them (-inf = never)."""
        fit = np.einsum("ij,ij->i", self.A[rows], self.B[cols])
        out = fit.astype(np.float32)
        same = self.project[rows] == self.project[cols]
        out[same] = out[same] * SAME_PROJECT_FACTOR - OTHER_PROJECT_BONUS
        out += self.colbonus[cols]
        if self.met_set:
            met = [
                (r, c) in self.met_set for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
            ]
            out[np.array(met, dtype=bool)] -= MET_PENALTY
        out[(fit <= 0) | ~self.allowed(rows, cols)] = -np.inf
        return out

    def column_scores(self, cols: np.ndarray) -> np.ndarray:
        """Scores of each of ``cols`` in every receiver's list: one row per col, one column per
        receiver (the transpose of ``scores`` for those people)."""
        n = self.n
        T = self.B[cols] @ self.A.T
        _never_where_zero(T)
        same_project = self.project[cols][:, None] == self.project[None, :n]
        T[same_project] = T[same_project] * SAME_PROJECT_FACTOR - OTHER_PROJECT_BONUS
        T += self.colbonus[cols][:, None]
        T[self.org[cols][:, None] == self.org[None, :n]] = -np.inf
        if self.by_role:
            theirs = self.side[cols][:, None]
            T[(theirs == self.side[None, :n]) & (theirs != NO_SIDE)] = -np.inf
        return T

    def display_score(self, j: int, score: float) -> float:
        """Where j stands within a list: people who are here now come first among equals."""
        return score + HERE_NOW_BONUS * float(self.present[j])

    def fit(self, i: int, j: int) -> float:
        """The fit of i with j without bonuses (what they have to talk about)."""
        return float(self.A[i] @ self.B[j])

    def reasons(self, i: int, j: int) -> tuple[Reason, ...]:
        """Why j is suggested to i, as data: what they have in common (the most telling items
        first), then what only orders the list (here now, project, met before)."""
        me, other = self.profiles[i], self.profiles[j]
        found = []

        def items(keys: Iterable[str], idf: dict[str, float]) -> tuple[str, ...]:
            ordered = sorted(keys, key=lambda t: (-idf.get(t, 0.0), self.labels.get(t, t)))
            return tuple(self.labels.get(t, t) for t in ordered)

        if me.seeks & other.offers:
            found.append(
                Reason("offers_what_you_seek", items(me.seeks & other.offers, self.idf_offer))
            )
        if me.offers & other.seeks:
            found.append(
                Reason("seeks_what_you_offer", items(me.offers & other.seeks, self.idf_seek))
            )
        if me.interests & other.interests:
            found.append(
                Reason("shared_interest", items(me.interests & other.interests, self.idf_interest))
            )
        if other.present:
            found.append(Reason("here_now"))
        if me.project and other.project:
            if self.project[i] != self.project[j]:
                found.append(Reason("other_project", (other.project,)))
            else:
                found.append(Reason("same_project", (other.project,)))
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
