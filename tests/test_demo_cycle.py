"""make demo's live picture beside 2021: last year's plan waiting for its ratings, this
year's through the whole cycle on record with figures up to today (one pledge in 公示
with an objection waiting, a deputy's opinions), next year's with its call open today;
all labelled demo data. The suite's clock stands at 2026-11-26 04:00 in Shanghai
(conftest NOW)."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from projects.models import Ballot, Candidate, Plan, ProgressReport, PublicInput, Rating
from projects.models.voice import open_objections
from projects.rules import clock, pace

from .conftest import SHANGHAI
from .factories import PlanFactory

BANNER = "本站目前显示的进度数字是由 make demo 生成的演示数据"
LAST, THIS, NEXT = 2025, 2026, 2027


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def load_live_demo():
    """load_demo on a database whose 2021 demo is made already (it leaves one as it
    is): this year's and next year's plans only, a quarter of the whole demo's time."""
    PlanFactory(year=2021, demo_data=True)
    return load_demo()


def stages_on_record(plan):
    """The plan's stages in the order its history recorded them, each once."""
    stages = []
    for stage in plan.history.order_by("history_date", "history_id").values_list(
        "stage", flat=True
    ):
        if not stages or stages[-1] != stage:
            stages.append(stage)
    return stages


def test_this_years_plan_went_through_the_whole_cycle_on_record(demo):
    plan = Plan.objects.get(year=THIS)
    assert (plan.stage, plan.demo_data, plan.is_published) == ("delivery", True, True)
    assert stages_on_record(plan) == ["call", "shortlist", "vote", "delivery"]
    assert date(2025, 9, 1) <= plan.call_opens and plan.call_closes <= date(2025, 11, 30)
    assert (plan.call_closes - plan.call_opens).days + 1 >= 30

    proposals = PublicInput.objects.filter(plan=plan, kind="proposal")
    assert all(plan.call_opens <= p.received_on <= plan.call_closes for p in proposals)
    assert set(proposals.values_list("state", "decided_by__username")) == {
        ("published", "demo-moderator")
    }
    assert proposals.filter(outcome="adopted", candidate__plan=plan).count() >= 3
    (rejected,) = proposals.filter(outcome="not_adopted")
    assert rejected.outcome_note

    (ballot,) = Ballot.objects.public().filter(plan=plan)
    assert ballot.recorded_by.username == "demo-congress"
    assert ballot.held_on < plan.period_start
    candidates = plan.candidates.all()
    assert 5 <= len(candidates) and ballot.seats < len(candidates)
    assert all(c.targets.exists() for c in candidates)
    elected = candidates.filter(state=Candidate.State.ELECTED).order_by("project__number")
    assert 3 <= len(elected) <= 4
    assert [c.project.number for c in elected] == list(range(1, len(elected) + 1))
    assert sorted(plan.projects.values_list("title", flat=True)) == sorted(c.title for c in elected)
    assert candidates.filter(state=Candidate.State.NOT_ELECTED).count() == (
        len(candidates) - len(elected)
    )


def test_this_years_pledges_lag_and_finish_on_todays_date(client, demo):
    plan = Plan.objects.get(year=THIS)
    statuses = {p.title: p.status for p in plan.progress().projects}
    assert pace.Status.COMPLETE in statuses.values()
    assert set(statuses.values()) & {pace.Status.SLOW, pace.Status.SEVERE}
    page = client.get("/").content.decode()
    assert f"{THIS}年民生实事（演示）" in page
    # The status column of the projects' table.
    assert "<td>已完成</td></tr>" in page
    assert "<td>推进缓慢</td></tr>" in page or "<td>严重滞后</td></tr>" in page

    reports = ProgressReport.objects.filter(target__project__plan=plan)
    # one waits for review, past the plan's limit (an alert for the supervision office)
    assert reports.exists() and reports.exclude(state="approved").count() == 1
    reports = reports.filter(state="approved")
    today = clock.today()
    assert all(plan.period_start <= r.as_of < today for r in reports)
    assert all(r.reviewed_at <= clock.now() for r in reports)
    for report in reports.select_related("target__project__lead_department"):
        assert report.created_by.username == "demo-reporter"
        assert report.reviewed_by.username == "demo-reviewer"
        assert report.target.project.lead_department.members.filter(pk=report.created_by_id)
    # Typed figures behind pace carry their reasons; the pocket parks' figures are
    # counted from their sites' approved stages (models/sites.py) and carry the stage.
    typed = [r for r in reports if not r.from_sites]
    behind = [r for r in typed if r.pace_status() in pace.BEHIND]
    assert behind and all(r.delay_reason and r.next_steps for r in behind)
    counted = [r for r in reports if r.from_sites]
    assert counted and all("点位“演示口袋公园" in r.note for r in counted)


