"""Who may open and do what in the officials' admin: the whole matrix in one place.

Two departments report: A = 甲 (区园林局) leads 口袋公园 and supports 社区食堂 (led by
区民政局); B = 乙 (区公路局) leads 农村公路. "own" means the reporter of A sees and acts
on 口袋公园 and 社区食堂 and never on 农村公路, and the reporter of B the reverse.
"not found" is the admin's answer for an object outside one's scope, a redirect to the
admin index (404 on the evidence view): the same as for an id that does not exist.
"admin" is the 管理员 role, not a superuser.

| column                         | anonymous | reporter A | reporter B | reviewer | admin   |
|--------------------------------|-----------|------------|------------|----------|---------|
| lists: projects, targets, ...  | login     | own        | own        | all      | all     |
| A's object page, its history   | login     | view       | not found  | view     | view    |
| departments, plans             | login     | view       | view       | view     | view    |
| department members and history| login     | hidden/403 | hidden/403 | hidden/403 | view  |
| users                          | login     | 403        | 403        | 403      | view    |
| review queue                   | login     | 403        | 403        | view     | 403     |
| add report, import, template   | login     | own        | own        | 403      | 403     |
| edit a draft/returned report   | login     | own        | own        | read     | read    |
| edit a submitted/approved one  | login     | read, 403  | not found  | read     | read    |
| submit, withdraw (actions)     | login     | own        | own        | refused  | ignored |
| approve, return (actions/page) | login     | refused    | refused    | not own  | refused |
| plan a dated step (its date: by review) | login | 403   | 403        | 403      | yes     |
| ledger                         | login     | 403        | 403        | view     | view    |
| surveys: list, page, its list  | login     | 403        | 403        | view     | 403     |
| evidence of a draft            | 404       | file       | 404        | file     | file    |
| evidence, report approved      | file      | file       | file       | file     | file    |

The tables below (READS, ADDS, EDITS, ACTIONS, REVIEWS, MILESTONE_EDITS, IMPORTS,
TEMPLATES, AUTOCOMPLETE, EVIDENCE) spell out every cell.
"""

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from projects.models import Evidence, Milestone, ProgressReport, Survey
from projects.rules import clock, roles

from .conftest import make_official, make_plan, report_form, shared_world
from .factories import (
    BudgetFactory,
    DepartmentFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
    UserFactory,
)
from .refusals import (
    DENIED,
    HTTP_404,
    LOGIN,
    NOT_FOUND,
    REFUSALS,
    assert_refused,
    messages_of,
)

ACTORS = ["anonymous", "reporter_a", "reporter_b", "reviewer", "manager"]
# The projects each reporter answers for: 甲 leads "a" and supports "s"; 乙 leads "b".
OWNED = {"reporter_a": {"a", "s"}, "reporter_b": {"b"}}

VIEW = "view"  # 200 showing the object
OWN = "own"  # 200 listing the actor's departments' rows and no other's
ALL = "all"  # 200 listing every department's rows


def make_world():
    """The two departments' projects, targets, dated steps and reports in every state,
    the five actors, and a superuser the admin role must not see."""
    plan = make_plan()
    a = DepartmentFactory(name="区园林局")
    b = DepartmentFactory(name="区公路局")
    c = DepartmentFactory(name="区民政局")
    project_a = ProjectFactory(plan=plan, number=1, title="口袋公园", lead_department=a)
    project_b = ProjectFactory(plan=plan, number=2, title="农村公路", lead_department=b)
    project_s = ProjectFactory(plan=plan, number=3, title="社区食堂", lead_department=c)
    project_s.supporting_departments.add(a)
    target_a = TargetFactory(project=project_a, name="新建口袋公园")
    target_b = TargetFactory(project=project_b, name="改造农村公路")
    target_s = TargetFactory(project=project_s, name="建成社区食堂")
    reporter_a = make_official("reporter_a", roles.REPORTER, a)
    reporter_b = make_official("reporter_b", roles.REPORTER, b)
    reviewer = make_official("reviewer", roles.REVIEWER)

    def report(target, value, as_of, state, by, **fields):
        return ReportFactory(
            target=target, value=value, as_of=as_of, state=state, created_by=by, **fields
        )

    def submitted(target, value, as_of, by):
        return report(
            target, value, as_of, "submitted", by, submitted_by=by, submitted_at=clock.now()
        )

    return SimpleNamespace(
        plan=plan,
        department_a=a,
        project_a=project_a,
        project_b=project_b,
        project_s=project_s,
        target_a=target_a,
        target_b=target_b,
        target_s=target_s,
        milestone_a=Milestone.objects.create(
            project=project_a, title="公园开工", due_date=date(2021, 5, 31)
        ),
        milestone_b=Milestone.objects.create(
            project=project_b, title="公路开工", due_date=date(2021, 5, 31)
        ),
        milestone_s=Milestone.objects.create(
            project=project_s, title="食堂开业", due_date=date(2021, 9, 30)
        ),
        reporter_a=reporter_a,
        reporter_b=reporter_b,
        reviewer=reviewer,
        # money, one entry per project (the rest: tests/test_money_admin.py)
        budget_a=BudgetFactory(project=project_a, created_by=reporter_a),
        budget_b=BudgetFactory(project=project_b, created_by=reporter_b),
        budget_s=BudgetFactory(project=project_s, created_by=reporter_a),
        manager=make_official("manager", roles.ADMINISTRATOR),
        chief=UserFactory(username="chief", is_staff=True, is_superuser=True),
        approved_a=report(target_a, 40, date(2021, 3, 31), "approved", reporter_a),
        approved_b=report(target_b, 40, date(2021, 3, 31), "approved", reporter_b),
        approved_s=report(target_s, 40, date(2021, 3, 31), "approved", reporter_a),
        draft_a=report(target_a, 60, date(2021, 6, 30), "draft", reporter_a),
        draft_b=report(target_b, 60, date(2021, 6, 30), "draft", reporter_b),
        returned_a=report(
            target_a, 58, date(2021, 6, 20), "returned", reporter_a, review_note="请补充照片"
        ),
        submitted_a=submitted(target_a, 55, date(2021, 6, 15), reporter_a),
        # A report the reviewer entered and submitted: they may not approve it themselves.
        own_submitted=submitted(target_b, 50, date(2021, 6, 10), reviewer),
        # One reporter_b entered and submitted, whose figure the reviewer changed once.
        touched_submitted=touched(submitted(target_b, 45, date(2021, 6, 5), reporter_b), reviewer),
        # the office's survey of 甲's park, its list imported (tests/test_survey_admin.py)
        survey_a=surveyed(project_a, ["西园1号", "西园2号", "西园3号"]),
    )


