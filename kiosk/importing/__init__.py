"""Import of registration lists: read CSV/TSV/TXT/XLSX, map the columns, preview, and import.

Reading turns a file into a header and rows (spreadsheet row numbers: header = row 1), whatever its
encoding, delimiter or format. Mapping says which attendee field each column fills: one column per
field, from the preset of the tool that made the file (presets) or guessed from the header, and
checked against the values; the organiser can change it. Rows become attendee data with their
problems. Planning groups the rows by person and compares them with the attendees already there,
merging nobody on a shared e-mail address alone (nothing is written, which is what the preview
and ``--dry-run`` show); applying carries the plan out in one transaction.
"""

from kiosk.importing.applying import import_file, imports, logged_import, nobody_consents, run
from kiosk.importing.errors import ImportRefused
from kiosk.importing.mapping import (
    TARGETS,
    auto_mapping,
    check_mapping,
    detect_preset,
    guess_target,
    mapping_fits,
    mapping_from_pairs,
    suggest,
)
from kiosk.importing.planning import plan
from kiosk.importing.presets import PRESETS, Preset
from kiosk.importing.reading import Table, read_file
from kiosk.importing.result import (
    Action,
    ColumnInfo,
    Merge,
    Result,
    SharedAddress,
    describe_columns,
)
from kiosk.importing.rows import REGISTRATION_KEY, Entry, Problem, split_name
from kiosk.importing.uploads import (
    UPLOAD_DIR,
    Preview,
    Upload,
    choose,
    discard_upload,
    load_upload,
    parse_pairs,
    preview,
    save_mapping,
    save_upload,
)

__all__ = [
    "PRESETS",
    "REGISTRATION_KEY",
    "TARGETS",
    "UPLOAD_DIR",
    "Action",
    "ColumnInfo",
    "Entry",
    "ImportRefused",
    "Merge",
    "Preset",
    "Preview",
    "Problem",
    "Result",
    "SharedAddress",
    "Table",
    "Upload",
    "auto_mapping",
    "check_mapping",
    "choose",
    "describe_columns",
    "detect_preset",
    "discard_upload",
    "guess_target",
    "import_file",
    "imports",
    "load_upload",
    "logged_import",
    "mapping_fits",
    "mapping_from_pairs",
    "nobody_consents",
    "parse_pairs",
    "plan",
    "preview",
    "read_file",
    "run",
    "save_mapping",
    "save_upload",
    "split_name",
    "suggest",
]
