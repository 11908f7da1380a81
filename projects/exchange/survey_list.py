"""A residents' survey's list of households, as the office brings it: pasted, one
identifier a line, or an uploaded .csv, .xlsx or .ods with one identifier a row in
the first column. Either way the identifiers come back in their order; whether the
list is acceptable (empty, repeats, too long) is `Survey.import_households`'s rule."""

from projects.exchange.spreadsheets import Budget, cell_text, read_sheets
from projects.models.surveys import MAX_HOUSEHOLDS

# A list of the most households a survey takes, each a long address in UTF-8 (some 60
# bytes), stays under this; a bigger file is not a list of households.
MAX_BYTES = 16 * 1024 * 1024
# A first row that only names the column is a header, not a household.
HEADERS = {"门牌", "门牌号", "地址", "住址", "编号", "户号", "住户", "标识", "门牌或编号"}


def budget():
    """What reading one list may cost: a row per household, a few columns beside the
    first (an address list often has them)."""
    return Budget(
        max_rows=MAX_HOUSEHOLDS,
        max_cells=(MAX_HOUSEHOLDS + 1) * 5,
        max_unpacked=4 * MAX_BYTES,
        max_shared_strings=2 * MAX_BYTES,
        max_chars=2 * MAX_BYTES,
    )


def from_text(text):
    """The identifiers of a pasted list, one a line."""
    return without_header(text.splitlines())


def from_upload(upload):
    """The identifiers in the first column of an upload's first sheet that has any,
    row by row; ValidationError in Chinese for a file that is not a readable table."""
    sheets = read_sheets(upload, MAX_BYTES, budget())
    rows = next((rows for rows in sheets.values() if rows), [])
    return without_header([cell_text(row[0]) if row else "" for row in rows])


def without_header(lines):
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].strip() in HEADERS:
        return lines[first + 1 :]
    return lines
