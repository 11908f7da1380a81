"""The year before the pledges: a plan's stages, the public call (群众推荐) and its
proposals, and the candidates put out for comment."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import Candidate, CandidateTarget, Plan, PublicInput
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory
from .refusals import BAD_REQUEST, HTTP_404, assert_refused

# The suite's clock stands at 2026-11-26 in Shanghai (tests/conftest.py NOW).
OPENS, CLOSES = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def next_year(db):
    plan = PlanFactory(year=2027, stage="call", call_opens=OPENS, call_closes=CLOSES)
    return plan


@pytest.fixture
def moderator(db):
    return make_official("moderator", roles.MODERATOR)


def propose_url(plan):
    return reverse("projects:propose", args=[plan.year])


def propose(client, plan, **fields):
    client.get(propose_url(plan))
    data = {
        "title": "西园社区加装电梯",
        "category": "housing",
        "text": "老旧小区六层无电梯，老人上下楼困难。",
        "place": "西园街道",
        **fields,
    }
    return client.post(propose_url(plan), data)


def test_a_plan_entered_directly_is_in_delivery_and_says_it_has_no_call(client, plan_2021):
    page = client.get("/plans/2021/").content.decode()
    assert plan_2021.stage == Plan.Stage.DELIVERY
    assert 'aria-current="step">实施</li>' in page
    assert "本计划按公告直接录入：没有群众推荐、代表票决的记录。" in page
    assert client.get(reverse("projects:call", args=[2021])).status_code == 404


def test_the_front_page_shows_the_newest_pledged_plan_and_links_an_open_call(
    client, plan_2021, next_year
):
    page = client.get("/").content.decode()
    assert f'<h1 id="plan-title">{plan_2021.title}</h1>' in page
    assert Plan.objects.current() == plan_2021
    assert "2027 年民生实事正在征集群众推荐，截止 2026-11-30。" in page
    assert 'href="/plans/2027/call/"' in page


def test_a_plan_before_its_vote_leads_to_its_call(client, next_year):
    response = client.get("/plans/2027/")
    assert response.status_code == 302 and response["Location"] == "/plans/2027/call/"


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (date(2026, 11, 1), date(2026, 11, 29), "征集期不少于 30 天（现为 29 天）"),
        (date(2026, 11, 1), None, "征集开始和截止日期须同时填写"),
    ],
)
def test_a_call_runs_at_least_thirty_days(db, opens, closes, message):
    plan = PlanFactory(year=2027, call_opens=opens, call_closes=closes)
    with pytest.raises(ValidationError, match=message):
        plan.full_clean()


def test_a_plan_goes_through_its_stages_one_way(next_year):
    next_year.stage = Plan.Stage.SHORTLIST
    next_year.full_clean()
    next_year.save()
    next_year.stage = Plan.Stage.CALL
    with pytest.raises(ValidationError, match="阶段只能向后推进：本计划已在“遴选”阶段"):
        next_year.full_clean()


def test_anyone_proposes_while_the_call_is_open_and_it_waits_for_moderation(client, next_year):
    response = propose(client, next_year, name="李四", phone="13800000000", consent="on")
    assert response.status_code == 302
    item = PublicInput.objects.get()
    assert (item.kind, item.title, item.category, item.state) == (
        "proposal",
        "西园社区加装电梯",
        "housing",
        "pending",
    )
    page = client.get(reverse("projects:call", args=[2027])).content.decode()
    assert "西园社区加装电梯" not in page
    assert "<dt>收到推荐</dt><dd>1</dd>" in page and "<dt>审核后公开</dt><dd>0</dd>" in page


def test_a_proposal_after_the_call_closed_is_refused_and_stores_nothing(client, next_year, clock):
    next_year.call_closes = date(2026, 11, 25)
    next_year.call_opens = date(2026, 10, 1)
    next_year.save()
    closed = "征集期为 2026-10-01 至 2026-11-25，现在不在征集期内，推荐没有保存"
    assert_refused(propose(client, next_year), HTTP_404, closed)
    assert not PublicInput.objects.exists()


def test_a_proposal_needs_what_and_a_category(client, next_year):
    response = propose(client, next_year, title="", category="nonsense")
    assert_refused(response, BAD_REQUEST, "请填写推荐的项目。")
    assert "请从列表中选择类别。" in response.content.decode()
    assert not PublicInput.objects.exists()


@pytest.fixture
def candidate(next_year):
    next_year.stage = Plan.Stage.SHORTLIST
    next_year.save()
    made = Candidate.objects.create(
        plan=next_year,
        order=1,
        title="老旧小区加装电梯",
        pledge_text="为 20 个老旧小区单元加装电梯。",
        lead_department=DepartmentFactory(name="区住建局"),
        investment=Decimal("1200"),
    )
    CandidateTarget.objects.create(candidate=made, name="加装电梯", unit="部", target_value=20)
    return made


def test_a_published_proposal_shows_its_outcome_linked_to_its_candidate(
    client, next_year, moderator, candidate
):
    proposed = PublicInput.objects.create(
        plan=next_year, kind="proposal", title="加装电梯", category="housing", text="六层无电梯"
    )
    refused = PublicInput.objects.create(
        plan=next_year, kind="proposal", title="给我家修路", category="transport", text="门口路坏"
    )
    proposed.publish(moderator)
    refused.publish(moderator)
    proposed.adopt(moderator, candidate)
    with pytest.raises(ValidationError, match="不予采纳时必须说明原因"):
        refused.reject(moderator, "")
    refused.reject(moderator, "只涉及个别住户，请向街道反映。")
    page = client.get(reverse("projects:call", args=[2027])).content.decode()
    assert '列为候选：<a href="#candidate-1">老旧小区加装电梯</a>' in page
    assert "不予采纳：只涉及个别住户，请向街道反映。" in page
    assert f'来自群众推荐：<a href="#p{proposed.pk}">#{proposed.pk}</a>' in page
    assert "<dt>列为候选</dt><dd>1</dd>" in page
    assert "加装电梯：20 部" in page


def test_a_proposal_is_settled_once(next_year, moderator, candidate):
    item = PublicInput.objects.create(plan=next_year, kind="proposal", text="加装电梯的推荐")
    with pytest.raises(ValidationError, match="只有已公开、尚未处理的推荐项目"):
        item.adopt(moderator, candidate)  # not published yet
    item.publish(moderator)
    item.reject(moderator, "不属于当年能完成的项目")
    with pytest.raises(ValidationError, match="只有已公开、尚未处理的推荐项目"):
        item.adopt(moderator, candidate)
    assert PublicInput.objects.get().outcome == "not_adopted"


def test_candidates_are_drawn_up_only_in_shortlisting(candidate):
    candidate.full_clean()
    candidate.plan.stage = Plan.Stage.VOTE
    candidate.plan.save()
    with pytest.raises(ValidationError, match="候选项目只能在“遴选”阶段录入或修改"):
        candidate.full_clean()


def test_candidates_are_not_public_during_the_call(client, candidate):
    candidate.plan.stage = Plan.Stage.SHORTLIST
    assert "候选 1：老旧小区加装电梯" in client.get("/plans/2027/call/").content.decode()
    Plan.objects.filter(pk=candidate.plan.pk).update(stage="call")
    assert "老旧小区加装电梯" not in client.get("/plans/2027/call/").content.decode()


def test_candidates_are_no_pledges(client, candidate):
    assert candidate.plan.projects.count() == 0
    assert client.get("/api/v1/projects/", {"plan": 2027}).json()["count"] == 0


def test_a_proposal_waits_for_no_answer_and_is_never_overdue(next_year, moderator):
    from projects.exchange.ledger import build_ledger

    item = PublicInput.objects.create(plan=next_year, kind="proposal", text="加装电梯的推荐")
    item.publish(moderator)
    assert build_ledger(next_year, date(2027, 6, 1)).overdue_questions == []


def test_a_proposals_outcome_is_settled_only_until_shortlisting_ends(next_year, moderator):
    item = PublicInput.objects.create(plan=next_year, kind="proposal", text="加装电梯的推荐")
    item.publish(moderator)
    Plan.objects.filter(pk=next_year.pk).update(stage="vote")
    item.plan.refresh_from_db()
    with pytest.raises(ValidationError, match="遴选已经结束（该计划现在是“票决”阶段）"):
        item.reject(moderator, "不属于当年能完成的项目")
    assert PublicInput.objects.get().outcome == ""


def comment_url(candidate):
    return reverse("projects:comment", args=[candidate.plan.year, candidate.order])


def test_the_candidate_list_is_out_for_comment_before_the_vote(client, candidate, moderator):
    url = comment_url(candidate)
    client.get(url)
    response = client.post(url, {"text": "建议优先给没有电梯的六层住宅加装。"})
    assert response.status_code == 302
    item = PublicInput.objects.get()
    assert (item.kind, item.about_candidate, item.state) == ("comment", candidate, "pending")
    page = client.get("/plans/2027/call/").content.decode()
    assert "对这个候选项目提意见" in page and "建议优先给没有电梯" not in page
    item.publish(moderator)
    page = client.get("/plans/2027/call/").content.decode()
    assert "公开的群众意见 1 条" in page and "建议优先给没有电梯的六层住宅加装。" in page
    record = client.get("/api/v1/comments/").json()["results"][0]
    assert (record["candidate"], record["text"]) == (1, "建议优先给没有电梯的六层住宅加装。")


def test_no_comment_is_taken_once_the_vote_begins(client, candidate):
    Plan.objects.filter(pk=candidate.plan.pk).update(stage="vote")
    client.get(comment_url(candidate))
    response = client.post(comment_url(candidate), {"text": "建议优先给没有电梯的六层住宅加装。"})
    assert response.status_code == 404
    assert "候选项目只在遴选阶段、代表票决前公开征求意见" in response.content.decode()
    assert not PublicInput.objects.exists()
    forged = reverse("projects:comment", args=[2027, 99])
    assert client.get(forged).status_code == 404
