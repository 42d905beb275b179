"""Suggestions as people see them: whom to meet, and the reasons as data and as a sentence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Suggestions per attendee on their own page; the desk card and the printed slip show the first 3.
PLAN_SIZE = 10
#: Suggestions on the desk welcome card and on a printed slip.
DESK_SIZE = 3


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

    def reason_text(self, lang: str = "de", address: str = "Sie") -> str:
        """The reasons as full sentences, naming this person, in the viewer's language and
        address form ("du" or "Sie")."""
        return reason_text(self.reasons, lang, address, name=self.name)

    def as_dict(self, lang: str = "de", address: str = "Sie") -> dict[str, Any]:
        """The suggestion as JSON: who, score, reasons as data and as sentences."""
        return {
            "code": self.code,
            "name": self.name,
            "organisation": self.organisation,
            "project": self.project,
            "score": round(self.score, 2),
            "fit": round(self.fit, 2),
            "reasons": [r.as_dict() for r in self.reasons],
            "reason_text": self.reason_text(lang, address),
        }


#: Sentences per language and address form; ``{name}`` is the person suggested, ``{items}`` a
#: list like "A, B und C". Every suggestion has something in common, so "none" is a fallback.
REASON_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "offers_what_you_seek": "{name} bietet, was Sie suchen: {items}.",
        "seeks_what_you_offer": "{name} sucht, was Sie bieten: {items}.",
        "shared_interest": "Sie interessieren sich beide für {items}.",
        "here_now": "{name} ist gerade da.",
        "other_project": "{name} kommt aus einem anderen Projekt ({items}).",
        "same_project": "Sie sind im selben Projekt ({items}), darum steht {name} weiter unten.",
        "met_before": "Sie kennen sich schon, darum steht {name} weiter unten.",
        "and": "und",
        "someone": "Diese Person",
        "none": "Sie haben etwas gemeinsam.",
    },
    "de_du": {
        "offers_what_you_seek": "{name} bietet, was du suchst: {items}.",
        "seeks_what_you_offer": "{name} sucht, was du bietest: {items}.",
        "shared_interest": "Ihr interessiert euch beide für {items}.",
        "here_now": "{name} ist gerade da.",
        "other_project": "{name} kommt aus einem anderen Projekt ({items}).",
        "same_project": "Ihr seid im selben Projekt ({items}), darum steht {name} weiter unten.",
        "met_before": "Ihr kennt euch schon, darum steht {name} weiter unten.",
        "and": "und",
        "someone": "Diese Person",
        "none": "Ihr habt etwas gemeinsam.",
    },
    "en": {
        "offers_what_you_seek": "{name} offers what you are looking for: {items}.",
        "seeks_what_you_offer": "{name} is looking for what you offer: {items}.",
        "shared_interest": "You are both interested in {items}.",
        "here_now": "{name} is here now.",
        "other_project": "{name} is from another project ({items}).",
        "same_project": "You are in the same project ({items}), so {name} is further down.",
        "met_before": "You have met before, so {name} is further down.",
        "and": "and",
        "someone": "This person",
        "none": "You have something in common.",
    },
}
#: Items named per reason in a sentence; the data keeps them all.
ITEMS_SHOWN = 3
#: The address forms an event can use towards attendees.
ADDRESS_FORMS = ("Sie", "du")


def texts_for(lang: str = "de", address: str = "Sie") -> dict[str, str]:
    """The sentence set of a language and address form (English has one form)."""
    if lang == "de" and address == "du":
        return REASON_TEXTS["de_du"]
    return REASON_TEXTS.get(lang, REASON_TEXTS["de"])


def reason_text(
    reasons: Iterable[Reason], lang: str = "de", address: str = "Sie", *, name: str = ""
) -> str:
    """Reasons as full sentences in German (du or Sie) or English."""
    texts = texts_for(lang, address)
    who = name or texts["someone"]
    parts = []
    for reason in reasons:
        items = list(reason.items[:ITEMS_SHOWN])
        if len(items) > 1:
            joined = f"{', '.join(items[:-1])} {texts['and']} {items[-1]}"
        else:
            joined = "".join(items)
        parts.append(texts[reason.kind].format(items=joined, name=who))
    return " ".join(parts) or texts["none"]
