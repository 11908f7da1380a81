"""Importing money and procedure steps from the department's template, beside its
figures (`importing.py`) and all or nothing with them: the sheets 预算, 资金到位, 合同,
合同节点拨付 and 手续节点, amounts in 万元 as their headers say.

Each row becomes its model's entry (Budget, Funding, Contract, Payment, StepReport),
submitted for review and entered by the importer, through the model's own
`full_clean()` and `warnings()`: the rules live on the models, once. The rows are
saved in sheet order inside a savepoint, so that a payment finds the contract a row
above it added and a row repeating another (or an entry already submitted or
approved) is skipped; the dry run rolls the savepoint back, the import keeps it. What
`warnings()` asks about (an amount a thousand times off the budget, more contracted
than budgeted, more paid than contracted) is saved only once the importer confirms it
on the page. Documents are not imported from sheets: they are uploaded in the admin.
"""

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.exchange.importing import (
    CONFIRMED,
    TOTAL_ROW,
    ImportCheck,
    check_file,
    is_total,
    read_date,
    read_figure,
    save_reports,
    template_workbook,
)
from projects.exchange.spreadsheets import cell_text, read_sheets, table_of
from projects.models import Budget, Contract, Funding, Milestone, Payment, Project, StepReport
from projects.models.money import AMOUNT_ERRORS, Source

PROJECT = "实事编号"
INFO = ["年度", "实事"]
NOTE = "说明"
WAN = "（万元）"  # the unit every amount column states in its header
# An entry the same as one of these is a repeat: uploading a file again adds nothing.
LIVE_STATES = [Budget.State.SUBMITTED, Budget.State.APPROVED]
NO = {"否", "n", "no", "0", "false", "×"}


@dataclass(frozen=True)
class Column:
    name: str  # as the header says it, without the unit
    field: str  # the model's field; "" for one the reader looks up (合同名称, 节点)
    kind: str = "text"  # text, amount, date, yes (是/否), or a choices class
    choices: object = None

    @property
    def header(self):
        return self.name + WAN if self.kind == "amount" else self.name


@dataclass(frozen=True)
class Sheet:
    name: str
    model: object
    columns: tuple  # the columns to fill, in the template's order
    identity: tuple  # the fields that make a row the same entry as another
    info: tuple = ()  # columns shown for the reader, not read

    @property
    def required(self):
        """The columns that find the sheet's header: the project and the first to fill."""
        return [PROJECT, self.columns[0].name]

    @property
    def headers(self):
        return [PROJECT, *INFO, *self.info, *(c.header for c in self.columns)]


SOURCE_COLUMNS = tuple(Column(label, value, "amount") for value, label in Source.choices)
CONTRACT_TITLE = Column("合同名称", "", "text")
STEP_TITLE = Column("节点", "", "text")
SHEETS = (
    Sheet(
        "预算",
        Budget,
        (Column("计划总投资", "total", "amount"), *SOURCE_COLUMNS,
         Column("填报日期", "as_of", "date"), Column(NOTE, "note")),
        ("project", "total", *Source.values),
    ),
    Sheet(
        "资金到位",
        Funding,
        (Column("资金来源", "source", "choice", Source), Column("累计到位", "amount", "amount"),
         Column("截至日期", "as_of", "date"), Column(NOTE, "note")),
        ("project", "source", "amount", "as_of"),
    ),
    Sheet(
        "合同",
        Contract,
        (Column("合同名称", "title"), Column("合同类别", "kind", "choice", Contract.Kind),
         Column("采购方式", "method", "choice", Contract.Method),
         Column("承包单位", "contractor"), Column("承包方为自然人", "contractor_is_person", "yes"),
         Column("合同金额", "amount", "amount"), Column("签订日期", "signed_on", "date"),
         Column("中标公告链接", "notice_url"), Column(NOTE, "note")),
        ("project", "title", "amount", "signed_on"),
    ),
    Sheet(
        "合同节点拨付",
        Payment,
        (CONTRACT_TITLE, Column("合同节点", "node"), Column("验收的工程量", "accepted_work"),
         Column("验收日期", "accepted_on", "date"), Column("拨付金额", "amount", "amount"),
         Column("拨付日期", "paid_on", "date"), Column(NOTE, "note")),
        ("contract", "node", "accepted_on", "amount", "paid_on"),
    ),
    Sheet(
        "手续节点",
        StepReport,
        (STEP_TITLE, Column("实际完成日期", "done_on", "date"), Column(NOTE, "note")),
        ("milestone", "done_on"),
        info=("手续步骤", "计划日期", "已审核完成日期"),
    ),
)  # fmt: skip
SHEET_NAMES = {sheet.name: sheet for sheet in SHEETS}
DOCUMENTS = (
    "拨付凭证、中标通知书、施工许可证等材料不从表格导入：导入后请在后台对应的条目上传"
    "（默认不公开；上传脱敏件并勾选“脱敏件”的，审核通过后公开）。"
)
INSTRUCTIONS = [
    "资金与手续：“预算”“资金到位”“合同”“合同节点拨付”“手续节点”各表的金额单位都是万元"
    "（表头已注明），例如 1200 万元填 1200，35.5 万元填 35.5，不要填成元。",
    "预算：每件实事一行，填计划总投资和各资金来源；各来源合计须等于计划总投资。",
    "资金到位：每个资金来源一行，填截至该日期的累计到位金额；累计数减少的，须在说明中写明原因。",
    "合同：每份合同一行；中标公告链接须以 http:// 或 https:// 开头；承包方为自然人的填“是”，"
    "公开时只写“自然人”。",
    "合同节点拨付：合同名称须与本实事“合同”表或已填报的合同一致；已验收未拨付的，"
    "拨付金额和拨付日期都留空；拨付日期不能早于合同签订日期。",
    "手续节点：在完成的节点一行填实际完成日期。",
    "金额与预算相差千倍以上、合同超预算、拨付超合同的，上传检查时会提示，"
    "在导入页面勾选确认后才导入。已填报过的相同条目自动跳过。",
    DOCUMENTS,
]


