"""Matchmaking: whom each attendee should meet, with reasons, balanced across the room.

Only attendees who consented to matchmaking take part, on both sides: they are suggested to
others and they get suggestions. Nobody is suggested someone from their own organisation.

The fit of two people is the sum, over what they have in common, of how rare each item is at
this event (an IDF weight): shared interests count once, and what one offers that the other
seeks (in either direction) counts ``COMPLEMENT_WEIGHT`` times. Interests are compared after
folding case, umlauts, spaces, hyphens, gender forms and simple German plurals, and after the
event's synonym list (``events.DEFAULT_SETTINGS["synonyms"]``).

The rank score adds to the fit: a bonus for people who are here now, a bonus for another project
(and half the fit for one's own project), and a large penalty for people already met (a contact
swapped here or at an earlier event of the same network, or marked "met"), which keeps them below
every new face. People marked "not a fit" are never suggested to each other again.

Balance: each person appears in at most ``plan.bound`` lists. The bound is
``max(ceil(1.5 k), ceil(1.25 x the demand-weighted mean demand))``, where the demand on a person is
how many list places would go to them if every attendee spread their k places evenly over their
best 3k candidates. In a room of peers demand is about k everywhere, so the bound is 1.5 k
(15 for lists of 10, 8 for lists of 5): nobody is in more than half again the average number of
lists. At a fair where 1,500 pupils want the same 40 companies, demand on a company is in the
hundreds, and so is the bound: a stand can take that, while the bound still spreads the pupils over
every company that trains their trade instead of sending them all to the first one. Lists are
filled round by round (everybody's best available first, then everybody's second, ...), so no
receiver is starved by others' second choices; then people suggested to nobody are swapped into a
list whose weakest entry they nearly equal.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sqlite_utils import Database

from kiosk import db as kdb
from kiosk import events as kevents
from kiosk.errors import KioskError
from kiosk.events import Event
from kiosk.text import clean, fold

#: Suggestions per attendee on their own page; the desk card and the printed slip show the first 3.
PLAN_SIZE = 10
#: Suggestions on the desk welcome card and on a printed slip.
DESK_SIZE = 3
#: Everybody with at least this many eligible people gets at least this many suggestions.
MIN_SUGGESTIONS = 3
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
#: "No good match": nothing in common with any suggestion, or a best fit below this share of the
#: event's median best fit (relative, because IDF weights depend on the event's size).
GOOD_MATCH_SHARE = 0.25
#: Rows scored at once in the blocked product (memory: rows x attendees x 4 bytes).
BLOCK_ROWS = 1024
#: A plan that took at most this long is rebuilt on every change (a brunch: ~10 ms); a slower
#: one (a fair, 10,000 people) at most every REFRESH_SECONDS, so phones polling cannot pile up.
CHEAP_BUILD_SECONDS = 0.05
REFRESH_SECONDS = 30.0
#: How many prepared events the process keeps (one laptop serves one event at a time).
CACHE_SIZE = 4
#: Feedback an attendee can give on a suggestion.
VERDICTS = ("met", "not_a_fit")
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
#: Edges in the network picture come from each attendee's first suggestions.
NETWORK_TOP = DESK_SIZE


class MatchingError(KioskError):
    """Suggestions, feedback or a table plan could not be made; ``code`` says why."""


# -- comparing interests --------------------------------------------------------------------------

# "Elektroniker/in", "Kaufmann/-frau", "Fachangestellte/r", "Lehrer:innen", "(m/w/d)".
_GENDER_MARKS = re.compile(
    r"\((?:[mwdf]\s*/\s*)+[mwdf]\)|[:*_]in(?:nen)?\b|/\s*-\s*\w+|/(?:in|innen|r|e|n|er|frau)\b"
)
_ALTERNATIVE = re.compile(r"(\w+)\s*/\s*(\w+)")
_WORD = re.compile(r"[a-z0-9]+")
#: Words shorter than this are not stemmed (Lehre stays apart from Lehrer).
_MIN_STEM = 6


def _stem(word: str) -> str:
    """A folded German word without its plural, case or gender ending (a few safe rules)."""
    if len(word) < _MIN_STEM:
        return word
    if word.endswith("innen"):
        return word[:-5]
    if word.endswith("erin"):
        return word[:-2]
    if word.endswith("ern"):
        return word[:-1]
    if word.endswith("en"):
        return word[:-2]
    if word.endswith(("der", "ter", "cher")):
        return word[:-2]
    if word.endswith("e"):
        return word[:-1]
    if word.endswith("s") and word[-2] in "aiouy":
        return word[:-1]
    return word


def _drop_alternative(match: re.Match[str]) -> str:
    # "Koch/Köchin" is one trade in two forms; "Schule/Beruf" are two words and stay.
    first, second = match.group(1), match.group(2)
    return first if second.startswith(first[:3]) else f"{first} {second}"


@lru_cache(maxsize=65536)
def term_key(text: str) -> str:
    """The key interests are compared by: Praktikumsplatz and Praktikumsplätze agree."""
    folded = fold(_GENDER_MARKS.sub("", clean(text, max_length=200)))
    folded = _ALTERNATIVE.sub(_drop_alternative, folded)
    return "".join(_stem(w) for w in _WORD.findall(folded))


def parse_synonyms(text: str) -> dict[str, str]:
    """Synonym lines as the organiser types them ("BO = Berufsorientierung", "A, B = C")."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if "=" not in line:
            continue
        *aliases, canonical = (clean(part, max_length=120) for part in line.split("="))
        if not canonical:
            continue
        for alias_group in aliases:
            for alias in alias_group.split(","):
                alias = clean(alias, max_length=120)
                if alias and term_key(alias) != term_key(canonical):
                    found[alias] = canonical
    return found


