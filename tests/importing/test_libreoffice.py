"""The sheets as a district official keeps them: the department's template downloaded,
filled in and saved by LibreOffice (the office suite nearest WPS available here) in the
ways people save, then the dry run of each file. openpyxl plays the official's hands;
every file uploaded is the one LibreOffice wrote. And the other way: a spreadsheet we
hand out, opened in LibreOffice, computes with its figures."""

import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Contract, Plan, ProgressReport, Source
from projects.rules import clock, roles

from ..conftest import make_official
from ..factories import ReportFactory, TargetFactory
from .upload import check, confirm, saved, template

ODS = "ods"  # LibreOffice's own format, what it saves unless told otherwise
XLSX = "xlsx:Calc MS Excel 2007 XML"
# Text CSV: comma, double quotes, a character set, from line 1, and (the 9th token)
# every cell saved as shown, which is LibreOffice's default.
CSV = "csv:Text - txt - csv (StarCalc):44,34,{},1,,0,false,true,true"
UTF8, GBK, GB18030 = 76, 67, 85  # LibreOffice's numbers for them (rtl/textenc.h)
SAVED_AS = pytest.mark.parametrize("to", [ODS, XLSX], ids=["ods", "xlsx"])
EXPLAINED = "该数值落后于序时进度"  # not what these tests are about: every row explains


def opened(client):
    """The downloaded template: (workbook, its 填报 sheet, {column name: number},
    {target name: row number})."""
    workbook = template(client)
    sheet = workbook["填报"]
    column = {cell.value: cell.column for cell in sheet[1]}
    names = sheet.iter_rows(min_row=2, min_col=column["指标"], max_col=column["指标"])
    rows = {cell.value: cell.row for (cell,) in names if cell.value}
    return workbook, sheet, column, rows


def write(sheet, column, row, **cells):
    """Type cells of one row, by column name; every row gives a reason for any delay."""
    cells = {"滞后原因": "雨季施工受阻", "下一步措施": "增加施工班组", **cells}
    for name, value in cells.items():
        sheet.cell(row, column[name]).value = value


def dry_run(client, libreoffice, workbook, to):
    extension = to.split(":")[0]
    content = libreoffice(saved(workbook), to)
    return check(client, content, f"填报.{extension}")


def outcomes(response):
    """(row number, outcome) of each filled row (the template's rows left empty are
    skipped, as they always are)."""
    result = response.context["check"]
    return [(row.number, row.outcome) for row in result.rows if row.outcome != "empty"]


@SAVED_AS
def test_figures_and_dates_as_officials_type_them(client, libreoffice, reporter, targets, to):
    parking, renovation, _ = targets
    workbook, sheet, column, rows = opened(client)
    write(sheet, column, rows[parking.name], 新累计值="1,000", 截至日期="2021.06.30")
    write(sheet, column, rows[renovation.name], 新累计值="1，100户", 截至日期="2021年8月31日")
    below = max(rows.values()) + 1  # the open rows, for more dates of a target
    write(sheet, column, below, 指标编号=parking.pk, 新累计值="1 200", 截至日期="21-08-31")
    write(sheet, column, below + 1, 指标编号=str(parking.pk), 新累计值="1300个",
          截至日期="２０２１-０９-３０")  # fmt: skip
    response = dry_run(client, libreoffice, workbook, to)
    result = response.context["check"]
    assert [row.errors for row in result.rows] == [[]] * 4
    read = [(r.number, r.form.cleaned_data["value"], r.form.cleaned_data["as_of"])
            for r in result.rows]  # fmt: skip
    assert sorted(read) == [
        (2, 1100, date(2021, 8, 31)),  # 完成老旧小区改造 comes first (project 6)
        (3, 1000, date(2021, 6, 30)),
        (4, 1200, date(2021, 8, 31)),
        (5, 1300, date(2021, 9, 30)),
    ]


@SAVED_AS
def test_a_blank_row_leaves_every_row_named_as_the_suite_shows_it(
    client, libreoffice, reporter, targets, to
):
    parking, renovation, _ = targets
    workbook, sheet, column, rows = opened(client)
    write(sheet, column, rows[renovation.name], 新累计值=1100, 截至日期=date(2021, 8, 31))
    write(sheet, column, rows[parking.name], 新累计值="一千二", 截至日期=date(2021, 8, 31))
    sheet.insert_rows(rows[parking.name])  # a blank row: 停车位 moves down to row 4
    response = dry_run(client, libreoffice, workbook, to)
    assert outcomes(response) == [(2, "new"), (4, "error")]
    html = response.content.decode()
    assert "<td>第 4 行</td>" in html and "L 列（新累计值）：请填写数字" in html


