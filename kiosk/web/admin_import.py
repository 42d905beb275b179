"""Organiser pages for import: upload, preview with column mapping and row problems, confirm."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from kiosk import events, importing
from kiosk.web.blueprints import admin as bp
from kiosk.web.pages import current_event, get_db, is_htmx, redirect_after_post, render

#: Row problems the preview lists at most (the counts above it are always complete).
MAX_PROBLEMS_SHOWN = 300
#: People the preview shows as a sample of what will be imported.
SAMPLE_SIZE = 12
ACCEPTED = ".csv,.tsv,.txt,.xlsx"


def target_labels() -> dict[str, str]:
    """What each column target is called in the mapping select."""
    return {
        "first_name": _("Vorname"),
        "middle_name": _("Weiterer Vorname"),
        "last_name": _("Nachname"),
        "name": _("Name (Vor- und Nachname)"),
        "email": _("E-Mail"),
        "phone": _("Telefon"),
        "organisation": _("Organisation"),
        "organisation_type": _("Art der Organisation"),
        "project": _("Projekt"),
        "role": _("Funktion"),
        "attendance": _("Teilnahme (vor Ort / online)"),
        "interests": _("Interessen"),
        "offers": _("Bietet"),
        "seeks": _("Sucht"),
        "consent_matchmaking": _("Einwilligung: Vernetzung (Vorschläge)"),
        "consent_share_contact": _("Einwilligung: Kontaktdaten weitergeben"),
        "consent_mail": _("Einwilligung: Mails von kiosk"),
        "registration_id": _("Anmeldenummer"),
        "status": _("Status (storniert?)"),
        "cancelled": _("Storniert ja/nein"),
        "extra": _("als Zusatzangabe behalten"),
        "ignore": _("nicht importieren"),
    }


def refusal_text(code: str, row: int | None = None, **params: Any) -> str:
    """Why a file cannot be imported, in the organiser's language."""
    texts = {
        "empty_file": _("Die Datei ist leer."),
        "xls_old": _(
            "Das ist eine alte Excel-Datei (.xls). Bitte in Excel als .xlsx oder CSV speichern."
        ),
        "xlsx_encrypted": _(
            "Die Arbeitsmappe ist mit einem Kennwort geschützt. Bitte ohne Kennwort speichern."
        ),
        "not_xlsx": _(
            "Die Datei heißt .xlsx, ist aber keine Excel-Arbeitsmappe (sie enthält Text, "
            "vermutlich CSV). Bitte in .csv umbenennen oder in Excel als .xlsx speichern."
        ),
        "zip_named_text": _(
            "Die Datei heißt .csv/.txt, ist aber eine Arbeitsmappe oder ein ZIP-Archiv. "
            "Bitte als .xlsx oder CSV speichern."
        ),
        "unsupported_format": _(
            "Dieses Dateiformat kann nicht importiert werden. Bitte als .xlsx oder CSV speichern."
        ),
        "bad_encoding": _(
            "Die Zeichenkodierung der Datei ist beschädigt. Bitte als UTF-8 speichern."
        ),
        "not_text": _("Das ist keine Text- oder Excel-Datei (sie enthält Binärdaten)."),
        "mixed_encoding": _(
            "Zeile %(utf8_row)s und Zeile %(row)s sind verschieden kodiert (UTF-8 und "
            "Windows-1252 gemischt). Bitte die ganze Datei einmal als UTF-8 speichern.",
            row=row,
            utf8_row=params.get("utf8_row", "?"),
        ),
        "unbalanced_quotes": _(
            'Zeile %(row)s: Ein Anführungszeichen (") wird nicht geschlossen, daher lassen sich '
            "die folgenden Zeilen nicht trennen. Bitte die Zeile korrigieren.",
            row=row,
        ),
        "field_too_long": _(
            "Zeile %(row)s: Eine Zelle ist viel zu lang (ein nicht geschlossenes "
            "Anführungszeichen?).",
            row=row,
        ),
        "too_many_rows": _(
            "Die Datei hat mehr als %(limit)s Zeilen.", limit=params.get("limit", "")
        ),
        "too_many_columns": _(
            "Die Datei hat mehr als %(limit)s Spalten.", limit=params.get("limit", "")
        ),
        "xlsx_broken": _(
            "Die Excel-Datei ist beschädigt oder unvollständig (beim Kopieren abgeschnitten?). "
            "Bitte in Excel öffnen, neu speichern und erneut hochladen."
        ),
        "xlsx_too_big": _(
            "Die Excel-Datei ist zu groß, um sie zu lesen (viel mehr Zeilen, Spalten oder Text "
            "als eine Teilnehmendenliste). Bitte nur die Liste speichern oder als CSV "
            "exportieren."
        ),
        "bad_mapping": _("Die Spaltenzuordnung passt nicht zu dieser Datei."),
        "duplicate_target": _(
            "Mehrere Spalten sind „%(field)s“ zugeordnet (%(columns)s). Bitte nur eine davon "
            "wählen.",
            field=target_labels().get(params.get("target", ""), params.get("target", "")),
            columns=", ".join(f"„{c}“" for c in params.get("columns", [])),
        ),
        "no_name_column": _(
            "Keine Spalte enthält Namen. Bitte unten einer Spalte „Vorname“, „Nachname“ oder "
            "„Name“ zuordnen."
        ),
        "no_names": _(
            "Keine Zeile enthält einen Namen. Sind die Namensspalten richtig zugeordnet?"
        ),
        "no_rows": _("Die Datei hat eine Kopfzeile, aber keine Zeilen mit Personen."),
        "write_failed": _("Nichts wurde importiert: Die Datenbank hat eine Änderung abgelehnt."),
        "disk_full": _(
            "Nichts wurde importiert: Der Speicher dieses Laptops ist voll. Bitte Platz "
            "schaffen und erneut importieren (alles bisher Gespeicherte ist noch da)."
        ),
        "upload_gone": _("Diese hochgeladene Datei ist nicht mehr da. Bitte erneut hochladen."),
    }
    return texts.get(code, _("Die Datei kann nicht importiert werden."))


