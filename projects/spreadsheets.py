"""Reading and writing the spreadsheets officials and the public use (.xlsx and .csv).

Writing: every text cell is written as text. A note such as "=HYPERLINK(...)" or
"+86 138…" must never run as a formula in the reader's Excel (formula injection), so
XLSX cells are typed as strings and CSV cells that start with = + - @ (or a tab or
carriage return) get a leading apostrophe, as OWASP recommends.

Reading: .xlsx through openpyxl; .csv as UTF-8 (with or without BOM) or, failing that,
GBK/GB18030, which is what Excel on a Chinese Windows saves.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only mode uses

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    value = str(value) if isinstance(value, Promise) else value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def xlsx_bytes(sheets):
    """sheets: [(title, headers, rows)] → the bytes of an .xlsx workbook."""
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
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a translated label
        return str(value)
    return value


def xlsx_response(filename, sheets):
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response


def csv_response(filename, headers, rows):
    """UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(filename)
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(cell_value(v)) for v in row])
    return response


def attachment(filename):
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# Reading


@dataclass
class Budget:
    """What reading one uploaded table may cost, whatever the file claims about itself:
    rows and cells read, the bytes an .xlsx unpacks to, its shared-string table. Every
    reader counts against it and stops with a Chinese message the moment it is spent;
    `rows`, `cells` and `unpacked` say afterwards how much was read."""

    max_rows: int  # data rows; the header is one more
    max_cells: int  # cells in all, header included
    max_unpacked: int = 16 * 1024 * 1024  # an .xlsx's parts together, as they unpack
    max_shared_strings: int = 4 * 1024 * 1024  # of those, the shared-string table
    rows: int = 0
    cells: int = 0
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
        self.cells += count
        if self.cells > self.max_cells:
            raise ValidationError(
                f"文件中的单元格过多（超过 {self.max_cells} 个），请只保留模板中的列后再导入。"
            )


class SheetRow(list):
    """A row's cells, with its `number` as the office suite shows it (blank rows and
    a title above the header count, as they do there)."""

    def __init__(self, cells, number):
        super().__init__(cells)
        self.number = number


# Columns an import table may use: the template has 14.
IMPORT_MAX_COLUMNS = 40


def read_table(upload, max_bytes, budget=None):
    """An uploaded .xlsx or .csv as (headers, rows); rows are lists of cell values.

    Reads within `budget` (Budget.for_imports() unless given). Raises ValidationError
    in Chinese for anything that is not a readable table, or costs more than that.
    """
    budget = budget or Budget.for_imports()
    if upload.size > max_bytes:
        raise ValidationError(f"文件过大，导入文件不能超过 {max_bytes // 1024 // 1024} MB。")
    data = upload.read()
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data, budget)
    elif b"\x00" in data[:4096]:
        raise ValidationError("无法识别的文件：请上传 .xlsx 或 .csv 文件。")
    else:
        rows = _read_csv(data, budget)
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise ValidationError("文件中没有数据。")
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    return headers, rows[1:]  # SheetRows: each knows its number


def _read_xlsx(data, budget):
    unreadable = ValidationError("无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏。")
    try:
        _check_parts(data, budget)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = list(_sheet_rows(workbook.worksheets[0], budget))
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or forged file
        raise unreadable from None
    return rows


def _check_parts(data, budget):
    """What the parts of an .xlsx unpack to, from its directory, before any is read. A
    part that claims less than it holds is cut there by zipfile, and fails to parse."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.infolist():
            budget.unpacked += part.file_size
            shared = part.filename.lower().endswith("sharedstrings.xml")
            if (shared and part.file_size > budget.max_shared_strings) or (
                budget.unpacked > budget.max_unpacked
            ):
                raise ValidationError(
                    "该 Excel 文件解压后内容过多（可能含大量隐藏内容），请另存为新文件、"
                    "只保留模板中的数据后再导入。"
                )


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
        for index, cells in parser.parse():
            budget.row()
            row = [None] * min(max((c["column"] for c in cells), default=0), IMPORT_MAX_COLUMNS)
            for cell in cells:
                if cell["column"] <= IMPORT_MAX_COLUMNS:  # beyond: not a column we read
                    row[cell["column"] - 1] = _plain(cell["value"])
            yield SheetRow(row, index)


def _plain(cell):
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


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
            rows.append(SheetRow(row[:IMPORT_MAX_COLUMNS], number))
    except csv.Error:
        raise ValidationError("CSV 文件格式有误，无法读取。") from None
    return rows


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