@SAVED_AS
def test_a_title_row_an_added_column_and_the_notes_sheet_first(
    client, libreoffice, reporter, targets, to
):
    parking, renovation, _ = targets
    # A figure waiting for review fills its row's 待审核 columns (a date and time among
    # them), which are the template's own: not read, and not named as added.
    ReportFactory(
        target=renovation, value=900, as_of=date(2021, 6, 30), state="submitted",
        submitted_at=clock.now(),
    )  # fmt: skip
    workbook, sheet, column, rows = opened(client)
    assert sheet.cell(rows[renovation.name], column["待审核提交时间"]).value is not None
    write(sheet, column, rows[parking.name], 新累计值=1200, 截至日期=date(2021, 8, 31))
    added = len(column) + 1
    sheet.cell(1, added).value = "填报人"
    sheet.cell(rows[parking.name], added).value = "王某"
    sheet.insert_rows(1)
    sheet["A1"] = "区住建局2021年民生实事进度填报表"  # the most common habit of all
    workbook.move_sheet("说明", offset=1 - len(workbook.sheetnames))
    assert workbook.sheetnames[:3] == ["说明", "填报", "预算"]
    response = dry_run(client, libreoffice, workbook, to)
    assert outcomes(response) == [(rows[parking.name] + 1, "new")]  # under the title
    assert response.context["check"].notes == ["以下列不属于模板，未读取：填报人。"]


@SAVED_AS
def test_a_merged_date_and_true_to_confirm(client, libreoffice, reporter, targets, to):
    workbook, sheet, column, rows = opened(client)
    first, second = sorted(rows.values())
    write(sheet, column, first, 新累计值=20000, 截至日期=date(2021, 8, 31), 确认超十倍=True)
    write(sheet, column, second, 新累计值=1200)
    day = column["截至日期"]
    sheet.merge_cells(start_row=first, start_column=day, end_row=second, end_column=day)
    result = dry_run(client, libreoffice, workbook, to).context["check"]
    assert [(r.as_of, r.outcome) for r in result.rows] == [("2021-08-31", "new")] * 2
    assert result.rows[0].form.cleaned_data["confirm_large"] is True  # 20000 户 of 1800


@SAVED_AS
def test_hidden_and_reordered_columns_and_a_formula(client, libreoffice, reporter, targets, to):
    parking = targets[0]
    workbook, sheet, column, rows = opened(client)
    write(sheet, column, rows[parking.name], 新累计值="=1000+200", 截至日期=date(2021, 8, 31))
    table = [list(row) for row in sheet.iter_rows(values_only=True) if any(row)]
    order = sorted(range(len(table[0])), key=lambda i: table[0][i] == "新累计值")  # moved last
    sheet.delete_rows(1, sheet.max_row)
    for line in table:
        sheet.append([line[i] for i in order])
    sheet.column_dimensions["C"].hidden = sheet.column_dimensions["D"].hidden = True
    result = dry_run(client, libreoffice, workbook, to).context["check"]
    assert [(r.number, r.outcome) for r in result.new_rows] == [(rows[parking.name], "new")]
    assert result.new_rows[0].form.cleaned_data["value"] == 1200  # as LibreOffice computed it


@SAVED_AS
def test_last_months_sheet_hidden_is_not_read(client, libreoffice, reporter, targets, to):
    parking = targets[0]
    workbook, sheet, column, rows = opened(client)
    june = workbook.copy_worksheet(sheet)
    june.title, june.sheet_state = "6月", "hidden"
    workbook.move_sheet(june, offset=1 - len(workbook.sheetnames))
    write(june, column, rows[parking.name], 新累计值=1000, 截至日期=date(2021, 6, 30))
    write(sheet, column, rows[parking.name], 新累计值=1100, 截至日期=date(2021, 7, 31))
    assert workbook.sheetnames[:3] == ["6月", "填报", "预算"]
    result = dry_run(client, libreoffice, workbook, to).context["check"]
    assert [(r.value, r.as_of) for r in result.new_rows] == [("1100", "2021-07-31")]


