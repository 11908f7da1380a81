"""The supervision office's side of a residents' survey, over HTTP: a survey created, its
list of households imported (pasted or uploaded; a bad list changes nothing), the draw
confirmed and recorded, the slips printed (each QR code decoded by a real decoder), the
survey closed (the list and the codes gone, the record kept); and every other role
refused every survey page."""

import io
import math
import re
import shutil
import subprocess
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from projects.exchange.backup import dump_database
from projects.models import Household, Survey, SurveyCode
from projects.rules import roles
from projects.rules import surveys as arithmetic

from .conftest import make_official
from .factories import PlanFactory, ProjectFactory, UserFactory
from .refusals import DENIED, LOGIN, assert_refused, messages_of
from .test_sites import zbar

HOUSES = [f"西园小区{n // 100 + 1}号楼{n % 100 + 1:02d}室" for n in range(2000)]
HOUSE = re.compile(r"西园小区\d+号楼\d+室")
SITE_URL = "https://jd.example.gov.cn"
ADD = reverse("admin:projects_survey_add")
LIST = reverse("admin:projects_survey_changelist")


@pytest.fixture
def plan(db):
    return PlanFactory(year=2026)


@pytest.fixture
def project(plan):
    return ProjectFactory(plan=plan, number=1, title="西园口袋公园")


@pytest.fixture
def office(db):
    return make_official("office", roles.REVIEWER)


@pytest.fixture
def survey(project, office):
    return Survey.objects.create(
        plan=project.plan, project=project, title="西园口袋公园满意度调查", created_by=office
    )


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


def url(name, survey):
    return reverse(f"admin:projects_survey_{name}", args=[survey.pk])


def drawn(survey, office, houses=HOUSES):
    survey.import_households(houses)
    survey.draw(office)
    return survey


def text_of(response):
    return response.content.decode()


# Creating a survey -------------------------------------------------------------------


def test_the_office_creates_a_survey_and_a_project_of_another_plan_is_refused_in_chinese(
    office_client, project, office
):
    other = ProjectFactory(plan=PlanFactory(year=2025), number=1, title="农村公路")
    form = {"plan": project.plan.pk, "project": other.pk, "site": "", "title": "农村公路调查"}
    page = office_client.post(ADD, form)
    assert "所选实事不属于该年度计划。" in text_of(page)
    assert not Survey.objects.exists()

    response = office_client.post(ADD, {**form, "project": project.pk, "title": "口袋公园调查"})
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert (survey.project, survey.created_by, survey.state) == (project, office, "draft")


# The list ----------------------------------------------------------------------------


def test_2000_pasted_households_are_imported_in_order_and_their_count_and_digest_shown(
    office_client, survey
):
    response = office_client.post(url("import", survey), {"text": "\r\n".join(HOUSES)})
    assert response.status_code == 302
    assert "已导入名单：2000 户" in messages_of(response)
    assert survey.identifiers() == HOUSES
    page = text_of(office_client.get(url("import", survey)))
    assert "<strong>2000</strong> 户" in page
    assert arithmetic.list_digest(HOUSES) in page
    change = text_of(office_client.get(url("change", survey)))
    assert f"2000 户；SHA-256：{arithmetic.list_digest(HOUSES)}" in change


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1号楼101\n1号楼102\n 1号楼101 ", "第 3 户与第 1 户相同（1号楼101）：每户只能出现一次。"),
        ("\n  \n", "名单是空的：每行一户，填门牌号、地址或编号。"),
        ("1号楼101\n" + "长" * 201, "第 2 户的标识超过 200 个字。"),
    ],
    ids=["repeat", "empty", "too long"],
)
def test_a_bad_list_is_refused_with_the_models_message_and_the_list_before_is_kept(
    office_client, survey, text, message
):
    survey.import_households(["甲1号", "甲2号"])
    page = office_client.post(url("import", survey), {"text": text})
    assert page.status_code == 200
    assert message in text_of(page)
    assert survey.identifiers() == ["甲1号", "甲2号"]


