"""Who sees and does what across jurisdictions (issue 38), over HTTP: every role at two
levels (the city, 驻马店市; a district, 驿城区) and two siblings (驿城区 and 甲区).

One world, built once: each of the three has a plan of 2021 with one department, one
project, one target, a report waiting for review, a resident's question waiting for a
moderator, and its own officials (账号 named <role>_<place>: c the city, h 驿城区, the
home one, a 甲区). 甲区 is delegated to the city's reviewer. An account without 任职 is
the home one's, as every account was before.

| what                         | an official of X (a role that sees it) | city reviewer        |
|------------------------------|----------------------------------------|----------------------|
| reports, the review queue    | X's only                               | the city's; 甲区's   |
|                              |                                        | once chosen          |
| another level's report page  | not found                              | not found until      |
|                              |                                        | chosen (甲区 only)   |
| approve another's report     | not found, nothing changes             | 甲区's once chosen   |
| questions (moderators)       | X's only                               |                      |
| plans, departments, accounts | X's only                               |                      |
| choose a level to work in    | own only                               | own and 甲区         |
| 代表意见 (deputies)           | on X's pledges only (403 elsewhere)    |                      |
"""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse

from projects.alerts import tasks
from projects.alerts.due import Due, recipients
from projects.models import (
    Assignment,
    Candidate,
    Channel,
    Department,
    Follow,
    Jurisdiction,
    ProgressReport,
    PublicInput,
)
from projects.rules import clock, roles

from .conftest import make_official, shared_world
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory
from .receivers import Mailbox
from .refusals import NOT_FOUND, assert_refused, messages_of

PLACES = {"c": "411700", "h": "411702", "a": "411781"}
ROLES = {
    "reporter": roles.REPORTER,
    "reviewer": roles.REVIEWER,
    "moderator": roles.MODERATOR,
    "manager": roles.ADMINISTRATOR,
    "deputy": roles.DEPUTY,
    "congress": roles.CONGRESS_STAFF,
}


def make_world():
    home = Jurisdiction.objects.home()
    city = home.parent
    jia = Jurisdiction.objects.create(
        code="411781", name="甲区", slug="jia", level="county", parent=city
    )
    places = {"c": city, "h": home, "a": jia}
    w = SimpleNamespace()
    for key, place in places.items():
        plan = PlanFactory(jurisdiction=place, year=2021, title=f"{place.name}2021年民生实事")
        department = DepartmentFactory(name=f"{place.name}住建局", jurisdiction=place)
        project = ProjectFactory(
            plan=plan, number=1, title=f"{place.name}实事", lead_department=department
        )
        target = TargetFactory(project=project, name=f"{place.name}指标", target_value=10)
        report = ReportFactory(target=target, value=10, as_of=date(2021, 6, 30), state="submitted")
        question = PublicInput.objects.create(
            plan=plan, project=target.project, text=f"{place.name}的问题", name="某人"
        )
        # each level's supervision office hears by mail
        Channel.objects.create(jurisdiction=place, address=f"office-{key}@example.gov.cn")
        setattr(w, f"report_{key}", report)
        setattr(w, f"question_{key}", question)
        setattr(w, f"plan_{key}", plan)
        for role, group in ROLES.items():
            official = make_official(f"{role}_{key}", group, *([department] * (role == "reporter")))
            if key != "h":  # the home one's accounts have no 任职, as before issue 38
                Assignment.objects.create(user=official, jurisdiction=place)
            setattr(w, f"{role}_{key}", official)
    w.reviewer_c.assignment.delegated.add(jia)
    # Next year's calls, open on the suite's today, and a proposal sent to 驿城区's.
    for key, place in places.items():
        setattr(w, f"call_{key}", PlanFactory(
            jurisdiction=place, year=2027, stage="call",
            call_opens=date(2026, 11, 1), call_closes=date(2026, 12, 31),
        ))  # fmt: skip
        Candidate.objects.create(
            plan=getattr(w, f"call_{key}"), order=1, title=f"{place.name}的候选项目",
            pledge_text="建设", lead_department=Department.objects.get(name=f"{place.name}住建局"),
            investment=100,
        )  # fmt: skip
    w.proposal = PublicInput(
        plan=w.call_h, kind="proposal", title="建市级体育馆", text="全市没有大型体育馆。",
        name="某人", phone="13900001111",
    )  # fmt: skip
    w.proposal.issue_receipt()
    w.proposal.save()
    w.token = w.proposal.tracking_token
    return w


