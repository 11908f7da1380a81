"""Entering progress in the admin: the reporter's path from a figure to the public page."""

from datetime import date

import pytest
from django.urls import reverse

from projects.admin.base import CappedCountPaginator
from projects.models import ProgressReport
from projects.rules import roles

from .conftest import build_plan, make_official, report_form
from .factories import DepartmentFactory, PlanFactory, ReportFactory, TargetFactory

ADD = reverse("admin:projects_progressreport_add")


@pytest.fixture
def roads(plan_2021):
    """Project 十一's target, with a department made responsible for it."""
    project = plan_2021.projects.get(number=11)
    project.lead_department = DepartmentFactory(name="区交通运输局")
    project.save()
    return project.targets.get()


@pytest.fixture
def reporter(client, roads):
    user = make_official("clerk", roles.REPORTER, roads.project.lead_department)
    client.force_login(user)
    return user


def test_a_report_is_public_only_after_review(client, reporter, roads):
    response = client.post(
        ADD,
        report_form(roads, value="30", as_of="2021-07-31", _submit_for_review="1"),
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.state == ProgressReport.State.SUBMITTED
    assert report.created_by == reporter
    assert "未填报 / 40 公里" in client.get("/").content.decode()

    reviewer = make_official("checker", roles.REVIEWER)
    report.approve(reviewer)
    html = client.get("/").content.decode()
    assert "30 / 40 公里（75%）" in html
    assert '<time datetime="2021-07-31">2021-07-31</time>' in html


def test_saving_without_submitting_keeps_a_draft(client, reporter, roads):
    client.post(ADD, report_form(roads, value="30", as_of="2021-07-31", _continue="1"))
    assert ProgressReport.objects.get().state == ProgressReport.State.DRAFT


def test_report_form_can_start_from_a_target(client, reporter, roads):
    response = client.get(ADD + f"?target={roads.pk}")
    assert response.context["adminform"].form.initial["target"] == str(roads.pk)


def test_target_page_lists_reports_newest_first_with_a_way_to_add_one(client, reporter, roads):
    for month in (2, 9, 5):
        ReportFactory(target=roads, value=month * 4, as_of=date(2021, month, 1))
    page = client.get(reverse("admin:projects_target_change", args=[roads.pk]))
    html = page.content.decode()
    assert f'href="{ADD}?target={roads.pk}"' in html
    assert "新增填报" in html
    history = next(
        i
        for i in page.context["inline_admin_formsets"]
        if type(i.opts).__name__ == "ReportHistoryInline"
    )
    assert [f.instance.as_of.month for f in history.formset.forms] == [9, 5, 2]


def test_an_approved_report_cannot_be_edited_or_deleted(admin_client, plan):
    report = ReportFactory(target__project__plan=plan, value=10)
    change = reverse("admin:projects_progressreport_change", args=[report.pk])
    response = admin_client.post(change, report_form(report.target, value="99"))
    assert response.status_code == 403
    delete = reverse("admin:projects_progressreport_delete", args=[report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.value == 10


def test_target_list_shows_current_target_unit_and_percent(admin_client, plan):
    target = TargetFactory(project__plan=plan, name="新建小游园", unit="座", target_value=16)
    ReportFactory(target=target, value=4)
    ReportFactory(target=target, value=8, as_of=date(2021, 2, 1), state="submitted")
    html = admin_client.get(reverse("admin:projects_target_changelist")).content.decode()
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert ">新建小游园</a>" in row
    for cell in (
        '<td class="field-current_display">4</td>',  # the approved figure, not the pending one
        '<td class="field-target_display">16</td>',
        '<td class="field-unit">座</td>',
        '<td class="field-percent_display">25%</td>',
    ):
        assert cell in row


def test_target_list_opens_on_the_year_being_delivered_and_filters(admin_client, plan):
    other_plan = PlanFactory(year=2022, stage="call")
    health = DepartmentFactory(name="区卫健委")
    clinic = TargetFactory(project__plan=plan, project__lead_department=health, name="发热门诊")
    helped = TargetFactory(project__plan=plan, name="日间照料")
    helped.project.supporting_departments.add(health)
    TargetFactory(project__plan=other_plan, name="农村公路")
    url = reverse("admin:projects_target_changelist")

    def names(query):
        return {t.name for t in admin_client.get(url + query).context["cl"].result_list}

    # 2022 is newer, but in 征集: the list opens on 2021, which takes figures.
    assert names("") == {"发热门诊", "日间照料"}
    assert names("?year=2022") == {"农村公路"}
    assert names(f"?department={health.pk}") == {clinic.name, helped.name}
    assert names("?year=all&q=公路") == {"农村公路"}
    assert names("?year=all&department=nonsense") == {"发热门诊", "日间照料", "农村公路"}
    assert admin_client.get(url + "?year=20x1").url == url + "?e=1"
    picker = admin_client.get(url).content.decode()
    assert picker.index("2021年 · 实施") < picker.index("2022年 · 征集") < picker.index("全部年度")


# Each list: 1 the session, 2 the user, 3 the plans for the year picker, 4 the plan the
# list opens on and 5 the departments for the filters, 6 the paginator's count (capped
# at 10001 rows for reports), 7 the page of rows with what they show (targets with
# figures and status; reports with target, project and author; submitted reports with
# previous value and evidence count), then whether any plan carries demo data. The
# project list has 8 supporting departments, 9 targets with figures and 10 completion
# notices (公示; prefetched) before the demo flag, 11. The review queue has 8 its
# reports' evidence, for the photos' checks (no evidence here: no photo to read), before
# the demo flag, 9. And in each, once: the account's 任职 (the jurisdiction it works
# in, web/addresses.py), whose plans alone the list holds.
ADMIN_LISTS = [
    ("admin:projects_target_changelist", 9),
    ("admin:projects_project_changelist", 12),
    ("admin:projects_progressreport_changelist", 9),
    ("admin:projects_submittedreport_changelist", 10),
]


@pytest.mark.parametrize(("name", "expected"), ADMIN_LISTS)
def test_admin_list_queries_do_not_grow_with_data(
    admin_client, queries_of, name, expected, django_assert_num_queries
):
    url = reverse(name)
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    ProgressReport.objects.filter(target__project__number=1).update(state="submitted")
    small = queries_of(url, using=admin_client)
    build_plan(PlanFactory(year=2022), projects=20, targets_per_project=3, reports_per_target=4)
    ProgressReport.objects.filter(as_of__month=2).update(state="submitted")
    large = queries_of(url, using=admin_client)
    assert len(large) == len(small)
    with django_assert_num_queries(expected):
        queries_of(url, using=admin_client)


def test_a_report_list_longer_than_the_cap_is_not_counted_to_the_end(admin_client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)  # 4 reports
    html = admin_client.get(reverse("admin:projects_progressreport_changelist")).content.decode()
    assert "超过 3 条进度填报" in html
    build_plan(PlanFactory(year=2022), projects=1, reports_per_target=1)
    ProgressReport.objects.filter(target__project__plan__year=2021).update(state="withdrawn")
    url = reverse("admin:projects_progressreport_changelist") + "?state__exact=approved"
    html = admin_client.get(url).content.decode()
    assert "超过" not in html and "2 进度填报" in html