def test_a_sheet_kept_through_the_year_adds_only_what_is_new(
    client, libreoffice, reporter, targets
):
    parking = targets[0]
    workbook, sheet, column, rows = opened(client)
    below = max(rows.values()) + 1
    write(sheet, column, rows[parking.name], 新累计值=1000, 截至日期=date(2021, 6, 30))
    write(sheet, column, below, 指标编号=parking.pk, 新累计值=1100, 截至日期=date(2021, 7, 31))
    first = dry_run(client, libreoffice, workbook, ODS)
    confirm(client, first)
    checker = make_official("checker", roles.REVIEWER)
    for report in ProgressReport.objects.all():
        report.approve(checker)

    again = dry_run(client, libreoffice, workbook, ODS)
    assert again.context["check"].ok
    assert outcomes(again) == [(rows[parking.name], "duplicate"), (below, "duplicate")]
    write(sheet, column, below + 1, 指标编号=parking.pk, 新累计值=1200, 截至日期=date(2021, 8, 31))
    month_later = dry_run(client, libreoffice, workbook, ODS)
    assert [outcome for _, outcome in outcomes(month_later)] == ["duplicate", "duplicate", "new"]
    confirm(client, month_later)
    assert ProgressReport.objects.count() == 3


@pytest.mark.parametrize("charset", [UTF8, GBK, GB18030], ids=["utf-8", "gbk", "gb18030"])
def test_a_csv_saved_as_shown_from_formatted_cells(client, libreoffice, reporter, targets, charset):
    parking, renovation, _ = targets
    workbook, sheet, column, rows = opened(client)
    note = "㮾梨街道" if charset != GBK else "城市更新项目配建"  # 㮾: GB18030, not GBK
    write(sheet, column, rows[parking.name], 新累计值=1200, 截至日期=date(2021, 8, 31), 备注=note)
    write(sheet, column, rows[renovation.name], 新累计值=1100, 截至日期=date(2021, 8, 31))
    for row in rows.values():
        sheet.cell(row, column["新累计值"]).number_format = "#,##0"
        sheet.cell(row, column["截至日期"]).number_format = 'yyyy"年"m"月"d"日"'
    sheet.cell(rows[renovation.name], column["新累计值"]).number_format = '#,##0"户"'
    content = libreoffice(saved(workbook), CSV.format(charset))
    encoding = {UTF8: "utf-8", GBK: "gbk", GB18030: "gb18030"}[charset]
    lines = list(csv.reader(io.StringIO(content.decode(encoding))))
    shown = {line[column["指标"] - 1]: line for line in lines[1:] if any(line)}
    assert shown[renovation.name][column["新累计值"] - 1] == "1,100户"
    assert shown[parking.name][column["截至日期"] - 1] == "2021年8月31日"
    result = check(client, content, "填报.csv").context["check"]
    assert [row.errors for row in result.rows] == [[], []]
    by_row = {r.number: r.form.cleaned_data for r in result.rows}
    assert (by_row[rows[parking.name]]["value"], by_row[rows[parking.name]]["note"]) == (1200, note)
    assert by_row[rows[renovation.name]]["value"] == 1100


def test_an_xls_save_is_told_how_to_save_as_xlsx(client, libreoffice, reporter, targets):
    workbook, sheet, column, rows = opened(client)
    write(sheet, column, min(rows.values()), 新累计值=1200, 截至日期=date(2021, 8, 31))
    response = dry_run(client, libreoffice, workbook, "xls:MS Excel 97")
    assert (
        "请在 Excel 或 WPS 中打开，选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，"
        "再上传新保存的文件。"
    ) in response.content.decode()
    assert ProgressReport.objects.count() == 0


def test_the_template_opened_in_libreoffice_keeps_its_checks_and_locks(
    client, libreoffice, reporter, targets
):
    content = libreoffice(saved(template(client)), ODS)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        document = archive.read("content.xml").decode()
    checks = re.findall(r'table:condition="([^"]*)"[^>]*table:allow-empty-cell="(\w+)"', document)

    def listed(*labels):
        return f"of:cell-content-is-in-list({';'.join(f'&quot;{x}&quot;' for x in labels)})", "true"

    assert sorted(checks) == sorted([
        ("of:cell-content-is-date() and cell-content-is-between(DATE(2021;1;1),DATE(2021;12;31))",
         "true"),
        ("of:cell-content-is-decimal-number() and cell-content()&gt;=0", "true"),
        listed("是", "否"),
        # the money sheets: 资金来源, 合同类别, 采购方式
        listed(*Source.labels), listed(*Contract.Kind.labels), listed(*Contract.Method.labels),
    ])  # fmt: skip
    assert re.search(r'<table:table table:name="填报"[^>]* table:protected="true"', document)
    assert 'style:cell-protect="none"' in document  # the columns to fill stay open


