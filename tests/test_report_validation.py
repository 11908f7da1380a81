"""What a report may say, checked where officials enter it: the admin's report form."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from projects.models import ProgressReport, Target
from projects.rules import clock

from .conftest import report_form
from .factories import ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

ADD_URL = reverse("admin:projects_progressreport_add")


@pytest.fixture
def target(plan):
    return TargetFactory(project__plan=plan, target_value=100)


def post_report(client, target, **data):
    data.setdefault("value", "60")
    return client.post(ADD_URL, report_form(target, **data))


def errors_of(response):
    return response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "完成值不能为负数。"),
        ("abc", "请填写数字，例如 1200 或 12.5。"),
        ("NaN", "请填写数字，例如 1200 或 12.5。"),
        ("", "请填写累计完成值。"),
        ("1e400", "数值过大：整数部分最多 12 位。"),
        ("12.345", "最多填写 2 位小数。"),
        ("1000000000000000", "数值过大：整数部分最多 12 位。"),
    ],
)
def test_value_must_be_a_non_negative_number(admin_client, target, value, message):
    response = post_report(admin_client, target, value=value)
    assert errors_of(response)["value"] == [message]
    assert ProgressReport.objects.count() == 0


def test_as_of_date_may_not_be_in_the_future(admin_client, target):
    tomorrow = clock.today() + timedelta(days=1)
    response = post_report(admin_client, target, as_of=tomorrow.isoformat())
    assert errors_of(response)["as_of"] == [f"截至日期不能晚于今天（{clock.today():%Y-%m-%d}）。"]
    assert ProgressReport.objects.count() == 0


def test_as_of_date_may_not_be_before_the_plan_starts(admin_client, target):
    response = post_report(admin_client, target, as_of="2020-12-31")
    assert errors_of(response)["as_of"] == ["截至日期不能早于计划开始日期（2021-01-01）。"]
    assert ProgressReport.objects.count() == 0


def test_as_of_date_must_be_a_date(admin_client, target):
    response = post_report(admin_client, target, as_of="2021-02-30")
    assert errors_of(response)["as_of"] == ["请填写有效的日期，格式如 2021-06-30。"]
    assert ProgressReport.objects.count() == 0


def test_a_lower_value_needs_a_note_saying_why(admin_client, target):
    ReportFactory(target=target, value=60, as_of=date(2021, 5, 31))
    response = post_report(admin_client, target, value="55", as_of="2021-06-30")
    assert errors_of(response)["note"] == [
        "该数值低于上次审核通过的 60（截至2021-05-31），属于更正，请在备注中说明原因。"
    ]
    assert ProgressReport.objects.count() == 1


def test_a_lower_value_with_a_note_is_accepted_as_a_correction(admin_client, target):
    ReportFactory(target=target, value=60, as_of=date(2021, 5, 31))
    response = post_report(admin_client, target, value="55", as_of="2021-06-30", note="重复统计")
    assert response.status_code == 302, errors_of(response)
    assert list(target.reports.values_list("value", flat=True)) == [55, 60]


def test_a_lower_value_is_compared_with_the_report_before_it_not_after(admin_client, target):
    ReportFactory(target=target, value=80, as_of=date(2021, 9, 30))
    # Back-filling a June figure below September's is not a correction.
    response = post_report(admin_client, target, value="45", as_of="2021-06-30")
    assert response.status_code == 302


def test_changing_a_figure_of_the_same_date_needs_a_note(admin_client, target):
    ReportFactory(target=target, value=60, as_of=date(2021, 6, 30))
    response = post_report(admin_client, target, value="65", as_of="2021-06-30")
    assert errors_of(response)["note"] == [
        "截至2021-06-30已有审核通过的数值 60，本次填报属于更正，请在备注中说明原因。"
    ]


def test_a_lower_pending_figure_is_not_what_a_correction_is_measured_against(admin_client, target):
    ReportFactory(target=target, value=80, as_of=date(2021, 5, 31), state="submitted")
    assert post_report(admin_client, target, value="60", as_of="2021-06-30").status_code == 302


def test_a_figure_behind_pace_needs_a_reason_and_next_steps(admin_client, target):
    # By 2021-06-30, 180 of 364 days have passed: 49.5% expected; 30% is 19.5 points behind.
    response = post_report(admin_client, target, value="30", as_of="2021-06-30")
    assert errors_of(response)["delay_reason"] == ["该数值落后于序时进度，请填写滞后原因。"]
    assert errors_of(response)["next_steps"] == ["该数值落后于序时进度，请填写下一步措施。"]
    assert ProgressReport.objects.count() == 0
    response = post_report(
        admin_client,
        target,
        value="30",
        as_of="2021-06-30",
        delay_reason="征地手续未完成",
        next_steps="7月底前完成征地",
    )
    assert response.status_code == 302


def test_a_figure_on_pace_needs_no_reason(admin_client, target):
    assert post_report(admin_client, target, value="40", as_of="2021-06-30").status_code == 302


def test_a_figure_over_ten_times_the_target_asks_for_confirmation(admin_client, target):
    response = post_report(admin_client, target, value="1001")
    assert errors_of(response)["confirm_large"] == [
        "该数值超过目标值（100 个）的 10 倍，请核对；确认无误请勾选“确认数值无误”"
        "（Excel 导入时在“确认超十倍”列填“是”）。"
    ]
    assert ProgressReport.objects.count() == 0
    assert post_report(admin_client, target, value="1001", confirm_large="on").status_code == 302


def test_milestone_target_takes_only_zero_or_one(admin_client, plan):
    target = TargetFactory(project__plan=plan, kind=Target.Kind.MILESTONE, target_value=1)
    response = post_report(admin_client, target, value="2")
    assert errors_of(response)["value"] == ["节点指标只能填 1（已完成）或 0（未完成）。"]
    assert post_report(admin_client, target, value="1").status_code == 302


def test_model_validation_rejects_the_same_inputs_outside_the_admin(target):
    report = ProgressReport(target=target, value=-1, as_of=date(2020, 1, 1))
    with pytest.raises(Exception) as error:
        report.full_clean()
    assert set(error.value.message_dict) == {"value", "as_of"}