built_world, world = shared_world(make_world)

REPORTS = reverse("admin:projects_progressreport_changelist") + "?year=all"
QUEUE = reverse("admin:projects_submittedreport_changelist") + "?year=all"


def shown(client, url):
    return {str(row) for row in client.get(url).context["cl"].result_list}


def names(*reports):
    return {str(report) for report in reports}


@pytest.mark.parametrize("key", ["c", "h", "a"])
@pytest.mark.parametrize("role", ["reporter", "reviewer", "manager"])
def test_an_official_lists_the_reports_of_their_own_jurisdiction_only(client, world, key, role):
    client.force_login(getattr(world, f"{role}_{key}"))
    assert shown(client, REPORTS) == names(getattr(world, f"report_{key}"))


@pytest.mark.parametrize("key", ["c", "h", "a"])
def test_the_review_queue_holds_the_reviewers_jurisdiction_only(client, world, key):
    client.force_login(getattr(world, f"reviewer_{key}"))
    assert shown(client, QUEUE) == names(getattr(world, f"report_{key}"))


@pytest.mark.parametrize(
    ("actor", "report"),
    [("reviewer_h", "report_a"), ("reviewer_a", "report_h"), ("reviewer_a", "report_c"),
     ("reviewer_c", "report_h"), ("reviewer_c", "report_a")],
)  # fmt: skip
def test_another_levels_report_is_not_found_and_cannot_be_approved(client, world, actor, report):
    report = getattr(world, report)
    client.force_login(getattr(world, actor))
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    assert_refused(page, NOT_FOUND)
    answer = client.post(
        reverse("admin:projects_review", args=[report.pk]), {"decision": "approve"}
    )
    report.refresh_from_db()
    assert (answer.status_code, report.state) == (404, ProgressReport.State.SUBMITTED)


def test_a_reporter_never_opens_a_sibling_districts_report(client, world):
    client.force_login(world.reporter_a)
    page = client.get(reverse("admin:projects_progressreport_change", args=[world.report_h.pk]))
    assert_refused(page, NOT_FOUND)


@pytest.mark.parametrize("key", ["c", "h", "a"])
def test_a_moderator_sees_the_questions_of_their_jurisdiction_only(client, world, key):
    client.force_login(getattr(world, f"moderator_{key}"))
    url = reverse("admin:projects_publicinput_changelist") + "?state=pending"
    mine = {getattr(world, f"question_{key}").text}
    if key == "h":
        mine.add(world.proposal.text)  # the proposal sent to 驿城区's call
    assert {q.text for q in client.get(url).context["cl"].result_list} == mine


@pytest.mark.parametrize("key", ["c", "h", "a"])
def test_plans_departments_and_accounts_are_the_jurisdictions_own(client, world, key):
    place = {"c": "驻马店市", "h": "驿城区", "a": "甲区"}[key]
    client.force_login(getattr(world, f"manager_{key}"))
    plans = shown(client, reverse("admin:projects_plan_changelist"))
    assert plans == {str(getattr(world, f"{kind}_{key}")) for kind in ("plan", "call")}
    departments = shown(client, reverse("admin:projects_department_changelist"))
    assert departments == {f"{place}住建局"}
    accounts = shown(client, reverse("admin:auth_user_changelist"))
    assert accounts == {f"{role}_{key}" for role in ROLES}
    page = client.get(reverse("admin:index")).content.decode()
    assert f"{place}民生实事进度管理" in page


