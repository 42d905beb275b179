"""Text rules shared by every area: folding for search and matching, lists, yes/no answers."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

_GERMAN_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_MULTI_SPLIT = re.compile(r"\s*(?:[,;\n\r]|\u2028)+\s*")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")
#: The combining marks of Latin letters (ä = a + U+0308), dropped in one go: the 10,000 rows
#: of an import fold in a third of the time (bench/import.py).
_LATIN_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Folded name parts remembered by name_key.
KEY_CACHE_SIZE = 8192
# Control characters and invisible formatting (bidi overrides, zero-width space, BOM) are dropped
# from stored text so a hostile value cannot reorder or hide what a badge or a list shows.
# Zero-width (non-)joiners stay: Arabic and Persian names need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)

# Letters that Unicode does not decompose into a base letter plus a mark.
_UNDECOMPOSED = str.maketrans(
    {"đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th"}
)

YES_WORDS = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "wahr", "ok", "✓", "✔"})


def clean(value: object, *, max_length: int = 500) -> str:
    """A stored text field: control and bidi characters removed, spaces trimmed and capped."""
    if value is None:
        return ""
    text = str(value)
    # Printable text has no control, format or odd space characters: only runs of spaces to
    # squeeze (an import cleans each of 100,000 cells; the two patterns cost a third of it).
    if not text.isprintable():
        text = _SPACES.sub(" ", _INVISIBLE.sub("", text))
    elif "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()[:max_length]


def fold(text: str) -> str:
    """Fold text so that Müller, Mueller and muller compare equal, and Straße equals Strasse."""
    text = text.casefold()
    if not text.isascii():  # most names and organisations are plain ASCII: skip all of this
        text = text.replace("ß", "ss").translate(_UNDECOMPOSED)
        text = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():  # other scripts' marks (Arabic, Devanagari): letter by letter
            text = "".join(c for c in text if not unicodedata.combining(c))
    text = _GERMAN_DIGRAPHS.sub(_first_letter, text)
    return _SPACES.sub(" ", text).strip()


def _first_letter(match: re.Match[str]) -> str:
    return match.group(1)[0]


def name_key(first_name: str, last_name: str, organisation: str, unit: str = "") -> str:
    """The key that recognises one person without an e-mail: folded name and organisation.

    ``unit`` is the part of the organisation a person belongs to (a pupil's class): two pupils
    with one name at one school are different people when their classes differ.
    """
    parts = (first_name, last_name, organisation, unit)
    return "|".join(_key_part(p) for p in (parts if unit else parts[:3]))


@functools.lru_cache(maxsize=KEY_CACHE_SIZE)
def _key_part(text: str) -> str:
    # Letters of every script count (Петренко, العلي); spaces and punctuation do not.
    # Cached: an import of thousands of rows repeats the same organisations and first names.
    return _NOT_WORD.sub("", fold(text))


def split_list(value: object) -> list[str]:
    """A multi-value cell split on comma, semicolon or newline; blanks and repeats dropped."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items: Iterable[object] = value
    else:
        items = _MULTI_SPLIT.split(str(value))
    seen: dict[str, str] = {}
    for item in items:
        text = clean(item, max_length=120)
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def is_yes(value: object) -> bool:
    """A consent answer: only an explicit yes counts (opt-in); anything else is no."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return str(value).strip().casefold() in YES_WORDS