def format_synonyms(synonyms: dict[str, str]) -> str:
    """The synonym setting as editable lines, aliases of one meaning grouped."""
    groups: dict[str, list[str]] = defaultdict(list)
    for alias, canonical in synonyms.items():
        groups[canonical].append(alias)
    return "\n".join(f"{', '.join(a)} = {c}" for c, a in sorted(groups.items(), key=lambda x: x[0]))


def synonym_keys(synonyms: dict[str, str]) -> dict[str, str]:
    """Alias key -> meaning key, chains resolved (A = B and B = C make A mean C)."""
    direct = {term_key(a): term_key(c) for a, c in synonyms.items() if term_key(a) and term_key(c)}
    resolved = {}
    for alias in direct:
        target, seen = direct[alias], {alias}
        while target in direct and target not in seen:
            seen.add(target)
            target = direct[target]
        resolved[alias] = target
    return resolved


# -- who takes part ------------------------------------------------------------------------------


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


@lru_cache(maxsize=65536)
def _label(value: str) -> str:
    return clean(value, max_length=120)


def _keys(
    values: Iterable[str], synonyms: dict[str, str], labels: dict[str, Counter[str]]
) -> frozenset[str]:
    keys = set()
    for value in values:
        key = term_key(value)
        if not key:
            continue
        key = synonyms.get(key, key)
        labels[key][_label(value)] += 1
        keys.add(key)
    return frozenset(keys)


def _profiles_from_rows(
    rows: Sequence[dict[str, Any]], synonyms: dict[str, str]
) -> tuple[list[Profile], dict[str, str]]:
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
    "id, person_id, code, first_name, last_name, organisation, project, role, "
    "interests, offers, seeks, "
    # Someone who checked out has left: not "here now" any more.
    "CASE WHEN checked_out_at IS NULL THEN checked_in_at END AS checked_in_at"
)


def _load_rows(db: Database, event_id: int, *, consenting: bool = True) -> list[dict[str, Any]]:
    sql = f"SELECT {_PROFILE_COLUMNS} FROM attendees WHERE event_id = ? AND status != 'cancelled'"
    if consenting:
        sql += " AND consent_matchmaking = 1"
    return kdb.rows(db, sql + " ORDER BY id", [event_id])


def _pairs_met(db: Database, event: Event, profiles: Sequence[Profile]) -> set[tuple[int, int]]:
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


def _pairs_not_a_fit(db: Database, event_id: int) -> set[tuple[int, int]]:
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


# -- the model: vectors and scores ----------------------------------------------------------------


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
    """An event's consenting attendees as vectors, ready to score any row against everybody."""

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


# -- suggestions for everybody: the balanced plan -------------------------------------------------


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
    """The most lists one person may appear in: see the module docstring for why."""
    base = math.ceil(BASE_BOUND_FACTOR * size)
    total = float(demand.sum())
    if total <= 0:
        return base
    weighted_mean = float((demand**2).sum()) / total
    return max(base, math.ceil(BOUND_SLACK * weighted_mean))


def plan(model: Model, size: int = PLAN_SIZE) -> Plan:
    """Suggestions for everybody: round-robin greedy under a per-person bound, then repairs."""
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


