"""The web layer: thin views over the services, in blueprints with a gate each.

The shared parts are modules of their own: ``pages`` (database, current event, page or
fragment, answers), ``roles`` (who this browser is, the gates), ``lookups`` (the attendee a
URL names), ``forms``, ``i18n``, ``security`` and ``blueprints``. Views import those, never
each other.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from kiosk import attendees, documents, retention
from kiosk import db as kdb


def init_web(app: Flask) -> None:
    """Register everything the web layer needs on ``app``."""
    # The view modules add their routes to the blueprints when imported.
    from kiosk.web import (  # noqa: F401
        admin,
        admin_after,
        admin_badges,
        admin_desks,
        admin_import,
        admin_mail,
        admin_matching,
        admin_privacy,
        admin_rooms,
        auth,
        badges,
        desk,
        desk_swap,
        me,
        me_online,
        suggestions,
    )
    from kiosk.web.blueprints import ALL
    from kiosk.web.i18n import init_i18n, select_locale
    from kiosk.web.lookups import init_lookups
    from kiosk.web.pages import TemplateMacros, current_event, get_db, is_htmx, release_db
    from kiosk.web.roles import ORGANISER, role
    from kiosk.web.security import init_security

    init_i18n(app)
    init_security(app)
    init_lookups(app)
    app.teardown_appcontext(release_db)
    for blueprint in ALL:
        app.register_blueprint(blueprint)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)

    app.jinja_env.tests["present"] = attendees.is_present
    app.jinja_env.globals["ui"] = TemplateMacros(app.jinja_env)
    # Timestamps are stored in UTC; pages show this laptop's clock.
    app.add_template_filter(kdb.local_time, "local_time")
    app.add_template_filter(lambda stamp: kdb.local_time(stamp, "%H:%M"), "clock")
    # An event's date as people read it in the page's language (01.12.2026).
    app.add_template_filter(lambda day: documents.format_date(day, select_locale()), "day")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        organiser = role() == ORGANISER
        return {
            "role": role(),
            "lang": select_locale(),
            "current_event": current_event() if organiser else None,
            # Every organiser page says when an event's data is due for deletion (a whole
            # page: htmx fragments, such as the desk's scans, have no banner).
            "retention_due": retention.expired(get_db()) if organiser and not is_htmx() else [],
        }


def _error_page(error: Any) -> tuple[str, int]:
    from flask import render_template

    code = getattr(error, "code", 500) or 500
    return render_template("error.html", code=code, error=error), code
