"""The pages' language: German first, English when chosen; translations looked up once per
language (what that buys at the desk: see kiosk.web.security)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, session
from flask_babel import Babel, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from kiosk import documents

LANGUAGES = ("de", "en")

babel = Babel()


def select_locale() -> str:
    """German first; English when chosen (and remembered in the session)."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "de"


def translations() -> Any:
    """The request's translations, looked up once: templates ask for dozens of texts each.

    Kept per language for the app's lifetime: Flask-Babel would parse the locale again on
    every request, a tenth of a millisecond on each scan.
    """
    found = g.get("translations")
    if found is None:
        loaded = current_app.extensions.setdefault("kiosk_translations", {})
        lang = select_locale()
        found = loaded.get(lang)
        if found is None:
            found = loaded[lang] = get_translations()
        g.translations = found
    return found


@pass_context
def _template_gettext(context: Any, text: str, **variables: Any) -> str:
    """``_()`` in templates, as Jinja's new-style gettext does it, in one call instead of three.

    The desk's result card asks for a dozen texts on every scan.
    """
    translated = translations().ugettext(text)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    if not variables and "%" not in translated:
        return translated  # nothing to put in (a literal "%" is written "%%" and needs it)
    return translated % variables


def init_i18n(app: Flask) -> None:
    """Flask-Babel for the views, the same catalogue for ``_()`` in templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: translations().ugettext(text),
        lambda one, many, n: translations().ungettext(one, many, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = _template_gettext


def local_stamp(stamp: str | None) -> str:
    """A stored UTC timestamp in this laptop's time, as the page's language writes it
    (German: 12.03.2027, 09:41)."""
    return documents.format_time(stamp or "", select_locale())


def local_day(value: str | None) -> str:
    """An ISO date (an event's day) as the page's language writes it (German: 12.03.2027);
    anything else unchanged."""
    try:
        return documents.format_date(value or "", select_locale())
    except ValueError:
        return value or ""
