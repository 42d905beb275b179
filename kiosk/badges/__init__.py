"""Badges: layouts as data, text that fits, QR codes, PDF rendering, the print log, printing.

One module per concern; this package's namespace is the public API callers use
(``from kiosk import badges``; ``badges.batch_pdf(...)``).
"""

from kiosk.badges.colours import (
    DEFAULT_TYPE_COLOURS,
    FALLBACK_COLOURS,
    INK,
    NO_TYPE_COLOUR,
    WHITE,
    colour_for,
    colour_rows,
    organisation_types,
    text_colour_on,
    type_colours,
    update_type_colours,
    valid_colour,
)
from kiosk.badges.cups import available_printers, print_pdf, valid_printer_name
from kiosk.badges.design import QR_MIN_MM, Design, Rect, design_for
from kiosk.badges.errors import BadgeError
from kiosk.badges.fields import Logo, Sheet, badge_fields, badge_url, make_sheet, qr_text
from kiosk.badges.fitting import MAX_TAGS, Box, Fitted, Tags, fit_tags, fit_text
from kiosk.badges.jobs import BatchJob, get_job, start_batch
from kiosk.badges.logo import logo_path, output_dir, remove_logo, save_logo
from kiosk.badges.paper import (
    DEFAULT_LAYOUT,
    DEFAULT_SINGLE_LAYOUT,
    Layout,
    get_layout,
    layouts,
    single_layouts,
)
from kiosk.badges.printlog import (
    confirm_batch_printed,
    confirm_printed,
    counts,
    for_batch,
    pdf_batches,
    print_log,
    record_pdfs,
    record_prints,
)
from kiosk.badges.printouts import batch_pdf, sample_attendees, single_badge_pdf, test_sheet_pdf
from kiosk.badges.rendering import Progress, badge_css, preview_html, render_html, render_pdf
from kiosk.badges.settings import (
    MAX_OFFSET_MM,
    PrintSettings,
    print_settings,
    save_calibration,
    save_print_settings,
)
from kiosk.pdf import LocalFetcher, html_to_pdf

__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_SINGLE_LAYOUT",
    "DEFAULT_TYPE_COLOURS",
    "FALLBACK_COLOURS",
    "INK",
    "MAX_OFFSET_MM",
    "MAX_TAGS",
    "NO_TYPE_COLOUR",
    "QR_MIN_MM",
    "WHITE",
    "BadgeError",
    "BatchJob",
    "Box",
    "Design",
    "Fitted",
    "Layout",
    "LocalFetcher",
    "Logo",
    "PrintSettings",
    "Progress",
    "Rect",
    "Sheet",
    "Tags",
    "available_printers",
    "badge_css",
    "badge_fields",
    "badge_url",
    "batch_pdf",
    "colour_for",
    "colour_rows",
    "confirm_batch_printed",
    "confirm_printed",
    "counts",
    "design_for",
    "fit_tags",
    "fit_text",
    "for_batch",
    "get_job",
    "get_layout",
    "html_to_pdf",
    "layouts",
    "logo_path",
    "make_sheet",
    "organisation_types",
    "output_dir",
    "pdf_batches",
    "preview_html",
    "print_log",
    "print_pdf",
    "print_settings",
    "qr_text",
    "record_pdfs",
    "record_prints",
    "remove_logo",
    "render_html",
    "render_pdf",
    "sample_attendees",
    "save_calibration",
    "save_logo",
    "save_print_settings",
    "single_badge_pdf",
    "single_layouts",
    "start_batch",
    "test_sheet_pdf",
    "text_colour_on",
    "type_colours",
    "update_type_colours",
    "valid_colour",
    "valid_printer_name",
]
