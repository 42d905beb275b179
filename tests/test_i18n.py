"""German is the source language; every German UI text has an English translation, compiled."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "kiosk" / "translations" / "en" / "LC_MESSAGES"
METHODS = [
    ("kiosk/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("badges/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def _key(message_id: object) -> str:
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def _text(string: object) -> object:
    return tuple(string) if isinstance(string, tuple | list) else string


def _used_messages() -> dict[str, str]:
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map=METHODS, keywords=KEYWORDS
    ):
        found[_key(message)] = filename
    return found


def _catalogue() -> dict[str, object]:
    with (CATALOGUE / "messages.po").open("rb") as f:
        return {_key(m.id): _text(m.string) for m in read_po(f) if m.id}


def test_every_ui_text_has_an_english_translation() -> None:
    translations = _catalogue()
    missing = [
        f"{where}: {text}"
        for text, where in _used_messages().items()
        if not translations.get(text)
        or (isinstance(translations[text], tuple) and not all(translations[text]))
    ]
    assert not missing, "untranslated (run scripts/i18n.sh, fill en/messages.po):\n" + "\n".join(
        missing
    )


def test_compiled_catalogue_matches_the_po_file() -> None:
    with (CATALOGUE / "messages.mo").open("rb") as f:
        compiled = {_key(m.id): _text(m.string) for m in read_mo(f) if m.id}
    written = {
        k: v for k, v in _catalogue().items() if v and not (isinstance(v, tuple) and not all(v))
    }
    assert compiled == written, "messages.mo is stale: run scripts/i18n.sh"
