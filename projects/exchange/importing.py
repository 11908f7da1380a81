"""Importing reports from the spreadsheet officials keep (.xlsx, .ods or .csv).

Every row goes through the same form as a report typed into the admin
(`ProgressReportForm`), so an import obeys exactly the same rules; what those rules
read from the database is read once for the whole file (`Batch`). A file is all or
nothing: the dry run lists each row's result and every error by row and column; the
import happens only when no row is wrong, in one transaction. A row identical to a
report already entered (same target, date and value) is skipped, so uploading the same
file twice adds nothing; a sheet kept through the year may hold several dated rows of a
target, checked in date order. Imported reports enter as submitted, for review; a new
figure of a target that has one waiting for review goes beside it, and the dry run says
which is waiting and what follows (`waiting_warning`); the template shows it too.
"""

import copy
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from projects.exchange.forms import ProgressReportForm, as_id
from projects.exchange.spreadsheets import cell_text, nearest_header, plain_number, read_table
from projects.models import CURRENT_FIRST, ProgressReport, Target
from projects.rules import clock
from projects.rules.formatting import figure

ID = "指标编号"
VALUE = "新累计值"
AS_OF = "截至日期"
CONFIRM = "确认超十倍"
# Column → form field. The other template columns are there for the reader and ignored.
INPUT_COLUMNS = {
    ID: "target",
    VALUE: "value",
    AS_OF: "as_of",
    "备注": "note",
    "滞后原因": "delay_reason",
    "下一步措施": "next_steps",
    CONFIRM: "confirm_large",
}
WAITING_COLUMNS = ["待审核值", "待审核截至日期", "待审核提交时间"]
INFO_COLUMNS = ["年度", "实事", "指标", "单位", "目标值", "已审核当前值", "已审核截至日期"]
INFO_COLUMNS += WAITING_COLUMNS
TEMPLATE_COLUMNS = [ID, *INFO_COLUMNS, VALUE, AS_OF, "备注", "滞后原因", "下一步措施", CONFIRM]
REQUIRED_COLUMNS = [ID, VALUE, AS_OF]
FIELD_COLUMNS = {field: column for column, field in INPUT_COLUMNS.items()}
FIELD_COLUMNS["__all__"] = "整行"

