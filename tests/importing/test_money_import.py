"""Money and procedure rows in the department's template (projects/exchange/money_import.py):
the downloaded template filled by openpyxl (the official's hands) and saved by
LibreOffice, then uploaded. Each row becomes its entry through the model's own checks,
submitted for review, all or nothing with the figures; what the model asks about is
saved only once confirmed."""

from datetime import date
from decimal import Decimal

from projects.models import Budget, Contract, Funding, Payment, ProgressReport, StepReport

from ..factories import BudgetFactory, FundingFactory, MilestoneFactory
from .upload import IMPORT, check, confirm, saved, template

XLSX = "xlsx:Calc MS Excel 2007 XML"


def fill(sheet, row, cells):
    """Type `cells` ({column name, without its （万元）: value}) into `row` of `sheet`."""
    column = {c.value.removesuffix("（万元）"): c.column for c in sheet[1] if c.value}
    for name, value in cells.items():
        sheet.cell(row, column[name]).value = value


def rows_of(sheet, project):
    """The row numbers the template gave `project` in `sheet`."""
    return [cells[0].row for cells in sheet.iter_rows(min_row=2) if cells[0].value == project.pk]


def contract(project, **cells):
    return {"实事编号": project.pk, "合同名称": "停车场施工合同", "合同类别": "施工",
            "采购方式": "公开招标", "承包单位": "张三", "承包方为自然人": "是",
            "合同金额": 900, "签订日期": date(2021, 4, 15),
            "中标公告链接": "https://ggzy.example.cn/notice/1", **cells}  # fmt: skip


def test_a_sheet_saved_by_libreoffice_imports_its_money_and_steps_with_its_figures(
    client, libreoffice, reporter, targets
):
    parking = targets[0]
    project = parking.project
    MilestoneFactory(project=project, title="施工许可", due_date=date(2021, 5, 1))
    page = client.get(IMPORT).content.decode()
    assert "拨付凭证、中标通知书等材料不从表格导入" in page
    workbook = template(client)
    assert workbook["预算"]["D1"].value == "计划总投资（万元）"  # the unit, in the header
    (step,) = rows_of(workbook["手续节点"], project)  # the template lists the step
    figures = workbook["填报"]
    headers = [c.value for c in figures[1]]
    (line,) = [r[0].row for r in figures.iter_rows(min_row=2) if r[0].value == parking.pk]
    for name, value in (("新累计值", 1200), ("截至日期", date(2021, 8, 31)),
                        ("滞后原因", "雨季"), ("下一步措施", "加快")):  # fmt: skip
        figures.cell(line, headers.index(name) + 1).value = value
    (budget_row,) = rows_of(workbook["预算"], project)
    budget = {"计划总投资": 1200, "区级资金": 1000, "专项债券": "200", "填报日期": date(2021, 3, 1)}
    fill(workbook["预算"], budget_row, budget)
    (funds_row,) = rows_of(workbook["资金到位"], project)
    fill(workbook["资金到位"], funds_row,
         {"资金来源": "区级资金", "累计到位": "600万元", "截至日期": "2021.06.30"})  # fmt: skip
    (contract_row,) = rows_of(workbook["合同"], project)
    fill(workbook["合同"], contract_row, contract(project))
    fill(workbook["合同节点拨付"], 2,
         {"实事编号": project.pk, "合同名称": "停车场施工合同", "合同节点": "预付款",
          "拨付金额": 270, "拨付日期": date(2021, 5, 10)})  # fmt: skip
    fill(workbook["手续节点"], step, {"实际完成日期": date(2021, 5, 20)})
    content = libreoffice(saved(workbook), XLSX)

    dry = check(client, content)
    money = dry.context["upload"].money
    assert [(r.sheet, r.outcome, r.errors, r.warnings) for r in money.rows] == [
        (sheet, "new", [], []) for sheet in ("预算", "资金到位", "合同", "合同节点拨付", "手续节点")
    ]
    assert Budget.objects.count() == 0  # the dry run saves nothing
    confirm(client, dry)
    budget, funds, signed = Budget.objects.get(), Funding.objects.get(), Contract.objects.get()
    payment, done = Payment.objects.get(), StepReport.objects.get()
    entries = (budget, funds, signed, payment, done)
    assert {(e.state, e.created_by) for e in entries} == {("submitted", reporter)}
    assert (budget.total, budget.district, budget.bonds, budget.as_of) == (
        1200,
        1000,
        200,
        date(2021, 3, 1),
    )
    assert (funds.source, funds.amount, funds.as_of) == ("district", 600, date(2021, 6, 30))
    assert (signed.kind, signed.method, signed.contractor_is_person, signed.public_contractor) == (
        "construction",
        "open_tender",
        True,
        "自然人",
    )
    assert (payment.contract, payment.amount, payment.project) == (signed, 270, project)
    assert (done.milestone.title, done.done_on) == ("施工许可", date(2021, 5, 20))
    assert ProgressReport.objects.get().value == 1200  # the figures, in the same import

    again = check(client, content).context["upload"]  # uploaded twice: nothing new
    assert [r.outcome for r in again.money.rows] == ["duplicate"] * 5
    assert (again.ok, again.new_count, "token" in check(client, content).context) == (
        True,
        0,
        False,
    )