def surveyed(project, households):
    survey = Survey.objects.create(plan=project.plan, project=project, title="口袋公园满意度调查")
    survey.import_households(households)
    return survey


built_world, world = shared_world(make_world)


def touched(report, user):
    report.value += 2
    report._history_user = user
    report.save()
    return report


def log_in(client, world, actor):
    if actor != "anonymous":
        client.force_login(getattr(world, actor))


def matrix(rows):
    """Rows of (column, outcome per actor in ACTORS order) → (column, actor, outcome) cases."""
    return [
        pytest.param(column, actor, outcome, id=f"{column}-{actor}")
        for column, *outcomes in rows
        for actor, outcome in zip(ACTORS, outcomes, strict=True)
    ]


# Reading: every page, with what shows it is the right one. For lists, the text that
# marks each project's row ("a" 甲 leads, "s" 甲 supports, "b" 乙 leads).
PROJECTS = {"a": "口袋公园", "s": "社区食堂", "b": "农村公路"}
TARGETS = {"a": "新建口袋公园", "s": "建成社区食堂", "b": "改造农村公路"}
MILESTONES = {"a": "公园开工", "s": "食堂开业", "b": "公路开工"}
DEPARTMENTS = {"a": "区园林局", "b": "区公路局", "s": "区民政局"}


