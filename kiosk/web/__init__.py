"""The web layer: thin views over the services, in blueprints with a gate each.

The shared parts are modules of their own: ``pages`` (database, current event, page or
fragment, answers), ``roles`` (who this browser is, the gates), ``lookups`` (the attendee a
URL names), ``forms``, ``i18n``, ``security`` and ``blueprints``. Views import those, never
each other.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask

from kiosk import attendees, privacy, retention
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
        admin_links,
        admin_mail,
        admin_matching,
        admin_privacy,
        admin_rooms,
        auth,
        badges,
        desk,
        desk_offline,
        desk_swap,
        me,
        me_online,
        suggestions,
    )
    from kiosk.web.blueprints import ALL
    from kiosk.web.i18n import init_i18n, local_day, local_stamp, select_locale
    from kiosk.web.lookups import init_lookups
    from kiosk.web.pages import TemplateMacros, current_event, get_db, is_htmx, release_db
    from kiosk.web.roles import ORGANISER, end_stale_session, role
    from kiosk.web.security import init_security

    init_i18n(app)
    init_security(app)
    init_lookups(app)
    app.before_request(end_stale_session)
    app.teardown_appcontext(release_db)
    for blueprint in ALL:
        app.register_blueprint(blueprint)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(sqlite3.OperationalError, _storage_error)

    app.jinja_env.tests["present"] = attendees.is_present
    app.jinja_env.globals["ui"] = TemplateMacros(app.jinja_env)
    # Timestamps are stored in UTC; pages show this laptop's clock, dates as the language
    # writes them (12.03.2027, 09:41 in German).
    app.add_template_filter(local_stamp, "local_time")
    app.add_template_filter(lambda stamp: kdb.local_time(stamp, "%H:%M"), "clock")
    app.add_template_filter(local_day, "day")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        organiser = role() == ORGANISER
        event = current_event() if organiser else None
        return {
            # Every organiser page warns while the privacy notice cannot name the controller.
            "privacy_unfinished": event
            if event and not is_htmx() and privacy.controller_missing(event)
            else None,
            "role": role(),
            "lang": select_locale(),
            "current_event": event,
            # Every organiser page says when an event's data is due for deletion (a whole
            # page: htmx fragments, such as the desk's scans, have no banner).
            "retention_due": retention.expired(get_db()) if organiser and not is_htmx() else [],
        }


def _storage_error(error: sqlite3.OperationalError) -> tuple[str, int]:
    """A full disk is said as such (nothing of this request was saved, all before it was);
    any other database failure is the usual error page."""
    from flask import render_template
    from flask_babel import gettext as _

    if not kdb.disk_full(error):
        logging.getLogger("kiosk.web").exception("database error")
        return render_template("error.html", code=500, error=None), 500
    logging.getLogger("kiosk.web").error("the disk is full: a write was refused")
    message = _(
        "Der Speicher dieses Laptops ist voll: Das wurde nicht gespeichert, alles davor ist "
        "sicher. Bitte Platz schaffen (Dateien löschen oder verschieben) und erneut versuchen."
    )
    return render_template("error.html", code=507, error=message), 507


def _error_page(error: Any) -> tuple[str, int]:
    from flask import render_template

    code = getattr(error, "code", 500) or 500
    return render_template("error.html", code=code, error=error), code