def xlsx_of(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_of(rows):
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        f'<office:spreadsheet><table:table table:name="名单">{cells}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return out.getvalue()


ROWS = [["门牌号", "备注"], ["3号楼201", "空置"], ["3号楼202", ""], ["3号楼203", "新搬入"]]
FILES = {
    "名单.csv": "\n".join(",".join(row) for row in ROWS).encode("gbk"),
    "名单.xlsx": xlsx_of(ROWS),
    "名单.ods": ods_of(ROWS),
}


@pytest.mark.parametrize("name", FILES)
def test_an_uploaded_list_is_read_from_its_first_column_below_its_header(
    office_client, survey, name
):
    upload = SimpleUploadedFile(name, FILES[name])
    response = office_client.post(url("import", survey), {"text": "", "file": upload})
    assert "已导入名单：3 户" in messages_of(response)
    assert survey.identifiers() == ["3号楼201", "3号楼202", "3号楼203"]


def test_a_file_that_is_not_a_table_is_refused_and_changes_nothing(office_client, survey):
    upload = SimpleUploadedFile("名单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    page = office_client.post(url("import", survey), {"file": upload})
    assert "这是旧版 Excel（.xls）" in text_of(page)
    assert not Household.objects.exists()


# The draw ----------------------------------------------------------------------------


def test_the_draw_asks_first_then_records_the_list_the_seed_and_300_households(
    office_client, survey
):
    survey.import_households(HOUSES)
    confirm = text_of(office_client.get(url("draw", survey)))
    assert "2000 户" in confirm
    assert arithmetic.list_digest(HOUSES) in confirm
    assert "本计划规定抽取 300 户" in confirm
    survey.refresh_from_db()
    assert survey.state == Survey.State.DRAFT  # a GET draws nothing

    response = office_client.post(url("draw", survey))
    assert "已从 2000 户中抽取 300 户，调查开始" in messages_of(response)
    survey.refresh_from_db()
    assert survey.state == Survey.State.OPEN
    assert (survey.population, survey.sample_size) == (2000, 300)
    assert survey.list_sha256 == arithmetic.list_digest(HOUSES)
    assert Household.objects.filter(survey=survey, sampled=True).count() == 300
    assert survey.redraw_check() is True
    page = text_of(office_client.get(url("change", survey)))
    for shown in (survey.list_sha256, survey.seed, "2000", "300", "调查中"):
        assert shown in page
    assert "导入名单" not in page  # the list is fixed: no step to change it
    assert "抽样：2000 户中抽取 300 户。" in text_of(office_client.get(url("history", survey)))

    again = office_client.post(url("draw", survey))
    assert "该调查已经抽过样。" in messages_of(again)
    assert SurveyCode.objects.filter(survey=survey).count() == 300


def test_a_draw_without_a_list_sends_the_office_to_import_one(office_client, survey):
    response = office_client.get(url("draw", survey))
    assert response["Location"] == url("import", survey)
    assert "请先导入住户名单。" in messages_of(response)


# The slips ---------------------------------------------------------------------------

SLIP = re.compile(
    r'<article class="slip">\s*<div class="strip">(?P<strip>.*?)</div>\s*'
    r'<div class="card">(?P<card>.*?)</article>',
    re.S,
)


def qr_png(svg):
    """A segno SVG (a path of horizontal runs, one unit a module: M/m move, h draws)
    painted as a PNG, as a printer would: zbarimg cannot read SVG."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg)[1])
    image = Image.new("1", (size * 4, size * 4), 1)
    x = y = 0.0
    path = re.search(r' d="([^"]+)"', svg)[1]
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            image.paste(0, (int(x) * 4, int(y) * 4, int(x + float(a)) * 4, int(y) * 4 + 4))
            x += float(a)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def decoded(svgs, folder):
    """What zbarimg reads from each QR code, in order (one run for them all)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        zbar(b"")  # skips, or fails in CI, as test_sites.py says
    names = []
    for number, svg in enumerate(svgs):
        names.append(folder / f"{number}.png")
        names[-1].write_bytes(qr_png(svg))
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own images
        [zbarimg, "--quiet", "--raw", *map(str, names)], capture_output=True, check=True
    )
    return result.stdout.decode().splitlines()


def test_the_slips_carry_each_sampled_households_code_and_a_qr_code_that_opens_the_survey(
    office_client, survey, office, settings, tmp_path
):
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = ["jd.example.gov.cn", "testserver"]
    drawn(survey, office)
    page = text_of(office_client.get(url("slips", survey)))
    slips = list(SLIP.finditer(page))
    assert len(slips) == 300
    expected = survey.slips()  # (identifier, shown code), in the sample's order
    sampled = {identifier for identifier, _code in expected}
    codes = [re.search(r'<p class="code">([0-9A-Z-]+)</p>', s["card"])[1] for s in slips]
    assert codes == [code for _identifier, code in expected]
    for slip, (identifier, _code) in zip(slips, expected, strict=True):
        # the household's identifier is on the strip cut off before delivery, and no
        # household's on the slip left behind
        assert HOUSE.findall(slip["strip"]) == [identifier]
        assert HOUSE.findall(slip["card"]) == []
        assert "西园口袋公园" in slip["card"]
        assert "扫码或打开网址，输入调查码" in slip["card"]
        assert f"{SITE_URL}/survey/" in slip["card"]
    assert set(HOUSE.findall(page)) == sampled  # no household outside the sample
    svgs = [re.search(r'<figure class="qr">(<svg.*?</svg>)', s["card"], re.S)[1] for s in slips]
    assert decoded(svgs, tmp_path) == [f"{SITE_URL}/survey/#{code}" for code in codes]
    # the code after # opens the survey
    assert Survey.open_code(decoded(svgs[:1], tmp_path)[0].split("#")[1]).survey == survey


def test_slips_are_printed_only_while_the_survey_is_open(office_client, survey, office):
    response = office_client.get(url("slips", survey))
    assert response["Location"] == url("change", survey)
    assert "只有调查中的调查可以打印调查单。" in messages_of(response)
    drawn(survey, office, HOUSES[:10])
    assert office_client.get(url("slips", survey)).status_code == 200
    survey.close(office)
    response = office_client.get(url("slips", survey))
    assert response["Location"] == url("change", survey)
    assert "只有调查中的调查可以打印调查单。" in messages_of(response)


def test_the_slips_page_costs_the_same_for_5_or_40_households(
    office_client, project, office, django_assert_num_queries
):
    small, large = (
        drawn(
            Survey.objects.create(plan=project.plan, project=project, title=f"调查{n}"),
            office,
            HOUSES[:n],
        )
        for n in (5, 40)
    )
    # 1 the session, 2 the user, 3-4 the user's permissions (own, then groups'), 5 the
    # survey with its plan, project and site, 6 the sampled households, 7 the codes,
    # 8 whether any plan is demo data (the page says so, as every page does), 9 the
    # account's 任职 (the jurisdiction it works in)
    with django_assert_num_queries(9):
        assert len(SLIP.findall(text_of(office_client.get(url("slips", small))))) == 5
    with django_assert_num_queries(9):
        assert len(SLIP.findall(text_of(office_client.get(url("slips", large))))) == 40


# The close ---------------------------------------------------------------------------


def test_closing_asks_first_then_deletes_the_list_and_codes_and_keeps_the_record(
    office_client, survey, office
):
    drawn(survey, office)
    codes = [code for _identifier, code in survey.slips()]
    for code in codes[:40]:
        Survey.answer(code, "satisfied" if codes.index(code) < 30 else "dissatisfied")
    confirm = text_of(office_client.get(url("close", survey)))
    assert "已收回答卷</dt><dd>40 份" in confirm
    survey.refresh_from_db()
    assert survey.state == Survey.State.OPEN  # a GET closes nothing

    response = office_client.post(url("close", survey))
    assert "住户名单（2000 户）和调查码已删除" in messages_of(response)
    survey.refresh_from_db()
    assert survey.state == Survey.State.CLOSED
    assert not Household.objects.filter(survey=survey).exists()
    assert not SurveyCode.objects.filter(survey=survey).exclude(code="").exists()
    page = text_of(office_client.get(url("change", survey)))
    assert "已于 2026-11-26 04:00 随调查结束删除" in page
    for shown in (survey.list_sha256, survey.seed, "2000", "300", "已结束"):
        assert shown in page
    assert "收回答卷 40 份，回收率 13.3%" in page
    # 30 of 40 satisfied, from 2,000 households: 1.96 × √(p(1−p)/n) × √((N−n)/(N−1))
    margin = 1.96 * math.sqrt(0.75 * 0.25 / 40) * math.sqrt(1960 / 1999) * 100
    shown = Decimal(str(margin)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert f'<th scope="row">满意</th><td>30</td><td>75%</td><td>±{shown}%</td>' in page
    assert '<th scope="row">不满意</th><td>10</td><td>25%</td>' in page
    assert not any(code in page for code in codes)
    assert HOUSE.findall(page) == []
    assert "打印调查单" not in page
    assert "结束调查：住户名单和调查码已删除。" in text_of(
        office_client.get(url("history", survey))
    )


def test_too_few_answers_show_as_too_small_a_sample(office_client, survey, office):
    drawn(survey, office, HOUSES[:50])
    Survey.answer(survey.slips()[0][1], "satisfied")
    office_client.post(url("close", survey))
    page = text_of(office_client.get(url("change", survey)))
    assert "样本不足</strong>：答卷少于 30 份" in page
    assert "<td>100%</td>" not in page


# A backup reads in a transaction of its own (REPEATABLE READ on PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_after_the_close_a_backup_holds_neither_the_list_nor_the_codes(survey, office):
    drawn(survey, office, HOUSES[:20])
    codes = [code for _identifier, code in survey.slips()]
    while_open = dump_database().decode()
    # while open, the backup (a private copy, to restore the survey) keeps them
    assert HOUSES[0] in while_open
    assert arithmetic.normal_code(codes[0]) in while_open
    survey.close(office)
    closed = dump_database().decode()
    assert not any(house in closed for house in HOUSES[:20])
    assert not any(arithmetic.normal_code(code) in closed for code in codes)
    assert survey.list_sha256 in closed


# Who may see it ----------------------------------------------------------------------

OTHERS = [
    roles.REPORTER,
    roles.ADMINISTRATOR,
    roles.MODERATOR,
    roles.CONGRESS_STAFF,
    roles.DEPUTY,
]
PAGES = ["changelist", "add", "change", "history", "import", "draw", "slips", "close"]


def address(page, survey):
    return reverse(
        f"admin:projects_survey_{page}", args=[] if page in ("changelist", "add") else [survey.pk]
    )


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_is_refused_every_survey_page_and_changes_nothing(
    client, survey, office, role
):
    drawn(survey, office, HOUSES[:30])
    client.force_login(make_official("other", role))
    for page in PAGES:
        assert_refused(client.get(address(page, survey)), DENIED)
    for page in ["add", "change", "import", "draw", "close"]:
        assert_refused(client.post(address(page, survey), {"text": "乙1号"}), DENIED)
    survey.refresh_from_db()
    assert survey.state == Survey.State.OPEN
    assert Household.objects.filter(survey=survey).count() == 30
    index = text_of(client.get(reverse("admin:index")))
    assert LIST not in index


def test_a_visitor_is_sent_to_sign_in_from_every_survey_page(client, survey):
    for page in PAGES:
        assert_refused(client.get(address(page, survey)), LOGIN)


def test_the_office_finds_the_surveys_on_the_admin_index(office_client, survey):
    assert LIST in text_of(office_client.get(reverse("admin:index")))
    assert "西园口袋公园满意度调查" in text_of(office_client.get(LIST))


def test_households_and_codes_have_no_admin_page(client, db):
    assert not admin.site.is_registered(Household)
    assert not admin.site.is_registered(SurveyCode)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get("/admin/projects/household/").status_code == 404
    assert client.get("/admin/projects/surveycode/").status_code == 404
