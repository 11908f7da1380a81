"""Reading and writing the spreadsheets officials and the public use (.xlsx, .ods, .csv).

Writing: every text cell is written as text. A note such as "=HYPERLINK(...)" or
"+86 138…" must never run as a formula in the reader's Excel (formula injection), so
XLSX cells are typed as strings and CSV cells that start with = + - @ (or a tab or
carriage return) get a leading apostrophe, as OWASP recommends.

Reading: .xlsx through openpyxl; .ods (LibreOffice's own format) by a streaming read
of its content.xml; .csv as UTF-8 (with or without BOM) or, failing that, GBK/GB18030,
which is what Excel on a Chinese Windows saves. Every reader counts what it reads
against one Budget.
"""

import csv
import difflib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook, load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only mode uses
from openpyxl.worksheet.cell_range import CellRange

from projects.rules.formatting import percent_value

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    value = str(value) if isinstance(value, Promise) else value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


# Number formats, so that a figure reads as one and sums in Excel, WPS and LibreOffice.
WHOLE, FRACTION, DAY = "#,##0", "#,##0.0#", "yyyy-mm-dd"


def xlsx_bytes(sheets, formats=None):
    """sheets: [(title, headers, rows)] → the bytes of an .xlsx workbook. Numbers stay
    numbers and dates dates, each with its format; None is an empty cell. `formats`
    ({header: number format}): the format of a column's cells, empty ones too (a
    template's date column shows what is typed there as a date)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([cell_value(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(cell.value, bool):
                    continue
                elif isinstance(cell.value, int):
                    cell.number_format = WHOLE
                elif isinstance(cell.value, float):
                    cell.number_format = WHOLE if cell.value.is_integer() else FRACTION
                elif isinstance(cell.value, date):
                    cell.number_format = DAY
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 2)
            if header in (formats or {}):
                for row in range(2, len(rows) + 2):
                    sheet.cell(row, index).number_format = formats[header]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def plain_number(value):
    """A figure for spreadsheets: 9100 rather than 9100.0, 12.5 as it is."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def rounded_percent(value):
    """A percent as a number for spreadsheets, rounded as `formatting.percent` shows it."""
    if value is None:
        return None
    return plain_number(percent_value(value))


def cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a translated label
        return str(value)
    return value


def xlsx_response(filename, sheets, fallback=None):
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(filename, fallback)
    return response


class _Line:
    """A file-like object whose write returns what it was given: csv.writer's lines."""

    def write(self, value):
        return value


# Every CSV we serve: UTF-8 with a BOM (Excel then reads the Chinese as written), CRLF
# line ends (RFC 4180), and no text cell that Excel, WPS or LibreOffice would run.
CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "lineTerminator": "\r\n"}
CSV_ENCODING = "utf-8-sig"  # as a data package's descriptor names UTF-8 with a BOM


