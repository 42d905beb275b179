"""How interests are compared: one key per meaning, whatever the case, umlauts, hyphens, gender
forms, simple German plurals or the event's synonyms, so that people meaning one thing meet."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from kiosk.text import clean, fold

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


@lru_cache(maxsize=65536)
def term_label(value: str) -> str:
    """An item as typed, cleaned for showing (the label of its key)."""
    return clean(value, max_length=120)
