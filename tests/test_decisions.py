"""Decisions where the work is (issue 32): a reporter enters this month's figure with a
photo from the workbench in a few actions; the reviewer sees the step from the last
approved figure and the photos on the page where they decide; the answer form shows the
question answered; the report form's picker offers only targets a person may report."""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import PlanRule, ProgressReport, PublicInput
from projects.rules import roles

from .actions import Actions, link
from .conftest import make_official, report_form
from .factories import DepartmentFactory, PlanFactory, ReportFactory, TargetFactory
from .files import image_bytes


@pytest.fixture
def plan(db):
    plan = PlanFactory(year=2026, is_published=True)
    PlanFactory(year=2027, is_published=True, stage="call")  # newer, not yet delivered
    PlanRule.objects.filter(plan=plan, name="reporting_day").update(valid_from=date(2026, 1, 1))
    return plan


@pytest.fixture
def housing(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def lifts(plan, housing):
    """区住建局's lifts: 45 approved as of 10-20, nothing since (due on 11-25)."""
    target = TargetFactory(
        project__plan=plan, project__number=2, project__lead_department=housing,
        name="加装电梯", unit="部", target_value=100,
    )  # fmt: skip
    report = ReportFactory(target=target, value=Decimal("45"), as_of=date(2026, 10, 20))
    ProgressReport.objects.filter(pk=report.pk).update(
        created_at=datetime(2026, 10, 21, 2, 0, tzinfo=UTC)
    )
    return target


# What a figure behind pace must say (ProgressReport.clean).
BEHIND = {"delay_reason": "加装需全体业主同意", "next_steps": "逐户协调"}


@pytest.fixture
def clerk(housing):
    return make_official("clerk", roles.REPORTER, housing)


def test_a_reporter_enters_this_months_figure_with_a_photo_in_five_actions(client, lifts, clerk):
    way = Actions(client)
    page = way.sign_in(clerk)
    assert "逾期未报的指标" in page
    page = way.follow("逾期未报的指标")  # the only one: straight to its form
    assert f'<option value="{lifts.pk}" selected>' in page
    data = report_form(lifts, value="60", as_of="2026-11-26", **BEHIND)
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile("lift.jpg", image_bytes()),
            "evidence-0-caption": "三号楼电梯",
            "_submit_for_review": "保存并提交审核",
        }
    )
    way.submit(data)
    assert way.count <= 6 and way.count == 4  # sign-in page, sign in, the link, submit
    report = ProgressReport.objects.get(value=60)
    assert (report.state, report.evidence.count()) == ("submitted", 1)


def test_the_review_page_shows_the_step_from_the_last_approved_figure_and_the_photos(
    client, lifts, clerk
):
    report = ReportFactory(
        target=lifts, value=Decimal("60"), as_of=date(2026, 10, 26), state="submitted",
        created_by=clerk, submitted_by=clerk,
    )  # fmt: skip
    client.force_login(make_official("checker", roles.REVIEWER))
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    page = page.content.decode()
    assert (
        "45 部（截至 2026-10-20）→ <strong>60 部</strong>（截至 2026-10-26）：增加 15 部，相隔 6 天"
        in page
    )
    assert "没有附佐证照片或文件" in page


def test_the_review_page_shows_each_photo_of_the_report(client, lifts, clerk):
    client.force_login(clerk)
    data = report_form(lifts, value="44", as_of="2026-11-26", note="核减：一部未验收", **BEHIND)
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile("lift.jpg", image_bytes()),
            "evidence-0-caption": "",
            "_submit_for_review": "保存并提交审核",
        }
    )
    assert client.post(reverse("admin:projects_progressreport_add"), data).status_code == 302
    report = ProgressReport.objects.get(value=44)
    client.force_login(make_official("checker", roles.REVIEWER))
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    page = page.content.decode()
    assert "：减少 1 部，相隔 37 天" in page
    photo = reverse("projects:evidence", args=[report.evidence.get().key])
    assert f'<img src="{photo}" alt="佐证照片 1"' in page
    assert client.get(photo)["Content-Type"] == "image/jpeg"


def test_the_answer_form_shows_the_question_its_place_and_its_deadline(client, plan, lifts, clerk):
    received = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 11-20, 10:00 in Shanghai
    question = PublicInput.objects.create(
        plan=plan, project=lifts.project, text="五号楼的电梯什么时候装？", place="顺河街道",
        state="published", received_at=received,
    )  # fmt: skip
    PublicInput.objects.create(
        plan=plan, project=lifts.project, text="还没审核的留言", received_at=received
    )
    client.force_login(clerk)
    way = Actions(client)
    page = way.open(reverse("admin:index"))
    assert "还剩 11 个工作日，答复时限 2026-12-11" in page  # 15 working days from 11-20
    page = way.follow("待答复的群众留言")
    assert way.url == reverse("admin:projects_answer_add") + f"?question={question.pk}"
    for shown in ("五号楼的电梯什么时候装？", "顺河街道", "2026-11-20", "2026-12-11"):
        assert shown in page
    assert "还没审核的留言" not in page


def test_the_answer_form_lists_the_questions_waiting_when_none_is_chosen(
    client, plan, lifts, clerk
):
    for text in ("一号楼？", "二号楼？"):
        PublicInput.objects.create(plan=plan, project=lifts.project, text=text, state="published")
    PublicInput.objects.create(
        plan=plan, project=lifts.project, kind="objection", text="异议", state="published"
    )  # decided by the supervision office, not answered
    other = TargetFactory(project__plan=plan, project__lead_department=DepartmentFactory())
    PublicInput.objects.create(plan=plan, project=other.project, text="别的单位", state="published")
    client.force_login(clerk)
    page = client.get(reverse("admin:projects_answer_add")).content.decode()
    assert "待答复的留言（2）" in page and "一号楼？" in page and "二号楼？" in page
    assert "别的单位" not in page and "异议" not in page
    assert link(page, "留言 #").startswith("?question=")


def test_the_report_forms_picker_offers_only_targets_reported_by_hand(client, plan, lifts, clerk):
    parks = TargetFactory(project=lifts.project, name="加装电梯点位", counted_stage=3, order=2)
    client.force_login(clerk)
    picked = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": "progressreport", "field_name": "target"},
    )
    names = [row["text"] for row in json.loads(picked.content)["results"]]
    assert any("加装电梯" in name for name in names)
    assert not any(parks.name in name for name in names)
    # The targets list itself still shows it (its figures come from its sites).
    page = client.get(reverse("admin:projects_target_changelist")).content.decode()
    assert re.search(re.escape(parks.name), page)