def csv_lines(headers, rows, texts=None):
    """The lines of a CSV file, the BOM first: `headers`, then each row of `rows`, its
    text cells made safe (`csv_safe`). `texts`: the indexes of the columns that hold
    text; None, every cell given as a str. A number written as text in a number column
    (-1.5) stays a number."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff"
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow(
            [
                csv_safe(value) if texts is None or index in texts else csv_plain(value)
                for index, value in enumerate(row)
            ]
        )


def csv_plain(value):
    return "" if value is None else value


def csv_response(filename, headers, rows, fallback=None, texts=None, streaming=False):
    """A CSV download of `rows`; `streaming`: written as the rows come, for a download
    of every row of a table that grows (memory stays flat, the first bytes leave at
    once), never kept by the page cache."""
    lines = csv_lines(headers, ([cell_value(v) for v in row] for row in rows), texts)
    kind = StreamingHttpResponse if streaming else HttpResponse
    response = kind(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(filename, fallback)
    return response


def attachment(filename, fallback=None):
    """The Chinese name for browsers that read filename*, and an ASCII `fallback` that
    says what the file is for those that do not (not the Chinese with its letters
    dropped: "-2021.xlsx")."""
    ascii_name = fallback or filename.encode("ascii", "ignore").decode() or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# Reading


@dataclass
class Budget:
    """What reading one uploaded table may cost, whatever the file claims about itself:
    rows and cells read, the text they hold, the bytes an .xlsx or .ods unpacks to, its
    shared-string table. Every reader counts against it and stops with a Chinese
    message the moment it is spent; `rows`, `cells`, `chars` and `unpacked` say
    afterwards how much was read."""

    max_rows: int  # data rows; the header is one more
    max_cells: int  # cells in all, header included
    max_unpacked: int = 16 * 1024 * 1024  # an .xlsx's parts together, as they unpack
    max_shared_strings: int = 4 * 1024 * 1024  # of those, the shared-string table
    max_cell_chars: int = 2000  # one cell's text (a note of 2,000 characters is long)
    max_chars: int = 4 * 1024 * 1024  # all cells' text, each repeat counted
    rows: int = 0
    cells: int = 0
    chars: int = 0
    unpacked: int = 0

    @classmethod
    def for_imports(cls):
        rows = settings.IMPORT_MAX_ROWS
        return cls(max_rows=rows, max_cells=(rows + 1) * IMPORT_MAX_COLUMNS)

    def row(self):
        self.rows += 1
        if self.rows > self.max_rows + 1:
            raise ValidationError(
                f"文件超过 {self.max_rows} 行数据，请分成每份不超过 {self.max_rows} 行分批导入。"
            )

    def cell(self, count=1):
        # Counted to one past the budget at most: a repeat may claim billions.
        self.cells = min(self.cells + count, self.max_cells + 1)
        if self.cells > self.max_cells:
            raise ValidationError(
                f"文件中的单元格过多（超过 {self.max_cells} 个）。请删除表格下方多余的行"
                "（如整列填充到底）和右侧多余的列，只保留要导入的数据后再导入。"
            )

    def text(self, value, row, repeats=1):
        """A cell's value read in `row` (and the `repeats` rows that repeat it)."""
        if not isinstance(value, str):
            return value
        if len(value) > self.max_cell_chars:
            raise self.long_cell(row)
        self.chars = min(self.chars + len(value) * repeats, self.max_chars + 1)
        if self.chars > self.max_chars:
            raise ValidationError("文件中的文字过多，请只保留要导入的数据后再导入。")
        return value

    def long_cell(self, row):
        return ValidationError(
            f"第 {row} 行有单元格超过 {self.max_cell_chars} 字，请精简后再导入。"
        )


class SheetRow(list):
    """A row's cells, with its `number` as the office suite shows it (blank rows and
    a title above the header count, as they do there)."""

    def __init__(self, cells, number):
        super().__init__(cells)
        self.number = number


# Columns an import table may use: the template has 17.
IMPORT_MAX_COLUMNS = 40


# How far down a sheet its header may be: a title row or two above it is common.
HEADER_SEARCH_ROWS = 10
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)


def read_table(upload, max_bytes, budget=None, header=(), known=()):
    """An uploaded .xlsx or .csv as (headers, rows); rows are SheetRows of cell values.

    Each header is read as the `known` column it is a variant of (`column_name`). The
    header row is the first within the top rows that holds every name in `header`, or
    else the one that holds most of them (title rows above it are skipped); in a
    workbook, the data sheet is the one visible
    sheet that has such a row, wherever it is among the sheets (hidden sheets are not
    read: an official hides last month's). Reads within `budget`
    (Budget.for_imports() unless given). Raises ValidationError in Chinese for anything
    that is not a readable table, or costs more than that.
    """
    known = {*header, *known}
    tables = {
        name: table_of(rows, header, known)
        for name, rows in read_sheets(upload, max_bytes, budget).items()
    }
    tables = {name: table for name, table in tables.items() if table is not None}
    if not tables:
        raise ValidationError("文件中没有数据。")
    found = [name for name, table in tables.items() if header and set(header) <= set(table[0])]
    if len(found) > 1:
        raise ValidationError(
            f"有 {len(found)} 张工作表都有表头（{'、'.join(found)}），无法确定导入哪一张。"
            "请把要导入的行放在同一张表中，其余的删除或隐藏后再上传。"
        )
    return tables[found[0]] if found else next(iter(tables.values()))


