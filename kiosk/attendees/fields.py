"""What an attendee is: the fields, badge codes and private secrets, what makes a person
storable, and how a stored row reads."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk import db as kdb
from kiosk.errors import KioskError
from kiosk.text import clean, fold, split_list

#: Badge code alphabet: digits and upper-case letters without Y and Z, which QWERTZ scanners swap.
CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"
#: 20 characters of a 34-letter alphabet: log2(34) * 20 = 101.7 bits, unguessable.
CODE_LENGTH = 20
#: Bytes of randomness in the private link secret (128 bits).
SECRET_BYTES = 16

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "organisation",
    "organisation_type",
    "project",
    "role",
    "attendance",
)
#: How a person takes part in a hybrid event, and the words a list or form may say it with.
ATTENDANCE_MODES = ("on-site", "online")
_ATTENDANCE_WORDS = {
    "online": "online",
    "digital": "online",
    "virtuell": "online",
    "virtual": "online",
    "remote": "online",
    "videokonferenz": "online",
    "zoom": "online",
    "on-site": "on-site",
    "onsite": "on-site",
    "vor ort": "on-site",
    "vor-ort": "on-site",
    "praesenz": "on-site",
    "prasenz": "on-site",
    "in person": "on-site",
    "in-person": "on-site",
}
LIST_FIELDS = ("interests", "offers", "seeks")
CONSENTS = ("matchmaking", "share_contact", "mail")
#: Longest text kept in one field; longer values are cut, not refused.
MAX_FIELD_LENGTH = 300

# No dot at either end of the local part, none doubled, and none of the characters that only
# appear in a pasted "Name <mail>" or a list of addresses.
_EMAIL = re.compile(
    r"^[^@\s.,;:<>()\[\]\"\\]+(?:\.[^@\s.,;:<>()\[\]\"\\]+)*"
    r"@[^@\s.,;:<>()\[\]\"\\_]+(?:\.[^@\s.,;:<>()\[\]\"\\_]+)+$"
)
_CODE_RE = re.compile(rf"(?<![0-9A-Z])[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?![0-9A-Z])")

#: Organisation types offered in forms; imported files may bring others, which are kept as given.
ORGANISATION_TYPES = (
    "Betrieb",
    "Schule",
    "Schulamt",
    "Jobcenter",
    "Agentur für Arbeit",
    "Kammer",
    "Freier Träger",
    "Jugendprojekt",
    "Kommune",
    "Hochschule",
    "Sonstige",
)


class AttendeeError(KioskError):
    """An attendee could not be found, created or changed; ``code`` says why.

    A refused form says which fields: ``problems`` holds (field, code) pairs, the first of
    them also as ``field`` and ``code``.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        field: str = "",
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.field = field
        self.problems = problems or ([(field, code)] if field else [])