# -- suggestions as people see them ----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion: a kind and the items it is about."""

    kind: str
    items: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The reason as JSON."""
        return {"kind": self.kind, "items": list(self.items)}


@dataclass(frozen=True)
class Suggestion:
    """One person to meet, and why."""

    attendee_id: int
    code: str
    name: str
    organisation: str
    project: str
    role: str
    score: float
    fit: float
    reasons: tuple[Reason, ...]

    def reason_text(self, lang: str = "de") -> str:
        """The reasons as one sentence."""
        return reason_text(self.reasons, lang)

    def as_dict(self, lang: str = "de") -> dict[str, Any]:
        """The suggestion as JSON: who, score, reasons as data and as a sentence."""
        return {
            "code": self.code,
            "name": self.name,
            "organisation": self.organisation,
            "project": self.project,
            "score": round(self.score, 2),
            "fit": round(self.fit, 2),
            "reasons": [r.as_dict() for r in self.reasons],
            "reason_text": self.reason_text(lang),
        }


def _suggestion(model: Model, i: int, j: int, score: float) -> Suggestion:
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


#: Sentence parts per language; ``{items}`` is a list like "A, B und C".
REASON_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "shared_interest": "Sie interessieren sich beide für {items}",
        "offers_what_you_seek": "bietet, was Sie suchen: {items}",
        "seeks_what_you_offer": "sucht, was Sie bieten: {items}",
        "here_now": "ist gerade da",
        "other_project": "aus einem anderen Projekt ({items})",
        "met_before": "Sie kennen sich schon",
        "and": "und",
        "none": "aus einer anderen Organisation",
    },
    "en": {
        "shared_interest": "You are both interested in {items}",
        "offers_what_you_seek": "offers what you seek: {items}",
        "seeks_what_you_offer": "seeks what you offer: {items}",
        "here_now": "is here now",
        "other_project": "from another project ({items})",
        "met_before": "you have met before",
        "and": "and",
        "none": "from another organisation",
    },
}
#: Items named per reason in a sentence; the data keeps them all.
ITEMS_SHOWN = 3
SEPARATOR = " · "


def reason_text(reasons: Iterable[Reason], lang: str = "de") -> str:
    """Reasons as one readable sentence in German or English."""
    texts = REASON_TEXTS.get(lang, REASON_TEXTS["de"])
    parts = []
    for reason in reasons:
        items = list(reason.items[:ITEMS_SHOWN])
        if len(items) > 1:
            joined = f"{', '.join(items[:-1])} {texts['and']} {items[-1]}"
        else:
            joined = "".join(items)
        parts.append(texts[reason.kind].format(items=joined))
    return SEPARATOR.join(parts) or texts["none"]


# -- the event's plan, prepared once and reused ----------------------------------------------------


_cache: dict[tuple[str, int], tuple[tuple[Any, ...], Plan]] = {}
_building: set[tuple[str, int]] = set()
_cache_lock = threading.Lock()


def _database_path(db: Database) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def data_version(db: Database, event: Event) -> tuple[Any, ...]:
    """Changes whenever something matching depends on changes (cheap to ask)."""
    a = kdb.one(
        db,
        """SELECT count(*) AS n, max(id) AS last, max(updated_at) AS edited,
        count(checked_in_at) AS here, max(checked_in_at) AS arrived,
        count(checked_out_at), max(checked_out_at),
        total(consent_matchmaking) AS consents, total(status = 'cancelled') AS cancelled
        FROM attendees WHERE event_id = ?""",
        [event.id],
    )
    c = kdb.one(
        db, "SELECT count(*) AS n, max(id) AS last FROM contacts WHERE event_id = ?", [event.id]
    )
    f = kdb.one(
        db,
        "SELECT count(*) AS n, max(id) AS last, max(created_at) AS at FROM suggestion_feedback "
        "WHERE event_id = ?",
        [event.id],
    )
    return (
        tuple(a.values()),
        tuple(c.values()),
        tuple(f.values()),
        json.dumps(event.settings.get("synonyms"), sort_keys=True),
    )


def build_model(db: Database, event: Event) -> Model:
    """Load the event's consenting attendees, what they have met, and make the vectors."""
    synonyms = kevents.get(db, event.id).settings.get("synonyms") or {}
    profiles, labels = _profiles_from_rows(_load_rows(db, event.id), synonyms)
    return Model(
        profiles,
        labels,
        met=_pairs_met(db, event, profiles),
        not_a_fit=_pairs_not_a_fit(db, event.id),
        seed=event.id,
    )