def problem_text(problem: dict[str, Any]) -> str:
    """One row problem as a sentence (without the row number, which the table shows)."""
    code, params = problem["code"], problem.get("params") or {}
    field = target_labels().get(problem.get("field", ""), problem.get("field", ""))
    texts = {
        "name_missing": _("Kein Name – Zeile übersprungen."),
        "email_invalid": _("E-Mail-Adresse ungültig – ohne E-Mail importiert."),
        "cancelled": _("Anmeldung storniert – nicht importiert."),
        "marked_cancelled": _("War angemeldet – jetzt als storniert markiert."),
        "duplicate_row": _(
            "Dieselbe Person wie in Zeile %(row)s (%(evidence)s) – zusammengeführt.",
            row=params.get("same_as", "?"),
            evidence=evidence_labels().get(params.get("by", ""), ""),
        ),
        "kept_apart": _(
            "Getrennt von Zeile %(row)s gelassen, wie gewählt.", row=params.get("same_as", "?")
        ),
        "shared_email": _(
            "Gleiche E-Mail-Adresse wie Zeile %(row)s, aber ein anderer Name – als eigene "
            "Person importiert.",
            row=params.get("same_as", "?"),
        )
        if "same_as" in params
        else _(
            "Gleiche E-Mail-Adresse wie eine bereits angemeldete Person mit anderem Namen – als "
            "eigene Person importiert."
        ),
        "value_truncated": _(
            "%(field)s hat %(length)s Zeichen – auf %(limit)s gekürzt.",
            field=field,
            length=params.get("length", "?"),
            limit=params.get("limit", "?"),
        ),
        "invisible_removed": _(
            "Steuer- oder Richtungszeichen aus %(field)s entfernt.", field=field
        ),
        "extra_cells": _("Mehr Zellen als Spalten – die überzähligen wurden weggelassen."),
        "consent_unclear": _(
            "Einwilligung nicht eindeutig „ja“ – als nein gewertet (%(field)s).", field=field
        ),
    }
    text = texts.get(code, code)
    if problem.get("value") and code in ("email_invalid", "consent_unclear"):
        text += f" ({problem['value']})"
    return text