def pages(w):
    """Each page: (url, what it shows: a text for one object, a dict for a list)."""

    def admin(name, *args):
        return reverse(f"admin:projects_{name}", args=args)

    first_version = w.approved_a.history.earliest().history_id
    return {
        "project list": (admin("project_changelist"), PROJECTS),
        "project 甲": (admin("project_change", w.project_a.pk), "口袋公园"),
        "project 甲 supports": (admin("project_change", w.project_s.pk), "社区食堂"),
        "project 乙": (admin("project_change", w.project_b.pk), "农村公路"),
        "project 甲 history": (admin("project_history", w.project_a.pk), "口袋公园"),
        "target list": (admin("target_changelist"), TARGETS),
        "target 甲": (admin("target_change", w.target_a.pk), "新建口袋公园"),
        "target 乙": (admin("target_change", w.target_b.pk), "改造农村公路"),
        "target 甲 history": (admin("target_history", w.target_a.pk), "新建口袋公园"),
        "report list": (admin("progressreport_changelist"), TARGETS),
        "report 甲": (admin("progressreport_change", w.approved_a.pk), "新建口袋公园"),
        "report 甲 supports": (admin("progressreport_change", w.approved_s.pk), "建成社区食堂"),
        "report 乙": (admin("progressreport_change", w.approved_b.pk), "改造农村公路"),
        "report 甲 history": (admin("progressreport_history", w.approved_a.pk), "新建口袋公园"),
        "report 甲 old version": (
            admin("progressreport_simple_history", w.approved_a.pk, first_version),
            "新建口袋公园",
        ),
        "milestone list": (admin("milestone_changelist"), MILESTONES),
        "milestone 甲": (admin("milestone_change", w.milestone_a.pk), "公园开工"),
        "milestone 乙": (admin("milestone_change", w.milestone_b.pk), "公路开工"),
        "budget list": (admin("budget_changelist"), PROJECTS),
        "budget 甲": (admin("budget_change", w.budget_a.pk), "口袋公园"),
        "budget 乙": (admin("budget_change", w.budget_b.pk), "农村公路"),
        "add budget": (admin("budget_add"), "我已核对"),
        "department list": (admin("department_changelist"), DEPARTMENTS),
        "department 甲": (admin("department_change", w.department_a.pk), "区园林局"),
        "department 甲 history": (admin("department_history", w.department_a.pk), "区园林局"),
        "plan list": (admin("plan_changelist"), w.plan.title),
        "plan page": (admin("plan_change", w.plan.pk), w.plan.title),
        "user list": (reverse("admin:auth_user_changelist"), "reporter_b"),
        "role list": (reverse("admin:auth_group_changelist"), roles.REVIEWER),
        "user page": (reverse("admin:auth_user_change", args=[w.reporter_b.pk]), "reporter_b"),
        "superuser page": (reverse("admin:auth_user_change", args=[w.chief.pk]), "chief"),
        "user password": (
            reverse("admin:auth_user_password_change", args=[w.reporter_b.pk]),
            "reporter_b",
        ),
        "superuser password": (
            reverse("admin:auth_user_password_change", args=[w.chief.pk]),
            "chief",
        ),
        "review queue": (admin("submittedreport_changelist"), "新建口袋公园"),
        "queued report": (admin("submittedreport_change", w.submitted_a.pk), "新建口袋公园"),
        "add report": (admin("progressreport_add"), "上传佐证材料"),
        "import": (admin("import"), "上传并检查"),
        "ledger": (admin("ledger"), PROJECTS),  # all 逾期未完成 by now
        "survey list": (admin("survey_changelist"), "口袋公园满意度调查"),
        "survey 甲": (admin("survey_change", w.survey_a.pk), "口袋公园满意度调查"),
        "survey 甲 households": (admin("survey_import", w.survey_a.pk), "<strong>3</strong> 户"),
        "add survey": (admin("survey_add"), "调查名称"),
    }


