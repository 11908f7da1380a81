"""make demo's generated history: every status at work, and every page says it is demo."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from projects.checks import no_demo_account_signs_in
from projects.models import (
    Budget,
    Contract,
    Department,
    Household,
    Milestone,
    MoneyDocument,
    MoneyTotal,
    Payment,
    Plan,
    ProgressReport,
    PublicInput,
    StepReport,
    Survey,
    SurveyCode,
    lagging_payments,
    late_steps,
    money_watch,
)
from projects.rules import clock, roles
from projects.rules.roles import DEMO_ACCOUNT_PREFIX

from .factories import PlanFactory, ReportFactory

User = get_user_model()


def load_demo(*options):
    out = StringIO()
    call_command("load_demo", *options, stdout=out)
    return out.getvalue()


def printed_accounts(out):
    """{username: (role, password)} from the table `load_demo --accounts` prints."""
    rows = [
        line.split() for line in out.splitlines() if line.startswith("  " + DEMO_ACCOUNT_PREFIX)
    ]
    return {username: (role, password) for username, role, password in rows}


def signs_in(username, password):
    """Whether the admin's sign-in page (the deputies' too) lets the account in."""
    client = Client()
    response = client.post(reverse("admin:login"), {"username": username, "password": password})
    return response.status_code == 302 and client.get("/admin/").status_code == 200


def demo_accounts_check():
    return [c.id for c in run_checks(include_deployment_checks=True) if c.id == "yicheng.E007"]


def test_demo_history_shows_every_status_over_the_year(demo):
    plan = demo
    seen = set()
    for day in (date(2021, 2, 28), date(2021, 6, 30), date(2021, 10, 31), None):
        seen |= {p.status for p in plan.progress(day).projects}
    assert seen == {"not_reported", "on_track", "slow", "severe", "complete", "overdue"}
    # every figure approved, but for this year's one waiting past the review limit
    waiting = ProgressReport.objects.exclude(state="approved")
    assert list(waiting.values_list("state", "target__project__plan__year")) == [
        ("submitted", clock.today().year)
    ]
    assert ProgressReport.objects.filter(corrects__isnull=False).count() == 2
    assert ProgressReport.objects.exclude(delay_reason="").exists()


def test_every_page_says_the_figures_are_demo_data(client, demo):
    for url in ("/", "/plans/2021/projects/8/", "/plans/2021/departments/", "/admin/login/"):
        assert (
            "本站目前显示的进度数字是由 make demo 生成的演示数据"
            in client.get(url).content.decode()
        ), url


@pytest.mark.django_db
def test_the_real_site_carries_no_demo_banner(client):
    call_command("load_plan", "2021", stdout=StringIO())
    assert "演示数据" not in client.get("/").content.decode()


def test_loading_the_demo_twice_changes_nothing(demo):
    count = ProgressReport.objects.count()
    load_demo()
    assert ProgressReport.objects.count() == count


@pytest.mark.django_db
def test_demo_data_is_never_mixed_with_real_reports():
    call_command("load_plan", "2021", stdout=StringIO())
    target = Plan.objects.get(year=2021).projects.get(number=11).targets.get()
    ReportFactory(target=target, value=5, as_of=date(2021, 3, 31))
    with pytest.raises(CommandError, match="已有真实填报"):
        call_command("load_demo", stdout=StringIO())
    assert not Plan.objects.get(year=2021).demo_data


def test_the_demo_register_is_labelled_and_only_this_years_plan_has_one(client, demo):
    from projects.models import Matter

    year = clock.today().year
    assert not Matter.objects.filter(plan__year=2021).exists()  # 2021's stays as published
    matters = Matter.objects.filter(plan__year=year)
    assert all(m.title.startswith("演示：") for m in matters)
    assert list(matters.exclude(state="approved").values_list("state", flat=True)) == [
        "submitted",
        "submitted",
    ]
    page = client.get(f"/plans/{year}/matters/").content.decode()
    assert "本站目前显示的进度数字是由 make demo 生成的演示数据" in page
    assert f"已登记并经审核公开 {matters.count() - 2} 项。" in page  # the two waiting are not


def test_this_years_demo_has_money_a_late_permit_and_a_payment_lagging_accepted_work(client, demo):
    today = clock.today()
    plan = Plan.objects.get(year=today.year)
    late = late_steps(plan, today)
    assert [(s.project.title, s.thing.step, s.thing.title) for s in late] == [
        ("老旧小区加装电梯", "permit", "施工许可（第二批24部）")
    ]
    unpaid = lagging_payments(plan, today)
    assert [(p.project.title, p.thing.node, p.thing.accepted_on) for p in unpaid] == [
        ("农村公路", "路基完工", date(2026, 10, 12))
    ]
    # Each step done was approved the real way, which wrote its actual date.
    done = Milestone.objects.filter(project__plan=plan, done_on__isnull=False)
    assert done.count() == StepReport.objects.filter(project__plan=plan, state="approved").count()
    assert done.count() > 10
    assert MoneyDocument.objects.public().filter(step_report__project__plan=plan).count() == 3
    # The approved budgets wrote each project's totals; the parks' is still the
    # candidate's estimate (a draft), so it has none.
    totals = MoneyTotal.objects.filter(project__plan=plan).order_by("project__number")
    assert [(t.project.title, t.budget, t.paid) for t in totals] == [
        ("社区养老服务中心", 1600, Decimal("1282.19")),
        ("老旧小区加装电梯", 3600, Decimal("1734.60")),
        ("农村公路", 5000, Decimal("2871.96")),
    ]
    drafts = Budget.objects.filter(project__plan=plan, estimate=True)
    assert list(drafts.values_list("project__title", "state")) == [("口袋公园", "returned")]
    person = Contract.objects.get(project__plan=plan, contractor_is_person=True)
    page = client.get(f"/plans/{plan.year}/projects/{person.project.number}/").content.decode()
    assert person.kind == "design"
    assert "自然人" in page
    assert person.contractor not in page
    assert plan.supervision_phone == "0396-0000000（演示）"
    # 2021 reads as announced: no money, and no lapse on any day.
    assert not Payment.objects.filter(project__plan=demo).exists()
    assert money_watch(demo, date(2021, 12, 31)) == []


def test_last_years_demo_has_a_closed_survey_public_and_labelled_demo(client, demo):
    """1,200 households listed, 300 drawn, 180 answered (60 %), closed: the list and the
    codes gone, the record and the results public, every page of it marked demo."""
    year = clock.today().year - 1
    survey = Survey.objects.public().get()
    assert (survey.plan.year, survey.project.title) == (year, "老旧小区加装电梯")
    assert survey.title.endswith("（演示）") and survey.plan.demo_data
    assert (survey.population, survey.sample_size, survey.answers.count()) == (1200, 300, 180)
    assert survey.drawn_at < survey.closed_at < clock.now()
    assert not Household.objects.exists()
    assert not SurveyCode.objects.exclude(code="").exists()
    assert SurveyCode.objects.filter(used=True).count() == 180
    comments = PublicInput.objects.public().filter(kind="survey")
    assert comments.count() == 3 and all(c.text.startswith("（演示）") for c in comments)
    banner = "本站目前显示的进度数字是由 make demo 生成的演示数据"
    results = reverse("projects:survey_results", args=[year, survey.pk])
    for url in (reverse("projects:surveys", args=[year]), results, reverse("projects:survey")):
        assert banner in client.get(url).content.decode(), url
    page = client.get(results).content.decode()
    assert "60.0%" in page and survey.list_sha256 in page and survey.seed in page


# The demo's accounts: one for each role, closed unless `--accounts`.


def test_the_demo_has_one_closed_account_for_each_role(demo):
    accounts = User.objects.filter(username__startswith=DEMO_ACCOUNT_PREFIX)
    assert sorted(a.groups.get().name for a in accounts) == sorted(roles.NAMES)
    assert {(a.is_staff, a.is_active, a.has_usable_password()) for a in accounts} == {
        (True, False, False)
    }
    assert demo_accounts_check() == []
    # The reporter answers for the lead department of every pledge with figures to
    # enter (last year's and this year's), as an official would.
    reporter = accounts.get(username="demo-reporter")
    year = clock.today().year
    leads = Department.objects.filter(led_projects__plan__year__in=[year - 1, year]).distinct()
    assert leads.count() >= 3
    assert list(leads.exclude(members=reporter)) == []


def test_the_accounts_option_lets_each_sign_in_with_a_password_shown_once(demo):
    printed = printed_accounts(load_demo("--accounts"))
    assert sorted(role for role, _ in printed.values()) == sorted(roles.NAMES)
    for username, (role, password) in printed.items():
        assert User.objects.get(username=username).groups.get().name == role
        assert signs_in(username, password), username
    assert demo_accounts_check() == ["yicheng.E007"]

    # Run again (make demo again): new passwords; the ones shown before let nobody in.
    again = printed_accounts(load_demo("--accounts"))
    assert set(again) == set(printed)
    assert all(again[name][1] != printed[name][1] for name in printed)
    assert not signs_in("demo-deputy", printed["demo-deputy"][1])
    assert signs_in("demo-deputy", again["demo-deputy"][1])

    # Without the option the accounts are closed again, and the deployment check passes.
    load_demo()
    assert not any(signs_in(name, password) for name, (_, password) in again.items())
    assert demo_accounts_check() == []


@pytest.mark.django_db
def test_the_accounts_are_never_opened_beside_a_real_plan():
    """A database with a plan the demo did not make (load_plan's 2021 is the demo's to
    fill) is not the demo's: refused before anything is written."""
    call_command("load_plan", "2021", stdout=StringIO())
    PlanFactory(year=2026, title="真实计划")
    with pytest.raises(CommandError, match="非演示的年度计划（2026年）"):
        load_demo("--accounts")
    assert list(Plan.objects.order_by("year").values_list("year", "demo_data")) == [
        (2021, False),
        (2026, False),
    ]
    assert not User.objects.filter(username__startswith=DEMO_ACCOUNT_PREFIX).exists()


@pytest.mark.django_db
def test_the_deployment_check_passes_a_database_not_yet_migrated():
    """make serve checks before it migrates: without the accounts' table there is no
    account to sign in with, and no error either."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auth_user RENAME TO auth_user_elsewhere")
    assert no_demo_account_signs_in(None) == []
