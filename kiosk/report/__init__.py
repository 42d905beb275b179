"""The network report: anonymous figures of an event (kept past a purge), the network picture
as SVG, and the PDF a funder reads.

figures (what is counted, stored and read back), layout (where the circles go), labels (where
the names go), picture (the SVG), render (the PDF). The package's ``figures`` and ``picture``
are the functions of those names; inside the package the modules are imported by full name.
"""

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
