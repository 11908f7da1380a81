"""Photo checks (issue 36) beyond a figure's evidence, over HTTP: a practical matter's
photo and a money document that is an image are checked like evidence, against one
pool of officials' photos; a resident's photo keeps only its fingerprint, so that the
moderator hears of a picture already sent, and never its time or place."""

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.models import Budget, Evidence, Matter, MoneyDocument, PhotoPrint, PublicInput
from projects.rules import photos, roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory
from .files import photo_bytes, reused_copy

SIZE = (400, 300)
# Where the residents' photos say they were taken: never kept, never shown.
WHEREABOUTS = (32.98, 114.02)


def jpeg(data, name="现场.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def world(db):
    plan = PlanFactory(year=2026)  # its period: 2026-01-01 … 2026-12-31
    housing = DepartmentFactory(name="区住建局")
    project = ProjectFactory(plan=plan, number=3, title="老旧小区改造", lead_department=housing)
    return SimpleNamespace(
        plan=plan,
        housing=housing,
        project=project,
        reporter=make_official("zj-reporter", roles.REPORTER, housing),
        reviewer=make_official("checker", roles.REVIEWER),
        moderator=make_official("moderator", roles.MODERATOR),
    )


def browser(user):
    client = Client()
    client.force_login(user)
    return client


# A practical matter's photo --------------------------------------------------------


def matter_entry(w, **fields):
    return {
        "plan": w.plan.pk,
        "department": w.housing.pk,
        "done_on": "2026-10-12",
        "title": "为独居老人安装紧急呼叫器",
        "category": "elderly",
        "place": "西园街道",
        "beneficiaries": "120",
        "description": "120 户独居老人家中安装。",
        **fields,
    }


def enter_matter(w, taken):
    photo = jpeg(photo_bytes(seed=11, size=SIZE, taken=taken))
    response = browser(w.reporter).post(
        reverse("admin:projects_matter_add"), {**matter_entry(w), "photo": photo}
    )
    assert response.status_code == 302
    return Matter.objects.get()


def test_a_matter_photo_taken_before_the_plans_period_is_flagged_on_its_change_page(world):
    matter = enter_matter(world, taken=datetime(2025, 11, 1, 10, 0))
    page = browser(world.reviewer).get(reverse("admin:projects_matter_change", args=[matter.pk]))
    html = page.content.decode()
    assert "照片核查" in html
    assert "拍摄于 2025-11-01 10:00，早于本期（2026-01-01 之后）" in html
    assert 'class="photo-check-flag"' in html
    assert "没有拍摄位置" in html  # a matter has no site to measure from


def test_a_matters_date_corrected_moves_the_period_its_photo_is_judged_by(world):
    matter = enter_matter(world, taken=datetime(2026, 10, 25, 9, 0))
    url = reverse("admin:projects_matter_change", args=[matter.pk])
    reporter = browser(world.reporter)
    assert "晚于所报日期（2026-10-12）" in reporter.get(url).content.decode()
    response = reporter.post(url, matter_entry(world, done_on="2026-10-30"))
    assert response.status_code == 302
    html = reporter.get(url).content.decode()
    assert "拍摄于 2026-10-25 09:00，在本期内" in html and "晚于所报日期" not in html
    assert PhotoPrint.objects.get(matter=matter).period_to == date(2026, 10, 30)


def test_a_matters_photo_cleared_takes_its_checks_with_it(world):
    matter = enter_matter(world, taken=datetime(2026, 10, 1, 9, 0))
    assert PhotoPrint.objects.filter(matter=matter).exists()
    url = reverse("admin:projects_matter_change", args=[matter.pk])
    response = browser(world.reporter).post(url, {**matter_entry(world), "photo-clear": "on"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert not matter.photo
    assert not PhotoPrint.objects.filter(matter=matter).exists()


# A money document that is an image -------------------------------------------------


def evidence_with_photo(w, data):
    """A figure's evidence photo, already checked (its upload is test_photo_checks.py's)."""
    report = ReportFactory(target__project=w.project, as_of=date(2026, 9, 30))
    evidence = Evidence.objects.create(
        report=report,
        file=ContentFile(data, name="现场.jpg"),
        kind="image",
        content_type="image/jpeg",
        original_name="现场.jpg",
        size=len(data),
    )
    PhotoPrint.record(evidence, photos.fingerprints_of(data), photos.Capture())
    return evidence


def budget_with_documents(w, *uploads):
    data = {
        "project": w.project.pk,
        "total": "1000",
        "district": "1000",
        "as_of": "2026-06-01",
        "documents-TOTAL_FORMS": str(len(uploads)),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
    }
    for n, upload in enumerate(uploads):
        data[f"documents-{n}-file"] = upload
    response = browser(w.reporter).post(reverse("admin:projects_budget_add"), data)
    assert response.status_code == 302, response.content.decode()
    return Budget.objects.latest("pk")


def test_an_image_money_document_reusing_a_figures_evidence_photo_is_flagged(world):
    original = photo_bytes(seed=21, size=SIZE, taken=datetime(2026, 9, 28, 15, 0))
    evidence = evidence_with_photo(world, original)
    budget = budget_with_documents(world, jpeg(reused_copy(original, trim=0.10, side="left")))
    document = MoneyDocument.objects.get(budget=budget)
    assert PhotoPrint.objects.get(money_document=document).flagged
    html = (
        browser(world.reviewer)
        .get(reverse("admin:projects_budget_change", args=[budget.pk]))
        .content.decode()
    )
    report_url = reverse("admin:projects_progressreport_change", args=[evidence.report_id])
    assert "同一张照片（相差" in html and "位）已用于" in html
    assert f'<a href="{report_url}">填报“' in html
    # The copy says nothing of when or where: the reviewer is told so.
    assert "没有拍摄信息（无拍摄时间、无位置）" in html


def test_a_pdf_money_document_has_no_checks(world):
    pdf = SimpleUploadedFile("批复.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    budget = budget_with_documents(world, pdf)
    assert not PhotoPrint.objects.exists()
    html = (
        browser(world.reviewer)
        .get(reverse("admin:projects_budget_change", args=[budget.pk]))
        .content.decode()
    )
    assert "照片核查" in html and "photo-check-" not in html


def test_a_money_entrys_page_costs_the_same_with_one_or_three_checked_photos(
    world, queries_of, django_assert_num_queries
):
    originals = [photo_bytes(seed=30 + n, size=SIZE) for n in range(3)]
    for data in originals:
        evidence_with_photo(world, data)
    one = budget_with_documents(world, jpeg(reused_copy(originals[0])))
    three = budget_with_documents(world, *(jpeg(reused_copy(data)) for data in originals))
    assert matched_documents(three) == 3
    client = browser(world.reviewer)
    client.get(url_of(one))  # Django's content types, read once per process, are then known
    small = queries_of(url_of(one), using=client)
    assert len(queries_of(url_of(three), using=client)) == len(small)
    # 1 the session, 2 the user, 3 and 4 its permissions, 5 the entry, 6 its documents
    # with their plan, 7 their photos' checks, 8 and 9 the matches either way round
    # with what the other photo stands behind, 10 what the entry's name reads (its
    # project), 11 whether any plan carries demo data, 12 who entered it, 13 the plan's
    # rules on the day of the checks; and the account's 任职 (the jurisdiction it works
    # in), 14.
    with django_assert_num_queries(14):
        queries_of(url_of(three), using=client)


def url_of(budget):
    return reverse("admin:projects_budget_change", args=[budget.pk])


def matched_documents(budget):
    """How many of the entry's documents were found to be a photo used before."""
    prints = PhotoPrint.objects.filter(money_document__budget=budget, matches__isnull=False)
    return prints.distinct().count()


# Residents' photos -----------------------------------------------------------------


def ask_url(w):
    return reverse("projects:ask", args=[w.plan.year, w.project.number])


def send_question(w, data, client=None, **fields):
    """A question with a photo, sent from its own browser (its own form limits)."""
    client = client or Client()
    client.get(ask_url(w))  # the CSRF cookie, as a browser has it
    body = {"text": "小区里的路灯坏了很久，晚上出行不便。", **fields}
    if data is not None:
        body["photo"] = jpeg(data)
    return client.post(ask_url(w), body)


def moderation_page(w, item):
    url = reverse("admin:projects_publicinput_change", args=[item.pk])
    return browser(w.moderator).get(url).content.decode()


def test_a_residents_second_sending_of_a_trimmed_copy_warns_the_moderator(world):
    original = photo_bytes(seed=41, size=SIZE)
    assert send_question(world, original).status_code == 302
    first = PublicInput.objects.get()
    assert send_question(world, reused_copy(original, trim=0.08, side="top")).status_code == 302
    second = PublicInput.objects.latest("pk")
    assert send_question(world, photo_bytes(seed=42, size=SIZE)).status_code == 302
    other = PublicInput.objects.latest("pk")

    html = moderation_page(world, second)
    first_url = reverse("admin:projects_publicinput_change", args=[first.pk])
    assert f'⚠ 这张照片与已收到的群众来信 <a href="{first_url}">{first}</a> 相同' in html
    html = moderation_page(world, other)
    assert "查看照片" in html and "重复照片" not in html and "这张照片与" not in html
    # The lead department reads a published question, not the moderator's warning.
    second.publish(world.moderator)
    url = reverse("admin:projects_publicinput_change", args=[second.pk])
    html = browser(world.reporter).get(url).content.decode()
    assert "查看照片" in html and "这张照片与" not in html


def test_a_photo_held_across_a_refusal_is_checked_once_the_form_passes(world):
    original = photo_bytes(seed=51, size=SIZE)
    assert send_question(world, original).status_code == 302
    first = PublicInput.objects.get()
    client = Client()
    copy = reused_copy(original, trim=0.05, side="right")
    # A name without the consent tick: refused, the photo held for the form sent again.
    assert send_question(world, copy, client, name="王小明").status_code == 400
    assert send_question(world, None, client).status_code == 302
    second = PublicInput.objects.latest("pk")
    assert second.photo and second.pk != first.pk
    first_url = reverse("admin:projects_publicinput_change", args=[first.pk])
    assert f'<a href="{first_url}">' in moderation_page(world, second)


def test_a_residents_photo_keeps_no_time_or_place_and_the_moderator_sees_none(world):
    data = photo_bytes(
        seed=61, size=SIZE, taken=datetime(2026, 11, 20, 8, 30), position=WHEREABOUTS
    )
    assert send_question(world, data).status_code == 302
    item = PublicInput.objects.get()
    print_ = PhotoPrint.objects.get(public_input=item)
    assert (print_.pool, print_.taken_at, print_.had_position, print_.band) == (
        "public",
        None,
        False,
        "",
    )
    assert (print_.period_from, print_.period_to) == (None, None)
    html = moderation_page(world, item)
    assert "查看照片" in html  # the photo is there …
    for said in ("拍摄", "2026-11-20 08:30", "点位", "公里", "32.98", "114.02", "照片核查"):
        assert said not in html  # … and nothing of when or where it was taken


def test_the_moderation_page_with_a_repeated_photo_costs_a_fixed_number_of_queries(
    world, queries_of, django_assert_num_queries
):
    original = photo_bytes(seed=71, size=SIZE)
    for n in range(3):
        assert send_question(world, reused_copy(original, trim=0.02 * n)).status_code == 302
    item = PublicInput.objects.latest("pk")
    url = reverse("admin:projects_publicinput_change", args=[item.pk])
    client = browser(world.moderator)
    assert moderation_page(world, item).count("这张照片与已收到的群众来信") == 2
    # 1 the session, 2 the user, 3 and 4 its permissions, 5 the item, 6 its photo's
    # print, 7 and 8 its matches either way round with the other items, 9 whether any
    # plan carries demo data, 10 its plan, 11 its project, 12 the addresses for its
    # answer, 13 its answer, 14 the account's 任职 (the jurisdiction it works in).
    with django_assert_num_queries(14):
        queries_of(url, using=client)


def test_a_matters_change_page_costs_the_same_with_or_without_matched_photos(
    world, queries_of, django_assert_num_queries
):
    alone = enter_matter(world, taken=datetime(2026, 10, 1, 9, 0))
    client = browser(world.reviewer)
    client.get(url_of_matter(alone))  # Django's content types, read once per process
    small = queries_of(url_of_matter(alone), using=client)
    original = alone.photo.read()
    for side in ("left", "top"):
        copy = jpeg(reused_copy(original, trim=0.05, side=side))
        response = browser(world.reporter).post(
            reverse("admin:projects_matter_add"), {**matter_entry(world), "photo": copy}
        )
        assert response.status_code == 302
    third = Matter.objects.latest("pk")
    html = client.get(url_of_matter(third)).content.decode()
    assert html.count("同一张照片（相差") == 2
    assert len(queries_of(url_of_matter(third), using=client)) == len(small)
    # 1 the session, 2 the user, 3 and 4 its permissions, 5 and 6 the matter (the
    # change view reads it, then the form's), 7 its plan, 8 its department, 9 whether
    # any plan carries demo data, 10 who entered it, 11 its photo's checks, 12 and 13
    # the matches either way round with what the other photo stands behind, 14 the
    # plan's rules on the day of the checks, 15 the account's 任职 (its jurisdiction).
    with django_assert_num_queries(15):
        queries_of(url_of_matter(third), using=client)


def url_of_matter(matter):
    return reverse("admin:projects_matter_change", args=[matter.pk])
