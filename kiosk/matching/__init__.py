"""Matchmaking: whom each attendee should meet, with reasons, balanced across the room.

Only attendees who consented to matchmaking take part, on both sides: they are suggested to
others and they get suggestions. A suggestion needs something in common; nobody is suggested
someone from their own organisation, and at a fair (the rule "roles") visitors meet exhibitors.
How two people fit and rank is explained on ``model.Model``, who meets whom in ``rules``, how
the lists are balanced in ``balance``, and how good a plan is measured in ``quality``.
Callers use the names below; the modules are the package's own business.
"""

from __future__ import annotations

from kiosk.matching.balance import MIN_SUGGESTIONS, Plan, bound_for, plan
from kiosk.matching.current import (
    CHEAP_BUILD_SECONDS,
    REFRESH_SECONDS,
    build_model,
    current_plan,
    current_rule,
    data_version,
    for_attendee,
    for_everybody,
    suggestions_for,
)
from kiosk.matching.errors import MatchingError
from kiosk.matching.feedback import VERDICTS, feedback_of, record_feedback
from kiosk.matching.model import Model
from kiosk.matching.organiser import GOOD_MATCH_SHARE, Lonely, no_good_match, overview
from kiosk.matching.profiles import Profile
from kiosk.matching.quality import Quality, measure
from kiosk.matching.rules import RULES, RuleChoice, choose_rule, infer_rule, side_of
from kiosk.matching.shown import to_show, top_for_print
from kiosk.matching.suggestions import (
    ADDRESS_FORMS,
    DESK_SIZE,
    PLAN_SIZE,
    REASON_TEXTS,
    Reason,
    Suggestion,
    reason_text,
    texts_for,
)
from kiosk.matching.tables import (
    ROUNDS_RANGE,
    TABLE_SAME_ORG_COST,
    TABLE_SIZE_RANGE,
    TablePlan,
    latest_table_plan,
    make_table_plan,
    seat_rounds,
    table_plan_people,
)
from kiosk.matching.terms import format_synonyms, parse_synonyms, synonym_keys, term_key

__all__ = [
    "ADDRESS_FORMS",
    "CHEAP_BUILD_SECONDS",
    "DESK_SIZE",
    "GOOD_MATCH_SHARE",
    "MIN_SUGGESTIONS",
    "PLAN_SIZE",
    "REASON_TEXTS",
    "REFRESH_SECONDS",
    "ROUNDS_RANGE",
    "RULES",
    "TABLE_SAME_ORG_COST",
    "TABLE_SIZE_RANGE",
    "VERDICTS",
    "Lonely",
    "MatchingError",
    "Model",
    "Plan",
    "Profile",
    "Quality",
    "Reason",
    "RuleChoice",
    "Suggestion",
    "TablePlan",
    "bound_for",
    "build_model",
    "choose_rule",
    "current_plan",
    "current_rule",
    "data_version",
    "feedback_of",
    "for_attendee",
    "for_everybody",
    "format_synonyms",
    "infer_rule",
    "latest_table_plan",
    "make_table_plan",
    "measure",
    "no_good_match",
    "overview",
    "parse_synonyms",
    "plan",
    "reason_text",
    "record_feedback",
    "seat_rounds",
    "side_of",
    "suggestions_for",
    "synonym_keys",
    "table_plan_people",
    "term_key",
    "texts_for",
    "to_show",
    "top_for_print",
]