def current_plan(db: Database, event: Event, *, fresh: bool = False) -> Plan:
    """The event's balanced plan, rebuilt when data changed (see CHEAP_BUILD_SECONDS).

    While one request rebuilds, the others get the previous plan instead of waiting.
    """
    event = kevents.get(db, event.id)
    key = (_database_path(db), event.id)
    version = data_version(db, event)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and not fresh:
            old_version, old_plan = cached
            if old_version == version:
                return old_plan
            slow = old_plan.build_seconds > CHEAP_BUILD_SECONDS
            young = time.monotonic() - old_plan.built_at < REFRESH_SECONDS
            if (slow and young) or key in _building:
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
    found = current.suggestions(attendee_id, n) if n <= PLAN_SIZE else []
    if n > PLAN_SIZE:
        wide = plan(current.model, n)
        found = wide.suggestions(attendee_id, n)
    # Feedback given since a large event's plan was made still counts at once.
    refused = {b for a, b in _pairs_not_a_fit(db, event.id) if a == attendee_id}
    return [s for s in found if s.attendee_id not in refused]


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


def top_for_print(
    db: Database, event: Event, attendee_id: int, n: int = DESK_SIZE, lang: str = "de"
) -> list[str]:
    """Plain text lines for a check-in slip or the back of a badge: who, from where, why."""
    lines = []
    for k, s in enumerate(for_attendee(db, event, attendee_id, n), start=1):
        where = f" ({s.organisation})" if s.organisation else ""
        lines.append(f"{k}. {s.name}{where}: {s.reason_text(lang)}")
    return lines


# -- finding the person a command means ------------------------------------------------------------


def find_attendee(db: Database, event: Event, person: str) -> dict[str, Any]:
    """The attendee meant by an e-mail, a badge code (or badge URL) or a name."""
    from kiosk import attendees

    text = clean(person)
    if not text:
        raise MatchingError("unknown_person", "Whom? Give an e-mail, a badge code or a name.")
    if "@" in text:
        row = kdb.one(
            db,
            "SELECT id FROM attendees "
            "WHERE event_id = ? AND lower(email) = ? AND status != 'cancelled'",
            [event.id, text.lower()],
        )
        if row:
            return attendees.get(db, row["id"])
    code = attendees.find_code(text)
    if code:
        found = attendees.by_code(db, code)
        if found and found["event_id"] == event.id:
            return found
    matches = attendees.list_for_event(db, event.id, query=text)
    exact = [a for a in matches if fold(a["name"]) == fold(text)]
    matches = exact or matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise MatchingError("unknown_person", f"Nobody at '{event.slug}' matches '{text}'.")
    names = "; ".join(f"{a['name']} ({a['organisation']}, {a['code']})" for a in matches[:5])
    raise MatchingError("ambiguous_person", f"{len(matches)} people match '{text}': {names}")


# -- feedback --------------------------------------------------------------------------------------


def record_feedback(
    db: Database, event: Event, attendee_id: int, other_id: int, verdict: str
) -> None:
    """Store "met" or "not a fit" for one suggestion; the latest verdict on a pair counts."""
    if verdict not in VERDICTS:
        raise MatchingError("bad_verdict", f"Unknown feedback: {verdict}")
    with kdb.transaction(db):
        found = kdb.rows(
            db,
            "SELECT id FROM attendees WHERE event_id = ? AND id IN (?, ?)",
            [event.id, attendee_id, other_id],
        )
        if attendee_id == other_id or len(found) != 2:
            raise MatchingError("not_found", "No such suggestion at this event.")
        db.execute(
            "DELETE FROM suggestion_feedback WHERE attendee_id = ? AND other_id = ?",
            [attendee_id, other_id],
        )
        db["suggestion_feedback"].insert(
            {
                "event_id": event.id,
                "attendee_id": attendee_id,
                "other_id": other_id,
                "verdict": verdict,
                "created_at": kdb.now(),
            }
        )


def feedback_of(db: Database, attendee_id: int) -> dict[int, str]:
    """The attendee's verdicts: other attendee id -> "met" / "not_a_fit"."""
    return {
        r["other_id"]: r["verdict"]
        for r in kdb.rows(
            db,
            "SELECT other_id, verdict FROM suggestion_feedback WHERE attendee_id = ?",
            [attendee_id],
        )
    }


# -- the organiser's views: overview, no good match, the network picture ---------------------------


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


@dataclass(frozen=True)
class Node:
    """One organisation or project on the circle, with where to write its name."""

    label: str
    people: int
    x: float
    y: float
    r: float
    anchor: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Edge:
    """Links between two nodes: suggestions made and contacts swapped."""

    a: int
    b: int
    suggested: int
    contacts: int


