from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from projects.models import ProgressReport

from .conftest import build_plan
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ReportFactory,
    TargetFactory,
    UserFactory,
)


@pytest.fixture
def official(client, db):
    """A staff user allowed to read targets and add reports, logged in."""
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "view_target",
                "change_target",
                "view_progressreport",
                "add_progressreport",
            ]
        )
    )
    client.force_login(user)
    return user


def change_form_data(response):
    """The POST a browser would send for an admin change form as it was rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def test_official_adds_a_report_and_the_dashboard_changes(client, official, plan_2021):
    road = plan_2021.projects.get(number=11).targets.get()
    assert "未填报 / 40 公里" in client.get("/").content.decode()

    response = client.post(
        reverse("admin:projects_progressreport_add"),
        {"target": road.pk, "value": "18.6", "as_of": "2021-07-31", "note": ""},
    )
    assert response.status_code == 302

    report = ProgressReport.objects.get()
    assert report.created_by == official
    html = client.get("/").content.decode()
    assert "18.6 / 40 公里（46.5%）" in html
    assert '<time datetime="2021-07-31">2021年7月31日</time>' in html


def test_report_form_can_start_from_a_target(client, official, plan_2021):
    road = plan_2021.projects.get(number=11).targets.get()
    response = client.get(reverse("admin:projects_progressreport_add") + f"?target={road.pk}")
    assert response.context["adminform"].form.initial["target"] == str(road.pk)


def test_official_adds_a_report_from_the_target_page(client, official, plan):
    target = TargetFactory(project__plan=plan, target_value=300, unit="套")
    ReportFactory(target=target, value=100, as_of=date(2021, 3, 31))
    url = reverse("admin:projects_target_change", args=[target.pk])
    page = client.get(url)
    html = page.content.decode()
    assert "新增填报" in html
    assert "填报记录（最新在前）" in html

    data = change_form_data(page)
    data.update({"reports-0-value": "150", "reports-0-as_of": "2021-06-30", "reports-0-note": ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    new = target.reports.get(value=150)
    assert new.created_by == official
    assert new.as_of == date(2021, 6, 30)
    assert target.reports.count() == 2


def test_target_page_rejects_a_bad_report_and_saves_nothing(client, official, plan):
    target = TargetFactory(project__plan=plan)
    url = reverse("admin:projects_target_change", args=[target.pk])
    data = change_form_data(client.get(url))
    data.update({"reports-0-value": "-3", "reports-0-as_of": "2021-06-30"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "完成值不能为负数。" in response.content.decode()
    assert target.reports.count() == 0


def test_history_on_the_target_page_is_newest_first(client, official, plan):
    target = TargetFactory(project__plan=plan)
    for month in (2, 9, 5):
        ReportFactory(target=target, value=month, as_of=date(2021, month, 1))
    page = client.get(reverse("admin:projects_target_change", args=[target.pk]))
    history = next(
        i
        for i in page.context["inline_admin_formsets"]
        if i.opts.can_delete is False and not i.opts.extra
    )
    assert [f.instance.as_of.month for f in history.formset.forms] == [9, 5, 2]


def test_an_entered_report_cannot_be_edited_or_deleted(admin_client, plan):
    report = ReportFactory(target__project__plan=plan, value=10)
    change = reverse("admin:projects_progressreport_change", args=[report.pk])
    response = admin_client.post(
        change, {"target": report.target.pk, "value": "99", "as_of": "2021-01-01"}
    )
    assert response.status_code == 403
    delete = reverse("admin:projects_progressreport_delete", args=[report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.value == 10


def test_target_list_shows_current_target_unit_and_percent(admin_client, plan):
    target = TargetFactory(project__plan=plan, name="新建小游园", unit="座", target_value=16)
    ReportFactory(target=target, value=4)
    html = admin_client.get(reverse("admin:projects_target_changelist")).content.decode()
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert ">新建小游园</a>" in row
    for cell in (
        '<td class="field-current_display">4</td>',
        '<td class="field-target_display">16</td>',
        '<td class="field-unit">座</td>',
        '<td class="field-percent_display">25%</td>',
    ):
        assert cell in row


def test_target_list_filters_by_plan_department_and_text(admin_client, plan):
    other_plan = PlanFactory(year=2022)
    health = DepartmentFactory(name="区卫健委")
    clinic = TargetFactory(project__plan=plan, project__lead_department=health, name="发热门诊")
    helped = TargetFactory(project__plan=plan, name="日间照料")
    helped.project.supporting_departments.add(health)
    TargetFactory(project__plan=other_plan, name="农村公路")
    url = reverse("admin:projects_target_changelist")

    def names(query):
        return {t.name for t in admin_client.get(url + query).context["cl"].result_list}

    assert names(f"?project__plan__id__exact={plan.pk}") == {"发热门诊", "日间照料"}
    assert names(f"?department={health.pk}") == {clinic.name, helped.name}
    assert names("?q=公路") == {"农村公路"}
    assert names("?department=nonsense") == {"发热门诊", "日间照料", "农村公路"}


# Each list: session, user, the plan and department filter choices, the two paginator
# counts, then the rows. The project list adds its prefetched departments and targets;
# the report list adds its date hierarchy (first/last date, months).
ADMIN_LISTS = [
    ("admin:projects_target_changelist", 7),
    ("admin:projects_project_changelist", 9),
    ("admin:projects_progressreport_changelist", 9),
]


@pytest.mark.parametrize(("name", "expected"), ADMIN_LISTS)
def test_admin_list_queries_do_not_grow_with_data(
    admin_client, queries_of, name, expected, django_assert_max_num_queries
):
    url = reverse(name)
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    small = queries_of(url, using=admin_client)
    build_plan(PlanFactory(year=2022), projects=20, targets_per_project=3, reports_per_target=4)
    large = queries_of(url, using=admin_client)
    assert len(large) == len(small)
    with django_assert_max_num_queries(expected):
        queries_of(url, using=admin_client)