def read_sheets(upload, max_bytes, budget=None):
    """{sheet name: rows} of an upload's visible sheets (a .csv is one sheet named ""),
    read within `budget` (Budget.for_imports() unless given); ValidationError in
    Chinese for anything that is not a readable table."""
    budget = budget or Budget.for_imports()
    if upload.size > max_bytes:
        raise ValidationError(f"文件过大，导入文件不能超过 {max_bytes // 1024 // 1024} MB。")
    data = upload.read()
    if data.startswith(OLD_EXCEL):
        raise ValidationError(
            "这是旧版 Excel（.xls）或 WPS 表格（.et）文件。请在 Excel 或 WPS 中打开，"
            "选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，再上传新保存的文件。"
        )
    if data.startswith(b"PK\x03\x04"):
        sheets = _read_workbook(data, budget)
    elif b"\x00" in data[:4096]:
        raise ValidationError("无法识别的文件：请上传 .xlsx、.ods 或 .csv 文件。")
    elif data.lstrip().startswith(b"<?xml"):
        raise ValidationError(
            "这是 XML 格式的表格（如 .fods）。请在办公软件中打开，另存为 .ods 或 .xlsx 后再上传。"
        )
    else:
        sheets = {"": _read_csv(data, budget)}
    return sheets


def table_of(rows, header, known):
    """(headers, data rows) of one sheet's rows, or None for an empty sheet."""
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        return None
    top = [[column_name(h, known) for h in row] for row in rows[:HEADER_SEARCH_ROWS]]
    found = [len(set(header) & set(row)) for row in top]
    at = found.index(max(found))  # the first with all, or with most
    return top[at], rows[at + 1 :]


# How a header may be written and still be read as its column: full- or half-width,
# spaces anywhere, a note in brackets after the name (单位同上, 户), and 截止 for 截至
# (截止日期 is what most government forms print).
HEADER_NOTE = re.compile(r"\([^()]*\)$")
HEADER_SPELLINGS = {"截止": "截至"}


def column_name(text, known):
    """The `known` column a header cell names, or the cell's text as written."""
    text = "" if text is None else str(text).strip()
    if text in known:
        return text
    plain = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    plain = HEADER_NOTE.sub("", plain)
    for written, meant in HEADER_SPELLINGS.items():
        plain = plain.replace(written, meant)
    return plain if plain in known else text


def nearest_header(name, headers):
    """How the header nearest to the column `name` differs from it, in words ("“截止
    日其”：“其”应为“期”"), or None when no header is near."""
    scored = [(difflib.SequenceMatcher(None, name, h).ratio(), h) for h in headers if h]
    score, header = max(scored, default=(0, ""))
    if score < 0.5:
        return None
    differences = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, name, header).get_opcodes():
        wrong, right = header[b1:b2], name[a1:a2]
        if tag == "replace":
            differences.append(f"“{wrong}”应为“{right}”")
        elif tag == "delete":
            differences.append(f"缺少“{right}”")
        elif tag == "insert":
            differences.append(f"多了“{wrong}”")
    return f"“{header}”：{'，'.join(differences)}"


def _read_workbook(data, budget):
    """{name: rows} of every visible sheet of an .xlsx or .ods (a 说明 sheet may come
    first), all within one budget."""
    unreadable = ValidationError(
        "无法读取该文件，请确认是 .xlsx 或 .ods 格式且未损坏（可在办公软件中打开后另存一次）。"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive, budget)
            if _is_ods(archive):
                with archive.open("content.xml") as content:
                    return _read_ods(content, budget)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return {
                sheet.title: list(_sheet_rows(sheet, budget))
                for sheet in workbook.worksheets
                if sheet.sheet_state == "visible"
            }
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception:  # the readers raise many kinds for a damaged or forged file
        raise unreadable from None


def _is_ods(archive):
    names = archive.namelist()
    if "mimetype" in names:
        return archive.read("mimetype").strip() == ODS_TYPE.encode()
    return "content.xml" in names and "xl/workbook.xml" not in names


def _check_parts(archive, budget):
    """What the parts of an .xlsx or .ods unpack to, from its directory, before any is
    read. A part that claims less than it holds is cut there by zipfile, and fails to
    parse."""
    for part in archive.infolist():
        budget.unpacked += part.file_size
        shared = part.filename.lower().endswith("sharedstrings.xml")
        if (shared and part.file_size > budget.max_shared_strings) or (
            budget.unpacked > budget.max_unpacked
        ):
            raise ValidationError(
                "该文件解压后内容过多（可能含大量隐藏内容），请另存为新文件、"
                "只保留模板中的数据后再导入。"
            )


