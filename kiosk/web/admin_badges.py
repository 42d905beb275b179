"""Organiser pages for badges (routes on the admin blueprint): layout and live preview, batch
printing with progress, single reprints, printers and calibration, logo, band colours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from kiosk import attendees, badges
from kiosk.web.blueprints import admin as bp
from kiosk.web.pages import (
    event_or_404,
    get_db,
    is_htmx,
    pdf_response,
    public_url,
    redirect_after_post,
    render,
    single_badge,
)

#: Badges the live preview shows.
PREVIEW_COUNT = 4
#: Rows the single-badge search shows at most.
ROWS_LIMIT = 50


def _message(exc: badges.BadgeError) -> str:
    messages = {
        "unknown_layout": _("Dieses Layout gibt es nicht."),
        "bad_printer": _("Das ist kein gültiger Druckername (Buchstaben, Ziffern, - _ . @)."),
        "bad_offset": _("Verschiebungen bitte zwischen −10 und +10 mm."),
        "bad_colour": _("Farben bitte im Format #rrggbb."),
        "bad_logo": _("Das Logo muss ein Bild sein (PNG, JPEG, GIF oder WebP)."),
        "nothing_to_print": _("Es gibt nichts zu drucken."),
        "not_single": _(
            "Für einzelne Namensschilder bitte ein Etikett des Etikettendruckers oder eine "
            "Namensschild-Karte (A6) wählen, keinen Bogen."
        ),
        "no_printer": _("Für einzelne Namensschilder ist kein Drucker eingestellt."),
        "print_failed": _("Drucken fehlgeschlagen: %(reason)s", reason=str(exc)),
    }
    return messages.get(exc.code, str(exc))


def _preview_context(layout_name: str | None) -> dict[str, Any]:
    db = get_db()
    event = event_or_404()
    try:
        layout = badges.get_layout(layout_name or badges.print_settings(db).layout)
    except badges.BadgeError:
        abort(404)
    logo = badges.logo_path(db, event)
    sheet = badges.make_sheet(event, layout, logo=logo, logo_url=url_for("admin.badge_logo"))
    people = badges.sample_attendees(db, event, PREVIEW_COUNT)
    colours = badges.type_colours(event)
    fields = [badges.badge_fields(p, sheet.design, public_url(), colours) for p in people]
    return {"layout": layout, "preview": badges.preview_html(sheet, fields)}


def _page_context() -> dict[str, Any]:
    db = get_db()
    event = event_or_404()
    job = badges.get_job(request.args.get("job", ""))
    return {
        "event": event,
        "counts": badges.counts(db, event),
        "batches": badges.pdf_batches(db, event),
        "settings": badges.print_settings(db),
        "layouts": list(badges.layouts().values()),
        "single_layouts": badges.single_layouts(),
        "job": job if job and job.event_id == event.id else None,
        "has_logo": badges.logo_path(db, event) is not None,
        "colours": badges.colour_rows(db, event),
        "printers": badges.available_printers(),
        "rows": _rows(""),
        "query": "",
        **_preview_context(request.args.get("layout")),
    }


def _rows(query: str) -> list[dict[str, Any]]:
    return attendees.list_for_event(get_db(), event_or_404().id, query=query)[:ROWS_LIMIT]


@bp.get("/badges")
def badges_page() -> Response:
    return render("admin/badges.html", **_page_context())


@bp.get("/badges/preview")
def badge_preview() -> Response:
    return render("admin/_badge_preview.html", **_preview_context(request.args.get("layout")))


@bp.get("/badges/preview.pdf")
def badge_preview_pdf() -> Response:
    """The first sheet as the printer gets it; nothing is recorded as printed."""
    db = get_db()
    event = event_or_404()
    layout = request.args.get("layout") or badges.print_settings(db).layout
    try:
        layout_obj = badges.get_layout(layout)
        people = badges.sample_attendees(db, event, layout_obj.per_page)
        pdf = badges.render_pdf(
            event, people, layout_obj, public_url=public_url(), logo=badges.logo_path(db, event)
        )
    except badges.BadgeError:
        abort(404)
    return pdf_response(pdf, f"preview-{layout_obj.name}.pdf")


def _page_or_fragment(fragment: str, **context: Any) -> Response:
    """The fragment alone for htmx; the whole page (with the fragment's values) otherwise."""
    full = {} if is_htmx() else _page_context()
    return render("admin/badges.html", fragment, **{**full, **context})


@bp.get("/badges/people")
def badge_people() -> Response:
    query = request.args.get("q", "")
    settings = badges.print_settings(get_db())
    return _page_or_fragment(
        "admin/_badge_rows.html", rows=_rows(query), query=query, settings=settings
    )


@bp.post("/badges/settings")
def badge_settings() -> Response:
    form = request.form
    try:
        badges.save_print_settings(
            get_db(),
            layout=form.get("layout"),
            single_layout=form.get("single_layout", ""),
            printer=form.get("printer", ""),
            single_printer=form.get("single_printer", ""),
        )
    except badges.BadgeError as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Einstellungen für Namensschilder gespeichert."), "ok")
    return redirect_after_post("admin.badges_page")


@bp.post("/badges/batch")
def badge_batch() -> Response:
    event = event_or_404()
    try:
        job = badges.start_batch(
            current_app.config["DATABASE"],
            event,
            public_url=public_url(),
            only_new=request.form.get("which", "new") != "all",
            skip=request.form.get("skip", 0, type=int) or 0,
        )
    except badges.BadgeError as exc:
        flash(_message(exc), "error")
        return redirect_after_post("admin.badges_page", _anchor="batch")
    return redirect_after_post("admin.badges_page", job=job.id, _anchor="batch")


def _job_or_404(job_id: str) -> badges.BatchJob:
    job = badges.get_job(job_id)
    if job is None or job.event_id != event_or_404().id:
        abort(404)
    return job


@bp.get("/badges/jobs/<job_id>")
def badge_job(job_id: str) -> Response:
    return _page_or_fragment("admin/_badge_job.html", job=_job_or_404(job_id))


@bp.get("/badges/jobs/<job_id>.pdf")
def badge_job_pdf(job_id: str) -> Response:
    job = _job_or_404(job_id)
    if not job.path or not Path(job.path).is_file():
        abort(404)
    return pdf_response(Path(job.path).read_bytes(), Path(job.path).name)


@bp.post("/badges/<int:attendee_id>.pdf")
def badge_pdf(attendee_id: int) -> Response:
    """One attendee's badge (a reprint) as a PDF; noted as "PDF erstellt", not as printed."""
    return single_badge(attendee_id, how="organiser", note_pdf=True)


@bp.post("/badges/<int:attendee_id>/printed")
def badge_printed(attendee_id: int) -> Response:
    """The organiser printed this badge from its PDF: it counts as printed."""
    try:
        badges.confirm_printed(get_db(), event_or_404(), attendee_id)
    except badges.BadgeError:
        abort(404)
    flash(_("Als gedruckt vermerkt."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="single")


@bp.post("/badges/batches/<batch>/printed")
def badge_batch_printed(batch: str) -> Response:
    """The organiser printed a batch's PDF: its badges count as printed."""
    try:
        count = badges.confirm_batch_printed(get_db(), event_or_404(), batch)
    except badges.BadgeError:
        abort(404)
    if count:
        flash(
            ngettext(
                "%(num)d Namensschild als gedruckt vermerkt.",
                "%(num)d Namensschilder als gedruckt vermerkt.",
                count,
            ),
            "ok",
        )
    else:
        flash(_("Dieser Stapel war schon als gedruckt vermerkt."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="batch")


@bp.post("/badges/<int:attendee_id>/print")
def badge_print(attendee_id: int) -> Response:
    """Send one badge to the configured printer for single badges."""
    db = get_db()
    event = event_or_404()
    # The page offers the button only with a printer; on a stale page the service refuses.
    printer = badges.print_settings(db).desk_printer
    try:
        badges.single_badge_pdf(
            db, event, attendee_id, public_url=public_url(), how=f"lp:{printer}", printer=printer
        )
    except badges.BadgeError as exc:
        if exc.code == "not_found":
            abort(404)
        flash(_message(exc), "error")
    else:
        flash(_("Namensschild an %(printer)s gesendet.", printer=printer), "ok")
    return redirect_after_post("admin.badges_page", _anchor="single")


@bp.post("/badges/calibration")
def badge_calibration() -> Response:
    try:
        x = float(request.form.get("x", "0").replace(",", ".") or 0)
        y = float(request.form.get("y", "0").replace(",", ".") or 0)
        badges.save_calibration(get_db(), request.form.get("printer", ""), x, y)
    except ValueError:
        flash(_("Bitte Zahlen in Millimetern eingeben, z. B. 1,5 oder -2."), "error")
    except badges.BadgeError as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Kalibrierung gespeichert."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="calibration")


@bp.get("/badges/test.pdf")
def badge_test_pdf() -> Response:
    """A sheet with every position outlined, shifted by the printer's calibration."""
    db = get_db()
    event = event_or_404()
    try:
        pdf = badges.test_sheet_pdf(
            db,
            event,
            public_url=public_url(),
            layout=request.args.get("layout") or None,
            printer=request.args.get("printer", ""),
        )
    except badges.BadgeError:
        abort(404)
    return pdf_response(pdf, "badge-test-sheet.pdf")


@bp.post("/badges/logo")
def badge_logo_upload() -> Response:
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        flash(_("Bitte eine Bilddatei auswählen."), "error")
        return redirect_after_post("admin.badges_page", _anchor="logo")
    try:
        badges.save_logo(get_db(), event_or_404(), upload.read())
    except badges.BadgeError as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Logo gespeichert."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="logo")


@bp.post("/badges/logo/delete")
def badge_logo_delete() -> Response:
    badges.remove_logo(get_db(), event_or_404())
    flash(_("Logo entfernt."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="logo")


@bp.get("/badges/logo.png")
def badge_logo() -> Response:
    path = badges.logo_path(get_db(), event_or_404())
    if path is None:
        abort(404)
    return current_app.response_class(path.read_bytes(), mimetype="image/png")


@bp.post("/badges/colours")
def badge_colours() -> Response:
    event = event_or_404()
    pairs = zip(request.form.getlist("type"), request.form.getlist("colour"), strict=False)
    try:
        badges.update_type_colours(get_db(), event, dict(pairs))
    except badges.BadgeError as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Farben gespeichert."), "ok")
    return redirect_after_post("admin.badges_page", _anchor="colours")
