"""The network report: anonymous figures of an event (kept past a purge), the network picture
as SVG, and the PDF a funder reads."""

from kiosk.report.figures import ReportError, compute, figures, store, stored
from kiosk.report.picture import network_svg, picture
from kiosk.report.render import html, pdf

__all__ = [
    "ReportError",
    "compute",
    "figures",
    "html",
    "network_svg",
    "pdf",
    "picture",
    "store",
    "stored",
]