@dataclass
class MoneyRow:
    sheet: str
    number: int  # as the office suite numbers it
    what: str = ""  # the entry, as its __str__ says it
    outcome: str = ""  # new, duplicate, error
    errors: list = field(default_factory=list)  # (column, message)
    warnings: list = field(default_factory=list)  # to confirm before it is saved

    @property
    def outcome_display(self):
        return {"new": "将导入", "duplicate": "跳过：已有相同的填报", "error": "有错误"}[
            self.outcome
        ]


@dataclass
class MoneyCheck:
    confirmed: bool = False
    sheets: list = field(default_factory=list)  # the money sheets the file has
    rows: list = field(default_factory=list)  # rows filled in: empty ones are not listed
    file_errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.file_errors and not any(r.outcome == "error" for r in self.rows)

    @property
    def new_rows(self):
        return [r for r in self.rows if r.outcome == "new"]

    @property
    def warned_rows(self):
        return [r for r in self.rows if r.warnings]

    @property
    def unconfirmed(self):
        """Whether warnings wait for the importer's confirmation: nothing is saved then."""
        return bool(self.warned_rows) and not self.confirmed


def money_sheets(sheets):
    """{Sheet: rows} of the money sheets among a workbook's {name: rows}."""
    named = {unicodedata.normalize("NFKC", n).replace(" ", ""): rows for n, rows in sheets.items()}
    return {sheet: named[sheet.name] for sheet in SHEETS if sheet.name in named}


def check_money(sheets, user, confirmed=False, keep=False):
    """Check the money rows of a workbook's {name: rows}, saving each right row so that
    the rows below see it: rolled back unless `keep`, when the caller's transaction
    decides (`import_upload`: kept only if every row is right and any warning
    confirmed)."""
    check = MoneyCheck(confirmed=confirmed)
    found = money_sheets(sheets)
    check.sheets = [sheet.name for sheet in found]
    if not found:
        return check
    reader = Reader(user)
    with transaction.atomic():
        for sheet, rows in found.items():
            reader.read(sheet, rows, check)
        if not keep:
            transaction.set_rollback(True)
    return check


