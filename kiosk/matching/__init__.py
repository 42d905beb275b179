"""Matchmaking: whom each attendee should meet, with reasons, balanced across the room.

Only attendees who consented to matchmaking take part, on both sides: they are suggested to
others and they get suggestions. Nobody is suggested someone from their own organisation.
How two people fit and rank is explained on ``model.Model``, how the lists are balanced on
``balance.plan``. Callers use the names below; the modules are the package's own business.
"""

from __future__ import annotations

from kiosk.matching.balance import MIN_SUGGESTIONS, Plan, bound_for, plan
from kiosk.matching.current import (
    CHEAP_BUILD_SECONDS,
    REFRESH_SECONDS,
    build_model,
    current_plan,
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
from kiosk.matching.shown import to_show, top_for_print
from kiosk.matching.suggestions import (
    DESK_SIZE,
    PLAN_SIZE,
    REASON_TEXTS,
    Reason,
    Suggestion,
    reason_text,
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
    "CHEAP_BUILD_SECONDS",
    "DESK_SIZE",
    "GOOD_MATCH_SHARE",
    "MIN_SUGGESTIONS",
    "PLAN_SIZE",
    "REASON_TEXTS",
    "REFRESH_SECONDS",
    "ROUNDS_RANGE",
    "TABLE_SAME_ORG_COST",
    "TABLE_SIZE_RANGE",
    "VERDICTS",
    "Lonely",
    "MatchingError",
    "Model",
    "Plan",
    "Profile",
    "Reason",
    "Suggestion",
    "TablePlan",
    "bound_for",
    "build_model",
    "current_plan",
    "data_version",
    "feedback_of",
    "for_attendee",
    "for_everybody",
    "format_synonyms",
    "latest_table_plan",
    "make_table_plan",
    "no_good_match",
    "overview",
    "parse_synonyms",
    "plan",
    "reason_text",
    "record_feedback",
    "seat_rounds",
    "suggestions_for",
    "synonym_keys",
    "table_plan_people",
    "term_key",
    "to_show",
    "top_for_print",
]