def evidence_labels() -> dict[str, str]:
    """Why two rows were taken for one person."""
    return {
        "registration": _("gleiche Anmeldenummer"),
        "email": _("gleiche E-Mail-Adresse und gleicher Name"),
        "name": _("gleicher Name und gleiche Organisation"),
    }


def misfit_labels() -> dict[str, str]:
    """Why a column's values do not fit the field its header suggests."""
    return {
        "yes_no": _("die Werte sind Ja/Nein-Antworten"),
        "numbers": _("die Werte sind Zahlen"),
        "not_email": _("die Werte sind keine E-Mail-Adressen"),
        "email": _("die Werte sind E-Mail-Adressen"),
        "not_phone": _("die Werte sind keine Telefonnummern"),
    }


def column_note(column: importing.ColumnInfo) -> str:
    """Why a column does not fill the field its header suggests ('' when it does)."""
    field = target_labels().get(column.candidate, column.candidate)
    if column.misfit:
        return _(
            "nicht als „%(field)s“ übernommen: %(why)s",
            field=field,
            why=misfit_labels().get(column.misfit, column.misfit),
        )
    if column.preferred and column.target != column.candidate:
        note = _(
            "auch als „%(field)s“ möglich; gewählt ist „%(column)s“",
            field=field,
            column=column.preferred,
        )
        if column.secondary:
            note += " " + _("(diese Spalte gehört zur Bestellung, nicht zur Person)")
        return note
    return ""


def action_labels() -> dict[str, str]:
    return {
        "create": _("neu"),
        "update": _("wird aktualisiert"),
        "unchanged": _("unverändert"),
        "cancel": _("wird storniert"),
    }


def _event_or_warning() -> events.Event | None:
    event = current_event()
    if event is None:
        flash(_("Bitte zuerst eine Veranstaltung anlegen."), "warn")
    return event


def _data_dir() -> str:
    return current_app.config["DATA_DIR"]


def _upload_page(error: str = "", status: int = 200) -> Response:
    event = current_event()
    recent = importing.imports(get_db(), event.id)[:5] if event else []
    response = render(
        "admin/import.html", event=event, error=error, recent=recent, accepted=ACCEPTED
    )
    response.status_code = status
    return response


@bp.get("/import")
def import_start() -> Response:
    if _event_or_warning() is None:
        return redirect(url_for("admin.index"))
    return _upload_page()


@bp.post("/import")
def import_upload() -> Response:
    if _event_or_warning() is None:
        return redirect_after_post("admin.index")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(_("Bitte eine Datei auswählen."), 422)
    try:
        token = importing.save_upload(_data_dir(), upload.filename, upload.read())
    except importing.ImportRefused as exc:
        return _upload_page(refusal_text(exc.code, exc.row, **exc.params), 422)
    return redirect_after_post("admin.import_preview", token=token)


def _preview(token: str) -> dict[str, Any]:
    """Everything the preview shows: the file, the mapping, and the dry run (or its refusal)."""
    event = current_event()
    shown = importing.preview(get_db(), event, importing.load_upload(_data_dir(), token))
    result, refused = shown.result, shown.refused
    problems = [p.as_dict() for p in result.problems] if result else []
    return {
        "event": event,
        "token": token,
        "table": shown.table,
        "tool": shown.suggestion.tool,
        "columns": shown.columns(),
        "column_note": column_note,
        "evidence_labels": evidence_labels(),
        "result": result,
        "counts": result.counts if result else None,
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "problems_total": len(problems),
        "sample": _sample(result.actions) if result else [],
        "error": refusal_text(refused.code, refused.row, **refused.params) if refused else "",
        "labels": target_labels(),
        "field_labels": {**target_labels(), "extra": _("Zusatzangaben"), "status": _("Status")},
        "action_labels": action_labels(),
        "problem_text": problem_text,
    }


