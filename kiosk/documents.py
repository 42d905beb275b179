"""Documents made without a request (contact summaries, the attendance list, mails): Jinja
templates from templates/, in German or English, with the same catalogue as the pages."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import jinja2
from babel.support import NullTranslations, Translations

from kiosk import resource_dir

LANGUAGES = ("de", "en")
#: How a date and a time read in each language.
DATE_FORMATS = {"de": "%d.%m.%Y", "en": "%d %b %Y"}
TIME_FORMATS = {"de": "%d.%m.%Y, %H:%M", "en": "%d %b %Y, %H:%M"}


@functools.lru_cache(maxsize=len(LANGUAGES))
def _translations(lang: str) -> NullTranslations:
    if lang == "de":
        return NullTranslations()  # German is the source language
    return Translations.load(str(resource_dir("translations")), [lang])


@functools.lru_cache(maxsize=len(LANGUAGES))
def environment(lang: str) -> jinja2.Environment:
    """A Jinja environment over templates/ whose ``_()`` speaks ``lang``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.filters["day"] = lambda value: format_date(value, lang)
    env.filters["moment"] = lambda value: format_time(value, lang)
    return env


def render(template: str, lang: str = "de", **context: Any) -> str:
    """Render a document template in ``lang`` (German when the language is unknown)."""
    return environment(lang if lang in LANGUAGES else "de").get_template(template).render(context)


def format_date(value: str, lang: str = "de") -> str:
    """An ISO date (2027-03-12) as people read it: 12.03.2027."""
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime(DATE_FORMATS.get(lang, DATE_FORMATS["de"]))


def format_time(value: str, lang: str = "de") -> str:
    """A stored UTC timestamp in this laptop's local time: 12.03.2027, 09:41."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value).astimezone()
    return moment.strftime(TIME_FORMATS.get(lang, TIME_FORMATS["de"]))
