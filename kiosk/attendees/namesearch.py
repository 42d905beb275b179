"""Finding people by what one knows of them: name search as you type at the desk (umlaut-folded
substrings first, then one typo allowed), and the person a command means."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from kiosk import db as kdb
from kiosk.attendees.fields import AttendeeError, find_code, from_row
from kiosk.attendees.records import by_code, get, list_for_event
from kiosk.events import Event
from kiosk.text import clean, fold

#: Most results one search returns; the desk shows them as one list.
MAX_RESULTS = 12
#: Below this many substring hits the typo pass runs too.
TYPO_PASS_BELOW = 3
#: Words shorter than this get no typo pass (a typo in two letters matches nearly anything).
TYPO_MIN_LENGTH = 4

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def tokens_of(search_key: str) -> set[str]:
    """The words of a folded search key (names, organisation, e-mail parts)."""
    return {t for t in _TOKEN_SPLIT.split(search_key) if t}


def _deletions(word: str) -> set[str]:
    """The word and every variant of it with one letter left out."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, change or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@dataclass
class _Index:
    """The folded words of one event's attendees, with their one-deletion variants."""

    version: int | None
    keys: dict[int, str] = field(default_factory=dict)
    ids_by_token: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    tokens_by_variant: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, attendee_id: int, key: str) -> None:
        self.keys[attendee_id] = key
        for token in tokens_of(key):
            if token not in self.ids_by_token:
                for variant in _deletions(token):
                    self.tokens_by_variant[variant].add(token)
            self.ids_by_token[token].add(attendee_id)

    def remove(self, attendee_id: int) -> None:
        for token in tokens_of(self.keys.pop(attendee_id, "")):
            ids = self.ids_by_token.get(token)
            if ids is None:
                continue
            ids.discard(attendee_id)
            if not ids:
                del self.ids_by_token[token]
                for variant in _deletions(token):
                    self.tokens_by_variant[variant].discard(token)

    def near(self, word: str) -> set[int]:
        """Attendees with a word one edit away from ``word``."""
        found: set[int] = set()
        candidates = set().union(*(self.tokens_by_variant.get(v, ()) for v in _deletions(word)))
        for token in candidates:
            if within_one_edit(word, token):
                found |= self.ids_by_token[token]
        return found

    def containing(self, word: str) -> set[int]:
        return {i for i, key in self.keys.items() if word in key}


_indexes: dict[tuple[str, int], _Index] = {}
_indexes_lock = threading.Lock()


def _version(db: Database, event_id: int) -> int | None:
    row = kdb.one(db, "SELECT version FROM search_versions WHERE event_id = ?", [event_id])
    return row["version"] if row else None


def _database_file(db: Database) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def index_for(db: Database, event_id: int) -> _Index:
    """The event's word index, brought up to date when attendees were added, changed or removed."""
    cache_key = (_database_file(db), event_id)
    version = _version(db, event_id)
    with _indexes_lock:
        index = _indexes.get(cache_key)
        if index is not None and index.version == version:
            return index
        fresh = {
            r["id"]: r["search_key"] or ""
            for r in kdb.rows(
                db,
                "SELECT id, search_key FROM attendees WHERE event_id = ?",
                [event_id],
            )
        }
        if index is None:
            index = _Index(version)
        # Apply only the differences: one walk-in must not rebuild 10,000 attendees' words.
        for attendee_id in [i for i in index.keys if fresh.get(i) != index.keys[i]]:
            index.remove(attendee_id)
        for attendee_id, key in fresh.items():
            if attendee_id not in index.keys:
                index.add(attendee_id, key)
        index.version = version
        _indexes[cache_key] = index
        return index


def forget(db: Database, event_id: int) -> None:
    """Drop the event's word index from memory (after its people were deleted)."""
    with _indexes_lock:
        _indexes.pop((_database_file(db), event_id), None)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _rank(attendee: dict[str, Any], words: list[str]) -> tuple[int, str, str, int]:
    """Names that start with every word first, then alphabetical by last name."""
    names = tokens_of(fold(f"{attendee['first_name']} {attendee['last_name']}"))
    starts = all(any(n.startswith(w) for n in names) for w in words)
    last, first = fold(attendee["last_name"]), fold(attendee["first_name"])
    return (0 if starts else 1, last, first, attendee["id"])


def search(db: Database, event_id: int, query: str, *, limit: int = MAX_RESULTS) -> list[dict]:
    """Attendees whose name, organisation or e-mail match ``query``; one typo per word allowed."""
    words = fold(query).split()
    if not words:
        return []
    sql = "SELECT * FROM attendees WHERE event_id = ?"
    params: list[Any] = [event_id]
    for word in words:
        sql += " AND search_key LIKE ? ESCAPE '\\'"
        params.append(_like(word))
    found = {r["id"]: r for r in kdb.rows(db, sql + " LIMIT ?", [*params, limit * 4])}
    if len(found) < TYPO_PASS_BELOW and any(len(w) >= TYPO_MIN_LENGTH for w in words):
        index = index_for(db, event_id)
        ids: set[int] | None = None
        for word in words:
            matching = index.containing(word)
            if len(word) >= TYPO_MIN_LENGTH:
                matching |= index.near(word)
            ids = matching if ids is None else ids & matching
        extra = sorted((ids or set()) - set(found))[: limit * 4]
        if extra:
            marks = ",".join("?" * len(extra))
            for r in kdb.rows(
                db,
                f"SELECT * FROM attendees WHERE event_id = ? AND id IN ({marks})",
                [event_id, *extra],
            ):
                found[r["id"]] = r
    result = [from_row(r) for r in found.values()]
    result.sort(key=lambda a: _rank(a, words))
    return result[:limit]


# -- the person a command means ------------------------------------------------------------------


def find_attendee(db: Database, event: Event, person: str) -> dict[str, Any]:
    """The attendee meant by an e-mail, a badge code (or badge URL) or a name."""
    text = clean(person)
    if not text:
        raise AttendeeError("unknown_person", "Whom? Give an e-mail, a badge code or a name.")
    if "@" in text:
        row = kdb.one(
            db,
            "SELECT id FROM attendees "
            "WHERE event_id = ? AND lower(email) = ? AND status != 'cancelled'",
            [event.id, text.lower()],
        )
        if row:
            return get(db, row["id"])
    code = find_code(text)
    if code:
        found = by_code(db, code)
        if found and found["event_id"] == event.id:
            return found
    matches = list_for_event(db, event.id, query=text)
    exact = [a for a in matches if fold(a["name"]) == fold(text)]
    matches = exact or matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AttendeeError("unknown_person", f"Nobody at '{event.slug}' matches '{text}'.")
    names = "; ".join(f"{a['name']} ({a['organisation']}, {a['code']})" for a in matches[:5])
    raise AttendeeError("ambiguous_person", f"{len(matches)} people match '{text}': {names}")