READS = [
    # page                   anonymous reporter 甲 reporter 乙 reviewer manager
    ("project list",          LOGIN, OWN,       OWN,       ALL,    ALL),
    ("project 甲",            LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("project 甲 supports",   LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("project 乙",            LOGIN, NOT_FOUND, VIEW,      VIEW,   VIEW),
    ("project 甲 history",    LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("target list",           LOGIN, OWN,       OWN,       ALL,    ALL),
    ("target 甲",             LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("target 乙",             LOGIN, NOT_FOUND, VIEW,      VIEW,   VIEW),
    ("target 甲 history",     LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("report list",           LOGIN, OWN,       OWN,       ALL,    ALL),
    ("report 甲",             LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("report 甲 supports",    LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("report 乙",             LOGIN, NOT_FOUND, VIEW,      VIEW,   VIEW),
    ("report 甲 history",     LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("report 甲 old version", LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("milestone list",        LOGIN, OWN,       OWN,       ALL,    ALL),
    ("milestone 甲",          LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("milestone 乙",          LOGIN, NOT_FOUND, VIEW,      VIEW,   VIEW),
    ("budget list",           LOGIN, OWN,       OWN,       ALL,    ALL),
    ("budget 甲",             LOGIN, VIEW,      NOT_FOUND, VIEW,   VIEW),
    ("budget 乙",             LOGIN, NOT_FOUND, VIEW,      VIEW,   VIEW),
    ("add budget",            LOGIN, VIEW,      VIEW,      DENIED, DENIED),
    ("department list",       LOGIN, ALL,       ALL,       ALL,    ALL),
    ("department 甲",         LOGIN, VIEW,      VIEW,      VIEW,   VIEW),
    ("department 甲 history", LOGIN, DENIED,    DENIED,    DENIED, VIEW),
    ("plan list",             LOGIN, VIEW,      VIEW,      VIEW,   VIEW),
    ("plan page",             LOGIN, VIEW,      VIEW,      VIEW,   VIEW),
    ("user list",             LOGIN, DENIED,    DENIED,    DENIED, VIEW),
    ("role list",             LOGIN, DENIED,    DENIED,    DENIED, VIEW),
    ("user page",             LOGIN, DENIED,    DENIED,    DENIED, VIEW),
    ("superuser page",        LOGIN, DENIED,    DENIED,    DENIED, NOT_FOUND),
    ("user password",         LOGIN, DENIED,    DENIED,    DENIED, VIEW),
    ("superuser password",    LOGIN, DENIED,    DENIED,    DENIED, HTTP_404),
    ("review queue",          LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
    ("queued report",         LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
    ("add report",            LOGIN, VIEW,      VIEW,      DENIED, DENIED),
    ("import",                LOGIN, VIEW,      VIEW,      DENIED, DENIED),
    ("ledger",                LOGIN, DENIED,    DENIED,    ALL,    ALL),
    ("survey list",           LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
    ("survey 甲",             LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
    ("survey 甲 households",  LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
    ("add survey",            LOGIN, DENIED,    DENIED,    VIEW,   DENIED),
]  # fmt: skip


# Not named `page`: that is pytest-playwright's fixture, and sharing its name would
# group these tests with the browser tests, after their database flush.
@pytest.mark.parametrize(("admin_page", "actor", "outcome"), matrix(READS))
def test_each_actor_sees_each_admin_page_as_the_matrix_says(
    client, world, admin_page, actor, outcome
):
    url, shows = pages(world)[admin_page]
    log_in(client, world, actor)
    response = client.get(url)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    elif outcome == VIEW:
        assert response.status_code == 200
        assert shows in response.content.decode()
    else:
        assert response.status_code == 200
        html = response.content.decode()
        visible = OWNED[actor] if outcome == OWN else set(shows)
        assert {key for key, text in shows.items() if text in html} == visible


INDEX = [
    # actor, links on the admin index that they may follow, links that must not be there
    (
        "reporter_a",
        ["progressreport_add", "import"],
        ["submittedreport", "user", "ledger", "survey"],
    ),
    ("reviewer", ["submittedreport", "ledger", "survey"], ["progressreport_add", "import", "user"]),
    ("manager", ["user", "ledger"], ["submittedreport", "progressreport_add", "import", "survey"]),
]
INDEX_LINKS = {
    "progressreport_add": "admin:projects_progressreport_add",
    "import": "admin:projects_import",
    "submittedreport": "admin:projects_submittedreport_changelist",
    "user": "admin:auth_user_changelist",
    "ledger": "admin:projects_ledger",
    "survey": "admin:projects_survey_changelist",
}


@pytest.mark.parametrize(("actor", "shown", "hidden"), INDEX)
def test_admin_index_offers_each_role_only_what_it_may_open(client, world, actor, shown, hidden):
    log_in(client, world, actor)
    html = client.get(reverse("admin:index")).content.decode()
    assert [k for k in shown if f'href="{reverse(INDEX_LINKS[k])}' in html] == shown
    assert [k for k in hidden if f'href="{reverse(INDEX_LINKS[k])}' in html] == []


def test_an_admin_who_is_not_a_superuser_never_lists_superusers(client, world):
    client.force_login(world.manager)
    result = client.get(reverse("admin:auth_user_changelist")).context["cl"].result_list
    assert {u.username for u in result} == {"reporter_a", "reporter_b", "reviewer", "manager"}


# The account page's 任职 inline, sent empty: the account keeps its jurisdiction.
NO_ASSIGNMENT_FORM = {f"assignment-{n}_FORMS": "0" for n in ["TOTAL", "INITIAL", "MIN_NUM"]}


def test_an_admin_who_is_not_a_superuser_cannot_grant_superuser_or_loose_permissions(client, world):
    user = world.reporter_b
    role = user.groups.get()
    client.force_login(world.manager)
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": user.username,
            "last_name": "王",
            "first_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [role.pk],
            "is_superuser": "on",
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
            **NO_ASSIGNMENT_FORM,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_name == "王"  # the allowed change was saved
    assert not user.is_superuser
    assert not user.user_permissions.exists()


# The target picker of the report form (autocomplete) offers the targets one may see.
AUTOCOMPLETE = [
    ("anonymous", LOGIN),
    ("reporter_a", ["一、新建口袋公园", "三、建成社区食堂"]),
    ("reporter_b", ["二、改造农村公路"]),
    ("reviewer", ["一、新建口袋公园", "二、改造农村公路", "三、建成社区食堂"]),
    ("manager", ["一、新建口袋公园", "二、改造农村公路", "三、建成社区食堂"]),
]


@pytest.mark.parametrize(("actor", "outcome"), AUTOCOMPLETE)
def test_the_target_picker_offers_only_targets_one_may_see(client, world, actor, outcome):
    log_in(client, world, actor)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": "progressreport", "field_name": "target"},
    )
    if outcome == LOGIN:
        assert_refused(response, LOGIN)
    else:
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == outcome


# Adding a report: POST of the add page for a target of the actor's department or not.
# "created" is a draft saved for that target by the actor; "refused" is the form shown
# again with an error on the target and nothing saved (a forged POST).
ADDS = [
    # actor        target  outcome
    ("anonymous",  "a",    LOGIN),
    ("reporter_a", "a",    "created"),
    ("reporter_a", "s",    "created"),
    ("reporter_a", "b",    "refused"),
    ("reporter_b", "b",    "created"),
    ("reporter_b", "a",    "refused"),
    ("reporter_b", "s",    "refused"),
    ("reviewer",   "a",    DENIED),
    ("manager",    "a",    DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "owner", "outcome"), ADDS)
def test_a_report_is_added_only_for_a_target_of_ones_own_department(
    client, world, actor, owner, outcome
):
    target = getattr(world, f"target_{owner}")
    log_in(client, world, actor)
    response = client.post(
        reverse("admin:projects_progressreport_add"),
        report_form(target, value="65", as_of="2021-06-30", _continue="1"),
    )
    added = ProgressReport.objects.filter(target=target, value=65)
    if outcome == "created":
        assert response.status_code == 302
        report = added.get()
        assert (report.state, report.created_by) == ("draft", getattr(world, actor))
        return
    assert not added.exists()
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["target"] == ["请选择您有权填报的指标。"]


def test_the_add_page_does_not_prefill_another_departments_target(client, world):
    client.force_login(world.reporter_a)
    url = reverse("admin:projects_progressreport_add") + f"?target={world.target_b.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert "改造农村公路" not in response.content.decode()


# Editing a report: its page (editable form, read-only view, or not found) and a POST
# that changes its value to 70 ("saved") or changes nothing.
EDITABLE = "editable"
READ_ONLY = "read only"
SAVED = "saved"
EDITS = [
    # actor        report          page       POST
    ("anonymous",  "draft_a",      LOGIN,     LOGIN),
    ("reporter_a", "draft_a",      EDITABLE,  SAVED),
    ("reporter_a", "returned_a",   EDITABLE,  SAVED),
    ("reporter_a", "draft_b",      NOT_FOUND, NOT_FOUND),
    ("reporter_a", "submitted_a",  READ_ONLY, DENIED),
    ("reporter_a", "approved_a",   READ_ONLY, DENIED),
    ("reporter_b", "draft_b",      EDITABLE,  SAVED),
    ("reporter_b", "draft_a",      NOT_FOUND, NOT_FOUND),
    ("reporter_b", "returned_a",   NOT_FOUND, NOT_FOUND),
    ("reporter_b", "approved_a",   NOT_FOUND, NOT_FOUND),
    ("reviewer",   "draft_a",      READ_ONLY, DENIED),
    ("reviewer",   "submitted_a",  READ_ONLY, DENIED),
    ("reviewer",   "approved_a",   READ_ONLY, DENIED),
    ("manager",    "draft_a",      READ_ONLY, DENIED),
    ("manager",    "approved_a",   READ_ONLY, DENIED),
]  # fmt: skip


def change_form(report, **fields):
    """The POST of a report's change page: the files already attached (prefix
    "evidence") and the new-file inline (prefix "evidence-2"), both empty."""
    data = report_form(report.target, as_of=f"{report.as_of:%Y-%m-%d}", _continue="1")
    data.update(fields)
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"evidence-2-{key}"] = data[f"evidence-{key}"]
    return data


@pytest.mark.parametrize(("actor", "name", "get", "post"), EDITS)
def test_a_report_is_edited_only_by_its_departments_reporter_while_editable(
    client, world, actor, name, get, post
):
    report = getattr(world, name)
    before = (report.value, report.state)
    url = reverse("admin:projects_progressreport_change", args=[report.pk])
    log_in(client, world, actor)

    response = client.get(url)
    if get in REFUSALS:
        assert_refused(response, get)
    else:
        assert response.status_code == 200
        html = response.content.decode()
        assert report.target.name in html
        editable = get == EDITABLE
        assert ('name="value"' in html) == editable
        assert ("上传佐证材料" in html) == editable  # the new-file inline

    response = client.post(url, change_form(report, value="70"))
    report.refresh_from_db()
    if post == SAVED:
        assert response.status_code == 302
        assert (report.value, report.state) == (Decimal("70"), before[1])
        return
    assert (report.value, report.state) == before
    assert_refused(response, post)


def test_a_draft_cannot_be_moved_to_another_departments_target(client, world):
    client.force_login(world.reporter_a)
    url = reverse("admin:projects_progressreport_change", args=[world.draft_a.pk])
    response = client.post(url, change_form(world.draft_a, target=world.target_b.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["target"] == ["请选择您有权填报的指标。"]
    world.draft_a.refresh_from_db()
    assert world.draft_a.target == world.target_a


@pytest.mark.parametrize("actor", ["reviewer", "manager"])
def test_a_draft_shown_read_only_offers_no_save_buttons(client, world, actor):
    log_in(client, world, actor)
    url = reverse("admin:projects_progressreport_change", args=[world.draft_a.pk])
    html = client.get(url).content.decode()
    assert 'name="value"' not in html  # the form is read-only ...
    assert 'name="_submit_for_review"' not in html  # ... so nothing offers to save it
    assert 'name="_continue"' not in html


@pytest.mark.parametrize(
    ("actor", "offered"),
    [("reporter_a", True), ("reporter_b", True), ("reviewer", False), ("manager", False)],
)
def test_the_target_list_offers_a_report_link_only_to_those_who_may_report(
    client, world, actor, offered
):
    log_in(client, world, actor)
    html = client.get(reverse("admin:projects_target_changelist")).content.decode()
    assert ("填报进度" in html) == offered


# List actions posted to the report list: the state each report ends in, and the
# message the actor reads. "未选择动作" is the admin refusing an action the actor's role
# does not have; a count of 0 means the ids were outside the actor's scope. The admin
# role has no list action at all, so the admin ignores the POST and shows the list.
REPORTS = reverse("admin:projects_progressreport_changelist")
IGNORED = "list shown, nothing run"
ACTIONS = [
    # actor        action               report           state after   message
    ("anonymous",  "submit_selected",   "draft_a",       "draft",      LOGIN),
    ("reporter_a", "submit_selected",   "draft_a",       "submitted",  "已提交 1 条填报审核"),
    ("reporter_a", "submit_selected",   "draft_b",       "draft",      "已提交 0 条填报审核"),
    ("reporter_b", "submit_selected",   "draft_a",       "draft",      "已提交 0 条填报审核"),
    ("reporter_b", "submit_selected",   "draft_b",       "submitted",  "已提交 1 条填报审核"),
    ("reviewer",   "submit_selected",   "draft_a",       "draft",      "未选择动作"),
    ("manager",    "submit_selected",   "draft_a",       "draft",      IGNORED),
    ("anonymous",  "withdraw_selected", "draft_a",       "draft",      LOGIN),
    ("reporter_a", "withdraw_selected", "draft_a",       "withdrawn",  "已撤回 1 条草稿"),
    ("reporter_a", "withdraw_selected", "returned_a",    "withdrawn",  "已撤回 1 条草稿"),
    ("reporter_a", "withdraw_selected", "submitted_a",   "submitted",  "已撤回 0 条草稿"),
    ("reporter_a", "withdraw_selected", "approved_a",    "approved",   "已撤回 0 条草稿"),
    ("reporter_b", "withdraw_selected", "draft_a",       "draft",      "已撤回 0 条草稿"),
    ("reviewer",   "withdraw_selected", "draft_a",       "draft",      "未选择动作"),
    ("manager",    "withdraw_selected", "draft_a",       "draft",      IGNORED),
    ("anonymous",  "approve_selected",  "submitted_a",   "submitted",  LOGIN),
    ("reporter_a", "approve_selected",  "submitted_a",   "submitted",  "未选择动作"),
    ("reporter_b", "approve_selected",  "submitted_a",   "submitted",  "未选择动作"),
    ("reviewer",   "approve_selected",  "submitted_a",   "approved",   "已审核通过 1 条填报"),
    ("reviewer",   "approve_selected",  "own_submitted", "submitted",  "不能审核自己"),
    ("reviewer",   "approve_selected",  "touched_submitted", "submitted",  "不能审核自己"),
    ("reviewer",   "approve_selected",  "draft_a",       "draft",      "当前为“草稿”"),
    ("manager",    "approve_selected",  "submitted_a",   "submitted",  IGNORED),
    ("anonymous",  "return_selected",   "submitted_a",   "submitted",  LOGIN),
    ("reporter_a", "return_selected",   "submitted_a",   "submitted",  "未选择动作"),
    ("reporter_b", "return_selected",   "submitted_a",   "submitted",  "未选择动作"),
    ("reviewer",   "return_selected",   "submitted_a",   "returned",   "已退回 1 条填报"),
    ("reviewer",   "return_selected",   "own_submitted", "submitted",  "不能审核自己"),
    ("reviewer",   "return_selected",   "touched_submitted", "submitted",  "不能审核自己"),
    ("manager",    "return_selected",   "submitted_a",   "submitted",  IGNORED),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "action", "name", "state", "message"), ACTIONS)
def test_list_actions_change_only_what_the_actor_may_change(
    client, world, actor, action, name, state, message
):
    report = getattr(world, name)
    log_in(client, world, actor)
    data = {"action": action, "_selected_action": [report.pk], "index": "0"}
    if action == "return_selected":
        data.update(confirm="1", reason="请补充现场照片")  # the second step, reason given
    response = client.post(REPORTS, data)
    report.refresh_from_db()
    assert report.state == state
    if message == LOGIN:
        assert_refused(response, LOGIN)
    elif message == IGNORED:
        assert response.status_code == 200
        assert response.context["action_form"] is None
        assert messages_of(response) == ""
    else:
        assert response.status_code == 302
        assert response["Location"] == REPORTS
        assert message in messages_of(response)


# The review page of one report (POST only): where it sends the actor, and the state.
TO_QUEUE = "to the queue"
BACK = "back to the report"
REVIEWS = [
    # actor        report           decision  response   state after
    ("anonymous",  "submitted_a",   "approve", LOGIN,    "submitted"),
    ("reporter_a", "submitted_a",   "approve", DENIED,   "submitted"),
    ("reporter_a", "submitted_a",   "return",  DENIED,   "submitted"),
    ("reporter_b", "submitted_a",   "approve", DENIED,   "submitted"),
    ("reviewer",   "submitted_a",   "approve", TO_QUEUE, "approved"),
    ("reviewer",   "submitted_a",   "return",  TO_QUEUE, "returned"),
    ("reviewer",   "own_submitted", "approve", BACK,     "submitted"),
    ("reviewer",   "own_submitted", "return",  BACK,     "submitted"),
    ("reviewer",   "touched_submitted", "approve", BACK, "submitted"),
    ("reviewer",   "draft_a",       "approve", BACK,     "draft"),
    ("reviewer",   "approved_a",    "return",  BACK,     "approved"),
    ("manager",    "submitted_a",   "approve", DENIED,   "submitted"),
    ("manager",    "submitted_a",   "return",  DENIED,   "submitted"),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "name", "decision", "outcome", "state"), REVIEWS)
def test_only_a_reviewer_approves_or_returns_and_never_their_own(
    client, world, actor, name, decision, outcome, state
):
    report = getattr(world, name)
    log_in(client, world, actor)
    response = client.post(
        reverse("admin:projects_review", args=[report.pk]),
        {"decision": decision, "reason": "数据口径不一致"},
    )
    report.refresh_from_db()
    assert report.state == state
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    elif outcome == TO_QUEUE:
        assert response["Location"] == reverse("admin:projects_submittedreport_changelist")
        assert report.reviewed_by == world.reviewer
    else:
        change = reverse("admin:projects_progressreport_change", args=[report.pk])
        assert response["Location"] == change
        assert "不能" in messages_of(response)


@pytest.mark.parametrize("actor", ACTORS)
def test_nobody_restores_an_old_version_of_a_report(client, world, actor):
    report = world.approved_a
    version = report.history.earliest().history_id
    log_in(client, world, actor)
    response = client.post(
        reverse("admin:projects_progressreport_simple_history", args=[report.pk, version]),
        change_form(report, value="99"),
    )
    assert_refused(response, LOGIN if actor == "anonymous" else DENIED)
    report.refresh_from_db()
    assert report.value == 40


# Keeping the plan: only the admin role changes it.
PLAN_EDITS = [
    ("anonymous", LOGIN),
    ("reporter_a", DENIED),
    ("reporter_b", DENIED),
    ("reviewer", DENIED),
    ("manager", SAVED),
]


@pytest.mark.parametrize(("actor", "outcome"), PLAN_EDITS)
def test_only_the_admin_role_changes_a_plan(client, world, actor, outcome):
    plan = world.plan
    log_in(client, world, actor)
    response = client.post(
        reverse("admin:projects_plan_change", args=[plan.pk]),
        {
            "year": plan.year,
            "title": "改过的标题",
            "title_en": "",
            "period_start": "2021-01-01",
            "period_end": "2021-12-31",
            "is_published": "on",
            "announced_on": "",
            "source_name": "",
            "source_url": "",
            "source_text": "",
            "stage": "delivery",
            "call_opens": "",
            "call_closes": "",
            "call_rules": "",
            # the plan's recorded rules (read only) and the form for a new change
            "rules-TOTAL_FORMS": "3",
            "rules-INITIAL_FORMS": "3",
            **{f"rules-{i}-id": rule.pk for i, rule in enumerate(plan.rules.all())},
            "rules-2-TOTAL_FORMS": "0",
            "rules-2-INITIAL_FORMS": "0",
        },
    )
    plan.refresh_from_db()
    assert (plan.title == "改过的标题") == (outcome == SAVED)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert response.status_code == 302


def test_the_review_page_answers_post_only(client, world):
    client.force_login(world.reviewer)
    response = client.get(reverse("admin:projects_review", args=[world.submitted_a.pk]))
    assert response.status_code == 405
    world.submitted_a.refresh_from_db()
    assert world.submitted_a.state == "submitted"


# Planning a procedure step is for those who keep plans; its actual date is typed by
# nobody: an approved step report writes it (tests/test_money_admin.py).
MILESTONE_EDITS = [
    # actor        response  title after
    ("anonymous",  LOGIN,    "公园开工"),
    ("reporter_a", DENIED,   "公园开工"),
    ("reporter_b", DENIED,   "公园开工"),
    ("reviewer",   DENIED,   "公园开工"),
    ("manager",    SAVED,    "公园开工仪式"),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "outcome", "title"), MILESTONE_EDITS)
def test_only_admins_plan_a_dated_step_and_nobody_types_its_date(
    client, world, actor, outcome, title
):
    step = world.milestone_a
    log_in(client, world, actor)
    response = client.post(
        reverse("admin:projects_milestone_change", args=[step.pk]),
        {
            "step": "start",
            "title": "公园开工仪式",
            "due_date": "2021-05-31",
            "target": "",
            "done_on": "2021-05-20",
            "step_reports-TOTAL_FORMS": "0",
            "step_reports-INITIAL_FORMS": "0",
        },
    )
    step.refresh_from_db()
    assert (step.title, step.done_on) == (title, None)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert response.status_code == 302


# The import: a one-row CSV for a target, checked, then confirmed when the check allows.
IMPORT = reverse("admin:projects_import")
IMPORTS = [
    # actor        target  outcome
    ("anonymous",  "a",    LOGIN),
    ("reporter_a", "a",    "imported"),
    ("reporter_a", "s",    "imported"),
    ("reporter_a", "b",    "refused"),
    ("reporter_b", "b",    "imported"),
    ("reporter_b", "a",    "refused"),
    ("reviewer",   "a",    DENIED),
    ("manager",    "a",    DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "owner", "outcome"), IMPORTS)
def test_an_import_saves_only_rows_for_ones_own_targets(client, world, actor, owner, outcome):
    target = getattr(world, f"target_{owner}")
    csv = f"指标编号,新累计值,截至日期\n{target.pk},66,2021-06-30\n".encode()
    log_in(client, world, actor)
    response = client.post(IMPORT, {"file": SimpleUploadedFile("填报.csv", csv)})
    imported = ProgressReport.objects.filter(target=target, value=66)
    if outcome == "imported":
        assert response.status_code == 200
        assert "将导入" in response.content.decode()
        assert not imported.exists()  # the check saves nothing
        confirm = client.post(IMPORT, {"confirm": "1", "token": response.context["token"]})
        assert confirm.status_code == 302
        report = imported.get()
        assert (report.state, report.created_by) == ("submitted", getattr(world, actor))
        return
    assert not imported.exists()
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert response.status_code == 200
        assert "不是您所在单位的指标，不能填报。" in response.content.decode()
        assert "token" not in response.context  # nothing to confirm


# The import template lists the targets the actor may report on, and no other.
TEMPLATES = [
    ("anonymous", LOGIN),
    ("reporter_a", ["新建口袋公园", "建成社区食堂"]),
    ("reporter_b", ["改造农村公路"]),
    ("reviewer", DENIED),
    ("manager", DENIED),
]


@pytest.mark.parametrize(("actor", "outcome"), TEMPLATES)
def test_the_import_template_lists_only_ones_own_targets(client, world, actor, outcome):
    log_in(client, world, actor)
    response = client.get(reverse("admin:projects_import_template"))
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content))["填报"]
        headers = [c.value for c in sheet[1]]
        rows = sheet.iter_rows(min_row=2, values_only=True)
        names = [row[headers.index("指标")] for row in rows if any(row)]  # not the open rows
        assert names == outcome


# An evidence file of 甲's draft: only officials who may see the report get it; once the
# report is approved (in a published plan), everyone does.
FILE = "file"  # 200, the PNG itself
EVIDENCE = [
    # actor        draft     approved
    ("anonymous",  HTTP_404, FILE),
    ("reporter_a", FILE,     FILE),
    ("reporter_b", HTTP_404, FILE),
    ("reviewer",   FILE,     FILE),
    ("manager",    FILE,     FILE),
]  # fmt: skip


@pytest.fixture
def photo(world):
    """A real PNG attached to 甲's draft."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 160, 80)).save(out, format="PNG")
    data = out.getvalue()
    evidence = Evidence(
        report=world.draft_a,
        kind="image",
        content_type="image/png",
        size=len(data),
        original_name="现场.png",
        uploaded_by=world.reporter_a,
    )
    evidence.file.save("现场.png", ContentFile(data))
    return evidence


def fetch(client, evidence):
    response = client.get(reverse("projects:evidence", args=[evidence.key]))
    if response.status_code == 200:
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\x89PNG") and len(body) == evidence.size
        assert response["Content-Type"] == "image/png"
    return response


@pytest.mark.parametrize(
    ("actor", "status"), [(actor, draft) for actor, draft, _ in EVIDENCE], ids=ACTORS
)
def test_a_drafts_evidence_is_served_only_to_officials_who_see_the_report(
    client, world, photo, actor, status
):
    log_in(client, world, actor)
    response = fetch(client, photo)
    if status == FILE:
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert_refused(response, status)


@pytest.mark.parametrize(
    ("actor", "status"), [(actor, approved) for actor, _, approved in EVIDENCE], ids=ACTORS
)
def test_an_approved_reports_evidence_is_served_to_everyone(client, world, photo, actor, status):
    world.draft_a.submit(world.reporter_a)
    world.draft_a.approve(world.reviewer)
    log_in(client, world, actor)
    response = fetch(client, photo)
    assert (status, response.status_code) == (FILE, 200)
    assert response["Cache-Control"] == "public, max-age=86400"


def test_a_reporter_sees_a_departments_name_but_not_who_works_there(client, db):
    from projects.models import Department

    from .conftest import make_official

    department = Department.objects.create(name="区测试局")
    colleague = make_official("colleague-x", roles.REPORTER, department)
    reporter = make_official(
        "reporter-y", roles.REPORTER, Department.objects.create(name="区别的局")
    )
    client.force_login(reporter)
    page = client.get(reverse("admin:projects_department_change", args=[department.pk]))
    assert page.status_code == 200 and "区测试局" in page.content.decode()
    assert colleague.username not in page.content.decode()
    history = client.get(reverse("admin:projects_department_history", args=[department.pk]))
    assert_refused(history, DENIED)