def test_a_pledge_finished_days_ago_is_in_notice_with_an_objection_waiting(client, demo):
    plan = Plan.objects.get(year=THIS)
    today = clock.today()
    project = plan.projects.with_progress().get(title="农村公路")
    notice = project.open_notice
    assert project.status == pace.Status.NOTICE
    assert notice.opens_on < notice.published_on < today < notice.closes_on
    # one objection from the public, published, waiting for the supervision office
    (objection,) = notice.objections.all()
    assert PublicInput.objects.filter(pk=objection.pk, **PublicInput.UNDECIDED_OBJECTION)
    assert notice.published_on <= objection.received_on < today
    assert objection.text.startswith("（演示）")
    assert open_objections(plan, today) == [objection]  # the 督查台账's list

    page = client.get(project.get_absolute_url()).content.decode()
    assert (
        f"{notice.published_on:%Y-%m-%d} 起公示 {notice.days} 天，至 {notice.closes_on:%Y-%m-%d}"
        in page
    )
    assert objection.text in page and "等待督查部门认定。" in page
    assert f'href="/plans/{THIS}/projects/{project.number}/objection/"' in page


def test_the_demo_deputys_opinions_one_answered_in_public_one_waiting(client, demo):
    today = clock.today()
    opinions = PublicInput.objects.public().filter(kind="deputy").select_related("answer")
    assert {(o.plan.year, o.deputy.username) for o in opinions} == {(THIS, "demo-deputy")}
    answered = [o for o in opinions if o.public_answer()]
    waiting = [o for o in opinions if not hasattr(o, "answer")]
    assert (len(answered), len(waiting), len(opinions)) == (1, 1, 2)
    assert all(o.text.startswith("（演示）") and not o.is_overdue(today) for o in opinions)
    (item,) = answered
    assert item.received_on < item.answer.approved_on < today
    page = client.get(item.project.get_absolute_url()).content.decode()
    assert item.text in page and item.answer.text in page


def test_last_years_plan_waits_in_rating_for_each_pledges_rating(client, demo):
    plan = Plan.objects.get(year=LAST)
    assert (plan.stage, plan.demo_data, plan.is_published) == ("rating", True, True)
    assert plan.title == f"驿城区{LAST}年民生实事（演示）"
    assert stages_on_record(plan) == ["call", "shortlist", "vote", "delivery", "rating"]
    projects = plan.progress().projects
    assert len(projects) >= 3
    # some delivered, some not: the deputies have something to judge either way
    statuses = {p.status for p in projects}
    assert pace.Status.COMPLETE in statuses and pace.Status.OVERDUE in statuses
    reports = ProgressReport.objects.filter(target__project__plan=plan)
    assert {(r.state, r.created_by.username, r.reviewed_by.username) for r in reports} == {
        ("approved", "demo-reporter", "demo-reviewer")
    }
    assert {r.target.project_id for r in reports} == {p.pk for p in projects}

    # No rating yet, and each pledge's may be recorded.
    assert not Rating.objects.filter(project__plan=plan).exists()
    congress = get_user_model().objects.get(username="demo-congress")
    for project in projects:
        rating = Rating(project=project, held_on=clock.today(), satisfied=150, basic=30,
                        unsatisfied=10, recorded_by=congress)  # fmt: skip
        rating.full_clean()
    assert BANNER in client.get(f"/plans/{LAST}/").content.decode()


