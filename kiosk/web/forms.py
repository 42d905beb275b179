"""The attendee form (organiser and walk-in): read from the request, its errors in words."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from kiosk import attendees


def attendee_data(form: MultiDict[str, str]) -> attendees.AttendeeData:
    """An attendee form as AttendeeData; unticked consent boxes mean no."""
    return attendees.AttendeeData(
        **{f: form.get(f, "") for f in attendees.TEXT_FIELDS},
        **{f: form.get(f, "") for f in attendees.LIST_FIELDS},
        consent_matchmaking=form.get("consent_matchmaking") == "on",
        consent_share_contact=form.get("consent_share_contact") == "on",
    )


def field_errors(exc: attendees.AttendeeError) -> dict[str, str]:
    """The refused fields of an attendee form, each with its message in the page's language."""
    messages = {
        "name_missing": _("Bitte Vor- oder Nachnamen angeben."),
        "email_invalid": _("Diese E-Mail-Adresse sieht nicht gültig aus."),
    }
    problems = exc.problems or [(exc.field, exc.code)]
    return {field: messages.get(code, str(exc)) for field, code in problems}
