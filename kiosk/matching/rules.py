"""Who meets whom at an event: everyone with everyone (a network meeting), or by role (a fair:
visitors with exhibitors, so that pupils are not suggested to pupils for a shared hobby).

A person's side comes from the import's role column ("Aussteller", "Besucher") and, where that
names a function instead ("Ausbildungsleitung"), from the organisation type ("Betrieb",
"Schule"). People whose side is unknown meet everybody under either rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.matching.profiles import Profile
from kiosk.matching.terms import term_key

#: The rules an organiser can choose; "auto" follows ``infer_rule``.
RULES = ("auto", "all", "roles")
#: A fair stays a fair when a few visitors type something into "offers" (at most this share).
VISITORS_OFFERING_TOLERATED = 0.05
#: No side known: meets everybody.
NO_SIDE = 0
EXHIBITOR = 1
VISITOR = 2

_EXHIBITOR_WORDS = (
    "Aussteller",
    "Ausstellerin",
    "Exhibitor",
    "Betrieb",
    "Unternehmen",
    "Firma",
    "Company",
    "Arbeitgeber",
    "Employer",
    "Ausbildungsbetrieb",
    "Sponsor",
)
_VISITOR_WORDS = (
    "Besucher",
    "Besucherin",
    "Visitor",
    "Schüler",
    "Schülerin",
    "Pupil",
    "Student",
    "Studentin",
    "Schule",
    "School",
    "Bewerber",
    "Bewerberin",
    "Applicant",
    "Jugendliche",
)
_SIDES = {term_key(w): EXHIBITOR for w in _EXHIBITOR_WORDS} | {
    term_key(w): VISITOR for w in _VISITOR_WORDS
}


def side_of(profile: Profile) -> int:
    """EXHIBITOR, VISITOR or NO_SIDE, from the role, else the organisation type."""
    for value in (profile.role, profile.organisation_type):
        side = _SIDES.get(term_key(value or ""), NO_SIDE)
        if side != NO_SIDE:
            return side
    return NO_SIDE


@dataclass(frozen=True)
class RuleChoice:
    """The rule in force, whether the organiser chose it, and what it was inferred from."""

    rule: str  # "all" or "roles"
    chosen: bool
    inferred: str
    exhibitors: int
    visitors: int
    visitors_offering: int
    exhibitors_offering: int


def infer_rule(profiles: Sequence[Profile]) -> RuleChoice:
    """By role when it looks like a fair: both sides are there, more visitors than exhibitors,
    and (almost) only exhibitors offer something; else everyone with everyone (a network
    meeting, where the organisation types name companies and schools alike)."""
    sides = [side_of(p) for p in profiles]
    exhibitors = sum(1 for s in sides if s == EXHIBITOR)
    visitors = sum(1 for s in sides if s == VISITOR)
    offering = [s for s, p in zip(sides, profiles, strict=True) if p.offers]
    ex_offer = sum(1 for s in offering if s == EXHIBITOR)
    vis_offer = sum(1 for s in offering if s == VISITOR)
    fair = (
        exhibitors
        and visitors > exhibitors
        and ex_offer
        and vis_offer <= VISITORS_OFFERING_TOLERATED * visitors
    )
    rule = "roles" if fair else "all"
    return RuleChoice(rule, False, rule, exhibitors, visitors, vis_offer, ex_offer)


def choose_rule(profiles: Sequence[Profile], setting: str) -> RuleChoice:
    """The organiser's setting ("all", "roles"), or the inferred rule for "auto"."""
    inferred = infer_rule(profiles)
    if setting in ("all", "roles"):
        return RuleChoice(
            setting,
            True,
            inferred.inferred,
            inferred.exhibitors,
            inferred.visitors,
            inferred.visitors_offering,
            inferred.exhibitors_offering,
        )
    return inferred