def test_the_ledger_opened_in_libreoffice_sums_its_current_values(db, client, libreoffice):
    today = clock.today()
    start = today - timedelta(days=200)
    plan = Plan.objects.create(
        year=2030, title="进行中的计划", period_start=start, period_end=start + timedelta(days=364)
    )
    plan.rules.filter(name="reporting_day").update(valid_from=start)  # reporting all year
    for number, value in ((1, 900), (2, "12.5"), (3, None)):
        target = TargetFactory(project__plan=plan, project__number=number, target_value=1800)
        if value is not None:  # sent long ago: each is 逾期未报 in the ledger
            sent = clock.now() - timedelta(days=60)
            ReportFactory(
                target=target, value=value, as_of=today - timedelta(days=60),
                created_at=sent, submitted_at=sent,
            )  # fmt: skip
    client.force_login(make_official("checker", roles.REVIEWER))
    response = client.get(reverse("admin:projects_ledger") + "?plan=2030&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["逾期未报指标"]
    assert sheet["F1"].value == "当前值"
    sheet.append(["合计", None, None, None, None, f"=SUM(F2:F{sheet.max_row})"])
    content = libreoffice(saved(workbook), CSV.format(UTF8), name="台账.xlsx")
    # The CSV holds the workbook's first sheet, 逾期未报指标, as LibreOffice computed it.
    last = list(csv.reader(io.StringIO(content.decode())))[-1][:6]
    assert last == ["合计", "", "", "", "", "912.5"]


# Every CSV we serve, fed hostile text, opened as an official double-clicks it.

HOSTILE = {
    "project": "=1+1",
    "note": '=HYPERLINK("http://evil.example/","x")',
    "matter": '=cmd|"/C calc"!A0',
    "place": "@SUM(1+1)",
}


def test_no_csv_we_serve_runs_a_formula_and_each_keeps_its_chinese(client, demo, libreoffice):
    from projects.models import Matter, Project

    Project.objects.filter(plan__year=2021, number=1).update(title=HOSTILE["project"])
    ProgressReport.objects.public().filter(target__project__plan__year=2021).update(
        note=HOSTILE["note"]
    )
    matters = Matter.objects.filter(state="approved")
    matters.update(title=HOSTILE["matter"], place=HOSTILE["place"])
    year = matters.first().plan.year
    routes = {
        "reports.csv": "/data/reports.csv",
        "matters.csv": f"/plans/{year}/matters/?export=csv",
        "targets.csv": "/plans/2021/targets/?export=csv",
    }
    descriptor = client.get("/data/2021/datapackage.json").json()
    for resource in descriptor["resources"]:
        assert resource["encoding"] == "utf-8-sig"
        routes[f"package-{resource['path']}"] = f"/data/2021/{resource['path']}"
    files = {}
    for name, url in routes.items():
        response = client.get(url)
        assert response.status_code == 200, url
        files[name] = b"".join(response) if response.streaming else response.content
        assert files[name].startswith("\ufeff".encode()), url  # Excel: UTF-8
    # As the import dialog reads them when it sees the BOM: UTF-8, comma, formulas as set.
    opened = libreoffice.all(files, "xlsx", infilter="CSV:44,34,76,1")
    seen, with_chinese = set(), set()
    for name, content in opened.items():
        sheet = load_workbook(io.BytesIO(content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert not [c.coordinate for c in cells if c.data_type == "f"], name  # no formula
        texts = [str(c.value) for c in cells]
        written = csv.reader(io.StringIO(files[name].decode("utf-8-sig")))
        chinese = {text for row in written for text in row if re.search("[\u4e00-\u9fff]", text)}
        assert chinese <= set(texts), name  # every Chinese text, as written
        if chinese:
            with_chinese.add(name)
        seen |= {key for key, text in HOSTILE.items() for t in texts if text in t}
    assert seen == set(HOSTILE)  # every hostile text is there, as text
    assert {"reports.csv", "matters.csv", "targets.csv", "package-projects.csv"} <= with_chinese


def test_the_packages_csvs_read_cleanly_in_pythons_csv(client, demo):
    for resource in client.get("/data/2021/datapackage.json").json()["resources"]:
        content = client.get(f"/data/2021/{resource['path']}").content
        header = next(csv.reader(io.StringIO(content.decode(resource["encoding"]))))
        assert not header[0].startswith("\ufeff") and header[0].isidentifier()


# What the probe of officials' sheets found (issue 30): each message says what to write.


def probed_sheets(client, parking, renovation, other):
    """{file name: the template filled as the probe filled it}."""
    workbook, sheet, column, rows = opened(client)
    write(sheet, column, rows[parking.name], 新累计值=500, 截至日期=date(2021, 6, 30),
          备注="城市更新项目配建")  # fmt: skip
    write(sheet, column, rows[renovation.name], 新累计值=0.55, 截至日期=date(2021, 6, 30))
    sheet.cell(rows[renovation.name], column["新累计值"]).number_format = "0%"
    below = max(rows.values()) + 1
    typed = [
        (renovation.pk, 650, date(2021, 6, 30), "核减重复统计的 50 户"),
        (parking.pk, 700, 6.3, ""),  # 6.30 typed into the date cell: 1900-01-06 07:12
        (parking.pk, 700, "6.30", ""),
        (parking.pk, 700, "44377", ""),  # 2021-06-30 pasted as its serial number
        (parking.pk, "1000余", date(2021, 7, 31), ""),
        (parking.pk, "约1100", date(2021, 8, 31), ""),
        (other.pk, 3, date(2021, 8, 31), ""),
        ("合计", f"=SUM(I{rows[parking.name]}:I{below})", date(2021, 8, 31), ""),
    ]
    for n, (target, value, day, note) in enumerate(typed):
        write(sheet, column, below + n, 指标编号=target, 新累计值=value, 截至日期=day, 备注=note)
    probed = {"填报.xlsx": saved(workbook)}

    workbook, sheet, column, rows = opened(client)
    write(sheet, column, rows[parking.name], 新累计值=1200, 截至日期=date(2021, 8, 31),
          备注="含配建车位")  # fmt: skip
    sheet.cell(1, column["截至日期"]).value = "截止日期"
    sheet.cell(1, column["新累计值"]).value = "新累计值（单位同上）"
    sheet.cell(1, column["备注"]).value = " 备 注 (选填)"
    probed["表头.xlsx"] = saved(workbook)
    sheet.cell(1, column["截至日期"]).value = "截至日其"
    probed["错字.xlsx"] = saved(workbook)
    return probed


def wrong(where, message):
    return ("有错误", [(where, message)])


@SAVED_AS
def test_each_finding_of_the_sheet_probe_is_answered_with_what_to_write(
    client, libreoffice, reporter, targets, to
):
    parking, renovation, other = targets
    ReportFactory(target=parking, value=500, as_of=date(2021, 6, 30))
    ReportFactory(target=renovation, value=600, as_of=date(2021, 6, 30))
    files = libreoffice.all(probed_sheets(client, parking, renovation, other), to)
    extension = to.split(":")[0]
    result = check(client, files["填报.xlsx"], f"填报.{extension}").context["check"]
    said = [(r.outcome_display, r.placed_errors) for r in result.listed_rows]
    value, day, lead = "L 列（新累计值）", "M 列（截至日期）", other.project.lead_department
    inexact = "不是确切数字：请填写确切数字，不写“余”“约”等字。"
    assert said == [  # the template lists 老旧小区改造 (project 6) first
        wrong(value, "“55%”是百分数，该指标以户计：请填写累计完成的户数，不是完成比例。"),
        (
            "备注有改动，但数字与日期相同：未导入。这条填报已审核公开，不能改动；"
            "需要补充说明的，请写在下一次填报的备注中。",
            [],
        ),
        ("将导入：更正截至2021-06-30的 600", []),
        wrong(day, "“6.3”这是一个数字，不是日期：请写作 2021-06-03 或 2021-06-30。"),
        wrong(day, "“6.30”这是一个数字，不是日期：请写作 2021-06-30。"),
        wrong(
            day,
            "“44377”这是一个数字，不是日期；如是表格的日期序号，它是 2021-06-30："
            "请写作 2021-06-30，或把单元格设为日期格式。",
        ),
        wrong(value, f"“1000余”{inexact}"),
        wrong(value, f"“约1100”{inexact}"),
        wrong(
            "A 列（指标编号）",
            f"指标 {other.pk}“新建发热门诊”属于2021年“{other.project}”，由{lead}牵头，"
            "不是您所在单位的指标，不能填报。请核对指标编号（可从本单位的模板复制）。",
        ),
        wrong("整行", "合计行无需填写，请删除这一行。"),
    ]

    variants = check(client, files["表头.xlsx"], f"表头.{extension}").context["check"]
    assert [(r.value, r.as_of, r.form.cleaned_data["note"]) for r in variants.new_rows] == [
        ("1200", "2021-08-31", "含配建车位")
    ]
    misspelt = check(client, files["错字.xlsx"], f"错字.{extension}").context["check"]
    assert misspelt.file_errors[1:] == ["表头中与“截至日期”最接近的是“截至日其”：“其”应为“期”。"]
