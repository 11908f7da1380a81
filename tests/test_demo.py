"""make demo's generated history: every status at work, and every page says it is demo."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Plan, ProgressReport
from projects.rules import clock

from .factories import ReportFactory


def load_demo():
    call_command("load_demo", stdout=StringIO())
    return Plan.objects.get(year=2021)


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