class Reader:
    """Reads rows into entries as `user` would enter them in the admin."""

    def __init__(self, user):
        self.user = user
        self.projects = {p.pk: p for p in Project.objects.visible_to(user).select_related("plan")}

    def read(self, sheet, rows, check):
        if not self.user.has_perm(f"projects.add_{sheet.model._meta.model_name}"):
            check.file_errors.append(f"您没有填报{sheet.model._meta.verbose_name}的权限。")
            return
        known = {PROJECT, *INFO, *sheet.info, *(c.name for c in sheet.columns)}
        table = table_of(rows, sheet.required, known)
        if table is None:
            return
        headers, rows = table
        missing = [c for c in sheet.required if c not in headers]
        if missing:
            check.file_errors.append(
                f"“{sheet.name}”表找不到必需的列：{'、'.join(missing)}（可从下载的模板复制表头）。"
            )
            return
        for cells in rows:
            values = {h: cell_text(cells[i]) for i, h in enumerate(headers) if i < len(cells)}
            if not any(values.get(c.name) for c in sheet.columns):
                continue  # a row of the template left empty
            row = MoneyRow(sheet.name, cells.number)
            check.rows.append(row)
            if is_total(values):
                row.outcome, row.errors = "error", [("整行", TOTAL_ROW)]
                continue
            entry, row.errors = self.entry(sheet, values)
            if not row.errors:
                row.errors = self.clean(sheet, entry)
            if row.errors:
                row.outcome = "error"
                continue
            row.what = str(entry)
            same = {name: getattr(entry, name) for name in sheet.identity}
            if sheet.model.objects.filter(state__in=LIVE_STATES, **same).exists():
                row.outcome = "duplicate"
                continue
            row.outcome = "new"
            row.warnings = entry.warnings()
            entry.save()  # so that the rows below see it; rolled back by a dry run

    def entry(self, sheet, values):
        """(the unsaved entry, [(column, message)]) of a row's cells."""
        errors = []
        entry = sheet.model(created_by=self.user, state=sheet.model.State.SUBMITTED)
        pk = values.get(PROJECT, "")
        project = self.projects.get(int(pk)) if pk.isdigit() else None
        if project is None:
            said = f"没有编号为“{pk}”的实事可供您填报：请核对实事编号（可从本单位的模板复制）。"
            return entry, [(PROJECT, said)]
        entry.project = project
        for column in sheet.columns:
            text = values.get(column.name, "")
            try:
                value = read_cell(column, text, project.plan)
            except ValidationError as error:
                errors.append((column.name, error.messages[0]))
                continue
            if column is CONTRACT_TITLE:
                entry.contract, message = self.contract(project, value)
            elif column is STEP_TITLE:
                entry.milestone, message = self.milestone(project, value)
            elif value is None and sheet.model._meta.get_field(column.field).has_default():
                message = None  # 填报日期 left empty: today
            else:
                setattr(entry, column.field, value)
                message = None
            if message:
                errors.append((column.name, message))
        return entry, errors

    @staticmethod
    def contract(project, title):
        found = Contract.objects.filter(project=project, title=title, state__in=LIVE_STATES)
        contract = found.order_by("-pk").first()
        if contract is None:
            return None, f"该实事没有名为“{title}”的合同：请先在“合同”表填写它，或核对合同名称。"
        return contract, None

    @staticmethod
    def milestone(project, title):
        steps = list(Milestone.objects.filter(project=project, title=title)[:2])
        if len(steps) != 1:
            said = "有多个" if steps else "没有"
            return None, f"该实事{said}名为“{title}”的手续节点：请核对节点名称（可从模板复制）。"
        return steps[0], None

    @staticmethod
    def clean(sheet, entry):
        """[(column, message)] of the model's own checks (fields and `clean`)."""
        try:
            entry.full_clean(validate_unique=False)
        except ValidationError as error:
            columns = {c.field: c.name for c in sheet.columns if c.field}
            columns.update(project=PROJECT, contract=CONTRACT_TITLE.name)
            columns.update(milestone=STEP_TITLE.name, __all__="整行")
            return [
                (columns.get(name, name), message)
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        return []


def read_cell(column, text, plan):
    """A cell's text as its field takes it, written as officials write it."""
    if column.kind == "amount":
        if not text:
            return None
        try:
            return Decimal(read_figure(text, "万元", "金额"))
        except InvalidOperation:
            raise ValidationError(AMOUNT_ERRORS["invalid"]) from None
    if column.kind == "date":
        if not text:
            return None
        written = read_date(text, plan)
        try:
            return date.fromisoformat(written)
        except ValueError:
            raise ValidationError(
                f"“{text}”不是日期：请写作 {plan.year}-06-30 这样的日期。"
            ) from None
    if column.kind == "yes":
        if text.lower() in CONFIRMED:
            return True
        if not text or text.lower() in NO:
            return False
        raise ValidationError(f"“{text}”：请填写“是”或“否”。")
    if column.kind == "choice":
        if not text:
            return ""
        for value, label in column.choices.choices:
            if text in (value, str(label), str(label).removesuffix("资金")):
                return value
        labels = "、".join(str(label) for _value, label in column.choices.choices)
        raise ValidationError(f"“{text}”不是可选的{column.name}：请填写{labels}之一。")
    return text


# The template's sheets


def template_xlsx(plan, targets, projects):
    """The department's template: the figures' sheets (`importing.template_workbook`)
    and one sheet for each kind of money entry, filled with the `projects` (those the
    department may enter money for), their contracts and their procedure steps."""
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = template_workbook(plan, targets)
    projects = list(projects.order_by("number"))
    contracts = Contract.objects.filter(project__in=projects, state__in=LIVE_STATES)
    steps = Milestone.objects.filter(project__in=projects).select_related("project")
    lines = {
        "预算": [[p.pk, plan.year, str(p)] for p in projects],
        "资金到位": [[p.pk, plan.year, str(p)] for p in projects],
        "合同": [[p.pk, plan.year, str(p)] for p in projects],
        "合同节点拨付": [
            [c.project_id, plan.year, str(c.project), c.title]
            for c in contracts.select_related("project").order_by("project__number", "pk")
        ],
        "手续节点": [
            [s.project_id, plan.year, str(s.project), s.get_step_display(), s.due_date, s.done_on,
             s.title]
            for s in steps.order_by("project__number", "due_date", "pk")
        ],
    }  # fmt: skip
    grey = PatternFill("solid", fgColor="EEEEEE")
    for sheet in SHEETS:
        out = workbook.create_sheet(sheet.name, index=len(workbook.sheetnames) - 1)
        out.append(sheet.headers)
        for line in lines[sheet.name]:
            out.append(line)
        for index, header in enumerate(sheet.headers, start=1):
            letter = out.cell(1, index).column_letter
            out.column_dimensions[letter].width = max(10, len(header) * 2 + 2)
            for (cell,) in out.iter_rows(min_row=2, min_col=index, max_col=index):
                if 1 < index <= len(INFO) + len(sheet.info) + 1:
                    cell.fill = grey  # shown for the reader, not read
                if "日期" in header:
                    cell.number_format = "yyyy-mm-dd"
            column = next((c for c in sheet.columns if c.header == header), None)
            if column is not None and column.kind == "choice":
                labels = ",".join(str(label) for _value, label in column.choices.choices)
                choose = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
                out.add_data_validation(choose)
                choose.add(f"{letter}2:{letter}500")
        out.freeze_panes = "D2"
    notes = workbook["说明"]
    for line in INSTRUCTIONS:
        notes.append([line])
    saved = io.BytesIO()
    workbook.save(saved)
    return saved.getvalue()


# The whole upload: figures and money, all or nothing


@dataclass
class UploadCheck:
    figures: ImportCheck | None  # None: the file has money sheets and no figures' sheet
    money: MoneyCheck

    @property
    def ok(self):
        return (self.figures is None or self.figures.ok) and self.money.ok

    @property
    def new_count(self):
        figures = len(self.figures.new_rows) if self.figures else 0
        return figures + len(self.money.new_rows)

    @property
    def savable(self):
        return self.ok and not self.money.unconfirmed


def check_upload(upload, user, confirmed=False, keep=False):
    """The dry run of an upload (with `keep`, the money saved in the caller's
    transaction): its figures as `importing.check_file` checks them, unless the file
    holds only money sheets, and its money rows."""
    try:
        sheets = read_sheets(upload, settings.IMPORT_MAX_BYTES)
    except ValidationError as error:
        return UploadCheck(ImportCheck(file_errors=error.messages), MoneyCheck())
    money = check_money(sheets, user, confirmed, keep)
    figures = None
    if not money.sheets or has_figures(sheets):
        upload.seek(0)  # read again by the figures' own reader, within its own budget
        figures = check_file(upload, user)
    return UploadCheck(figures, money)


def has_figures(sheets):
    """Whether the file has a sheet besides the money sheets and 说明: the figures' sheet,
    read (and its header judged) by the figures' reader."""
    return any(
        not money_sheets({name: rows}) and name != "说明" and table_of(rows, (), ()) is not None
        for name, rows in sheets.items()
    )


def import_upload(upload, user, confirmed=False):
    """Check the upload again and, when every row is right and any warning confirmed,
    save its new figures and money entries as submitted, in one transaction."""
    with transaction.atomic():
        check = check_upload(upload, user, confirmed, keep=True)
        if not check.savable:
            transaction.set_rollback(True)
            return check, 0
        if check.figures is not None:
            save_reports(check.figures, user)
    return check, check.new_count
