"""The money and the steps as the models hold them: what an entry may say (errors stop
it, odd things are asked about), what approval makes of it, and the figures a page
reads, today and on a past day."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.models import (
    Budget,
    Contract,
    Funding,
    Milestone,
    MoneyDocument,
    MoneyTotal,
    Payment,
    ProgressReport,
    Target,
    money_figures,
)

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


@pytest.fixture
def project(db):
    plan = PlanFactory(year=2026, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    return ProjectFactory(plan=plan, number=1, title="公共租赁住房")


@pytest.fixture
def reviewer(db):
    return make_official("reviewer", "审核员")


def errors_of(entry):
    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    return refused.value.message_dict


def test_sources_that_do_not_sum_to_the_total_are_refused(project):
    budget = Budget(project=project, total=Decimal(1000), district=Decimal(600), central=300)
    assert errors_of(budget)["total"] == ["各资金来源合计 900 万元，与计划总投资 1000 万元不一致。"]
    budget.central = Decimal(400)
    budget.full_clean()


def test_negative_amounts_and_links_other_than_http_are_refused(project):
    contract = ContractFactory.build(
        project=project, amount=Decimal(-5), notice_url="javascript:alert(1)"
    )
    said = errors_of(contract)
    assert said["amount"] == ["金额不能为负数。"]
    assert said["notice_url"] == ["链接须以 http:// 或 https:// 开头。"]


def test_a_payment_dated_before_its_contract_is_refused(project):
    contract = ContractFactory(project=project, signed_on=date(2026, 5, 1))
    payment = Payment(
        contract=contract, node="预付款", amount=Decimal(10), paid_on=date(2026, 4, 30)
    )
    assert errors_of(payment)["paid_on"] == ["拨付日期不能早于合同签订日期（2026-05-01）。"]
    payment.paid_on = date(2026, 5, 1)
    payment.full_clean()


def test_funds_in_place_fall_only_with_a_note(project):
    FundingFactory(project=project, source="district", amount=Decimal(500), as_of=date(2026, 3, 1))
    lower = Funding(project=project, source="district", amount=Decimal(400), as_of=date(2026, 4, 1))
    assert "到位资金减少属于更正" in errors_of(lower)["note"][0]
    lower.note = "3 月多报了 100 万元，据拨款凭证更正。"
    lower.full_clean()


def test_a_unit_slip_and_overruns_are_asked_about_not_refused(project):
    BudgetFactory(project=project, total=Decimal(1000), district=Decimal(1000))
    slip = Contract(
        project=project, kind="construction", method="open_tender", contractor="某公司",
        title="施工", amount=Decimal(1_200_000), signed_on=date(2026, 5, 1),
    )  # fmt: skip
    slip.full_clean()  # not an error: it may be right
    said = slip.warnings()
    assert said[0].startswith("合同金额（万元） 1200000 万元与预算 1000 万元相差千倍以上")
    assert said[1] == "合同金额合计 1200000 万元，超过预算 1000 万元。"
    slip.amount = Decimal(900)
    assert slip.warnings() == []


def test_paying_above_the_contract_is_asked_about(project):
    contract = ContractFactory(project=project, amount=Decimal(100))
    PaymentFactory(contract=contract, amount=Decimal(60))
    more = Payment(
        contract=contract, project=project, node="进度款", amount=Decimal(50),
        paid_on=contract.signed_on,
    )  # fmt: skip
    assert more.warnings() == ["该合同累计拨付 110 万元，超过合同金额 100 万元。"]


def test_an_approved_entry_counts_and_its_redacted_copy_alone_goes_public(project, reviewer):
    reporter = make_official("reporter", "填报员", project.lead_department)
    budget = Budget.objects.create(
        project=project, total=Decimal(800), district=Decimal(800), created_by=reporter
    )
    private = MoneyDocument.objects.create(
        budget=budget, file="money/a.pdf", kind="pdf", content_type="application/pdf",
        original_name="批复.pdf", size=10, sha256="a" * 64,
    )  # fmt: skip
    redacted = MoneyDocument.objects.create(
        budget=budget, file="money/b.pdf", kind="pdf", content_type="application/pdf",
        original_name="批复（脱敏）.pdf", size=10, sha256="b" * 64, redacted=True,
    )  # fmt: skip
    assert not MoneyTotal.objects.filter(project=project).exists()
    assert list(MoneyDocument.objects.public()) == []

    budget.approve(reviewer)

    assert MoneyTotal.objects.get(project=project).budget == Decimal(800)
    assert list(MoneyDocument.objects.public()) == [redacted]
    private.refresh_from_db()
    assert not private.published


def test_nobody_approves_their_own_entry(project):
    reporter = make_official("both", "审核员", project.lead_department)
    budget = Budget.objects.create(
        project=project, total=Decimal(8), district=Decimal(8), created_by=reporter
    )
    with pytest.raises(ValidationError, match="不能审核自己经手过的预算"):
        budget.approve(reporter)


def test_a_candidates_estimate_is_a_draft_never_the_budget(project, reviewer):
    estimate = Budget.objects.create(
        project=project, total=Decimal(3000), estimate=True, state=Budget.State.RETURNED
    )
    estimate.state = Budget.State.SUBMITTED
    estimate.save()
    with pytest.raises(ValidationError, match="候选项目的估算投资"):
        estimate.approve(reviewer)
    assert money_figures([project.pk])[project.pk].budget is None


def test_figures_of_a_past_day_count_only_what_was_dated_by_then(project):
    BudgetFactory(project=project, total=Decimal(1000), district=Decimal(1000))
    FundingFactory(project=project, source="district", amount=Decimal(300), as_of=date(2026, 3, 1))
    FundingFactory(project=project, source="district", amount=Decimal(700), as_of=date(2026, 6, 1))
    FundingFactory(project=project, source="central", amount=Decimal(100), as_of=date(2026, 6, 1))
    contract = ContractFactory(project=project, amount=Decimal(900), signed_on=date(2026, 4, 1))
    PaymentFactory(contract=contract, amount=Decimal(200), paid_on=date(2026, 5, 1))
    PaymentFactory(contract=contract, amount=None, paid_on=None, accepted_on=date(2026, 7, 1))

    march = money_figures([project.pk], date(2026, 3, 31))[project.pk]
    assert (march.budget, march.in_place, march.contracted, march.paid) == (
        Decimal(1000), Decimal(300), None, None,
    )  # fmt: skip
    now = money_figures([project.pk])[project.pk]
    assert (now.in_place, now.contracted, now.paid) == (Decimal(800), Decimal(900), Decimal(200))
    assert now.paid_share == 20.0
    stored = MoneyTotal.objects.get(project=project)
    assert (stored.budget, stored.in_place, stored.contracted, stored.paid) == (
        now.budget, now.in_place, now.contracted, now.paid,
    )  # fmt: skip


def test_a_correction_replaces_what_it_corrects(project):
    contract = ContractFactory(project=project, amount=Decimal(900))
    ContractFactory(project=project, amount=Decimal(950), corrects=contract, title=contract.title)
    assert money_figures([project.pk])[project.pk].contracted == Decimal(950)
    assert list(Contract.objects.current()) != [contract]


def test_an_approved_step_dates_it_and_feeds_its_target(project, reviewer):
    target = TargetFactory(
        project=project, kind=Target.Kind.MILESTONE, target_value=1, name="开工建设"
    )
    step = MilestoneFactory(
        project=project, step=Milestone.Step.START, title="开工", due_date=date(2026, 9, 30),
        target=target,
    )  # fmt: skip
    step.full_clean()
    by_hand = ProgressReport(target=target, value=1, as_of=date(2026, 9, 1))
    with pytest.raises(ValidationError, match="由手续节点“开工”计入"):
        by_hand.full_clean()

    report = StepReportFactory(milestone=step, done_on=date(2026, 9, 20))
    report.approve(reviewer)

    step.refresh_from_db()
    assert step.done_on == date(2026, 9, 20)
    figure = ProgressReport.objects.current_first(target).get()
    assert (figure.value, figure.as_of, figure.from_step) == (1, date(2026, 9, 20), True)


def test_a_target_reported_by_hand_cannot_be_given_to_a_step(project):
    target = TargetFactory(project=project, kind=Target.Kind.MILESTONE, target_value=1)
    ProgressReport.objects.create(target=target, value=0, as_of=date(2026, 2, 1))
    step = Milestone(project=project, title="开工", due_date=date(2026, 9, 30), target=target)
    assert errors_of(step)["target"] == ["该指标已有手工填报，不能改由节点计入：两者会不一致。"]


def test_another_projects_entry_cannot_be_corrected(project):
    other = ContractFactory(project=ProjectFactory(plan=project.plan, number=2))
    mine = ContractFactory.build(project=project, corrects=other)
    assert errors_of(mine)["corrects"] == ["只能更正同一件实事的记录。"]


def test_nobody_approves_an_entry_they_gave_a_document_for(project, reviewer):
    budget = Budget.objects.create(project=project, total=Decimal(8), district=Decimal(8))
    MoneyDocument.objects.create(
        budget=budget, file="money/c.pdf", kind="pdf", content_type="application/pdf",
        original_name="凭证.pdf", size=10, sha256="c" * 64, uploaded_by=reviewer,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="不能审核自己经手过的预算"):
        budget.approve(reviewer)
