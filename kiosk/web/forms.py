"""The attendee form (organiser and walk-in): read from the request, its errors in words."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from kiosk import attendees

#: How a consent field's value reads: a ticked box or "ja" is yes, "nein" is no; nothing (an
#: unticked box, "nicht gefragt") leaves it as it is: nobody decides for the person.
CONSENT_VALUES = {"on": True, "yes": True, "no": False}


def consent_value(form: MultiDict[str, str], purpose: str) -> bool | None:
    """One consent as a form gives it: True, False, or None (not decided here)."""
    return CONSENT_VALUES.get(form.get(f"consent_{purpose}", ""))


def attendee_data(form: MultiDict[str, str]) -> attendees.AttendeeData:
    """An attendee form as AttendeeData (consents by ``consent_value``)."""
    return attendees.AttendeeData(
        **{f: form.get(f, "") for f in attendees.TEXT_FIELDS},
        **{f: form.get(f, "") for f in attendees.LIST_FIELDS},
        **{f"consent_{c}": consent_value(form, c) for c in attendees.CONSENTS},
    )


def field_errors(exc: attendees.AttendeeError) -> dict[str, str]:
    """The refused fields of an attendee form, each with its message in the page's language."""
    messages = {
        "name_missing": _("Bitte Vor- oder Nachnamen angeben."),
        "email_invalid": _("Diese E-Mail-Adresse sieht nicht gültig aus."),
    }
    problems = exc.problems or [(exc.field, exc.code)]
    return {field: messages.get(code, str(exc)) for field, code in problems}