def choose(client, code):
    return client.post(reverse("admin:projects_working"), {"code": code})


def approve(client, report):
    answer = client.post(
        reverse("admin:projects_review", args=[report.pk]), {"decision": "approve"}
    )
    report.refresh_from_db()
    return answer


def test_a_city_reviewer_acts_in_a_delegated_district_and_sees_the_others(client, world):
    client.force_login(world.reviewer_c)
    assert shown(client, QUEUE) == names(world.report_c)
    refused = choose(client, "411799")  # no level of the city's
    assert "只能选择本人所属、受托办理或下辖的行政区划" in messages_of(refused)
    assert shown(client, QUEUE) == names(world.report_c)
    assert choose(client, PLACES["a"]).status_code == 302  # delegated: acts there
    assert shown(client, QUEUE) == names(world.report_a)
    approve(client, world.report_a)
    assert world.report_a.state == ProgressReport.State.APPROVED
    page = client.get(reverse("admin:projects_progressreport_change", args=[world.report_h.pk]))
    assert_refused(page, NOT_FOUND)
    seeing = choose(client, PLACES["h"])  # below, not delegated: sees it, changes nothing
    assert "现在只读查看：驿城区" in messages_of(seeing)
    assert shown(client, REPORTS) == names(world.report_h)
    assert "只读查看：驿城区" in client.get(reverse("admin:index")).content.decode()
    assert approve(client, world.report_h).status_code == 403
    assert world.report_h.state == ProgressReport.State.SUBMITTED


def test_a_delegation_taken_back_leaves_the_level_to_see_only(client, world):
    client.force_login(world.reviewer_c)
    choose(client, PLACES["a"])
    world.reviewer_c.assignment.delegated.clear()  # the session's choice is checked again
    assert shown(client, REPORTS) == names(world.report_a)
    assert approve(client, world.report_a).status_code == 403
    assert world.report_a.state == ProgressReport.State.SUBMITTED


def test_a_district_official_cannot_choose_a_sibling(client, world):
    client.force_login(world.reviewer_h)
    assert "只能选择" in messages_of(choose(client, PLACES["a"]))
    assert shown(client, QUEUE) == names(world.report_h)


@pytest.mark.parametrize(
    ("deputy", "address", "status"),
    [("deputy_h", "", 200), ("deputy_h", "411781/", 403), ("deputy_a", "411781/", 200),
     ("deputy_a", "", 403), ("deputy_c", "", 403)],
)  # fmt: skip
def test_a_deputy_sends_opinions_on_their_own_levels_pledges_only(
    client, world, deputy, address, status
):
    client.force_login(getattr(world, deputy))
    assert client.get(f"/{address}plans/2021/projects/1/deputy/").status_code == status


def test_the_calls_page_lists_the_levels_above_and_below_each_at_its_address(client, world):
    def calls(url):
        page = client.get(url).content.decode()
        return re.findall(r'<h2><a href="([^"]+)">', page)

    assert calls("/calls/") == ["/411700/plans/2027/call/", "/plans/2027/call/"]  # no sibling
    assert calls("/411700/calls/") == [
        "/411700/plans/2027/call/",
        "/plans/2027/call/",
        "/411781/plans/2027/call/",
    ]


def pass_on(client, item, to):
    url = reverse("admin:projects_publicinput_changelist") + "?state=pending"
    form = {"action": "pass_on_selected", "_selected_action": [item.pk], "to": to}
    return client.post(url, form)