class Percent(Decimal):
    """A number from a cell formatted as a percent: 0.55 that the cell shows as 55%.
    Read as the text the cell shows (`cell_text`), so an import takes it as 55% typed."""


# A date before this in a cell is a small number shown as a date (6.30 typed into a
# date cell is 1900-01-06): read back as the number typed.
FIRST_REAL_DAY = datetime(1900, 3, 1)
ODS_EPOCH = datetime(1899, 12, 30)


def _percent_styles(workbook):
    """The ids of a workbook's cell styles whose number format shows a percent."""
    found = set()
    for index, style in enumerate(workbook._cell_styles):
        number = style.numFmtId
        if number < BUILTIN_FORMATS_MAX_SIZE:
            code = BUILTIN_FORMATS.get(number, "")
        else:
            code = workbook._number_formats[number - BUILTIN_FORMATS_MAX_SIZE]
        if "%" in re.sub(r'"[^"]*"|\\.', "", code):  # not a quoted or escaped %
            found.add(index)
    return found


class _CountingParser(WorkSheetParser):
    """openpyxl's own sheet parser (what its read-only mode uses), counting each cell
    against the budget as it is read. Rows come as the file has them: no padding to the
    dimension the sheet declares, nor blank rows for the gaps between rows."""

    def __init__(self, src, shared_strings, budget, **options):
        super().__init__(src, shared_strings, **options)
        self.budget = budget

    def parse_cell(self, element):
        self.budget.cell()
        return super().parse_cell(element)


