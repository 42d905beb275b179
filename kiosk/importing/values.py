"""Cell values: what counts as empty, no or cancelled, and whether a column's values fit a field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from kiosk.text import fold, is_yes

# fmt: off
#: Status values that mean a registration was withdrawn (compared folded): pretix, Eventbrite
#: ("Not Attending", "Refunded/Canceled"), Indico ("Withdrawn", "Rejected") and German lists.
CANCELLED_WORDS = frozenset({
    "cancelled", "canceled", "storniert", "storno", "abgesagt", "abgemeldet", "annulliert",
    "zuruckgezogen", "refunded", "erstattet", "expired", "abgelaufen", "void", "not attending",
    "refunded/canceled", "deleted", "withdrawn", "rejected", "abgelehnt",
})
#: Consent answers that are a clear no; anything else that is not a yes is reported as unclear.
NO_WORDS = frozenset({"nein", "n", "no", "0", "false", "falsch", "-", "keine", "none", "nicht"})
#: Cells that only say "nothing here" (survey tools write "anonymous" for a missing e-mail).
EMPTY_WORDS = frozenset({
    "-", "--", "---", "–", "—", "n/a", "k.a.", "k. a.", "anonymous", "anonym", "none", "null",
    "(leer)", "(empty)", "(keine angabe)", "keine angabe",
})
# fmt: on
MAX_PLACEHOLDER = max(len(w) for w in EMPTY_WORDS)

#: How many filled cells of a column are looked at to judge whether it fits a field.
FIT_SAMPLE = 200
#: Fields whose values are names or short texts: not numbers, yes/no answers or addresses.
TEXT_TARGETS = frozenset(
    {
        "first_name",
        "middle_name",
        "last_name",
        "name",
        "organisation",
        "organisation_type",
        "project",
        "role",
    }
)
LIST_TARGETS = frozenset({"interests", "offers", "seeks"})
_NUMBER = re.compile(r"[\d\s.,:/+#-]+")
_PHONE_DIGITS = re.compile(r"\d")
#: A phone number has at least this many digits.
MIN_PHONE_DIGITS = 5


def is_empty(value: str) -> bool:
    """A cell with nothing in it, or only a placeholder for nothing."""
    # Placeholders are short: a long value (most names and addresses) is no placeholder.
    return not value or (len(value) <= MAX_PLACEHOLDER and value.casefold() in EMPTY_WORDS)


def is_yes_or_no(value: str) -> bool:
    return is_yes(value) or value.strip().casefold() in NO_WORDS


def is_cancelled(value: str) -> bool:
    """A registration status that means the registration was withdrawn."""
    return fold(value) in CANCELLED_WORDS


def sample(rows: Iterable[tuple[int, list[str]]], index: int) -> list[str]:
    """Up to FIT_SAMPLE filled cells of one column."""
    found = []
    for _, cells in rows:
        value = cells[index].strip() if index < len(cells) else ""
        if not is_empty(value):
            found.append(value)
            if len(found) >= FIT_SAMPLE:
                break
    return found


def misfit(target: str, values: list[str], *, options: bool = False) -> str:
    """Why a column's values do not fit ``target`` ("" when they do, or when it is empty).

    ``options`` says the column is one answer of a multiple-choice question (its header names
    the answer, its cells say yes or no), which is how list fields come as checkboxes.
    """
    if not values:
        return ""

    def most(test: Callable[[str], object]) -> bool:
        """More than half of the values pass ``test`` (which looks for what does not fit)."""
        return sum(1 for v in values if test(v)) * 2 > len(values)

    if target == "email":
        if most(is_yes_or_no):
            return "yes_no"
        if most(lambda v: "@" not in v):
            return "not_email"
    elif target == "phone":
        if most(lambda v: "@" in v):
            return "email"
        if most(is_yes_or_no):
            return "yes_no"
        if most(lambda v: len(_PHONE_DIGITS.findall(v)) < MIN_PHONE_DIGITS):
            return "not_phone"
    elif target in TEXT_TARGETS:
        if most(_NUMBER.fullmatch):
            return "numbers"
        if most(is_yes_or_no):
            return "yes_no"
        if most(lambda v: "@" in v and " " not in v.strip()):
            return "email"
    elif target in LIST_TARGETS:
        if most(_NUMBER.fullmatch) and not most(is_yes_or_no):
            return "numbers"
        if not options and most(is_yes_or_no):
            return "yes_no"
    return ""