def test_next_years_call_is_open_today_with_published_proposals(client, demo):
    plan = Plan.objects.get(year=NEXT)
    today = clock.today()
    assert (plan.stage, plan.demo_data, plan.is_published) == ("call", True, True)
    assert plan.call_opens <= today <= plan.call_closes
    assert (plan.call_closes - plan.call_opens).days + 1 >= 30
    published = PublicInput.objects.public().filter(plan=plan, kind="proposal")
    assert published.count() >= 2

    page = client.get(f"/plans/{NEXT}/call/").content.decode()
    assert "我要推荐" in page
    opens, closes = f"{plan.call_opens:%Y-%m-%d}", f"{plan.call_closes:%Y-%m-%d}"
    assert f"群众推荐征集期：{opens} 至 {closes}" in page
    assert all(p.title in page for p in published)
    front = client.get("/").content.decode()
    assert f"{NEXT} 年民生实事正在征集群众推荐，截止 {closes}。" in front
    assert f'href="/plans/{NEXT}/call/"' in front


def test_every_page_of_the_new_plans_says_it_is_demo_data(client, demo):
    plan = Plan.objects.get(year=THIS)
    pages = [
        f"/plans/{THIS}/",
        f"/plans/{THIS}/call/",
        f"/plans/{THIS}/departments/",
        f"/plans/{THIS}/targets/",
        f"/plans/{THIS}/bulletins/",
        f"/plans/{THIS}/bulletins/{THIS}-10/",
        f"/plans/{THIS}/updates/",
        *(p.get_absolute_url() for p in plan.projects.all()),
        f"/plans/{NEXT}/",  # leads to its call
        f"/plans/{NEXT}/call/",
        f"/plans/{NEXT}/call/propose/",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert BANNER in response.content.decode(), url


def test_loading_the_demo_twice_changes_nothing_in_the_new_plans(demo):
    counts = [
        model.objects.count() for model in (ProgressReport, PublicInput, Candidate, Ballot, Plan)
    ]
    out = load_demo()
    assert f"{THIS}年演示计划已存在，未作更改。" in out
    assert [
        model.objects.count() for model in (ProgressReport, PublicInput, Candidate, Ballot, Plan)
    ] == counts


def test_a_real_plan_of_this_year_is_left_as_it_is(db):
    real = PlanFactory(year=THIS, title="真实计划")
    out = load_live_demo()
    real.refresh_from_db()
    assert f"{THIS}年计划（非演示）已存在，未作更改。" in out
    assert not real.demo_data and real.title == "真实计划"
    assert not real.candidates.exists() and not real.public_input.exists()
    assert Plan.objects.get(year=NEXT).demo_data


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2027, 1, 1, 0, 5, tzinfo=SHANGHAI),  # nothing to report yet
        datetime(2027, 2, 1, 9, 0, tzinfo=SHANGHAI),  # one month-end behind us
        datetime(2027, 7, 15, 12, 0, tzinfo=SHANGHAI),
        datetime(2027, 12, 31, 23, 50, tzinfo=SHANGHAI),
    ],
    ids=["new-years-night", "february", "july", "new-years-eve"],
)
def test_the_live_picture_follows_todays_date(db, clock, moment):
    clock.move_to(moment)
    today = moment.date()
    out = load_live_demo()
    plan = Plan.objects.get(year=today.year)
    assert plan.stage == "delivery" and plan.projects.count() >= 3
    reports = ProgressReport.objects.filter(target__project__plan=plan)
    assert all(plan.period_start <= r.as_of < today for r in reports)
    statuses = {p.status for p in plan.progress().projects}
    if today.month == 1:
        assert not reports.exists() and statuses == {pace.Status.NOT_REPORTED}
        assert "还没有月末进度" in out
    if today.month >= 7:
        assert pace.Status.COMPLETE in statuses
        assert statuses & {pace.Status.SLOW, pace.Status.SEVERE}
    # 公示 from mid-year on, when a pledge may be finished early
    assert (pace.Status.NOTICE in statuses) == (today.month >= 7)
    upcoming = Plan.objects.get(year=today.year + 1)
    assert upcoming.call_is_open(today)
    assert Plan.objects.get(year=today.year - 1).stage == "rating"