@dataclass(frozen=True)
class Network:
    """Groups on a circle and the links between them, ready to draw as SVG."""

    by: str
    size: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    max_weight: int


#: Geometry of the network picture (SVG user units).
NETWORK_SIZE = 1200
NETWORK_RADIUS = 340
NETWORK_MAX_NODES = 60


def network(db: Database, event: Event, by: str = "organisation") -> Network:
    """Organisations (or projects) and how many suggestions and contacts link them."""
    if by not in ("organisation", "project"):
        raise MatchingError("bad_grouping", f"Group by organisation or project, not {by}.")
    people = {r["id"]: (r[by] or "").strip() for r in _load_rows(db, event.id, consenting=False)}
    current = current_plan(db, event)
    links: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for i, items in enumerate(current.lists):
        a = people.get(current.model.profiles[i].id, "")
        for j, _ in items[:NETWORK_TOP]:
            b = people.get(current.model.profiles[j].id, "")
            if a and b and a != b:
                links[tuple(sorted((a, b)))][0] += 1
    for r in kdb.rows(
        db,
        "SELECT owner_id, other_id FROM contacts WHERE event_id = ? AND owner_id < other_id",
        [event.id],
    ):
        a, b = people.get(r["owner_id"], ""), people.get(r["other_id"], "")
        if a and b and a != b:
            links[tuple(sorted((a, b)))][1] += 1
    sizes = Counter(g for g in people.values() if g)
    groups = [g for g, _ in sizes.most_common(NETWORK_MAX_NODES)]
    groups.sort(key=fold)
    at = {g: k for k, g in enumerate(groups)}
    centre = NETWORK_SIZE / 2
    nodes = []
    biggest = max(sizes.values(), default=1)
    for k, g in enumerate(groups):
        angle = 2 * math.pi * k / max(len(groups), 1) - math.pi / 2
        cos, sin = math.cos(angle), math.sin(angle)
        nodes.append(
            Node(
                label=g,
                people=sizes[g],
                x=round(centre + NETWORK_RADIUS * cos, 1),
                y=round(centre + NETWORK_RADIUS * sin, 1),
                r=round(5 + 11 * math.sqrt(sizes[g] / biggest), 1),
                anchor="start" if cos > 0.01 else "end" if cos < -0.01 else "middle",
                label_x=round(centre + (NETWORK_RADIUS + 26) * cos, 1),
                label_y=round(centre + (NETWORK_RADIUS + 26) * sin + 4, 1),
            )
        )
    edges = tuple(
        Edge(at[a], at[b], s, c) for (a, b), (s, c) in sorted(links.items()) if a in at and b in at
    )
    heaviest = max((max(e.suggested, e.contacts) for e in edges), default=1)
    return Network(by, NETWORK_SIZE, tuple(nodes), edges, heaviest)


# -- table plans for networking rounds -------------------------------------------------------------


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

    def as_json(self) -> str:
        """How the plan is stored."""
        return json.dumps({"table_size": self.table_size, "rounds": self.rounds, "who": self.who})


def _table_costs(
    rows: Sequence[dict[str, Any]], consenting: set[int], synonyms: dict[str, str]
) -> tuple[np.ndarray, list[int]]:
    """Pairwise cost of sitting together (own organisation and project cost, shared fit pays),
    and the attendee ids in the order of its rows."""
    profiles, _ = _profiles_from_rows(rows, synonyms)
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


def make_table_plan(
    db: Database, event: Event, table_size: int, rounds: int, *, who: str = "present"
) -> TablePlan:
    """Seat the people present (or all registered) at tables for several rounds; store it."""
    if not TABLE_SIZE_RANGE[0] <= table_size <= TABLE_SIZE_RANGE[1]:
        raise MatchingError(
            "bad_table_size", f"Table size must be {TABLE_SIZE_RANGE[0]}–{TABLE_SIZE_RANGE[1]}."
        )
    if not ROUNDS_RANGE[0] <= rounds <= ROUNDS_RANGE[1]:
        raise MatchingError("bad_rounds", f"Rounds must be {ROUNDS_RANGE[0]}–{ROUNDS_RANGE[1]}.")
    rows = _load_rows(db, event.id, consenting=False)
    if who == "present":
        rows = [r for r in rows if r["checked_in_at"]]
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
    synonyms = kevents.get(db, event.id).settings.get("synonyms") or {}
    cost, ids = _table_costs(rows, consenting, synonyms)
    result = seat_rounds(cost, table_size, rounds, seed=event.id)
    result.rounds = [[[ids[i] for i in table] for table in rnd] for rnd in result.rounds]
    result.who = who
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
