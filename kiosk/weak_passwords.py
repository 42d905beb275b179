"""Passwords a guesser tries first: common words and patterns, in German and English.

The list is short on purpose (the throttle makes long lists slow to try); it holds what people
at a venue type when asked for a password in a hurry, with the event's own words.
"""

from __future__ import annotations

import re

#: Shortest organiser password a person may choose.
MIN_LENGTH = 10
#: Fewest different characters in a chosen password ("aaaaaaaaaa" is not a password).
MIN_DISTINCT = 5

#: Words (lower case) that are weak on their own and with digits or symbols around them.
_WORDS = """
    passwort password passwd kennwort geheim geheimnis secret letmein welcome willkommen
    hallo hello halloo hallihallo servus moin tschuess admin administrator root user
    benutzer login anmelden test testtest tester demo gast guest default standard
    qwertz qwerty asdf asdfgh asdfghjk yxcvbnm zxcvbnm qwertzuiop qwertyuiop azerty
    abc abcd abcdef abcdefg abcdefgh abcdefghij iloveyou ichliebedich liebe love schatz
    schatzi hase mausi baby sonne sunshine sommer winter fruehling herbst januar februar
    maerz april mai juni juli august september oktober november dezember montag freitag
    fussball football soccer bayern dortmund schalke borussia hertha werder hamburg
    berlin muenchen koeln deutschland germany europa master dragon monkey shadow
    superman batman pokemon starwars killer hunter ninja princess prinzessin
    blume blumen katze hund pferd tiger sterne stern himmel engel teufel feuerwehr
    computer internet laptop handy windows linux apple google samsung nokia
    kiosk kioskkiosk netzwerk network netzwerktreffen brunch netzwerkbrunch messe
    ausbildung ausbildungsmesse schule schulamt jobcenter projekt veranstaltung event
    orga organisation team teamwork einlass eingang checkin tablet desk
    start startstart changeme aendern neu neues zugang access trustno1 whatever
    nichts nothing keins egal ficken fuckyou arsch
"""
COMMON_WORDS = frozenset(_WORDS.split())

_RUNS = (
    "0123456789012345678901234567890",
    "9876543210987654321098765432109",
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "qwertzuiopasdfghjklyxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
)
# Digits, symbols and spaces around a word ("Passwort123!", "!!sommer2024").
_AROUND = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def weakness(password: str) -> str | None:
    """Why a password is too weak ("too_short", "too_simple", "common"), or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    folded = password.lower().translate(_UMLAUTS)
    if len(set(folded)) < MIN_DISTINCT or any(folded in run for run in _RUNS):
        return "too_simple"
    core = _AROUND.match(folded)
    word = core.group(1) if core else folded
    # A common word, maybe repeated ("sommersommer"), with digits or symbols around it.
    if not word or word in COMMON_WORDS or _repeats_common(word):
        return "common"
    return None


def _repeats_common(word: str) -> bool:
    for size in range(1, len(word) // 2 + 1):
        if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
            return word[:size] in COMMON_WORDS or size < MIN_DISTINCT
    return False
