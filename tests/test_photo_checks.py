"""照片核查 on the review page: a reporter attaches photos to a figure through the admin,
and the reviewer sees beside each what the checks found (never a verdict)."""

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.models import PlanRule, ProgressReport
from projects.models.sites import Site
from projects.rules import clock
from projects.rules.roles import REPORTER, REVIEWER

from .conftest import make_official, report_form, shared_world
from .factories import DepartmentFactory, PlanFactory, ReportFactory, TargetFactory
from .files import MINIMAL_PDF, photo_bytes, reused_copy

ADD = reverse("admin:projects_progressreport_add")
QUEUE = reverse("admin:projects_submittedreport_changelist")
SITE = (32.970000, 114.020000)
TWO_KM_NORTH = (SITE[0] + 0.018, SITE[1])
FIFTY_METRES = (SITE[0] + 0.00045, SITE[1])
SMALL = (400, 300)
# The target's last approved figure is of 2026-09-30: this period runs from then to the
# new figure's date, 2026-11-20 (the suite's clock stands at 2026-11-26 in Beijing).
FIGURE = {"value": "20", "delay_reason": "雨季停工", "next_steps": "增加施工班组"}
IN_PERIOD = datetime(2026, 11, 10, 9, 30)
BEFORE_PERIOD = datetime(2026, 8, 1, 9, 30)


def make_world():
    plan = PlanFactory(year=2026)
    department = DepartmentFactory(name="区住建局")
    target, other = (
        TargetFactory(project__plan=plan, project__lead_department=department, name=name)
        for name in ("老旧小区改造", "背街小巷整治")
    )
    Site.objects.create(
        target=target, name="西园小区", street="西园街道", latitude=SITE[0], longitude=SITE[1]
    )
    ReportFactory(target=target, value=5, as_of=date(2026, 9, 30))
    return SimpleNamespace(
        plan=plan,
        target=target,
        other=other,
        reporter=make_official("clerk", REPORTER, department),
        reviewer=make_official("reviewer", REVIEWER),
    )


built_world, world = shared_world(make_world)


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def submit(world, files, target=None, as_of="2026-11-20"):
    """The reporter's new figure with `files` ([bytes]), submitted for review."""
    target = target or world.target
    data = report_form(target, **FIGURE, as_of=as_of, _submit_for_review="1")
    data["evidence-TOTAL_FORMS"] = str(len(files))
    for number, content in enumerate(files):
        name = "scan.pdf" if content.startswith(b"%PDF") else f"photo{number}.jpg"
        data[f"evidence-{number}-file"] = SimpleUploadedFile(name, content)
        data[f"evidence-{number}-caption"] = ""
    response = client_of(world.reporter).post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return ProgressReport.objects.latest("pk")


