"""Review before publication: draft → submitted → approved or returned."""

import re
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from projects.models import ProgressReport, Target
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, ReportFactory, TargetFactory

QUEUE = reverse("admin:projects_submittedreport_changelist")
REPORTS = reverse("admin:projects_progressreport_changelist")


@pytest.fixture
def department(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def target(plan, department):
    return TargetFactory(project__plan=plan, project__lead_department=department, target_value=100)


@pytest.fixture
def reporter(department):
    return make_official("clerk", roles.REPORTER, department)


@pytest.fixture
def reviewer(db):
    return make_official("checker", roles.REVIEWER)


def draft(target, reporter, value=50, as_of=date(2021, 6, 30), **fields):
    return ReportFactory(
        target=target, value=value, as_of=as_of, state="draft", created_by=reporter, **fields
    )


def current_value(target):
    return Target.objects.with_progress().get(pk=target.pk).current_value


def test_a_report_goes_from_draft_to_submitted_to_approved(target, reporter, reviewer):
    report = draft(target, reporter)
    assert current_value(target) is None
    report.submit(reporter)
    assert report.state == "submitted" and report.submitted_by == reporter
    assert current_value(target) is None
    report.approve(reviewer)
    report.refresh_from_db()
    assert report.state == "approved"
    assert report.reviewed_by == reviewer and report.reviewed_at is not None
    assert current_value(target) == 50


def test_the_public_keeps_the_last_approved_figure_while_a_new_one_waits(target, reporter):
    ReportFactory(target=target, value=40, as_of=date(2021, 5, 31))
    draft(target, reporter, value=60).submit(reporter)
    assert current_value(target) == 40


def test_nobody_approves_their_own_report(target, department):
    both = make_official("both", roles.REVIEWER, department)
    both.groups.add(*make_official("x", roles.REPORTER).groups.all())
    report = draft(target, both)
    report.submit(both)
    with pytest.raises(
        ValidationError,
        match=re.escape("不能审核自己经手过的填报"),
    ):
        report.approve(both)
    report.refresh_from_db()
    assert report.state == "submitted"


def test_a_returned_report_carries_the_reason_and_can_be_resubmitted(
    client, target, reporter, reviewer
):
    report = draft(target, reporter)
    report.submit(reporter)
    with pytest.raises(ValidationError, match="退回时必须说明原因"):
        report.return_to_reporter(reviewer, "  ")
    report.return_to_reporter(reviewer, "请附竣工验收照片")
    report.refresh_from_db()
    assert report.state == "returned"
    assert report.review_note == "请附竣工验收照片"

    client.force_login(reporter)
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    assert "此填报已被退回，原因：请附竣工验收照片" in page.content.decode()
    report.submit(reporter)
    assert report.state == "submitted"


def test_only_a_submitted_report_can_be_approved(target, reporter, reviewer):
    report = draft(target, reporter)
    with pytest.raises(ValidationError, match="当前为“草稿”"):
        report.approve(reviewer)


def test_a_second_approval_of_the_same_report_is_refused(target, reporter, reviewer):
    report = draft(target, reporter)
    report.submit(reporter)
    stale_copy = ProgressReport.objects.get(pk=report.pk)
    report.approve(reviewer)
    other = make_official("checker2", roles.REVIEWER)
    with pytest.raises(ValidationError, match="当前为“已审核”"):
        stale_copy.approve(other)
    assert ProgressReport.objects.get(pk=report.pk).reviewed_by == reviewer


def test_a_draft_can_be_withdrawn_and_is_kept(client, target, reporter):
    report = draft(target, reporter)
    client.force_login(reporter)
    client.post(REPORTS, {"action": "withdraw_selected", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.state == "withdrawn"
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def test_withdrawing_does_not_touch_a_submitted_report(client, target, reporter):
    report = draft(target, reporter)
    report.submit(reporter)
    client.force_login(reporter)
    client.post(REPORTS, {"action": "withdraw_selected", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.state == "submitted"


def test_review_queue_is_oldest_first_with_the_previous_approved_value(
    client, plan, target, reporter, reviewer
):
    ReportFactory(target=target, value=30, as_of=date(2021, 4, 30))
    other = TargetFactory(project=target.project, name="第二项", target_value=10)
    first = draft(other, reporter, value=5)
    first.submit(reporter)
    # submitted on 11-16 at noon in Shanghai; the suite's today there is 11-26
    ProgressReport.objects.filter(pk=first.pk).update(
        submitted_at=datetime(2026, 11, 16, 4, tzinfo=UTC)
    )
    second = draft(target, reporter, value=55)
    second.submit(reporter)
    client.force_login(reviewer)
    response = client.get(QUEUE)
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [first.pk, second.pk]
    assert [r.previous_value for r in rows] == [None, 30]
    html = response.content.decode()
    assert '<td class="field-previous_display">30</td>' in html
    assert '<td class="field-previous_display">无</td>' in html
    waited = re.findall(r'<td class="field-waited">([^<]*)</td>', html)
    assert waited == ["10 天", "0 天"]  # how long each has waited


def test_a_reviewer_approves_several_at_once(client, target, reporter, reviewer):
    reports = [
        draft(target, reporter, value=v, as_of=date(2021, 6, d)) for v, d in ((50, 1), (52, 2))
    ]
    for report in reports:
        report.submit(reporter)
    client.force_login(reviewer)
    response = client.post(
        QUEUE,
        {"action": "approve_selected", "_selected_action": [r.pk for r in reports]},
        follow=True,
    )
    assert "已审核通过 2 条填报" in response.content.decode()
    assert set(ProgressReport.objects.values_list("state", flat=True)) == {"approved"}


def test_a_review_in_the_queue_reaches_the_public_pages_and_the_history(
    client, target, reporter, reviewer
):
    # The queue lists SubmittedReport, a proxy of ProgressReport: the page cache's version
    # and the history listen for ProgressReport.
    approved, returned = (
        draft(target, reporter, value=v, as_of=date(2021, 6, d)) for v, d in ((50, 1), (52, 2))
    )
    for report in (approved, returned):
        report.submit(reporter)
    public, page = Client(), target.project.get_absolute_url()
    assert "当前 <strong>50</strong>" not in public.get(page).content.decode()  # kept now
    client.force_login(reviewer)
    client.post(QUEUE, {"action": "approve_selected", "_selected_action": [approved.pk]})
    client.post(
        QUEUE,
        {
            "action": "return_selected",
            "_selected_action": [returned.pk],
            "confirm": "1",
            "reason": "数值与台账不符",
        },
    )
    assert "当前 <strong>50</strong>" in public.get(page).content.decode()
    for report, state in ((approved, "approved"), (returned, "returned")):
        last = report.history.first()
        assert (last.state, last.history_user) == (state, reviewer)


def test_returning_from_the_list_asks_for_one_reason(client, target, reporter, reviewer):
    report = draft(target, reporter)
    report.submit(reporter)
    client.force_login(reviewer)
    data = {"action": "return_selected", "_selected_action": [report.pk]}
    page = client.post(QUEUE, data)
    assert "退回原因" in page.content.decode()
    report.refresh_from_db()
    assert report.state == "submitted"
    client.post(QUEUE, {**data, "confirm": "1", "reason": "数据口径不一致"})
    report.refresh_from_db()
    assert (report.state, report.review_note) == ("returned", "数据口径不一致")


def test_a_reviewer_approves_from_the_report_page(client, target, reporter, reviewer):
    report = draft(target, reporter)
    report.submit(reporter)
    client.force_login(reviewer)
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    assert "审核通过并公开" in page.content.decode()
    client.post(reverse("admin:projects_review", args=[report.pk]), {"decision": "approve"})
    report.refresh_from_db()
    assert report.state == "approved"


def test_approving_a_lower_figure_records_what_it_corrects(target, reporter, reviewer):
    old = ReportFactory(target=target, value=60, as_of=date(2021, 5, 31))
    report = draft(target, reporter, value=55, note="重复统计一处小区")
    report.submit(reporter)
    report.approve(reviewer)
    assert report.corrects == old


def test_a_later_higher_figure_is_not_a_correction(target, reporter, reviewer):
    ReportFactory(target=target, value=40, as_of=date(2021, 5, 31))
    report = draft(target, reporter, value=55)
    report.submit(reporter)
    report.approve(reviewer)
    assert report.corrects is None


# Separation of duties: the history decides, not the roles held today


def test_whoever_changed_a_figure_cannot_approve_it_whatever_roles_they_hold(
    client, target, department, reporter
):
    from django.contrib.auth.models import Group

    from .conftest import report_form

    insider = make_official("insider", roles.REPORTER, department)
    insider.groups.add(Group.objects.get(name=roles.REVIEWER))
    draft = ReportFactory(target=target, value=259, as_of=date(2021, 6, 30), state="draft",
                          created_by=reporter)  # fmt: skip
    client.force_login(insider)
    change = reverse("admin:projects_progressreport_change", args=[draft.pk])
    data = report_form(target, value="298", as_of="2021-06-30", note="")
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"evidence-2-{key}"] = data[f"evidence-{key}"]  # the inline for new files
    assert client.post(change, data).status_code == 302
    draft.refresh_from_db()
    assert draft.value == 298
    draft.submit(reporter)  # the reporter, unaware, sends it on
    response = client.post(
        reverse("admin:projects_review", args=[draft.pk]), {"decision": "approve"}, follow=True
    )
    draft.refresh_from_db()
    assert draft.state == "submitted"
    assert "不能审核自己经手过的填报" in response.content.decode()


def test_a_reviewer_who_returned_a_report_may_approve_it_once_corrected(target, reporter):
    reviewer = make_official("checker", roles.REVIEWER)
    report = ReportFactory(target=target, value=30, as_of=date(2021, 6, 30), state="submitted",
                           created_by=reporter, submitted_by=reporter, delay_reason="雨季",
                           next_steps="加快")  # fmt: skip
    report.return_to_reporter(reviewer, "请补充说明")
    report.value = 31
    report._history_user = reporter
    report.save()
    report.submit(reporter)
    report.approve(reviewer)
    assert report.state == "approved"


def test_nobody_changes_their_own_roles(client, db):
    from django.contrib.auth.models import Group

    manager = make_official("manager", roles.ADMINISTRATOR)
    client.force_login(manager)
    url = reverse("admin:auth_user_change", args=[manager.pk])
    html = client.get(url).content.decode()
    assert 'name="groups"' not in html
    reviewer_role = Group.objects.get(name=roles.REVIEWER)
    fields = {"username": "manager", "is_active": "on", "is_staff": "on", "email": ""}
    fields.update({f"assignment-{n}_FORMS": "0" for n in ["TOTAL", "INITIAL", "MIN_NUM"]})
    assert client.post(url, {**fields, "groups": [reviewer_role.pk]}).status_code == 302
    assert list(manager.groups.values_list("name", flat=True)) == [roles.ADMINISTRATOR]
    other = make_official("clerk2", roles.REPORTER)
    html = client.get(reverse("admin:auth_user_change", args=[other.pk])).content.decode()
    assert 'name="groups"' in html  # another administrator's account is theirs to keep
