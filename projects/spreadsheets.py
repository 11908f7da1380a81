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
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

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


def read_table(upload, max_bytes):
    """An uploaded .xlsx or .csv as (headers, rows); rows are lists of cell values.

    Raises ValidationError in Chinese for anything that is not a readable table.
    """
    if upload.size > max_bytes:
        raise ValidationError(f"文件过大，导入文件不能超过 {max_bytes // 1024 // 1024} MB。")
    data = upload.read()
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
    elif b"\x00" in data[:4096]:
        raise ValidationError("无法识别的文件：请上传 .xlsx 或 .csv 文件。")
    else:
        rows = _read_csv(data)
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise ValidationError("文件中没有数据。")
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    return headers, rows[1:]


def _read_xlsx(data):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception:  # openpyxl raises many kinds for a damaged or forged file
        raise ValidationError("无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏。") from None
    return [[_plain(cell) for cell in row] for row in rows]


def _plain(cell):
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


def _read_csv(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise ValidationError("CSV 文件格式有误，无法读取。") from None


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
