"""Importing practical matters (为群众办实事) from a department's sheet, as reports are
imported (`importing.py`): the same reader and budgets (`spreadsheets.read_table`), the
same writings of dates and numbers (`read_date`, `read_figure`), each row through the
same form as a matter typed into the admin (`MatterRowForm`, `Matter.clean`; its plan
and department checked once for the file, so the queries do not grow with the rows), a
dry run listing every row's result, all or nothing, and a re-upload adding only what is
new (a row the same as a matter already entered: department, date and title). The same
matter twice in one file is an error. Imported matters enter as 待审核."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from openpyxl.utils import get_column_letter

from projects.exchange.forms import MatterRowForm
from projects.exchange.importing import (
    TOTAL_ROW,
    ImportCheck,
    Row,
    is_total,
    read_date,
    read_figure,
    read_sheet,
)
from projects.exchange.spreadsheets import DAY, cell_text, xlsx_bytes
from projects.models import Category, Matter
from projects.rules import clock

DEPARTMENT, DONE_ON, TITLE = "责任单位", "办结日期", "事项"
INPUT_COLUMNS = {
    DEPARTMENT: "department",
    DONE_ON: "done_on",
    TITLE: "title",
    "类别": "category",
    "街道/社区": "place",
    "受益人数": "beneficiaries",
    "简要说明": "description",
}
TEMPLATE_COLUMNS = list(INPUT_COLUMNS)
REQUIRED_COLUMNS = [DEPARTMENT, DONE_ON, TITLE, "类别"]
FIELD_COLUMNS = {field: column for column, field in INPUT_COLUMNS.items()}
FIELD_COLUMNS["__all__"] = "整行"


def categories():
    """类别 as written: its Chinese label (养老), whatever language is active, or its code
    (elderly)."""
    labels = dict(zip(categories_written(), Category.values, strict=True))
    return labels | {value: value for value in Category.values}


TEMPLATE_ROWS = 200


class MatterRow(Row):
    """A row of the sheet, in the report row's fields: `target` holds its 责任单位,
    `value` its 事项 and `as_of` its 办结日期, as written."""

    @property
    def outcome_display(self):
        return {
            "new": "将导入",
            "empty": "跳过：未填写事项",
            "duplicate": "跳过：已登记过相同的事项",
            "error": "有错误",
        }[self.outcome]


def categories_written():
    with translation.override("zh-hans"):
        return [str(label) for _value, label in Category.choices]


def template_xlsx(plan, departments):
    """The sheet a department fills: its name in every row, the categories explained."""
    name = departments[0].name if departments else ""
    rows = [[name, None, None, None, None, None, None] for _ in range(TEMPLATE_ROWS)]
    notes = [
        ["年度", plan.year],
        [
            "办结日期",
            f"{plan.period_start:%Y-%m-%d} 至 {plan.period_end:%Y-%m-%d} 之间，不晚于今天",
        ],
        ["类别", "、".join(categories_written())],
        ["受益人数", "选填，整数；不清楚时留空"],
        ["责任单位", "只能填写本单位：" + "、".join(d.name for d in departments)],
    ]
    return xlsx_bytes(
        [("为群众办实事", TEMPLATE_COLUMNS, rows), ("填写说明", ["项目", "说明"], notes)],
        formats={DONE_ON: DAY},
    )


def check_file(upload, user, plan):
    """Read and validate an upload as `user` would enter each row for `plan`; nothing
    is saved."""
    check = ImportCheck()
    try:  # between the dry run and the confirmation, too
        plan.check_takes_input("事项登记或审核")
    except ValidationError as error:
        check.file_errors = error.messages
        return check
    sheet = read_sheet(upload, check, REQUIRED_COLUMNS, INPUT_COLUMNS)
    if sheet is None:
        return check
    headers, rows = sheet

    departments = {d.name: d.pk for d in user.departments.all()}
    existing = set(
        Matter.objects.filter(plan=plan, department__in=departments.values()).values_list(
            "department_id", "done_on", "title"
        )
    )
    seen = {}  # (department, date, title) → the row that has it
    written = categories()
    letters = {h: get_column_letter(i) for i, h in enumerate(headers, start=1) if h}
    for cells in rows:
        values = {h: cell_text(cells[i]) if i < len(cells) else "" for i, h in enumerate(headers)}
        row = MatterRow(cells.number, values.get(DEPARTMENT, ""), values.get(TITLE, ""))
        row.as_of = values.get(DONE_ON, "")
        row.letters = letters
        check.rows.append(row)
        if not values.get(TITLE, "").strip():
            row.outcome = "empty"
            continue
        if is_total(values):
            row.outcome, row.errors = "error", [(FIELD_COLUMNS["__all__"], TOTAL_ROW)]
            continue
        data = {field: values.get(column, "").strip() for column, field in INPUT_COLUMNS.items()}
        errors = []
        name = data.pop("department")
        department = departments.get(name)
        if department is None:
            errors.append((DEPARTMENT, department_error(name, departments)))
        if data["category"] in written:
            data["category"] = written[data["category"]]
        else:
            errors.append(("类别", category_error(data["category"])))
        try:
            data["done_on"] = read_date(data["done_on"], plan)
        except ValidationError as error:
            errors.append((DONE_ON, error.messages[0]))
        try:
            data["beneficiaries"] = read_figure(data["beneficiaries"], "人", "受益人数")
        except ValidationError as error:
            errors.append(("受益人数", error.messages[0]))
        form = MatterRowForm(data=data, instance=Matter(plan=plan, department_id=department))
        if not errors and form.is_valid():
            matter = form.instance
            row.as_of = f"{matter.done_on:%Y-%m-%d}"  # the date as read
            key = (matter.department_id, matter.done_on, matter.title)
            if key in existing:
                row.outcome = "duplicate"
                continue
            if key in seen:
                errors.append(
                    (
                        TITLE,
                        f"与第 {seen[key]} 行是同一事项（单位、日期、事项都相同），请删去一行。",
                    )
                )
            seen.setdefault(key, row.number)
        elif not errors:
            errors = [
                (FIELD_COLUMNS.get(name, name), message)
                for name, messages in form.errors.items()
                for message in messages
            ]
        row.errors = errors
        row.outcome = "error" if errors else "new"
        row.form = form
    return check


def department_error(name, departments):
    expected = "或".join(f"“{d}”" for d in departments) or "本单位的名称"
    if not name:
        return f"请填写责任单位：{expected}。"
    return f"只能登记本单位的事项：“{name}”不是您所在的单位，请填写{expected}。"


def category_error(written):
    kinds = "、".join(categories_written())
    if not written:
        return f"请填写类别，{len(Category.choices)}类之一：{kinds}。"
    return f"“{written}”不是可选的类别，请填写{len(Category.choices)}类之一：{kinds}。"


def import_file(upload, user, plan):
    """Check the file again and, if no row is wrong, save its new rows for review."""
    check = check_file(upload, user, plan)
    if not check.ok:
        return check, 0
    now = clock.now()
    with transaction.atomic():
        for row in check.new_rows:
            matter = row.form.save(commit=False)
            matter.created_by = user
            matter.created_at = now
            matter.state = Matter.State.SUBMITTED
            matter._history_user = user
            matter.save()
    return check, len(check.new_rows)
