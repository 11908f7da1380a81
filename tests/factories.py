"""Builders for tests: each makes a valid object with the fewest decisions."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from projects.models import Department, Plan, ProgressReport, Project, Target
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
        django_get_or_create = ["year"]

    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"{o.year}年民生实事")
    period_start = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    period_end = factory.LazyAttribute(lambda o: date(o.year, 12, 31))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n % 99 + 1)
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
