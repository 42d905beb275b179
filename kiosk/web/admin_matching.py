"""Organiser pages for matching: overview, network picture, synonyms, table plans (admin.bp)."""

from __future__ import annotations

from flask import Response, abort, flash, request
from flask_babel import gettext as _

from kiosk import events, matching, report
from kiosk.matching import rooms
from kiosk.web.blueprints import admin as bp
from kiosk.web.i18n import select_locale
from kiosk.web.pages import event_or_404, get_db, redirect_after_post, render

#: Rows of the suggestions overview shown at once (the search narrows it).
OVERVIEW_ROWS = 200
#: The strongest links the network page lists under its picture.
STRONGEST_LINKS = 30


@bp.get("/matching")
def matching_overview() -> Response:
    event = event_or_404()
    current = matching.current_plan(get_db(), event)
    query = request.args.get("q", "")
    rows, total = matching.overview(current, query, OVERVIEW_ROWS)
    return render(
        "admin/matching.html",
        "admin/_matching_rows.html",
        event=event,
        plan=current,
        rows=rows,
        total=total,
        query=query,
        lonely=matching.no_good_match(current),
        nobody=int((current.load == 0).sum()) if current.model.n else 0,
        empty=sum(1 for items in current.lists if not items),
        rule=matching.current_rule(get_db(), event),
        setting_rule=event.settings.get("matching_rule", "auto"),
        setting_address=event.settings.get("address_form", "auto"),
        inferred_address=events.inferred_address_form(get_db(), event),
        save_limit=event.settings.get("contact_save_limit"),
    )


@bp.post("/matching/settings")
def matching_settings() -> Response:
    """Who meets whom, how attendees are addressed, and how many saves an hour."""
    event = event_or_404()
    try:
        events.update_settings(
            get_db(),
            event.id,
            {
                "matching_rule": request.form.get("matching_rule", "auto"),
                "address_form": request.form.get("address_form", "auto"),
                "contact_save_limit": request.form.get("contact_save_limit", type=int) or 0,
            },
        )
    except events.EventError:
        flash(_("Bitte eine gültige Auswahl treffen (Kontakte pro Stunde: 1 bis 1000)."), "error")
    else:
        flash(_("Einstellungen gespeichert."), "ok")
    return redirect_after_post("admin.matching_overview")


@bp.get("/matching/network")
def matching_network() -> Response:
    """The network that formed, by organisation or project: the report's picture, bigger."""
    event = event_or_404()
    by = request.args.get("by", "organisation")
    db = get_db()
    found = report.figures(db, event)
    try:
        svg = report.picture(found, event, by, lang=select_locale())
    except report.ReportError:
        abort(400)
    edges = sorted(found["network"][by]["edges"], key=lambda e: (-e["contacts"], e["a"], e["b"]))
    return render(
        "admin/matching_network.html",
        event=event,
        by=by,
        picture=svg,
        nodes=len(found["network"][by]["nodes"]),
        edges=edges[:STRONGEST_LINKS],
    )


@bp.route("/matching/synonyms", methods=["GET", "POST"])
def matching_synonyms() -> Response:
    event = event_or_404()
    if request.method == "POST":
        synonyms = matching.parse_synonyms(request.form.get("synonyms", ""))
        events.update_settings(get_db(), event.id, {"synonyms": synonyms})
        flash(_("%(n)s Synonyme gespeichert.", n=len(synonyms)), "ok")
        return redirect_after_post("admin.matching_synonyms")
    text = matching.format_synonyms(event.settings.get("synonyms") or {})
    return render("admin/matching_synonyms.html", event=event, text=text)


@bp.route("/tables", methods=["GET", "POST"])
def tables() -> Response:
    event = event_or_404()
    db = get_db()
    if request.method == "POST":
        who = request.form.get("who", "")
        make = rooms.make_topic_plan if request.form.get("by_topic") else matching.make_table_plan
        try:
            make(
                db,
                event,
                request.form.get("table_size", type=int) or 0,
                request.form.get("rounds", type=int) or 0,
                who=who if who in ("all", "online") else "present",
            )
        except matching.MatchingError as exc:
            flash(_table_message(exc.code), "error")
        else:
            flash(_("Tischplan erstellt."), "ok")
        return redirect_after_post("admin.tables")
    current = matching.latest_table_plan(db, event)
    people = matching.table_plan_people(db, current) if current else {}
    return render("admin/tables.html", event=event, plan=current, people=people)


def _table_message(code: str) -> str:
    return {
        "bad_table_size": _("Bitte eine Tischgröße von 2 bis 20 wählen."),
        "bad_rounds": _("Bitte 1 bis 12 Runden wählen."),
        "too_few_people": _("Für einen Tischplan braucht es mindestens zwei Personen."),
    }.get(code, _("Der Tischplan konnte nicht erstellt werden."))


@bp.get("/tables/<int:round_no>")
def tables_round(round_no: int) -> Response:
    """One round, big, for a projector."""
    event = event_or_404()
    db = get_db()
    current = matching.latest_table_plan(db, event)
    if current is None or not 1 <= round_no <= len(current.rounds):
        abort(404)
    return render(
        "admin/tables_round.html",
        event=event,
        plan=current,
        round_no=round_no,
        people=matching.table_plan_people(db, current),
    )


@bp.get("/tables/print")
def tables_print() -> Response:
    """Every round on its own page, for printing."""
    event = event_or_404()
    db = get_db()
    current = matching.latest_table_plan(db, event)
    if current is None:
        abort(404)
    people = matching.table_plan_people(db, current)
    return render("admin/tables_print.html", event=event, plan=current, people=people)
