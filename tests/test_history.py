"""Nothing lost, everything traceable: who changed what, and when."""

from datetime import date

import pytest
from django.urls import reverse

from projects.models import ProgressReport, Target
from projects.rules import roles

from .conftest import make_official, report_form
from .factories import DepartmentFactory, ReportFactory, TargetFactory


@pytest.fixture
def target(plan):
    return TargetFactory(
        project__plan=plan,
        project__lead_department=DepartmentFactory(name="区教育局"),
        target_value=100,
    )


def test_every_step_of_a_report_is_recorded_with_who_did_it(client, target):
    reporter = make_official("clerk", roles.REPORTER, target.project.lead_department)
    reviewer = make_official("checker", roles.REVIEWER)
    client.force_login(reporter)
    client.post(
        reverse("admin:projects_progressreport_add"),
        report_form(target, value="55", as_of="2021-06-30", _submit_for_review="1"),
    )
    report = ProgressReport.objects.get()
    report.approve(reviewer)
    steps = [
        (h.state, h.history_user) for h in report.history.order_by("history_date", "history_id")
    ]
    assert steps == [("draft", reporter), ("submitted", reporter), ("approved", reviewer)]


def test_a_changed_target_value_is_recorded_with_the_old_and_new_value(
    admin_client, superuser, target
):
    url = reverse("admin:projects_target_change", args=[target.pk])
    data = {
        "project": target.project.pk,
        "order": 1,
        "name": target.name,
        "unit": "个",
        "target_value": "120",
        "kind": "quantity",
        "is_construction": "",
        "planned_values-TOTAL_FORMS": "0",
        "planned_values-INITIAL_FORMS": "0",
        "planned_values-MIN_NUM_FORMS": "0",
        "planned_values-MAX_NUM_FORMS": "1000",
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
        "reports-MIN_NUM_FORMS": "0",
        "reports-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    latest = target.history.latest()
    changes = latest.diff_against(latest.prev_record).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("target_value", 100, 120)]
    assert latest.history_user.username == "admin"


def test_the_history_page_shows_the_changes_to_an_administrator(admin_client, target):
    Target.objects.filter(pk=target.pk).get().save()
    page = admin_client.get(reverse("admin:projects_target_history", args=[target.pk]))
    assert page.status_code == 200
    assert target.name in page.content.decode()
    assert len(page.context["page_obj"].object_list) == 2
    assert page.context["revert_disabled"]


def test_an_old_version_cannot_be_restored_over_an_approved_report(admin_client, target):
    report = ReportFactory(target=target, value=5, as_of=date(2021, 3, 1))
    first = report.history.earliest()
    url = reverse(
        "admin:projects_progressreport_simple_history", args=[report.pk, first.history_id]
    )
    assert admin_client.post(url, {"value": "500"}).status_code == 403
    report.refresh_from_db()
    assert report.value == 5


def test_reports_are_never_deleted_only_withdrawn(admin_client, target):
    reporter = make_official("clerk", roles.REPORTER, target.project.lead_department)
    report = ProgressReport.objects.create(
        target=target, value=5, as_of=date(2021, 3, 1), created_by=reporter
    )
    report.withdraw(reporter)
    delete = reverse("admin:projects_progressreport_delete", args=[report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ProgressReport.objects.filter(pk=report.pk, state="withdrawn").exists()