def _sheet_rows(sheet, budget):
    """The sheet's rows, merged cells read as their value in every cell they cover (a
    截至日期 merged down a column is the date of each row)."""
    workbook = sheet.parent
    with sheet._get_source() as source:  # the sheet's XML, as openpyxl reads it
        parser = _CountingParser(
            source,
            sheet._shared_strings,
            budget,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        rows, percents = {}, _percent_styles(workbook)
        for index, cells in parser.parse():
            budget.row()
            row = [None] * min(max((c["column"] for c in cells), default=0), IMPORT_MAX_COLUMNS)
            for cell in cells:
                if cell["column"] > IMPORT_MAX_COLUMNS:  # beyond: not a column we read
                    continue
                value = cell["value"]
                if isinstance(value, datetime) and value < FIRST_REAL_DAY:
                    value = round(to_excel(value, workbook.epoch), 6)
                elif cell["style_id"] in percents and isinstance(value, int | float):
                    value = Percent(repr(value))
                row[cell["column"] - 1] = budget.text(_plain(value), index)
            rows[index] = SheetRow(row, index)
    merged = parser.merged_cells.mergeCell if parser.merged_cells else []
    for area in merged:  # known once the whole sheet is read: they follow its data
        _fill(rows, CellRange(area.ref))
    return list(rows.values())


def _fill(rows, area):
    """Copy a merged area's value into the rows read under it (only those: an area can
    claim the whole sheet, and no row is made for it)."""
    top = rows.get(area.min_row)
    last = min(area.max_col, IMPORT_MAX_COLUMNS)
    if top is None or area.min_col > last or len(top) < area.min_col:
        return
    value = top[area.min_col - 1]
    for index in [i for i in rows if area.min_row <= i <= area.max_row]:
        row = rows[index]
        row.extend([None] * (last - len(row)))
        for column in range(area.min_col, last + 1):
            row[column - 1] = value


def _plain(cell):
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


# OpenDocument's namespaces, as ElementTree spells its tags.
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
ODS_CELLS = (f"{TABLE}table-cell", f"{TABLE}covered-table-cell")


def _read_ods(content, budget):
    """{name: rows} of every visible sheet of an .ods's content.xml, read as a stream.
    A cell or row can claim to repeat a million times (LibreOffice writes the empty rest
    of a sheet so): empty ones cost nothing, and each repeat of a cell with a value
    counts against the budget before any is made. Merged areas are read as their value
    in every row they cover. Hidden sheets are read, and left out. No DTD or entity is
    accepted (defusedxml)."""
    sheets, hidden, rows, merged, number = {}, set(), {}, [], 0
    for event, element in iterparse(content, events=("start", "end"), forbid_dtd=True):
        if event == "end" and element.tag == f"{STYLE}style":  # the styles come first
            shown = element.find(f"{STYLE}table-properties")
            if shown is not None and shown.get(f"{TABLE}display") == "false":
                hidden.add(element.get(f"{STYLE}name"))
        elif element.tag == f"{TABLE}table":
            if event == "start":
                rows, merged, number = {}, [], 0
            else:
                for area in merged:
                    _fill(rows, area)
                if element.get(f"{TABLE}style-name") not in hidden:
                    sheets[element.get(f"{TABLE}name", "")] = list(rows.values())
                element.clear()
        elif event == "end" and element.tag == f"{TABLE}table-row":
            repeats = _repeats(element, "number-rows-repeated")
            cells, column = [], 0
            for cell in (c for c in element if c.tag in ODS_CELLS):
                width = _repeats(cell, "number-columns-repeated")
                value = _ods_value(cell, budget, number + 1)
                if value not in (None, ""):
                    budget.cell(width * repeats)
                    budget.text(value, number + 1, width * repeats)
                    end = min(column + width, IMPORT_MAX_COLUMNS)  # beyond: not read
                    cells.extend([None] * (end - len(cells)))
                    cells[column:end] = [value] * (end - column)
                down = _repeats(cell, "number-rows-spanned")
                across = _repeats(cell, "number-columns-spanned")
                if (down, across) != (1, 1):
                    merged.append(
                        CellRange(
                            min_col=column + 1, min_row=number + 1,
                            max_col=column + across, max_row=number + down,
                        )
                    )  # fmt: skip
                column += width
            for _ in range(repeats if cells else 0):
                budget.row()
                number += 1
                rows[number] = SheetRow(cells, number)
            number += 0 if cells else repeats
            element.clear()
    return sheets


def _repeats(element, name):
    return max(1, int(element.get(f"{TABLE}{name}", 1)))


def _ods_value(cell, budget, row):
    """A cell's value as openpyxl gives one from .xlsx: a number, a date, True/False, or
    its text (what the cell shows, never its formula)."""
    kind = cell.get(f"{OFFICE}value-type")
    if kind == "percentage":
        return Percent(cell.get(f"{OFFICE}value"))
    if kind in ("float", "currency"):
        return _plain(float(cell.get(f"{OFFICE}value")))
    if kind == "date":
        day = datetime.fromisoformat(cell.get(f"{OFFICE}date-value"))
        if day < FIRST_REAL_DAY:
            return _plain(round((day - ODS_EPOCH) / timedelta(days=1), 6))
        return day.date()
    if kind == "boolean":
        return cell.get(f"{OFFICE}boolean-value") == "true"
    parts = _OdsText(budget, row)
    for paragraph in (p for p in cell if p.tag == f"{TEXT}p"):
        if parts:
            parts.add("\n")
        parts.paragraph(paragraph)
    return "".join(parts) or None


class _OdsText(list):
    """A cell's text as it is put together, refused the moment it grows past a cell's
    budget (one text:s element may stand for a thousand spaces)."""

    def __init__(self, budget, row):
        super().__init__()
        self.budget, self.row, self.length = budget, row, 0
        self.limit = budget.max_cell_chars

    def add(self, text):
        self.length += len(text)
        if self.length > self.limit:
            raise self.budget.long_cell(self.row)
        self.append(text)

    def paragraph(self, element):
        """Runs of spaces (text:s), tabs and line breaks as written; comments left out."""
        self.add(element.text or "")
        for child in element:
            if child.tag == f"{TEXT}s":
                self.add(" " * min(max(1, int(child.get(f"{TEXT}c", 1))), self.limit + 1))
            elif child.tag == f"{TEXT}tab":
                self.add("\t")
            elif child.tag == f"{TEXT}line-break":
                self.add("\n")
            elif child.tag != f"{OFFICE}annotation":
                self.paragraph(child)
            self.add(child.tail or "")


def _read_csv(data, budget):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。")
    rows = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            budget.row()
            budget.cell(len(row))
            rows.append(
                SheetRow([budget.text(c, number) for c in row[:IMPORT_MAX_COLUMNS]], number)
            )
    except csv.Error:
        raise ValidationError("CSV 文件格式有误，无法读取。") from None
    return rows


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value.scaleb(2).normalize():f}%"
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