# What 确认超十倍 may say for yes (a TRUE cell reads as "True").
CONFIRMED = {"是", "y", "yes", "1", "√", "✓", "true", "对"}
# How officials write a date by hand: 2021.12.15, 2021/12/15, 2021年12月15日, 21-12-15.
DATE_WRITING = re.compile(r"(\d{2}|\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
# A number as typed: thousands separated by commas or spaces, then a unit perhaps. The
# spaces before the unit are taken once (*+): \s* then \D* could split a long run of
# spaces every way, and a cell of them took minutes to refuse.
NUMBER_WRITING = re.compile(r"([+-]?\d{1,3}(?:[, ]\d{3})+|[+-]?\d+)(\.\d+)?\s*+(\D*)")
# Words that make a number approximate (1000余, 约1100): a figure must be exact.
APPROXIMATE = re.compile(r"余|约|左右|多|近|以上|上下")
# A number where a date belongs: 44270 (a date's serial number), 6.30 (June 30 typed as a
# number, or the number a date cell made of it).
SERIAL_WRITING = re.compile(r"\d+(?:\.\d+)?")
MONTH_DAY_WRITING = re.compile(r"(\d{1,2})[.](\d{1,2})")
EXCEL_DAY_ZERO = date(1899, 12, 30)  # serial 1 is 1900-01-01 after Excel's leap-year slip
# A row that adds up the others: nothing to import, and its cells would read as errors.
TOTAL_LABELS = {"合计", "总计", "小计", "累计合计"}
TOTAL_ROW = "合计行无需填写，请删除这一行。"

LIVE_STATES = [
    ProgressReport.State.DRAFT,
    ProgressReport.State.SUBMITTED,
    ProgressReport.State.APPROVED,
]


@dataclass(frozen=True)
class Waiting:
    """A figure of a target waiting for review, as the template and the dry run name it."""

    pk: int
    as_of: date
    value: Decimal
    submitted_at: datetime | None

    @property
    def submitted_here(self):
        """When it was submitted, in Asia/Shanghai, as a spreadsheet cell holds it (no zone)."""
        if self.submitted_at is None:
            return None
        return timezone.localtime(self.submitted_at).replace(tzinfo=None)

    def __str__(self):
        said = f"截至{self.as_of:%Y-%m-%d}的 {figure(self.value)}"
        if self.submitted_here is None:
            return said
        return f"{said}（{self.submitted_here:%Y-%m-%d %H:%M} 提交）"


def waiting_figures(targets):
    """{target id: [Waiting]}: the figures of `targets` (targets or their ids) waiting
    for review, the latest first (CURRENT_FIRST), in one query."""
    waiting = defaultdict(list)
    # Only those before the reviewer (`waiting`): a draft or a returned figure is its
    # reporter's, to finish or withdraw, so nothing of it meets an import there.
    reports = ProgressReport.objects.waiting().filter(target__in=targets)
    fields = ("target_id", "pk", "as_of", "value", "submitted_at")
    for target, *figure_of in reports.order_by(*CURRENT_FIRST).values_list(*fields):
        waiting[target].append(Waiting(*figure_of))
    return waiting


def waiting_warning(report, waiting, previous):
    """What the dry run says of a new figure `report` whose target has figures waiting
    for review (`waiting`, the latest first; `previous`, its approved previous report):
    which they are and what the import does. It adds the new figure as one more for the
    reviewer, who approves or returns each; none replaces another. Of the approved, the
    current is the latest dated, of one date the latest entered (CURRENT_FIRST); a
    figure below its previous one, or a second of one date, is a correction and is
    approved only with a note (ProgressReport.clean, run again at approval)."""
    many = len(waiting) > 1
    said = (
        f"该指标已有{f' {len(waiting)} 条' if many else ''}等待审核的填报："
        f"{'、'.join(str(w) for w in waiting)}。本行导入后另作一条交审核员审核，"
        f"不会替换或撤回{'它们' if many else '它'}。"
    )
    if any(w.as_of == report.as_of for w in waiting):
        return said + (
            f"两条截至日期都是 {report.as_of:%Y-%m-%d}：一条审核通过后，另一条属于更正，"
            "须在备注中说明原因才能通过。如只是要改正等待审核的那条，请审核员退回它，"
            "在后台修改，不必导入本行。"
        )
    said += "审核通过的各条以截至日期最晚的一条为当前值"
    latest = waiting[0]
    if report.as_of < latest.as_of:
        said += f"：本行早于截至{latest.as_of:%Y-%m-%d}的那条，那条通过后，本行不会是当前值"
    said += "。"
    # The waiting figure that, once approved, would be this one's previous report.
    before = next((w for w in waiting if w.as_of < report.as_of), None)
    if (
        before is not None
        and (previous is None or (before.as_of, before.pk) > (previous.as_of, previous.pk))
        and report.is_correction_of(before)
        and not report.note.strip()
    ):
        said += (
            f"本行数值低于截至{before.as_of:%Y-%m-%d}的 {figure(before.value)}："
            "那条先审核通过的话，本行属于更正，须在备注中说明原因才能通过。"
        )
    return said


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    target: str = ""
    value: str = ""
    as_of: str = ""
    outcome: str = ""  # new, empty, duplicate, error
    errors: list = field(default_factory=list)  # (column, message)
    form: ProgressReportForm | None = None
    letters: dict = field(default_factory=dict)  # column: its letter in the sheet
    corrects: object = None  # the approved report a new row corrects
    note_advice: str = ""  # a row only its note tells apart: how to change that note
    warnings: list = field(default_factory=list)  # told, not refused: it still imports

    @property
    def placed_errors(self):
        """(where, message): the column as the office suite shows it, letter and name."""
        return [
            (f"{self.letters[column]} 列（{column}）" if column in self.letters else column, text)
            for column, text in self.errors
        ]

    @property
    def outcome_display(self):
        if self.outcome == "new" and self.corrects is not None:
            old = self.corrects
            return f"将导入：更正截至{old.as_of:%Y-%m-%d}的 {figure(old.value)}"
        if self.outcome == "note":
            return f"备注有改动，但数字与日期相同：未导入。{self.note_advice}"
        return {
            "new": "将导入",
            "empty": "跳过：未填写新累计值",
            "duplicate": "跳过：已有相同的填报",
            "error": "有错误",
        }[self.outcome]


@dataclass
class ImportCheck:
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # information, not errors

    @property
    def ok(self):
        return not self.file_errors and not any(r.outcome == "error" for r in self.rows)

    @property
    def listed_rows(self):
        """The rows the dry run lists: all but those left empty, which it only counts."""
        return [r for r in self.rows if r.outcome != "empty"]

    @property
    def new_rows(self):
        return [r for r in self.rows if r.outcome == "new"]

    @property
    def empty_count(self):
        return sum(r.outcome == "empty" for r in self.rows)

    @property
    def duplicate_count(self):
        return sum(r.outcome in ("duplicate", "note") for r in self.rows)

    @property
    def error_count(self):
        return sum(r.outcome == "error" for r in self.rows)

    @property
    def warned_count(self):
        return sum(bool(r.warnings) for r in self.rows)


def template_rows(targets):
    """Rows of the template: a reporter's targets with their approved figures and the
    latest of those waiting for review (one query for all the targets' waiting ones)."""
    targets = list(targets)
    waiting = waiting_figures([t.pk for t in targets])
    for t in targets:
        latest = waiting[t.pk][0] if waiting[t.pk] else None
        yield [
            t.pk,
            t.project.plan.year,
            str(t.project),
            t.name,
            t.unit,
            plain_number(t.target_value),
            plain_number(t.current_value),
            t.last_reported_on,
            *(
                (plain_number(latest.value), latest.as_of, latest.submitted_here)
                if latest
                else [None] * len(WAITING_COLUMNS)
            ),
            *[None] * 6,  # the columns to fill
        ]


MORE_ROWS = 100  # open rows below the targets, for more dates of one target
INSTRUCTIONS = [
    "上方每行一个指标（本单位牵头或配合的实事的指标）。只填写白色的列：新累计值、截至日期，"
    "以及需要时的备注、滞后原因、下一步措施、确认超十倍；灰色的列供参考，已锁定。",
    "新累计值是截至该日期的累计数，只填确切的数字（可带本指标的单位，如 120套；"
    "不写“余”“约”；百分数只用于以 % 计的指标）；节点指标（如开工）完成填 1。",
    "截至日期填完整的日期，如 2021-06-30（不写 6.30），不能晚于今天，也不能早于计划开始日期。"
    "表头写作“截止日期”、在列名后加括号注明单位也可以。",
    "数值低于上次审核值、或更正同一日期的数值时，须在“备注”写明原因；"
    "进度滞后时须填写“滞后原因”和“下一步措施”。",
    "数值超过目标值十倍时，请核对后在“确认超十倍”选“是”。",
    f"同一指标要填报多个日期的数值时，在表格下方的 {MORE_ROWS} 行空白行中各填一行："
    "指标编号（可从上方复制）、新累计值和截至日期；同一指标的各行按日期先后检查。",
    "“新累计值”留空的行不导入；同一文件再次上传时，已填报过的相同数值自动跳过。"
    "导入后的数据为“已提交”，审核通过后才公开。",
    "“待审核值”“待审核截至日期”“待审核提交时间”是该指标已提交、尚未审核的数值"
    "（有几条时列截至日期最晚的一条）。再填报新数值不会替换它：两条都交审核员审核，"
    "上传检查时会逐行提示。如只是要改正等待审核的数值，请审核员退回后在后台修改。",
    "表头之上可以加标题行，表格右侧可以加自己的列（如填报人），导入时不读取。",
]
EXAMPLE = ["示例：", "新累计值 1200，截至日期 2021-08-31，备注“城市更新项目配建”。"]
NO_TARGETS = (
    "本单位在该年度计划中没有牵头或配合的实事，因此“填报”表没有可填写的行。"
    "如认为有误，请联系区督查部门核对责任分工。"
)
FILL = ["新累计值", "截至日期", "备注", "滞后原因", "下一步措施", "确认超十倍"]
WIDTHS = {"实事": 34, "指标": 30, "备注": 24, "滞后原因": 24, "下一步措施": 24}
WIDTHS["待审核提交时间"] = 18  # 2021-07-02 10:15
DATE_COLUMNS = ("截至日期", "已审核截至日期", "待审核截至日期")
FIGURE_COLUMNS = ("目标值", "已审核当前值", "待审核值", "新累计值")


def template_workbook(plan, targets):
    """The department's import template: the targets to report on, the columns to fill
    open and the rest locked, a date check on 截至日期, 是/否 for 确认超十倍, and a
    说明 sheet with a worked example (or why there is nothing to fill)."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = list(template_rows(targets))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "填报"
    sheet.append(TEMPLATE_COLUMNS)
    for row in rows:
        sheet.append(row)
    # Below the targets, open rows for more dates of a target (a sheet kept all year).
    last = len(rows) + 1 + (MORE_ROWS if rows else 0)
    grey = PatternFill("solid", fgColor="EEEEEE")
    for index, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, max(10, len(name) * 2 + 2))
        for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
            if name in FILL or (name == ID and cell.row > len(rows) + 1):
                cell.protection = Protection(locked=False)
            elif cell.row <= len(rows) + 1:
                cell.fill = grey
            if name in DATE_COLUMNS:
                cell.number_format = "yyyy-mm-dd"
            elif name == "待审核提交时间":
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif name in FIGURE_COLUMNS:
                cell.number_format = "#,##0.##"
    column = {name: get_column_letter(i) for i, name in enumerate(TEMPLATE_COLUMNS, start=1)}
    start, end = plan.period_start, plan.period_end
    day = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})",
        formula2=f"DATE({end.year},{end.month},{end.day})",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",  # a warning: 2021.12.15 typed as text still imports
        errorTitle="截至日期",
        error=f"请填写 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 之间的日期。",
    )
    confirm = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    amount = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorStyle="warning",  # 120套 in the target's unit imports
        errorTitle="新累计值", error="请填写不小于 0 的数字（可带本指标的单位）。",
    )  # fmt: skip
    for validation, name in ((day, "截至日期"), (confirm, "确认超十倍"), (amount, "新累计值")):
        if rows:
            sheet.add_data_validation(validation)
            validation.add(f"{column[name]}2:{column[name]}{last}")
    sheet.freeze_panes = "B2"
    sheet.protection.sheet = True  # no password: a reminder, not a lock
    protection = sheet.protection  # what stays allowed: widths, rows added or removed
    protection.formatColumns = protection.formatRows = False
    protection.insertRows = protection.deleteRows = protection.autoFilter = False

    notes = workbook.create_sheet("说明")
    notes.column_dimensions["A"].width = 100
    notes.append(["填写说明"])
    if not rows:
        notes.append([NO_TARGETS])
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.append([" ".join(EXAMPLE)])
    return workbook


def read_sheet(upload, check, required, known):
    """(headers, rows) of an upload for an import, or None with `check.file_errors`
    saying why: not a readable table within the budgets, a required column missing, a
    column named twice. Columns not `known` are noted and not read."""
    try:
        headers, rows = read_table(upload, settings.IMPORT_MAX_BYTES, header=required, known=known)
    except ValidationError as error:
        check.file_errors = error.messages
        return None
    missing = [c for c in required if c not in headers]
    added = [h for h in headers if h and h not in known]
    if missing:
        check.file_errors.append(
            f"找不到必需的列：{'、'.join(missing)}。请在表头行写上这些列名（可从下载的模板复制），"
            "表头之上可以有标题行。"
        )
        for column in missing:
            near = nearest_header(column, added)
            if near:
                check.file_errors.append(f"表头中与“{column}”最接近的是{near}。")
    if added:  # a column of their own (填报人, 联系电话): not ours to read
        check.notes.append(f"以下列不属于模板，未读取：{'、'.join(added)}。")
    if len(set(h for h in headers if h)) != len([h for h in headers if h]):
        check.file_errors.append("表头中有重复的列名。")
    return None if check.file_errors else (headers, rows)


def check_file(upload, user):
    """Read and validate an upload as `user` would enter it; nothing is saved."""
    check = ImportCheck()
    sheet = read_sheet(upload, check, REQUIRED_COLUMNS, [*INPUT_COLUMNS, *INFO_COLUMNS])
    if sheet is None:
        return check
    headers, rows = sheet

    entered = []
    letters = {h: get_column_letter(i) for i, h in enumerate(headers, start=1) if h}
    for cells in rows:
        values = {h: cell_text(cells[i]) if i < len(cells) else "" for i, h in enumerate(headers)}
        row = Row(cells.number, values.get(ID, ""), values.get(VALUE, ""), values.get(AS_OF, ""))
        row.letters = letters
        check.rows.append(row)
        if not row.value:
            row.outcome = "empty"
            continue
        if is_total(values):
            row.outcome, row.errors = "error", [(FIELD_COLUMNS["__all__"], TOTAL_ROW)]
            continue
        data = {f: values.get(c, "") for c, f in INPUT_COLUMNS.items()}
        data["confirm_large"] = values.get(CONFIRM, "").strip().lower() in CONFIRMED
        entered.append((row, data))

    batch = Batch(user, [data for _, data in entered], [row.number for row, _ in entered])
    for index, (row, data) in enumerate(entered):
        if index in batch.errors:
            row.outcome, row.errors = "error", [batch.errors[index]]
            continue
        if batch.entered_before(index):
            row.note_advice = batch.note_advice(index, data["note"])
            row.outcome = "note" if row.note_advice else "duplicate"
            continue
        form = batch.form(data)
        row.errors = [] if form.is_valid() else [
            (FIELD_COLUMNS.get(name, name), message)
            for name, messages in form.errors.items()
            for message in messages
        ]  # fmt: skip
        row.errors += batch.order_errors.get(index, [])
        row.outcome = "error" if row.errors else "new"
        row.form = form
        if not row.errors:
            row.as_of = f"{form.cleaned_data['as_of']:%Y-%m-%d}"  # the date as read
            report = form.instance
            previous = report.previous_report()
            row.corrects = previous if report.is_correction_of(previous) else None
            waiting = batch.waiting.get(report.target_id)
            if waiting:
                row.warnings = [waiting_warning(report, waiting, previous)]
    return check


def is_total(values):
    """Whether a row is a 合计 row: a total label in one of its cells."""
    return any(re.sub(r"\s+", "", text) in TOTAL_LABELS for text in values.values())


def read_figure(text, unit, name=None):
    """A figure as officials type it, as the form reads numbers: full-width digits,
    thousands separated by commas (either width) or spaces, and the target's own unit
    after it are all fine (９，０００套 → 9000). Another unit is an error, never a
    figure in the wrong unit: a percent (55%, a cell formatted as %) only for a target
    counted in %. An approximate number (1000余) is an error. Anything else is left for
    the form to judge. `name`: what the figure is, when not a target's (受益人数)."""
    text = unicodedata.normalize("NFKC", text).strip()
    if APPROXIMATE.search(text) and re.search(r"\d", text):
        raise ValidationError(f"“{text}”不是确切数字：请填写确切数字，不写“余”“约”等字。")
    match = NUMBER_WRITING.fullmatch(text)
    if not match:
        return text
    whole, fraction, after = match.group(1), match.group(2) or "", match.group(3).strip()
    if after and unit is None:
        return text  # no target to judge the unit by: the form says what is wrong
    counted = f"{name}以{unit}计" if name else f"该指标以{unit}计"
    if after == "%" and unit != "%":
        raise ValidationError(
            f"“{text}”是百分数，{counted}：请填写累计完成的{unit}数，不是完成比例。"
        )
    if after and after != unit:
        if name:
            raise ValidationError(f"“{text}”：{counted}，请只填写数字，不带“{after}”。")
        raise ValidationError(
            f"“{text}”的单位与指标的单位（{unit}）不符，请只填写以{unit}计的数字。"
        )
    return whole.replace(",", "").replace(" ", "") + fraction


def read_date(text, plan=None):
    """A date as officials write it, as the form reads dates (YYYY-MM-DD): 2021.12.15,
    2021/12/15, 2021年12月15日, full-width digits; 21-12-15 is 2021-12-15. A number is
    refused, never guessed into a date, with what to write instead: 6.30 (or 6.3, what
    a date cell keeps of it) gets the dates it could be in `plan`'s year, a date's
    serial number (44377) the date it is when that falls in `plan`'s period."""
    text = unicodedata.normalize("NFKC", text).strip()
    if SERIAL_WRITING.fullmatch(text):
        raise ValidationError(number_not_date(text, plan))
    match = DATE_WRITING.fullmatch(text)
    if not match:
        return text
    year, month, day = match.groups()
    year = f"20{year}" if len(year) == 2 else year
    return f"{year}-{int(month):02d}-{int(day):02d}"


def number_not_date(text, plan):
    year = plan.period_start.year if plan else clock.today().year
    said = f"“{text}”这是一个数字，不是日期"
    month_day = MONTH_DAY_WRITING.fullmatch(text)
    if month_day:
        month, day = month_day.group(1), month_day.group(2)
        days = [day] if len(day) == 2 else [day, day + "0"]  # 6.30 kept as 6.3
        meant = [f"{year}-{int(month):02d}-{int(d):02d}" for d in days if valid(year, month, d)]
        if meant:
            return f"{said}：请写作 {' 或 '.join(meant)}。"
    elif plan is not None and text.isdigit():
        day = EXCEL_DAY_ZERO + timedelta(days=int(text))
        if plan.period_start <= day <= plan.period_end:
            return (
                f"{said}；如是表格的日期序号，它是 {day:%Y-%m-%d}：请写作 {day:%Y-%m-%d}，"
                "或把单元格设为日期格式。"
            )
    return f"{said}：请写作日期，如 {year}-06-30。"


def valid(year, month, day):
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


class Batch:
    """What validating every row of a file reads from the database, read once for the
    whole file: the rows' targets (as the user may see them), the reports already
    entered on the file's dates, those waiting for review, and the pace each new figure
    would give its target, each on its own date, with the approved report it follows:
    six queries however many rows and however long the targets' history, and one more
    for each further dated row of one target (TargetQuerySet.judge). Each
    row's form then runs exactly the rules a report typed into the admin runs
    (ProgressReportForm, ProgressReport.clean), answered from here."""

    def __init__(self, user, rows, numbers):
        # The form's fields made once for every row (SharedFields), the dates' input
        # formats read for the language once, not twice a row.
        fields = copy.deepcopy(ProgressReportForm.base_fields)
        fields["as_of"].input_formats = list(fields["as_of"].input_formats)
        ids = {as_id(row.get("target", "")) for row in rows} - {None}
        # "step": ProgressReport.clean asks whether a procedure step feeds the target
        visible = Target.objects.visible_to(user).select_related("project__plan", "step")
        self.targets = {t.pk: t for t in visible.filter(pk__in=ids)}
        fields["target"].known = self.targets
        self.form_class = type("ImportedReportForm", (ProgressReportForm,), {})
        self.form_class.base_fields = SharedFields(fields)
        foreign = self.foreign(ids - self.targets.keys())
        self.errors = {}  # row index: (column, message) found before any form
        self.parsed = {}  # row index: (target id, as_of, value), as the form's fields read them
        for index, row in enumerate(rows):
            target = as_id(row.get("target", ""))
            if target in foreign:
                self.errors[index] = (ID, foreign[target])
                continue
            plan = self.targets[target].project.plan if target in self.targets else None
            try:  # the writings officials use, as the form's fields read them
                row["value"] = read_figure(row.get("value", ""), self.unit_of(target))
            except ValidationError as error:
                self.errors[index] = (VALUE, error.messages[0])
                continue
            try:
                row["as_of"] = read_date(row.get("as_of", ""), plan)
            except ValidationError as error:
                self.errors[index] = (AS_OF, error.messages[0])
                continue
            try:
                value = fields["value"].clean(row.get("value"))
                day = fields["as_of"].clean(row.get("as_of"))
            except ValidationError:
                continue  # the row's form says why
            if target in self.targets and value is not None and day is not None:
                self.parsed[index] = (target, day, value)
        self.existing = defaultdict(list)  # (target id, as_of, value): [(note, state)]
        days = {day for _target, day, _value in self.parsed.values()}  # not the whole history
        live = ProgressReport.objects.filter(
            target__in=self.targets, as_of__in=days, state__in=LIVE_STATES
        )
        for *key, note, state in live.values_list("target_id", "as_of", "value", "note", "state"):
            self.existing[tuple(key)].append((note.strip(), state))
        self.waiting = waiting_figures(self.targets)  # target id: [Waiting], the latest first
        self.repeated = set()  # rows the same as a row above them in the file
        self.order_errors = self.check_order(rows, numbers)
        new = [figure for i, figure in self.parsed.items() if not self.entered_before(i)]
        # (target id, as_of, value): (status, previous report), each on its own day
        self.judged = Target.objects.judge(new) if new else {}

    def check_order(self, rows, numbers):
        """A sheet kept through the year holds several dated rows of a target: they are
        checked in date order, as they would be approved, those entered before among
        them (an error is only ever a new row's). A row the same as one above it is
        skipped; one date with two figures is an error; a figure below the row dated
        before it (a cumulative count cannot fall) needs the note a correction needs.
        {row index: [(column, message)]}"""
        errors = defaultdict(list)
        by_target = defaultdict(list)
        for index, (target, day, value) in self.parsed.items():
            by_target[target].append((day, index, value))
        for figures in by_target.values():
            figures.sort()
            for (day, before, earlier), (later_day, index, value) in itertools.pairwise(figures):
                if later_day == day and value == earlier:
                    self.repeated.add(index)
                elif later_day == day:
                    new, other = (index, before) if self.is_new(index) else (before, index)
                    if self.is_new(new):
                        errors[new].append(
                            (AS_OF, f"该指标截至{day:%Y-%m-%d}的数值已在第 {numbers[other]} 行"
                             "填写，同一日期只能填一行。")
                        )  # fmt: skip
                elif (
                    value < earlier
                    and self.is_new(index)
                    and not rows[index].get("note", "").strip()
                ):
                    errors[index].append(
                        ("备注", f"该数值低于第 {numbers[before]} 行（截至{day:%Y-%m-%d}）的 "
                         f"{figure(earlier)}，累计数不应减少；如属更正，请在备注中说明原因。")
                    )  # fmt: skip
        return errors

    @staticmethod
    def foreign(ids):
        """{id: why the user may not report on it}: each id of the file that is not one
        of the user's targets, naming a published plan's target and its department."""
        if not ids:
            return {}
        found = Target.objects.published().filter(pk__in=ids)
        named = {
            t.pk: f"指标 {t.pk}“{t.name}”属于{t.project.plan.year}年“{t.project}”，由"
            f"{t.project.lead_department or '其他单位'}牵头，不是您所在单位的指标，不能填报。"
            "请核对指标编号（可从本单位的模板复制）。"
            for t in found.select_related("project__plan", "project__lead_department")
        }
        unknown = "没有编号为 {} 的指标可供您填报。请核对指标编号（可从本单位的模板复制）。"
        return {pk: named.get(pk, unknown.format(pk)) for pk in ids}

    def note_advice(self, index, note):
        """How to change the note of the report row `index` repeats, when the row's note
        differs from it; "" when the notes agree or the row repeats a row above it."""
        notes = self.existing.get(self.parsed.get(index), [])
        note = note.strip()
        if not notes or not note or any(old == note for old, _state in notes):
            return ""
        states = {state for _note, state in notes}
        if states & {ProgressReport.State.DRAFT, ProgressReport.State.RETURNED}:
            return "要修改备注，请在后台“进度填报”中打开这条草稿或退回的填报修改。"
        if ProgressReport.State.SUBMITTED in states:
            return "这条填报正等待审核：如需修改备注，请审核员退回后在后台修改。"
        return "这条填报已审核公开，不能改动；需要补充说明的，请写在下一次填报的备注中。"

    def unit_of(self, target):
        return self.targets[target].unit if target in self.targets else None

    def entered_before(self, index):
        """Row `index` repeats a draft, submitted or approved report (whatever its note),
        or a row above it in the file: uploading a file again adds only what is new."""
        return self.parsed.get(index) in self.existing or index in self.repeated

    def is_new(self, index):
        return not self.entered_before(index)

    def form(self, data):
        form = self.form_class(data=data)
        form.instance.known = self
        return form

    def previous(self, report):
        """`ProgressReport.previous_report`, as judged with the figure."""
        key = (report.target_id, report.as_of, report.value)
        if key not in self.judged:  # a figure the fields read otherwise: ask the database
            return ProgressReport.objects.current_first(report.target_id, report.as_of).first()
        return self.judged[key][1]

    def pace_status(self, report):
        """`ProgressReport.pace_status`, from the statuses judged."""
        key = (report.target_id, report.as_of, report.value)
        if key not in self.judged:  # a figure the fields read otherwise: ask the database
            return (
                Target.objects.filter(pk=report.target_id)
                .with_candidate(report.value, report.as_of)
                .values_list("status", flat=True)
                .get()
            )
        return self.judged[key][0]


class SharedFields(dict):
    """A form's fields made once for every row of a file (`Batch.form`), the same for
    each row's form: a form deep-copies its fields, a millisecond a row, so that one
    form can change its own; the rows' forms change none."""

    def __deepcopy__(self, memo):
        return dict(self)


def import_file(upload, user):
    """Check the file again and, if no row is wrong, save its new rows as submitted."""
    check = check_file(upload, user)
    if not check.ok:
        return check, 0
    with transaction.atomic():
        save_reports(check, user)
    return check, len(check.new_rows)


def save_reports(check, user):
    """Save the new rows of a checked file as submitted (the caller holds the transaction)."""
    now = clock.now()
    for row in check.new_rows:
        report = row.form.save(commit=False)
        report.created_by = user
        report.state = ProgressReport.State.SUBMITTED
        report.submitted_by = user
        report.submitted_at = now
        report.save()