def _sample(actions: list[importing.Action]) -> list[importing.Action]:
    """A few people to show: changes first (what the organiser should check), then new ones."""
    order = {"update": 0, "cancel": 0, "create": 1, "unchanged": 2}
    return sorted(actions, key=lambda a: (order[a.kind], a.entry.row))[:SAMPLE_SIZE]


def _gone(exc: importing.ImportRefused) -> Response:
    flash(refusal_text(exc.code, exc.row, **exc.params), "error")
    return redirect(url_for("admin.import_start"), code=303)


@bp.get("/import/<token>")
def import_preview(token: str) -> Response:
    if _event_or_warning() is None:
        return redirect(url_for("admin.index"))
    try:
        context = _preview(token)
    except importing.ImportRefused as exc:
        return _gone(exc)
    return render("admin/import_preview.html", "admin/_import_preview.html", **context)


def _post_choices(token: str) -> None:
    """The mapping selects and the merges kept apart of the preview form, saved with the
    upload."""
    mapping = [v for _, v in sorted(_mapping_fields(), key=lambda kv: kv[0])]
    apart = importing.parse_pairs(request.form.getlist("apart"))
    importing.choose(_data_dir(), token, mapping, apart)


def _mapping_fields() -> list[tuple[int, str]]:
    fields = []
    for key, value in request.form.items():
        if key.startswith("col-") and key[4:].isdigit():
            fields.append((int(key[4:]), value))
    return fields


@bp.post("/import/<token>/mapping")
def import_mapping(token: str) -> Response:
    if _event_or_warning() is None:
        return redirect_after_post("admin.index")
    try:
        _post_choices(token)
        context = _preview(token)
    except importing.ImportRefused as exc:
        return _gone(exc)
    if is_htmx():
        return render("admin/import_preview.html", "admin/_import_preview.html", **context)
    return redirect_after_post("admin.import_preview", token=token)


@bp.post("/import/<token>/confirm")
def import_confirm(token: str) -> Response:
    event = _event_or_warning()
    if event is None:
        return redirect_after_post("admin.index")
    try:
        if _mapping_fields():
            _post_choices(token)
        upload = importing.load_upload(_data_dir(), token)
        result = importing.run(get_db(), event, upload.table, upload.mapping, apart=upload.apart)
    except importing.ImportRefused as exc:
        flash(refusal_text(exc.code, exc.row, **exc.params), "error")
        if exc.code == "upload_gone":
            return redirect_after_post("admin.import_start")
        return redirect_after_post("admin.import_preview", token=token)
    importing.discard_upload(_data_dir(), token)
    c = result.counts
    flash(
        ngettext("%(num)d Person neu angelegt", "%(num)d Personen neu angelegt", c["created"])
        + ", "
        + _("%(n)d aktualisiert.", n=c["updated"]),
        "ok",
    )
    return redirect_after_post("admin.import_done", log_id=result.log_id)


@bp.post("/import/<token>/cancel")
def import_cancel(token: str) -> Response:
    importing.discard_upload(_data_dir(), token)
    return redirect_after_post("admin.import_start")


@bp.get("/import/done/<int:log_id>")
def import_done(log_id: int) -> Response:
    event = _event_or_warning()
    if event is None:
        return redirect(url_for("admin.index"))
    done = importing.logged_import(get_db(), event.id, log_id)
    if done is None:
        return redirect(url_for("admin.import_start"))
    return render(
        "admin/import_result.html",
        event=event,
        done=done,
        problems=done.get("problems", [])[:MAX_PROBLEMS_SHOWN],
        problem_text=problem_text,
        no_consent=importing.nobody_consents(get_db(), event),
    )
