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
