"""Unapproved figures never reach a public page: only approved reports count."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from .factories import (
    BudgetFactory,
    ContractFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    ReportFactory,
    StepReportFactory,
    TargetFactory,
)
from .test_money_data import everything

UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]


@pytest.fixture
def target(plan):
    return TargetFactory(
        project__plan=plan, project__number=1, name="新建小游园", unit="座", target_value=16
    )


@pytest.mark.parametrize("state", UNAPPROVED)
def test_an_unapproved_report_appears_on_no_public_page(client, target, state):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    ReportFactory(
        target=target,
        value=13,
        as_of=date(2021, 6, 30),
        state=state,
        note="未审核的备注XYZ",
        delay_reason="未审核的原因XYZ",
        next_steps="未审核的措施XYZ",
    )
    project = target.project
    pages = ("/", "/plans/2021/", project.get_absolute_url(), f"/m/p{project.pk}")
    for url in (*pages, reverse("projects:sign", args=[2021, project.number])):
        html = client.get(url).content.decode()
        assert "XYZ" not in html, url
        assert "13 / 16" not in html and "<strong>13</strong>" not in html, url
        assert "81.3%" not in html, url  # 13 of 16: 81.25, published 四舍五入
        assert "2021-06-30" not in html and "2021年6月30日" not in html, url
    html = client.get(target.project.get_absolute_url()).content.decode()
    assert "当前 <strong>4</strong> / 目标 16 座" in html


def test_approved_reasons_and_next_steps_are_public(client, target):
    ReportFactory(
        target=target,
        value=2,
        as_of=date(2021, 9, 30),
        delay_reason="征地手续未完成",
        next_steps="10月底前完成征地并进场",
    )
    html = client.get(target.project.get_absolute_url()).content.decode()
    assert "<p>滞后原因：征地手续未完成</p>" in html  # the report's own line
    summary = html.split("<dt>原因与下一步</dt>")[1].split("</dd>")[0]
    assert "滞后原因：征地手续未完成 下一步措施：10月底前完成征地并进场" in summary


def test_corrections_of_public_figures_are_listed_in_the_change_log(client, target, superuser):
    old = ReportFactory(target=target, value=6, as_of=date(2021, 6, 30))
    ReportFactory(
        target=target, value=5, as_of=date(2021, 6, 30), note="一座重复统计", corrects=old
    )
    html = client.get(target.project.get_absolute_url()).content.decode()
    log = html.split('id="corrections-heading">修订记录</h2>')[1].split("</section>")[0]
    assert "截至 2021-06-30 的数值为 6，改为截至 2021-06-30 的 5 座。原因：一座重复统计" in log


@pytest.mark.parametrize("state", ["submitted", "returned"])
def test_unreviewed_money_appears_in_no_open_data(client, target, state):
    """The money lists of the API and the package's CSVs (issue 35) hold nothing a
    reviewer has not approved; a step stays planned, not done."""
    money = {"project": target.project, "state": state, "note": "未审核XYZ"}
    BudgetFactory(**money, total=Decimal("4321.98"), district=Decimal("4321.98"))
    FundingFactory(**money, amount=Decimal("3210.87"))
    contract = ContractFactory(**money, amount=Decimal("2109.76"), title="未审核合同XYZ")
    PaymentFactory(**money, contract=contract, amount=Decimal("1098.65"))
    step = MilestoneFactory(project=target.project, due_date=date(2021, 5, 31))
    StepReportFactory(milestone=step, done_on=date(2021, 5, 20), state=state)
    shown = everything(client)
    for text in ("XYZ", "4321.98", "3210.87", "2109.76", "1098.65", "2021-05-20"):
        assert text not in shown, text
    assert "2021-05-31" in shown  # the step itself is public: the test looks in the right place
