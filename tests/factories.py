"""Builders for tests: each makes a valid object with the fewest decisions."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.db.models import Max

from projects.models import (
    Budget,
    Contract,
    Department,
    Funding,
    Jurisdiction,
    Milestone,
    MoneyTotal,
    Payment,
    Plan,
    ProgressReport,
    Project,
    StepReport,
    Target,
)
from projects.rules import clock


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-passphrase")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"区测试局{n}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["jurisdiction", "year"]

    jurisdiction = factory.LazyFunction(lambda: Jurisdiction.objects.home())
    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"{o.year}年民生实事")
    period_start = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    period_end = factory.LazyAttribute(lambda o: date(o.year, 12, 31))


def next_number(plan):
    if plan.pk is None:
        return 1
    return (plan.projects.aggregate(Max("number"))["number__max"] or 0) + 1


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    plan = factory.SubFactory(PlanFactory)
    # The plan's next number: a sequence wrapped at 99 met a number a test had set.
    number = factory.LazyAttribute(lambda o: next_number(o.plan))
    title = factory.Sequence(lambda n: f"实事{n}")
    pledge_text = factory.LazyAttribute(lambda o: f"完成{o.title}。")
    lead_department = factory.SubFactory(DepartmentFactory)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    unit = "个"
    target_value = Decimal("100")


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    target = factory.SubFactory(TargetFactory)
    value = Decimal("10")
    as_of = factory.LazyAttribute(lambda o: o.target.project.plan.period_start)
    state = ProgressReport.State.APPROVED
    reviewed_at = factory.LazyAttribute(
        lambda o: clock.now() if o.state == ProgressReport.State.APPROVED else None
    )


class MoneyFactory(factory.django.DjangoModelFactory):
    """An approved money entry by default, the project's MoneyTotal brought up to date
    (as its approval would)."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    state = Budget.State.APPROVED
    reviewed_at = factory.LazyAttribute(
        lambda o: clock.now() if o.state == Budget.State.APPROVED else None
    )

    @factory.post_generation
    def totals(entry, create, extracted, **kwargs):
        if create and entry.state == Budget.State.APPROVED:
            MoneyTotal.refresh(entry.project)


class BudgetFactory(MoneyFactory):
    class Meta:
        model = Budget

    total = Decimal("1000")
    district = Decimal("1000")
    as_of = factory.LazyAttribute(lambda o: o.project.plan.period_start)


class FundingFactory(MoneyFactory):
    class Meta:
        model = Funding

    source = "district"
    amount = Decimal("500")
    as_of = factory.LazyAttribute(lambda o: o.project.plan.period_start)


class ContractFactory(MoneyFactory):
    class Meta:
        model = Contract

    kind = Contract.Kind.CONSTRUCTION
    method = Contract.Method.OPEN_TENDER
    contractor = "驻马店市测试建设有限公司"
    title = factory.Sequence(lambda n: f"施工合同{n}")
    amount = Decimal("800")
    signed_on = factory.LazyAttribute(lambda o: o.project.plan.period_start)


class PaymentFactory(MoneyFactory):
    class Meta:
        model = Payment

    contract = factory.SubFactory(ContractFactory)
    project = factory.LazyAttribute(lambda o: o.contract.project)
    node = "预付款"
    accepted_on = factory.LazyAttribute(lambda o: o.contract.signed_on)
    amount = Decimal("200")
    paid_on = factory.LazyAttribute(lambda o: o.contract.signed_on)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    step = Milestone.Step.PERMIT
    title = "完成建筑工程施工许可证办理"
    due_date = factory.LazyAttribute(lambda o: o.project.plan.period_start)


class StepReportFactory(MoneyFactory):
    """A submitted step report: approving it (`approve`) is what writes the step."""

    class Meta:
        model = StepReport

    milestone = factory.SubFactory(MilestoneFactory)
    project = factory.LazyAttribute(lambda o: o.milestone.project)
    done_on = factory.LazyAttribute(lambda o: o.milestone.due_date)
    state = StepReport.State.SUBMITTED
