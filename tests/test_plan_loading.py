from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import Department, Measure, Milestone, Plan, ProgressReport, Project, Target

# Every numeric promise of the announcement (shared/seed), by project number.
EXPECTED_TARGETS = {
    1: [("新增城镇就业岗位", "9100", "个"), ("新增农村劳动力转移就业", "1700", "个")],
    2: [("新开工建设人才公寓", "300", "套")],
    3: [("新建发热门诊", "6", "个")],
    4: [("市三中综合楼开工建设", "1", "栋"), ("市七中教学楼开工建设", "1", "栋")],
    5: [("新增城市社区老年人日间照料中心", "7", "个")],
    6: [("完成老旧小区改造", "1800", "户")],
    7: [("新增中心城区停车位", "2000", "个")],
    8: [("新建小游园", "16", "座")],
    9: [("驻马店植物园项目开工建设", "1", "项")],
    10: [("开工新建公共租赁住房", "1000", "套")],
    11: [("新建农村公路", "40", "公里")],
}


def test_2021_plan_has_eleven_projects_with_their_numbers(plan_2021):
    assert plan_2021.period_start == date(2021, 1, 1)
    assert plan_2021.period_end == date(2021, 12, 31)
    assert list(plan_2021.projects.values_list("number", flat=True)) == list(range(1, 12))
    assert str(plan_2021.projects.get(number=11)) == "十一、农村公路"


def test_every_target_value_and_unit_of_the_announcement_is_loaded(plan_2021):
    loaded = {
        number: [
            (t.name, t.target_value, t.unit)
            for t in Target.objects.filter(project__plan=plan_2021, project__number=number)
        ]
        for number in EXPECTED_TARGETS
    }
    expected = {
        number: [(name, Decimal(value), unit) for name, value, unit in targets]
        for number, targets in EXPECTED_TARGETS.items()
    }
    assert loaded == expected


def test_groundbreakings_are_milestone_targets(plan_2021):
    milestones = Target.objects.filter(project__plan=plan_2021, kind=Target.Kind.MILESTONE)
    assert sorted(milestones.values_list("project__number", flat=True)) == [4, 4, 9]


def test_only_departments_the_announcement_names_are_loaded(plan_2021):
    assert set(Department.objects.values_list("name", flat=True)) == {
        "区人社局",
        "区发改委",
        "区财政局",
        "区住建局",
        "区自然资源和规划局",
        "区住房中心",
        "各社区卫生服务中心",
        "区卫健委",
        "区教育局",
    }
    projects = {p.number: p for p in plan_2021.projects.all()}
    assert projects[2].lead_department.name == "区人社局"
    assert projects[2].supporting_departments.count() == 5
    assert projects[3].lead_department.name == "各社区卫生服务中心"
    assert projects[4].lead_department.name == "区教育局"
    assert [d.name for d in projects[4].supporting_departments.all()] == ["区住建局"]
    # Project 一 names no responsible department: none is invented for it.
    assert projects[1].lead_department is None


def test_dated_steps_of_the_rental_housing_are_milestones(plan_2021):
    steps = Milestone.objects.filter(project__plan=plan_2021)
    assert [(m.project.number, m.title, m.due_date) for m in steps] == [
        (10, "完成建筑工程施工许可证办理", date(2021, 8, 31)),
        (10, "开工建设", date(2021, 9, 30)),
    ]


def test_measures_are_loaded_in_order(plan_2021):
    measures = Measure.objects.filter(project__plan=plan_2021, project__number=6)
    assert [m.text[:8] for m in measures] == [
        "加强沟通对接，积",
        "督促辖区街道、社",
        "优化资金拨付程序",
    ]
    counts = [p.measures.count() for p in plan_2021.projects.all()]
    assert counts == [3, 3, 1, 2, 2, 3, 1, 3, 3, 1, 3]


def test_projects_are_due_at_the_end_of_the_plan_period(plan_2021):
    assert set(plan_2021.projects.values_list("due_date", flat=True)) == {date(2021, 12, 31)}


def test_the_source_announcement_is_kept_with_the_plan(plan_2021):
    assert "十一件看得见的实惠" in plan_2021.source_text
    assert "郑付生" in plan_2021.source_name


def test_loading_invents_no_progress(plan_2021):
    assert ProgressReport.objects.count() == 0


def test_loading_twice_changes_nothing(plan_2021):
    before = [
        list(model.objects.order_by("pk").values())
        for model in (Plan, Project, Target, Measure, Milestone, Department)
    ]
    out = StringIO()
    call_command("load_plan", "2021", stdout=out)
    after = [
        list(model.objects.order_by("pk").values())
        for model in (Plan, Project, Target, Measure, Milestone, Department)
    ]
    assert after == before
    assert "已存在" in out.getvalue()


def test_loading_keeps_corrections_made_in_the_admin(plan_2021):
    Project.objects.filter(plan=plan_2021, number=8).update(title="城市小游园")
    call_command("load_plan", "2021", stdout=StringIO())
    assert plan_2021.projects.get(number=8).title == "城市小游园"


@pytest.mark.django_db
def test_loading_an_unknown_year_fails_clearly():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到"):
        call_command("load_plan", "1999")