def test_a_moderator_passes_a_proposal_to_the_level_it_belongs_to(client, world):
    client.force_login(world.moderator_h)
    pass_on(client, world.proposal, "411700")
    world.proposal.refresh_from_db()
    assert (world.proposal.plan, world.proposal.state) == (world.call_c, "pending")
    pending = reverse("admin:projects_publicinput_changelist") + "?state=pending"
    assert world.proposal not in client.get(pending).context["cl"].result_list
    client.force_login(world.moderator_c)
    assert world.proposal in client.get(pending).context["cl"].result_list
    receipt = client.get(reverse("projects:receipt", args=[world.token]))
    assert receipt.status_code == 200 and world.proposal.code in receipt.content.decode()


@pytest.mark.parametrize("to", ["411781", "411702", "411799", ""])
def test_a_proposal_is_passed_only_to_an_open_call_above_or_below(client, world, to):
    client.force_login(world.moderator_h)
    answer = pass_on(client, world.proposal, to)
    world.proposal.refresh_from_db()
    assert world.proposal.plan == world.call_h
    assert "另一级正在征集的行政区划代码" in messages_of(answer)


def test_the_calls_page_is_valid_html_in_both_languages(client, world, nu_checker):
    bodies = {}
    for language in ("zh-hans", "en"):
        client.get(f"/language/{language}/")
        bodies[language] = client.get("/411700/calls/").content
    assert b"Which level is responsible?" in bodies["en"]
    assert nu_checker.errors(bodies) == {}


def test_a_levels_follower_is_sent_the_address_of_its_own_page(world, mailbox):
    report, now = world.report_a, clock.now()
    Follow.objects.create(project=report.target.project, email="a@example.com", confirmed_at=now)
    ProgressReport.objects.filter(pk=report.pk).update(state="approved", reviewed_at=now)
    tasks.announce_figure.call(report.pk)  # as the task worker runs it, outside a request
    (mail,) = mailbox.to("a@example.com")
    assert "http://127.0.0.1:8000/411781/plans/2021/projects/1/" in Mailbox.text(mail)


@pytest.mark.parametrize("key", ["c", "h", "a"])
def test_each_levels_office_hears_of_its_own_plans_and_keeps_its_own_channels(client, world, key):
    due = Due(key="k", rule="review_waiting", plan=getattr(world, f"plan_{key}"),
              department=None, subject="s", body="b", link="/")  # fmt: skip
    assert [c.address for c in recipients(due)] == [f"office-{key}@example.gov.cn"]
    client.force_login(getattr(world, f"manager_{key}"))
    listed = client.get(reverse("admin:projects_channel_changelist")).context["cl"].result_list
    assert [c.address for c in listed] == [f"office-{key}@example.gov.cn"]


def test_an_account_an_administrator_adds_works_in_their_jurisdiction(client, world):
    client.force_login(world.manager_a)
    password = "一个足够长的新口令"
    form = {"username": "new_a", "password1": password, "password2": password}
    form.update({f"assignment-{n}_FORMS": "0" for n in ["TOTAL", "INITIAL", "MIN_NUM"]})
    answer = client.post(reverse("admin:auth_user_add"), form)
    assert answer.status_code == 302, answer.context and answer.context["errors"]
    added = Assignment.objects.get(user__username="new_a")
    assert added.jurisdiction.code == PLACES["a"]


def test_an_administrator_assigns_accounts_within_their_jurisdiction_only(client, world):
    client.force_login(world.manager_a)
    page = client.get(reverse("admin:auth_user_change", args=[world.reporter_a.pk]))
    offered = page.context["inline_admin_formsets"][0].formset.forms[0].fields["jurisdiction"]
    assert [j.code for j in offered.queryset] == [PLACES["a"]]


@pytest.mark.parametrize("key", ["c", "h", "a"])
def test_congress_staff_keep_the_candidates_of_their_own_levels_call(client, world, key):
    client.force_login(getattr(world, f"congress_{key}"))
    url = reverse("admin:projects_candidate_changelist") + "?year=all"
    place = {"c": "驻马店市", "h": "驿城区", "a": "甲区"}[key]
    assert {c.title for c in client.get(url).context["cl"].result_list} == {f"{place}的候选项目"}