@dataclass
class AttendeeData:
    """What a form, an import row or the demo says about one person."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    organisation: str = ""
    organisation_type: str = ""
    project: str = ""
    role: str = ""
    attendance: str = ""
    interests: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    seeks: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    consent_matchmaking: bool | None = None
    consent_share_contact: bool | None = None
    consent_mail: bool | None = None

    def cleaned(self) -> AttendeeData:
        """A copy with every value made safe to store: trimmed, capped, lists split."""
        values = {f: clean(getattr(self, f), max_length=MAX_FIELD_LENGTH) for f in TEXT_FIELDS}
        values["email"] = values["email"].lower()
        values["attendance"] = attendance_mode(values["attendance"])
        lists = {f: split_list(getattr(self, f)) for f in LIST_FIELDS}
        extra = {clean(k, max_length=60): clean(v) for k, v in self.extra.items() if clean(v)}
        return AttendeeData(
            **values,
            **lists,
            extra=extra,
            **{f"consent_{c}": getattr(self, f"consent_{c}") for c in CONSENTS},
        )

    def problems(self) -> list[tuple[str, str]]:
        """(field, code) pairs for what makes this person unusable or doubtful."""
        found = []
        if not (self.first_name or self.last_name):
            found.append(("first_name", "name_missing"))
        if self.email and not valid_email(self.email):
            found.append(("email", "email_invalid"))
        return found


def attendance_mode(text: str) -> str:
    """ "on-site" or "online" from what a list or form says ("vor Ort", "Präsenz", "digital"),
    else "" (as the event is)."""
    said = fold(text or "")
    exact = _ATTENDANCE_WORDS.get(said)
    if exact or not said:
        return exact or ""
    # "Online (Zoom)", "vor Ort in Kassel": the first word that says it.
    found = [(said.find(word), mode) for word, mode in _ATTENDANCE_WORDS.items() if word in said]
    return min(found)[1] if found else ""


def validate(data: AttendeeData) -> None:
    """Raise for a person kiosk cannot store: no name, or an e-mail that mail cannot reach
    (``data`` cleaned already)."""
    problems = data.problems()
    if problems:
        field, code = problems[0]
        raise AttendeeError(
            code, f"Not saved: {', '.join(c for _, c in problems)}", field, problems
        )


def valid_email(value: str) -> bool:
    """True for an address that mail can be sent to, as far as its form tells."""
    return bool(_EMAIL.match(value)) and len(value) <= MAX_FIELD_LENGTH


def new_code() -> str:
    """A fresh badge code: 20 characters from the scanner-safe alphabet, uniformly random."""
    number = secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH)
    digits = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def new_secret() -> str:
    """A fresh private-link secret, unrelated to the badge code."""
    return secrets.token_urlsafe(SECRET_BYTES)


def find_code(text: str) -> str | None:
    """The badge code inside what a desk received, or None.

    Accepts the bare code, the badge URL, and that URL as a scanner on a German QWERTZ layout
    types it (Y and Z swapped, ':' as 'Ö', '/' as '-'); case is ignored.
    """
    # The code has neither Y nor Z, so a QWERTZ swap of those cannot touch it; the separators
    # around it (':' typed as 'Ö', '/' as '-') only need to be something other than a code letter.
    matches = _CODE_RE.findall(text.strip().upper())
    return matches[-1] if matches else None


def search_key(values: dict[str, Any]) -> str:
    """The folded text name search looks in: names, organisation, e-mail."""
    parts = [values.get(f) or "" for f in ("first_name", "last_name", "organisation", "email")]
    return fold(" ".join(parts))


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """An attendee row as the rest of the app uses it: lists decoded, consents as booleans."""
    out = dict(row)
    for f in LIST_FIELDS:
        out[f] = json.loads(row.get(f) or "[]")
    out["extra"] = json.loads(row.get("extra") or "{}")
    for c in CONSENTS:
        value = row.get(f"consent_{c}")
        out[f"consent_{c}"] = None if value is None else bool(value)
    out["name"] = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    return out


def is_present(attendee: dict[str, Any]) -> bool:
    """Here now: checked in and not checked out since (templates: ``a is present``)."""
    return bool(attendee.get("checked_in_at")) and not attendee.get("checked_out_at")


def public_view(attendee: dict[str, Any]) -> dict[str, Any]:
    """What anybody who sees the badge may know: what the badge prints, nothing more."""
    keys = ("code", "first_name", "last_name", "name", "organisation", "project", "role")
    return {k: attendee.get(k, "") for k in keys}


def export_view(attendee: dict[str, Any]) -> dict[str, Any]:
    """The fields scripts and checks read (``kiosk attendees --json``)."""
    keys = (
        "code",
        *TEXT_FIELDS,
        *LIST_FIELDS,
        *(f"consent_{c}" for c in CONSENTS),
        "checked_in_at",
        "checked_in_desk",
        "status",
    )
    out = {k: attendee.get(k) for k in keys}
    for c in CONSENTS:
        out[f"consent_{c}"] = bool(attendee.get(f"consent_{c}"))
    return out


def consent_values(data: AttendeeData, how: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for c in CONSENTS:
        given = getattr(data, f"consent_{c}")
        if given is not None:
            values[f"consent_{c}"] = int(bool(given))
            values[f"consent_{c}_at"] = kdb.now()
            values[f"consent_{c}_how"] = how
    return values


def row_values(data: AttendeeData) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(data, f) for f in TEXT_FIELDS}
    for f in LIST_FIELDS:
        values[f] = json.dumps(getattr(data, f), ensure_ascii=False)
    values["extra"] = json.dumps(data.extra, ensure_ascii=False)
    values["search_key"] = search_key(values)
    return values


def asdict_data(data: AttendeeData) -> dict[str, Any]:
    """AttendeeData as a plain dict (for previews and JSON)."""
    return asdict(data)
