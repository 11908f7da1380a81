"""The Excel round trip: download the department's template, fill it in, upload it."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl.utils import get_column_letter

from projects.exchange.importing import TEMPLATE_COLUMNS
from projects.models import ProgressReport
from projects.rules import roles

from ..conftest import make_official
from ..factories import DepartmentFactory, ReportFactory, TargetFactory
from ..files import image_bytes
from .upload import IMPORT, check, confirm, filled, saved, template


def test_template_lists_the_departments_targets_with_approved_figures(client, reporter, targets):
    parking = targets[0]
    ReportFactory(target=parking, value=800, as_of=date(2021, 5, 31))
    ReportFactory(target=parking, value=999, as_of=date(2021, 6, 30), state="submitted")
    sheet = template(client)["填报"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["指标编号", "年度", "实事"]
    by_name = {row[3]: row for row in rows[1:] if any(row)}
    assert set(by_name) == {"新增中心城区停车位", "完成老旧小区改造"}  # not another department's
    assert by_name["新增中心城区停车位"][5:8] == [2000, 800, datetime(2021, 5, 31)]


def test_a_good_file_is_checked_then_imported_as_submitted(client, reporter, targets):
    parking, renovation, _ = targets
    content = filled(
        client,
        {
            "新增中心城区停车位": {
                "新累计值": 1200,
                "截至日期": date(2021, 8, 31),
                "备注": "城市更新项目配建",
            },
            "完成老旧小区改造": {"新累计值": "1100", "截至日期": "2021-08-31"},
        },
    )
    response = check(client, content)
    result = response.context["check"]
    assert result.ok
    assert [(r.number, r.outcome) for r in result.rows] == [(2, "new"), (3, "new")]
    assert ProgressReport.objects.count() == 0  # a dry run saves nothing
    assert "确认导入 2 行" in response.content.decode()

    page = confirm(client, response)
    assert "已导入 2 条填报" in page.content.decode()
    reports = ProgressReport.objects.order_by("target__project__number")
    assert [(r.target, r.value, r.state, r.created_by) for r in reports] == [
        (renovation, 1100, "submitted", reporter),
        (parking, 1200, "submitted", reporter),
    ]
    assert reports[1].note == "城市更新项目配建"


def test_uploading_the_same_file_again_adds_nothing(client, reporter, targets):
    content = filled(client, {"新增中心城区停车位": {"新累计值": 1200, "截至日期": "2021-08-31"}})
    confirm(client, check(client, content))
    again = check(client, content)
    assert [r.outcome for r in again.context["check"].rows] == ["empty", "duplicate"]
    assert "没有需要导入的新数据" in again.content.decode()
    assert ProgressReport.objects.count() == 1


BAD_ROWS = [
    ({"新累计值": "一千", "截至日期": "2021-08-31"}, "新累计值", "请填写数字，例如 1200 或 12.5。"),
    ({"新累计值": -5, "截至日期": "2021-08-31"}, "新累计值", "完成值不能为负数。"),
    ({"新累计值": 1200, "截至日期": "2099-01-01"}, "截至日期", "截至日期不能晚于今天"),
    (
        {"新累计值": 1200, "截至日期": "2020-12-31"},
        "截至日期",
        "截至日期不能早于计划开始日期（2021-01-01）。",
    ),
    ({"新累计值": 1200, "截至日期": "八月底"}, "截至日期", "请填写有效的日期，格式如 2021-06-30。"),
    ({"新累计值": 1200}, "截至日期", "请填写截至日期。"),
    ({"新累计值": 30000, "截至日期": "2021-08-31"}, "确认超十倍", "超过目标值（2000 个）的 10 倍"),
    (
        {"新累计值": 100, "截至日期": "2021-08-31"},
        "滞后原因",
        "该数值落后于序时进度，请填写滞后原因。",
    ),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_ROWS)
def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_imported(
    client, reporter, targets, cells, column, message
):
    content = filled(
        client,
        {
            "完成老旧小区改造": {"新累计值": 1100, "截至日期": "2021-08-31"},  # a good row
            "新增中心城区停车位": cells,
        },
    )
    response = check(client, content)
    result = response.context["check"]
    assert not result.ok
    bad = next(r for r in result.rows if r.outcome == "error")
    assert bad.number == 3  # the template lists project 六 before 七
    assert any(c == column and message in m for c, m in bad.errors), bad.errors
    html = response.content.decode()
    letter = get_column_letter(TEMPLATE_COLUMNS.index(column) + 1)  # as the suite shows it
    assert "第 3 行" in html and f"{letter} 列（{column}）：" in html
    assert "确认导入 " not in html and 'name="confirm"' not in html
    assert ProgressReport.objects.count() == 0


def test_a_lower_figure_without_a_note_is_an_error(client, reporter, targets):
    ReportFactory(target=targets[0], value=1300, as_of=date(2021, 7, 31))
    content = filled(client, {"新增中心城区停车位": {"新累计值": 1250, "截至日期": "2021-08-31"}})
    bad = next(r for r in check(client, content).context["check"].rows if r.errors)
    assert bad.errors == [
        ("备注", "该数值低于上次审核通过的 1300（截至2021-07-31），属于更正，请在备注中说明原因。")
    ]


def test_another_departments_target_cannot_be_imported(client, reporter, targets):
    other = targets[2]
    content = f"指标编号,新累计值,截至日期\n{other.pk},3,2021-08-31\n".encode()
    row = check(client, content, "a.csv").context["check"].rows[0]
    lead = other.project.lead_department
    assert row.errors == [
        (
            "指标编号",
            f"指标 {other.pk}“新建发热门诊”属于2021年“{other.project}”，由{lead}牵头，"
            "不是您所在单位的指标，不能填报。请核对指标编号（可从本单位的模板复制）。",
        )
    ]
    assert ProgressReport.objects.count() == 0


def test_a_target_of_an_unpublished_plan_or_none_is_not_named(client, reporter, targets):
    hidden = TargetFactory(project__plan__year=2022, project__plan__is_published=False)
    content = f"指标编号,新累计值,截至日期\n{hidden.pk},3,2021-08-31\n99999,3,2021-08-31\n"
    rows = check(client, content.encode(), "a.csv").context["check"].rows
    assert [row.errors for row in rows] == [
        [
            (
                "指标编号",
                f"没有编号为 {number} 的指标可供您填报。请核对指标编号（可从本单位的模板复制）。",
            )
        ]
        for number in (hidden.pk, 99999)
    ]


def test_a_sheet_kept_through_the_year_imports_each_dated_row(client, reporter, targets):
    parking = targets[0]
    ReportFactory(target=parking, value=500, as_of=date(2021, 6, 30))
    lines = [
        "指标编号,新累计值,截至日期,备注,滞后原因,下一步措施",
        f"{parking.pk},500,2021-06-30,,,",  # approved already: skipped
        f"{parking.pk},1400,2021-09-30,,,",  # out of date order in the sheet
        f"{parking.pk},1200,2021-08-31,,雨季,加快",
        f"{parking.pk},900,2021-07-31,,雨季,加快",
    ]
    response = check(client, "\n".join(lines).encode(), "a.csv")
    result = response.context["check"]
    assert [r.outcome for r in result.rows] == ["duplicate", "new", "new", "new"]
    confirm(client, response)
    entered = ProgressReport.objects.filter(state="submitted").order_by("as_of")
    assert [(r.as_of.month, r.value) for r in entered] == [(7, 900), (8, 1200), (9, 1400)]


def test_dated_rows_of_a_target_are_checked_in_date_order(client, reporter, targets):
    parking = targets[0]
    lines = [
        "指标编号,新累计值,截至日期,备注,滞后原因,下一步措施",
        f"{parking.pk},1300,2021-08-31,,雨季,加快",
        f"{parking.pk},1250,2021-09-30,,雨季,加快",  # below the row dated before it
        f"{parking.pk},1100,2021-07-31,,雨季,加快",
        f"{parking.pk},1350,2021-09-30,,雨季,加快",  # the same date again
        f"{parking.pk},1200,2021-10-31,核减重复统计的车位,雨季,加快",  # lower, with a note
    ]
    rows = check(client, "\n".join(lines).encode(), "a.csv").context["check"].rows
    assert [r.errors for r in rows] == [
        [],
        [("备注", "该数值低于第 2 行（截至2021-08-31）的 1300，累计数不应减少；"
                  "如属更正，请在备注中说明原因。")],
        [],
        [("截至日期", "该指标截至2021-09-30的数值已在第 3 行填写，同一日期只能填一行。")],
        [],
    ]  # fmt: skip
    assert ProgressReport.objects.count() == 0


def test_a_gbk_csv_from_chinese_excel_is_read(client, reporter, targets):
    parking = targets[0]
    text = f"指标编号,新累计值,截至日期,备注\n{parking.pk},1200,2021/8/31,城市更新项目配建\n"
    response = check(client, text.encode("gbk"), "填报.csv")
    assert response.context["check"].ok
    confirm(client, response)
    report = ProgressReport.objects.get()
    assert (report.as_of, report.note) == (date(2021, 8, 31), "城市更新项目配建")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("编号,数值\n1,2\n".encode(), "a.csv", "找不到必需的列：指标编号、新累计值、截至日期"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "填报.xls", "另存为"),
        (image_bytes("PNG"), "填报.xlsx", "无法识别的文件"),
        (b"PK\x03\x04" + b"\x00" * 200, "填报.xlsx", "无法读取该文件，请确认是 .xlsx 或 .ods"),
        (b"", "a.csv", "文件是空的"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused_clearly(
    client, reporter, targets, content, name, message
):
    response = check(client, content, name)
    html = response.content.decode()
    assert message in html
    assert ProgressReport.objects.count() == 0


def test_an_oversized_import_is_refused(client, reporter, targets, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"\xe6\x8c\x87\xe6\xa0\x87\xe7\xbc\x96\xe5\x8f\xb7," * (1024 * 1024 // 10)
    assert "导入文件不能超过 1 MB" in check(client, content, "a.csv").content.decode()


def test_a_confirmation_without_this_sessions_upload_imports_nothing(client, reporter, targets):
    response = client.post(IMPORT, {"confirm": "1", "token": "0" * 32}, follow=True)
    assert "导入已失效" in response.content.decode()
    assert ProgressReport.objects.count() == 0


@pytest.mark.parametrize("target_id", ["9223372036854775808", "abc", "-1", "1.5"])
def test_a_target_id_that_is_no_id_is_a_row_error(client, reporter, targets, target_id):
    content = f"指标编号,新累计值,截至日期\n{target_id},3,2021-08-31\n".encode()
    row = check(client, content, "a.csv").context["check"].rows[0]
    assert row.errors == [("指标编号", "请选择您有权填报的指标。")]


# Validation reads the database a fixed number of times for the whole file


def csv_of(targets, value, note="导入"):
    """A row per target, each dated a different day of June (each judged on its own)."""
    lines = ["指标编号,新累计值,截至日期,备注,滞后原因,下一步措施"]
    lines += [
        f"{t.pk},{value},2021-06-{n % 28 + 1:02d},{note},雨季,加快" for n, t in enumerate(targets)
    ]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("rows", [3, 40])
def test_checking_a_file_costs_the_same_queries_however_many_rows(
    client, reporter, department, plan, rows, django_assert_num_queries
):
    from django.core.files.base import ContentFile

    from projects.exchange.importing import check_file

    many = [
        TargetFactory(project__plan=plan, project__lead_department=department, target_value=100)
        for _ in range(rows)
    ]
    for target in many:
        ReportFactory(target=target, value=20, as_of=date(2021, 3, 31))
        ReportFactory(target=target, value=25, as_of=date(2021, 4, 30), state="submitted")
    content = ContentFile(csv_of(many, 30), name="填报.csv")
    # 1, 2 the user's permissions (may they see every department?), 3 the file's targets
    # they may see, with project and plan, 4 the reports already entered on the file's
    # dates, 5 those waiting for review (every target here has one: each row is told of
    # its own), 6 the pace of every new figure, each on its own date, with the approved
    # report before it
    with django_assert_num_queries(6):
        check = check_file(content, reporter)
    assert [r.outcome for r in check.rows] == ["new"] * rows
    assert all("2021-04-30的 25" in r.warnings[0] for r in check.rows)


def test_rows_entered_before_still_count_in_the_date_order(client, reporter, targets):
    parking = targets[0]
    ReportFactory(target=parking, value=1300, as_of=date(2021, 8, 31), state="submitted")
    lines = [
        "指标编号,新累计值,截至日期,备注,滞后原因,下一步措施",
        f"{parking.pk},1300,2021-08-31,,雨季,加快",  # submitted already: skipped
        f"{parking.pk},1250,2021-09-30,,雨季,加快",  # but still below it
        f"{parking.pk},1350,2021-08-31,,雨季,加快",  # a second figure for August
        f"{parking.pk},1400,2021-10-31,,雨季,加快",
        f"{parking.pk},1400,2021-10-31,,雨季,加快",  # the row above, pasted twice
    ]
    rows = check(client, "\n".join(lines).encode(), "a.csv").context["check"].rows
    assert [(row.outcome, [column for column, _ in row.errors]) for row in rows] == [
        ("duplicate", []),
        ("error", ["备注"]),
        ("error", ["截至日期"]),
        ("new", []),
        ("duplicate", []),
    ]
    assert rows[2].errors[0][1] == "该指标截至2021-08-31的数值已在第 2 行填写，同一日期只能填一行。"


@pytest.mark.parametrize(("dates", "queries"), [(1, 6), (3, 8)])
def test_each_further_dated_row_of_a_target_costs_one_query(
    client, reporter, targets, dates, queries, django_assert_num_queries
):
    from django.core.files.base import ContentFile

    from projects.exchange.importing import check_file

    lines = ["指标编号,新累计值,截至日期,滞后原因,下一步措施"]
    for month in range(6, 6 + dates):
        lines += [f"{t.pk},{month * 100},2021-{month:02d}-30,雨季,加快" for t in targets[:2]]
    # The six queries of any file, the pace judged once for all first rows of each
    # target; then once more for all second rows, and so on.
    with django_assert_num_queries(queries):
        check = check_file(ContentFile("\n".join(lines).encode(), name="填报.csv"), reporter)
    assert [r.outcome for r in check.rows] == ["new"] * 2 * dates


def test_each_dated_row_is_judged_on_its_own_day_with_its_own_figure(client, reporter, targets):
    parking = targets[0]  # 2,000 spaces in 2021
    lines = [
        "指标编号,新累计值,截至日期",
        f"{parking.pk},20,2021-01-31",  # 1% of 8% expected: on pace
        f"{parking.pk},1000,2021-06-30",  # 50% of 49%: on pace
        f"{parking.pk},1100,2021-09-30",  # 55% of 75%: behind, reasons wanted
    ]
    rows = check(client, "\n".join(lines).encode(), "a.csv").context["check"].rows
    assert [sorted(column for column, _ in row.errors) for row in rows] == [
        [], [], ["下一步措施", "滞后原因"]
    ]  # fmt: skip


def test_rules_are_judged_from_the_batch_as_the_form_judges_them_alone(client, reporter, targets):
    from projects.exchange.forms import ProgressReportForm
    from projects.models import Target

    parking, renovation, other = targets
    ReportFactory(target=parking, value=800, as_of=date(2021, 5, 31))
    rows = [
        (parking.pk, "700", "2021-06-30"),  # below the approved 800: a correction
        (renovation.pk, "100", "2021-10-31"),  # far behind pace
        (other.pk, "3", "2021-06-30"),  # another department's
    ]
    content = "\n".join(
        ["指标编号,新累计值,截至日期,备注"] + [f"{t},{v},{d}," for t, v, d in rows]
    ).encode()
    result = check(client, content, name="填报.csv").context["check"]
    in_file = [sorted(column for column, _ in row.errors) for row in result.rows]
    alone = []
    for target, value, day in rows:
        form = ProgressReportForm(data={"target": target, "value": value, "as_of": day})
        form.fields["target"].queryset = Target.objects.visible_to(reporter)
        form.is_valid()
        alone.append(sorted(form.errors))
    assert in_file[:2] == [
        sorted(["备注", "下一步措施", "滞后原因"]),
        sorted(["下一步措施", "滞后原因"]),
    ]
    assert [sorted({"备注": "note", "滞后原因": "delay_reason", "下一步措施": "next_steps"}[c]
                   for c in columns) for columns in in_file[:2]] == alone[:2]  # fmt: skip
    assert (alone[2], in_file[2]) == (["target"], ["指标编号"])


# The writings officials use


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("9,000", "9000"), ("9，000", "9000"), ("9 000", "9000"), ("９０００", "9000"),
        ("1,234.5", "1234.5"), ("120套", "120"), ("120 套", "120"), ("12.5", "12.5"),
        ("abc", "abc"), ("-5", "-5"),
    ],
)  # fmt: skip
def test_numbers_are_read_as_typed(typed, read):
    from projects.exchange.importing import read_figure

    assert read_figure(typed, "套") == read


def test_a_figure_in_another_unit_is_an_error_not_a_figure():
    from django.core.exceptions import ValidationError

    from projects.exchange.importing import read_figure

    with pytest.raises(ValidationError, match="单位与指标的单位（公里）不符"):
        read_figure("40000米", "公里")


@pytest.mark.parametrize(
    "typed",
    ["2021-12-15", "2021.12.15", "2021/12/15", "2021年12月15日", "21-12-15", "２０２１-１２-１５",
     "2021.12.15 ", "2021 年 12 月 15 日"],
)  # fmt: skip
def test_dates_are_read_as_written(typed):
    from projects.exchange.importing import read_date

    assert read_date(typed) == "2021-12-15"


def test_a_sheet_of_handwritten_figures_and_dates_imports(client, reporter, targets):
    parking, renovation, _ = targets
    content = "\n".join([
        "指标编号,新累计值,截至日期,滞后原因,下一步措施,确认超十倍",
        f'{parking.pk},"1,200",2021年8月31日,雨季,加快,',
        "",  # a blank row: the next is sheet row 4, and says so
        f"{renovation.pk},1100户,2021.08.31,,,TRUE",
    ]).encode()  # fmt: skip
    result = check(client, content, name="填报.csv").context["check"]
    assert [(r.number, r.outcome) for r in result.rows] == [(2, "new"), (4, "new")]
    values = [r.form.cleaned_data["value"] for r in result.rows]
    assert values == [1200, 1100]
    assert result.rows[1].form.cleaned_data["confirm_large"] is True


def test_an_error_names_the_sheet_row_past_blank_rows(client, reporter, targets):
    parking = targets[0]
    content = "\n".join(
        ["指标编号,新累计值,截至日期", "", "", f"{parking.pk},abc,2021-08-31"]
    ).encode()
    result = check(client, content, name="填报.csv").context["check"]
    assert [(r.number, r.outcome) for r in result.rows] == [(4, "error")]


def test_uploading_the_file_again_after_approval_adds_nothing_and_finds_nothing_wrong(
    client, reporter, targets
):
    parking = targets[0]
    ReportFactory(target=parking, value=800, as_of=date(2021, 5, 31))  # approved
    content = f"指标编号,新累计值,截至日期,备注\n{parking.pk},800,2021-05-31,\n".encode()
    result = check(client, content, name="填报.csv").context["check"]
    assert result.ok
    assert [r.outcome for r in result.rows] == ["duplicate"]


# Sheets as officials keep them


def test_a_title_row_an_added_column_and_the_notes_sheet_first_still_import(
    client, reporter, targets
):
    parking = targets[0]
    workbook = template(client)
    sheet = workbook["填报"]
    sheet.insert_rows(1)
    sheet["A1"] = "区住建局2021年民生实事进度填报表"  # the most common habit of all
    headers = [c.value for c in sheet[2]]
    sheet.cell(2, len(headers) + 1).value = "填报人"
    for line in sheet.iter_rows(min_row=3):
        if line[headers.index("指标")].value == parking.name:
            line[headers.index("新累计值")].value = 1200
            line[headers.index("截至日期")].value = date(2021, 8, 31)
            line[len(headers)].value = "王某"
            sheet_row = line[0].row
    workbook.move_sheet("说明", offset=-len(workbook.sheetnames) + 1)
    assert workbook.sheetnames[0] == "说明"
    response = check(client, saved(workbook))
    result = response.context["check"]
    assert result.ok and [r.target for r in result.new_rows] == [str(parking.pk)]
    assert result.new_rows[0].number == sheet_row > 2  # below the title and the header
    assert "以下列不属于模板，未读取：填报人。" in response.content.decode()


def test_two_visible_sheets_with_the_header_are_refused_not_guessed(client, reporter, targets):
    workbook = template(client)
    workbook.copy_worksheet(workbook["填报"]).title = "7月"
    response = check(client, saved(workbook))
    assert response.context["check"].file_errors == [
        "有 2 张工作表都有表头（填报、7月），无法确定导入哪一张。"
        "请把要导入的行放在同一张表中，其余的删除或隐藏后再上传。"
    ]


def test_a_flat_xml_spreadsheet_is_told_to_save_as_ods_or_xlsx(client, reporter, targets):
    content = b'<?xml version="1.0" encoding="UTF-8"?><office:document/>'
    errors = check(client, content, "填报.fods").context["check"].file_errors
    assert errors == [
        "这是 XML 格式的表格（如 .fods）。请在办公软件中打开，另存为 .ods 或 .xlsx 后再上传。"
    ]


def test_a_csv_with_a_title_row_imports(client, reporter, targets):
    parking = targets[0]
    content = f"区住建局进度表,,\n指标编号,新累计值,截至日期\n{parking.pk},1200,2021-08-31\n"
    result = check(client, content.encode(), name="填报.csv").context["check"]
    assert [(r.number, r.outcome) for r in result.rows] == [(3, "new")]


def test_a_merged_date_cell_dates_every_row_it_covers(client, reporter, targets):
    workbook = template(client)
    sheet = workbook["填报"]
    headers = [c.value for c in sheet[1]]
    value, day = headers.index("新累计值") + 1, headers.index("截至日期") + 1
    for row, figure in ((2, 1100), (3, 1200)):
        sheet.cell(row, value).value = figure
    sheet.cell(2, day).value = date(2021, 8, 31)
    sheet.merge_cells(start_row=2, start_column=day, end_row=3, end_column=day)
    result = check(client, saved(workbook)).context["check"]
    assert [(r.as_of, r.outcome) for r in result.rows] == [("2021-08-31", "new")] * 2


# The template: a sheet an official can work in


def test_the_template_opens_what_to_fill_and_checks_dates_and_choices(client, reporter, targets):
    workbook = template(client)
    sheet = workbook["填报"]
    headers = [c.value for c in sheet[1]]
    column = {name: headers.index(name) + 1 for name in headers}
    assert sheet.protection.sheet  # reference columns locked ...
    assert not sheet.cell(2, column["新累计值"]).protection.locked  # ... the rest open
    assert sheet.cell(2, column["指标"]).protection.locked
    assert sheet.cell(2, column["指标编号"]).protection.locked
    below = 4  # the first open row: under the header and this department's two targets
    assert not sheet.cell(below, column["指标编号"]).protection.locked  # more dates of one
    assert not sheet.cell(below + 99, column["截至日期"]).protection.locked
    assert sheet.cell(below + 100, column["截至日期"]).protection.locked
    assert not sheet.protection.insertRows  # adding rows stays allowed
    assert sheet.cell(2, column["截至日期"]).number_format == "yyyy-mm-dd"
    rules = {v.type: v for v in sheet.data_validations.dataValidation}
    assert (
        rules["date"].formula1 == "DATE(2021,1,1)" and rules["date"].formula2 == "DATE(2021,12,31)"
    )
    assert rules["list"].formula1 == '"是,否"'
    assert (rules["date"].errorStyle, rules["decimal"].errorStyle) == ("warning", "warning")
    assert sheet.column_dimensions["C"].width >= 30  # 实事, readable
    notes = [row[0] for row in workbook["说明"].iter_rows(values_only=True)]
    assert any(line.startswith("示例") for line in notes)


def test_a_department_with_no_target_is_told_why_its_template_is_empty(client, plan):
    client.force_login(make_official("idle", roles.REPORTER, DepartmentFactory(name="区档案馆")))
    workbook = template(client)
    assert workbook["填报"].max_row == 1
    notes = [row[0] for row in workbook["说明"].iter_rows(values_only=True)]
    assert any("没有牵头或配合的实事" in line for line in notes)


def test_many_targets_are_judged_within_sqlites_default_limit_of_variables(plan):
    import sqlite3
    from decimal import Decimal

    from django.db import connection

    from projects.models import Target

    from ..factories import ProjectFactory

    project = ProjectFactory(plan=plan)
    Target.objects.bulk_create(
        Target(project=project, order=n, name=f"指标{n}", unit="个", target_value=100)
        for n in range(1300)
    )
    pks = Target.objects.values_list("pk", flat=True)
    figures = [(pk, date(2021, 6, 30), Decimal(50)) for pk in pks]
    connection.ensure_connection()
    limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    # Debian's SQLite allows 250,000 variables; SQLite's own default, 32,766, is what
    # others build with. (PostgreSQL takes 65,535 parameters.)
    previous = (
        connection.connection.setlimit(limit, 32766) if connection.vendor == "sqlite" else None
    )
    try:
        statuses = Target.objects.judge(figures)
    finally:
        if previous is not None:
            connection.connection.setlimit(limit, previous)
    assert len(statuses) == 1300
    assert {status for status, _previous in statuses.values()} == {"on_track"}  # 50% of 49%


def test_a_percent_is_read_for_a_target_counted_in_percent_only(client, reporter, targets):
    renovation = targets[1]
    share = TargetFactory(
        project=renovation.project, name="改造小区加装电梯比例", unit="%", target_value=60
    )
    lines = [
        "指标编号,新累计值,截至日期,滞后原因,下一步措施",
        f"{share.pk},55％,2021-08-31,雨季,加快",
        f"{share.pk},57.5%,2021-09-30,雨季,加快",
        f"{renovation.pk},55%,2021-08-31,雨季,加快",
    ]
    rows = check(client, "\n".join(lines).encode(), "a.csv").context["check"].rows
    assert [r.form.cleaned_data["value"] for r in rows[:2]] == [55, Decimal("57.5")]
    assert rows[2].errors == [
        ("新累计值", "“55%”是百分数，该指标以户计：请填写累计完成的户数，不是完成比例。")
    ]


def test_each_dated_row_follows_the_approved_figure_of_its_own_date(client, reporter, targets):
    parking = targets[0]
    ReportFactory(target=parking, value=100, as_of=date(2021, 3, 31))
    ReportFactory(target=parking, value=900, as_of=date(2021, 9, 30))
    lines = [
        "指标编号,新累计值,截至日期,备注,滞后原因,下一步措施",
        f"{parking.pk},500,2021-06-30,,雨季,加快",  # above March's: no correction
        f"{parking.pk},800,2021-09-30,,雨季,加快",  # below September's: one, with no note
    ]
    rows = check(client, "\n".join(lines).encode(), "a.csv").context["check"].rows
    assert [(row.outcome, [column for column, _ in row.errors]) for row in rows] == [
        ("new", []),
        ("error", ["备注"]),
    ]
    assert rows[0].corrects is None
