"""What every public page shares: ?as_of=, the language and 关怀版 switches, sharing
metadata; and the departments page."""

from datetime import date

import pytest
from django.conf import settings

from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour


@pytest.fixture
def road(plan):
    target = TargetFactory(
        project__plan=plan,
        project__number=11,
        project__title="农村公路",
        unit="公里",
        target_value=40,
    )
    ReportFactory(target=target, value=10, as_of=date(2021, 3, 31))
    ReportFactory(target=target, value=30, as_of=date(2021, 9, 30))
    return target


PAGES = ["/", "/plans/2021/", "/plans/2021/projects/11/", "/plans/2021/departments/"]


@pytest.mark.parametrize("url", PAGES)
def test_as_of_shows_the_state_on_that_day_with_a_banner(client, road, url):
    html = client.get(url + "?as_of=2021-06-30").content.decode()
    assert "正在查看截至 2021-06-30 的历史状态" in html
    assert "25%" in html  # 10 of 40
    assert "75%" not in html  # September's 30 of 40 is not yet known


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2021-02-30", "无法识别"),
        ("yesterday", "无法识别"),
        ("20210630", "无法识别"),
        ("2999-01-01", "不能查看未来的日期"),
        ("1900-01-01", "日期过早"),
        ("<script>alert(1)</script>", "无法识别"),
    ],
)
def test_a_bad_as_of_gives_a_message_and_the_latest_data(client, road, url, value, message):
    response = client.get(url, {"as_of": value})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "75%" in html
    assert "<script>alert(1)" not in html


def test_pages_keep_as_of_in_their_links(client, road):
    html = client.get("/plans/2021/?as_of=2021-06-30").content.decode()
    assert 'href="/plans/2021/projects/11/?as_of=2021-06-30"' in html
    assert 'href="/plans/2021/departments/?as_of=2021-06-30"' in html


def test_the_language_switch_remembers_english_and_returns_to_the_page(client, road):
    response = client.get("/language/en/", {"next": "/plans/2021/projects/11/?as_of=2021-06-30"})
    assert response.status_code == 302
    assert response["Location"] == "/plans/2021/projects/11/?as_of=2021-06-30"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/plans/2021/projects/11/").content.decode()
    assert '<html lang="en">' in html
    assert 'hreflang="zh-Hans">中文</a>' in html


def test_the_language_switch_refuses_other_sites_and_languages(client, db):
    assert client.get("/language/en/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/language/fr/").status_code == 404


def test_an_english_browser_still_gets_chinese(client, road):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in html


def test_the_care_mode_switch_persists(client, road):
    response = client.get("/care/on/", {"next": "/"})
    assert response.cookies["care"].value == "1"
    assert '<body class="care">' in client.get("/").content.decode()
    client.get("/care/off/", {"next": "/"})
    assert '<body class="">' in client.get("/").content.decode()
    assert client.get("/care/maybe/").status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_share_title_and_description(client, road, url):
    html = client.get(url).content.decode()
    assert '<meta property="og:title" content="' in html
    description = html.split('<meta name="description" content="')[1].split('"')[0]
    assert len(description) > 10


def test_departments_page_lists_what_each_unit_leads_and_supports(client, plan):
    housing = DepartmentFactory(name="区住建局")
    led = ProjectFactory(plan=plan, number=6, title="老旧小区改造", lead_department=housing)
    supported = ProjectFactory(
        plan=plan, number=4, title="学校", lead_department=DepartmentFactory(name="区教育局")
    )
    supported.supporting_departments.add(housing)
    ProjectFactory(plan=plan, number=7, title="停车位", lead_department=None)
    ReportFactory(
        target=TargetFactory(project=led, target_value=1800), value=1800, as_of=date(2021, 11, 30)
    )
    html = client.get("/plans/2021/departments/").content.decode()
    section = html.split(f'id="department-{housing.pk}">区住建局</h2>')[1].split("</section>")[0]
    assert "六、老旧小区改造</a></th><td>牵头</td><td>100%</td>" in section
    assert "四、学校</a></th><td>配合</td>" in section
    assert "已完成" in section
    assert "公告未列明责任单位的实事" in html and "七、停车位" in html


def test_home_links_every_published_plan(client, plan):
    PlanFactory(year=2022, title="2022年民生实事")
    PlanFactory(year=2023, is_published=False)
    html = client.get("/").content.decode()
    assert 'href="/plans/2021/">2021</a>' in html and 'href="/plans/2022/">2022</a>' in html
    assert "/plans/2023/" not in html