def test_wrong_rows_are_named_by_sheet_and_row_and_a_unit_slip_waits_for_confirmation(
    client, libreoffice, reporter, targets
):
    parking = targets[0]
    project = parking.project
    BudgetFactory(project=project, total=1000, district=1000)  # approved: 1,000 万元
    FundingFactory(project=project, source="district", amount=500)  # approved, 2021-01-01
    wrong = template(client)
    (budget_row,) = rows_of(wrong["预算"], project)
    fill(wrong["预算"], budget_row, {"计划总投资": 1000, "区级资金": 600, "专项债券": 300})
    (funds_row,) = rows_of(wrong["资金到位"], project)
    fill(wrong["资金到位"], funds_row,
         {"资金来源": "区级资金", "累计到位": -50, "截至日期": date(2021, 6, 30)})  # fmt: skip
    falls = {"实事编号": project.pk, "资金来源": "区级资金", "累计到位": 400}  # below 500, no note
    fill(wrong["资金到位"], 5, {**falls, "截至日期": date(2021, 7, 31)})
    (contract_row,) = rows_of(wrong["合同"], project)
    fill(wrong["合同"], contract_row, contract(project))
    link = contract(project, 合同名称="监理合同", 中标公告链接="ftp://ggzy.example.cn/1")
    fill(wrong["合同"], 5, link)
    fill(wrong["合同节点拨付"], 2,
         {"实事编号": project.pk, "合同名称": "停车场施工合同", "合同节点": "预付款",
          "拨付金额": 270, "拨付日期": date(2021, 3, 1)})  # fmt: skip

    slip = template(client)  # 1000 万元 of funds typed in 元: ten thousand times the budget
    in_yuan = {"资金来源": "区级资金", "累计到位": 10_000_000, "截至日期": date(2021, 6, 30)}
    fill(slip["资金到位"], funds_row, in_yuan)
    files = libreoffice.all({"错.xlsx": saved(wrong), "元.xlsx": saved(slip)}, XLSX)

    response = check(client, files["错.xlsx"])
    said = [(r.sheet, r.number, r.errors) for r in response.context["upload"].money.rows
            if r.errors]  # fmt: skip
    assert said == [
        (
            "预算",
            budget_row,
            [("计划总投资", "各资金来源合计 900 万元，与计划总投资 1000 万元不一致。")],
        ),
        ("资金到位", funds_row, [("累计到位", "金额不能为负数。")]),
        (
            "资金到位",
            5,
            [
                (
                    "说明",
                    "区级资金截至 2021-01-01 已累计到位 500 万元；"
                    "到位资金减少属于更正，请在说明中写明原因。",
                )
            ],
        ),
        ("合同", 5, [("中标公告链接", "链接须以 http:// 或 https:// 开头。")]),
        ("合同节点拨付", 2, [("拨付日期", "拨付日期不能早于合同签订日期（2021-04-15）。")]),
    ]
    page = response.content.decode()
    assert f"资金到位表第 {funds_row} 行 累计到位：金额不能为负数。" in page
    assert "token" not in response.context  # nothing to confirm: nothing is saved
    assert (Funding.objects.count(), Contract.objects.count(), Payment.objects.count()) == (1, 0, 0)

    dry = check(client, files["元.xlsx"])
    (row,) = dry.context["upload"].money.warned_rows
    assert "与预算 1000 万元相差千倍以上" in row.warnings[0]
    assert 'name="confirm_warnings"' in dry.content.decode()
    token = dry.context["token"]
    unconfirmed = client.post(IMPORT, {"confirm": "1", "token": token})
    assert "请核对后勾选确认" in unconfirmed.content.decode()
    assert not Funding.objects.filter(state="submitted").exists()
    client.post(IMPORT, {"confirm": "1", "token": token, "confirm_warnings": "1"})
    funds = Funding.objects.get(state="submitted")
    assert (funds.amount, funds.state) == (Decimal(10_000_000), "submitted")