def review_page(world, report):
    response = client_of(world.reviewer).get(
        reverse("admin:projects_progressreport_change", args=[report.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def checks_cells(html):
    """The 照片核查 cell of each attached file, in order."""
    return re.findall(r'<td class="field-photo_checks">(.*?)</td>', html, re.S)


def photo(taken=IN_PERIOD, position=FIFTY_METRES, seed=1):
    return photo_bytes(seed, SMALL, taken=taken, position=position)


def test_a_photo_taken_in_the_period_near_the_site_reads_ticks_only(world):
    report = submit(world, [photo()])
    [cell] = checks_cells(review_page(world, report))
    assert cell.count("✓") == 2  # time and place; a match would add a third line
    assert "⚠" not in cell and ">!<" not in cell
    assert "拍摄于 2026-11-10 09:30，在本期内" in cell
    assert "距最近点位 200 米以内" in cell


def test_a_photo_taken_2_km_from_the_site_is_flagged_beside_it(world):
    report = submit(world, [photo(position=TWO_KM_NORTH)])
    [cell] = checks_cells(review_page(world, report))
    assert "⚠</span> 拍摄位置距最近点位超过 1 公里" in cell


def test_a_photo_taken_before_the_period_is_flagged(world):
    report = submit(world, [photo(taken=BEFORE_PERIOD)])
    [cell] = checks_cells(review_page(world, report))
    assert "⚠</span> 拍摄于 2026-08-01 09:30，早于本期（2026-09-30 之后）" in cell


def test_a_photo_without_capture_data_is_flagged_and_a_pdf_shows_a_dash(world):
    report = submit(world, [photo_bytes(2, SMALL), MINIMAL_PDF])
    flagged, pdf = checks_cells(review_page(world, report))
    assert "⚠</span> 没有拍摄信息" in flagged
    assert re.sub(r"<[^>]+>", "", pdf).strip() == "—"


def test_a_trimmed_resized_copy_of_a_photo_on_another_report_is_flagged_with_a_link(world):
    original = photo(seed=7)
    earlier = submit(world, [original], target=world.other)
    report = submit(world, [reused_copy(original)])
    [cell] = checks_cells(review_page(world, report))
    link = reverse("admin:projects_progressreport_change", args=[earlier.pk])
    assert re.search(
        rf'⚠</span> 同一张照片（相差 \d+ 位）已用于 <a href="{link}">'
        "填报“背街小巷整治”2026-11-20</a>",
        cell,
    )
    # The earlier report's page names the later one too.
    [before] = checks_cells(review_page(world, earlier))
    assert reverse("admin:projects_progressreport_change", args=[report.pk]) in before


def test_the_distance_bands_follow_the_plans_rule_of_the_day(world):
    today = submit(world, [photo(position=TWO_KM_NORTH)])
    PlanRule.objects.create(
        plan=world.plan,
        name=PlanRule.Name.PHOTO_FAR_METRES,
        value=3000,
        valid_from=clock.today() + timedelta(days=1),
        reason="城区点位分散",
    )
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        tomorrow = submit(world, [photo(position=TWO_KM_NORTH, seed=9)])
        [later] = checks_cells(review_page(world, tomorrow))
        [earlier] = checks_cells(review_page(world, today))
    assert "!</span> 拍摄位置距最近点位 200 米至 3 公里" in later
    assert "⚠</span> 拍摄位置距最近点位超过 1 公里" in earlier  # judged by its day's rule


def test_editing_a_reports_date_moves_the_period_of_its_photos(world):
    report = submit(world, [photo()])
    ProgressReport.objects.filter(pk=report.pk).update(state=ProgressReport.State.RETURNED)
    change = reverse("admin:projects_progressreport_change", args=[report.pk])
    reporter = client_of(world.reporter)
    data = report_form(world.target, **FIGURE, as_of="2026-10-20")
    for formset in reporter.get(change).context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for form in formset.formset.initial_forms:
            data[form.add_prefix("id")] = form.instance.pk
    response = reporter.post(change, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    [cell] = checks_cells(review_page(world, report))
    assert "⚠</span> 拍摄于 2026-11-10 09:30，晚于所报日期（2026-10-20）" in cell


def test_the_review_page_and_the_queue_cost_the_same_for_one_photo_as_for_three(world, queries_of):
    reviewer = client_of(world.reviewer)
    one = submit(world, [photo()])
    page = reverse("admin:projects_progressreport_change", args=[one.pk])
    queries_of(page, using=reviewer)  # the content types' cache, filled once per process
    small, small_queue = queries_of(page, using=reviewer), queries_of(QUEUE, using=reviewer)
    originals = [photo(seed=seed) for seed in (11, 12)]
    submit(world, originals, target=world.other)
    three = submit(world, [photo(), *(reused_copy(o) for o in originals)])
    page = reverse("admin:projects_progressreport_change", args=[three.pk])
    assert len(queries_of(page, using=reviewer)) == len(small) == 18  # with the 任职
    assert len(queries_of(QUEUE, using=reviewer)) == len(small_queue)


def test_the_queue_counts_each_reports_flagged_photos(world):
    clean = submit(world, [photo()])
    flagged = submit(
        world, [photo(position=TWO_KM_NORTH, seed=3), photo(seed=4), photo_bytes(5, SMALL)]
    )
    none = submit(world, [photo(seed=6)], target=world.other)
    html = client_of(world.reviewer).get(QUEUE).content.decode()
    cells = dict(
        re.findall(
            r'<input[^>]+value="(\d+)"[^>]*class="action-select".*?'
            r'<td class="field-photo_flags">(.*?)</td>',
            html,
            re.S,
        )
    )
    assert cells == {str(clean.pk): "—", str(flagged.pk): "⚠ 2", str(none.pk): "—"}
