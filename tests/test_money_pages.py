"""The money in public (issue 35): a project page's money section and procedure steps,
the plan's totals on its dashboard, and the project's sign (项目公示牌). Nothing about
money shows before a reviewer approves it (未填报 instead, never 0); a person who
contracts is 自然人; the sign's 民生码 decodes to the project's short address."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from PIL import Image

from projects.models import Budget, Contract, Milestone

from .conftest import make_official
from .factories import (
    BudgetFactory,
    ContractFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    PlanFactory,
    ProjectFactory,
    StepReportFactory,
    TargetFactory,
)
from .test_sites import zbar

SUBMITTED, RETURNED = Budget.State.SUBMITTED, Budget.State.RETURNED


@pytest.fixture
def project(db):
    plan = PlanFactory(year=2026, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    project = ProjectFactory(plan=plan, number=1, title="城区老旧小区改造")
    TargetFactory(project=project)
    MilestoneFactory(
        project=project, step=Milestone.Step.START, title="开工", due_date=date(2026, 3, 1)
    )
    MilestoneFactory(
        project=project, step=Milestone.Step.FINISH, title="竣工", due_date=date(2026, 12, 31)
    )
    return project


def pages(client, project):
    """The project page, its plan's dashboard and its sign, as the public gets them."""
    urls = (
        project.get_absolute_url(),
        project.plan.get_absolute_url(),
        reverse("projects:sign", args=[project.plan.year, project.number]),
    )
    return [client.get(url).content.decode() for url in urls]


@pytest.mark.parametrize("state", [SUBMITTED, RETURNED])
def test_money_shows_only_once_approved_and_is_unreported_before(client, project, state):
    budget = BudgetFactory(project=project, state=state, total=Decimal("1234.5"), district=None)
    budget.provincial, budget.district = Decimal("1000"), Decimal("234.5")
    budget.save()
    funds = FundingFactory(project=project, state=state, amount=Decimal("432.1"))
    contract = ContractFactory(
        project=project, state=state, contractor="驿城第一建设公司", amount=Decimal("987.65")
    )
    node = PaymentFactory(contract=contract, state=state, amount=Decimal("111.11"))
    for html in pages(client, project):
        for text in ("1234.5", "432.1", "驿城第一建设公司", "987.65", "111.11"):
            assert text not in html
        assert "未填报" in html
    page, dashboard, sign = pages(client, project)
    assert '<dt>计划总投资</dt><dd><span class="not-reported">未填报</span>' in page
    assert '<dt>计划总投资</dt><dd><span class="not-reported">未填报</span>' in dashboard
    assert '项目投资</th><td><span class="not-reported">未填报</span>' in sign
    assert '施工单位</th><td><span class="not-reported">未填报</span>' in sign

    reviewer = make_official("reviewer", "审核员")
    for entry in (budget, funds, contract, node):
        type(entry).objects.filter(pk=entry.pk).update(state=SUBMITTED)  # sent again
        entry.refresh_from_db()
        entry.approve(reviewer)
    page, dashboard, sign = pages(client, project)
    assert "<dt>计划总投资</dt><dd>1234.5 万元</dd>" in page
    assert "<dt>资金到位</dt><dd>432.1 万元" in page
    assert "<td>驿城第一建设公司</td><td>987.65</td>" in page
    assert "<td>111.11</td>" in page
    assert '<th scope="row">省级资金</th><td>1000</td>' in page
    assert "<dt>计划总投资</dt><dd>1234.5 万元</dd>" in dashboard
    assert "<dt>已拨付</dt><dd>111.11 万元" in dashboard
    assert "<td>1234.5 万元<br>" in sign and "省级资金 1000 万元；区级资金 234.5 万元" in sign
    assert "施工单位</th><td>驿城第一建设公司</td>" in sign


def test_a_person_who_contracts_is_named_only_as_a_natural_person(client, project):
    ContractFactory(
        project=project,
        kind=Contract.Kind.SUPERVISION,
        contractor="张三丰",
        contractor_is_person=True,
    )
    page, _dashboard, sign = pages(client, project)
    assert "张三丰" not in page and "张三丰" not in sign
    assert "<td>自然人</td>" in page
    assert "监理单位</th><td>自然人</td>" in sign


def test_the_steps_show_planned_and_approved_dates_and_say_which_are_late(client, project):
    start = project.milestones.get(step=Milestone.Step.START)
    project.plan.rules.filter(name="step_grace_days").update(valid_from=date(2026, 1, 1))
    html = client.get(project.get_absolute_url()).content.decode()
    row = html.split(f'<tr id="step-{start.pk}">')[1].split("</tr>")[0]
    assert "<td>2026-03-01</td>" in row and "已逾期" in row
    reviewer = make_official("reviewer", "审核员")
    StepReportFactory(milestone=start, done_on=date(2026, 3, 20)).approve(reviewer)
    html = client.get(f"{project.get_absolute_url()}?as_of=2026-03-01").content.decode()
    row = html.split(f'<tr id="step-{start.pk}">')[1].split("</tr>")[0]
    assert "2026-03-20" not in row and "已逾期" not in row  # due that day: not late yet
    html = client.get(project.get_absolute_url()).content.decode()
    row = html.split(f'<tr id="step-{start.pk}">')[1].split("</tr>")[0]
    assert '<time datetime="2026-03-20">2026-03-20</time>' in row and "已逾期" not in row


def qr_image(svg):
    """The modules of a segno SVG (a path of horizontal runs: M/m moves, h draws) painted
    as a PNG, as a printer would: zbarimg cannot read SVG."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg)[1]) // 6
    image = Image.new("1", (size * 8, size * 8), 1)
    x = y = 0.0
    for op, a, b in re.findall(
        r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", re.search(r' d="([^"]+)"', svg)[1]
    ):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            row = int(y)
            image.paste(0, (int(x) * 8, row * 8, int(x + float(a)) * 8, row * 8 + 8))
            x += float(a)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_sign_carries_the_projects_min_sheng_ma(client, project):
    project.plan.supervision_phone = "0396-2600000"
    project.plan.save()
    sign = pages(client, project)[2]
    for text in ("项目公示牌", "城区老旧小区改造", "完成城区老旧小区改造。", "0396-2600000"):
        assert text in sign
    assert "2026年3月1日（计划） 至 2026年12月31日（计划）" in sign
    svg = re.search(r'<figure class="qr">(<svg.*?</svg>)', sign, re.S)[1]
    assert zbar(qr_image(svg)) == f"http://testserver/m/p{project.pk}"
    assert 'href="/plans/2026/projects/1/sign/"' in pages(client, project)[0]
