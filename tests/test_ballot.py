"""The deputies' vote (无记名投票差额表决) and their year-end rating (满意度测评)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import Ballot, Budget, Candidate, CandidateTarget, Plan, Project, Rating, Tally
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory

DAY = date(2026, 11, 20)


@pytest.fixture
def plan(db):
    plan = PlanFactory(
        year=2027, stage="shortlist", call_opens=date(2026, 9, 1), call_closes=date(2026, 9, 30)
    )
    lead = DepartmentFactory(name="区住建局")
    for order, title in enumerate(["加装电梯", "口袋公园", "社区食堂", "农村公路"], start=1):
        candidate = Candidate.objects.create(
            plan=plan,
            order=order,
            title=title,
            pledge_text=f"办好{title}。",
            lead_department=lead,
            investment=Decimal("100"),
        )
        CandidateTarget.objects.create(candidate=candidate, name=title, unit="个", target_value=10)
    plan.stage = Plan.Stage.VOTE
    plan.save()
    return plan


@pytest.fixture
def staff(db):
    return make_official("staff", roles.CONGRESS_STAFF)


def candidates(plan):
    return list(plan.candidates.order_by("order"))


def record(plan, votes, seats=2, deputies=100, present=90, tied_from=None, user=None):
    """A ballot as the admin stores it: checked whole, then saved with its tallies."""
    ballot = Ballot(
        plan=plan,
        session="区十八届人大五次会议",
        held_on=DAY,
        deputies=deputies,
        present=present,
        seats=seats,
        tied_from=tied_from,
        recorded_by=user,
    )
    ballot.full_clean()
    paper = {c: v for c, v in zip(ballot.candidates(), votes, strict=True)}
    ballot.check_tallies(paper)
    ballot.save()
    for candidate, (yes, no, abstain) in paper.items():
        Tally.objects.create(
            ballot=ballot,
            candidate=candidate,
            votes_for=yes,
            votes_against=no,
            abstentions=abstain,
        )
    return ballot


def test_the_elected_are_those_with_a_majority_of_deputies_in_office_ranked_by_votes(plan):
    ballot = record(plan, [(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    outcome = ballot.outcome()
    assert [c.title for c in outcome.elected] == ["加装电梯", "社区食堂"]
    assert outcome.tied == [] and outcome.short == 0


def test_a_seat_no_candidate_fills_with_a_majority_stays_empty(plan):
    outcome = record(plan, [(80, 5, 5), (50, 30, 9), (40, 20, 10), (30, 30, 10)]).outcome()
    assert [c.title for c in outcome.elected] == ["加装电梯"]
    assert outcome.short == 1  # 50 of 100 in office is not more than half


def test_a_tie_at_the_last_seat_goes_to_a_new_round_among_the_tied_only(plan, staff):
    first = record(plan, [(80, 5, 5), (60, 20, 10), (60, 20, 10), (10, 70, 10)])
    outcome = first.outcome()
    assert [c.title for c in outcome.elected] == ["加装电梯"]
    assert [c.title for c in outcome.tied] == ["口袋公园", "社区食堂"]
    assert outcome.open_seats == 1
    with pytest.raises(ValidationError, match="最后名额同票"):
        first.publish(staff)
    second = record(plan, [(70, 10, 10), (55, 25, 10)], seats=1, tied_from=first)
    assert second.round == 2
    assert [c.title for c in second.candidates()] == ["口袋公园", "社区食堂"]
    second.publish(staff)
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.DELIVERY
    assert list(plan.projects.order_by("number").values_list("number", "title")) == [
        (1, "加装电梯"),
        (2, "口袋公园"),
    ]


def test_publishing_makes_the_elected_numbered_pledges_with_their_targets(plan, staff):
    ballot = record(plan, [(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    ballot.publish(staff)
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.DELIVERY
    projects = list(plan.projects.order_by("number"))
    assert [(p.number, p.title) for p in projects] == [(1, "加装电梯"), (2, "社区食堂")]
    assert [t.name for t in projects[0].targets.all()] == ["加装电梯"]
    states = dict(plan.candidates.values_list("title", "state"))
    assert states == {
        "加装电梯": "elected",
        "口袋公园": "not_elected",
        "社区食堂": "elected",
        "农村公路": "not_elected",
    }
    assert Candidate.objects.get(title="社区食堂").project == projects[1]
    # Each estimate comes over as a draft to confirm, not as the budget.
    drafts = Budget.objects.order_by("project__number")
    assert [(b.project, b.total, b.estimate, b.state) for b in drafts] == [
        (projects[0], Decimal("100"), True, "returned"),
        (projects[1], Decimal("100"), True, "returned"),
    ]
    ballot.refresh_from_db()
    assert ballot.published_at is not None
    with pytest.raises(ValidationError, match="只有“票决”阶段未公布、未作废"):
        ballot.publish(staff)
    assert Project.objects.count() == 2


@pytest.mark.parametrize(
    ("votes", "seats", "present", "message"),
    [
        ([(1, 0, 0)] * 4, 4, 90, "差额表决：候选项目（4 个）须多于名额（4 个）"),
        ([(80, 5, 6), (1, 0, 0), (1, 0, 0), (1, 0, 0)], 2, 90, "合计 91 票，多于出席代表 90 人"),
        ([(80, 5, -1), (1, 0, 0), (1, 0, 0), (1, 0, 0)], 2, 90, "票数须为不小于 0 的整数"),
        ([(80, 5, None), (1, 0, 0), (1, 0, 0), (1, 0, 0)], 2, 90, "票数须为不小于 0 的整数"),
    ],
    ids=["seats-not-fewer", "above-present", "negative", "missing-number"],
)
def test_a_ballot_that_cannot_be_is_refused_and_stores_nothing(
    plan, votes, seats, present, message
):
    with pytest.raises(ValidationError, match=message):
        record(plan, votes, seats=seats, present=present)
    assert not Ballot.objects.exists()


def test_more_present_than_in_office_is_refused(plan):
    with pytest.raises(ValidationError, match="出席代表人数（101）不能多于在任代表人数（100）"):
        record(plan, [(1, 0, 0)] * 4, present=101)


def test_a_ballot_outside_the_vote_stage_is_refused(plan):
    Plan.objects.filter(pk=plan.pk).update(stage="shortlist")
    plan.refresh_from_db()
    with pytest.raises(ValidationError, match="只能在“票决”阶段录入票决结果"):
        record(plan, [(80, 5, 5)] * 4)


def test_a_second_ballot_needs_a_tie_or_a_recorded_cancellation(plan, staff):
    first = record(plan, [(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    with pytest.raises(ValidationError, match="该计划已有票决记录"):
        record(plan, [(80, 5, 5)] * 4)
    with pytest.raises(ValidationError, match="上一轮最后名额没有同票"):
        record(plan, [(80, 5, 5)] * 2, seats=1, tied_from=first)
    with pytest.raises(ValidationError, match="作废票决记录时必须说明原因"):
        first.cancel(staff, " ")
    first.cancel(staff, "第 3 号候选票数录入错误")
    again = record(plan, [(80, 5, 5), (51, 30, 9), (61, 20, 9), (50, 30, 10)])
    assert list(plan.ballots.standing()) == [again]
    first.refresh_from_db()
    assert first.cancel_reason == "第 3 号候选票数录入错误"
    assert first.history.count() == 2  # recorded, then cancelled: nothing overwritten


@pytest.fixture
def rated_project(plan, staff):
    record(plan, [(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)]).publish(staff)
    Plan.objects.filter(pk=plan.pk).update(stage="rating")
    return Project.objects.get(plan=plan, number=1)


@pytest.mark.parametrize(
    ("votes", "verdict"),
    [
        ((51, 30, 19), "satisfied"),
        ((50, 30, 20), "basic"),  # 满意 is exactly half: not more than half
        ((20, 31, 49), "basic"),
        ((20, 30, 50), "unsatisfied"),
    ],
)
def test_the_rating_verdict_follows_the_plans_rule(rated_project, votes, verdict):
    satisfied, basic, unsatisfied = votes
    rating = Rating(
        project=rated_project,
        held_on=DAY,
        satisfied=satisfied,
        basic=basic,
        unsatisfied=unsatisfied,
    )
    rating.full_clean()
    assert rating.verdict == verdict


def test_a_rating_outside_the_rating_stage_is_refused(rated_project):
    Plan.objects.filter(pk=rated_project.plan_id).update(stage="delivery")
    rated_project.refresh_from_db()
    rating = Rating(project=rated_project, held_on=DAY, satisfied=1, basic=0, unsatisfied=0)
    with pytest.raises(ValidationError, match="只能在“测评”阶段录入满意度测评"):
        rating.full_clean()


def test_congress_staff_record_a_ballot_in_the_admin_and_bad_tallies_store_nothing(
    client, plan, staff
):
    client.force_login(staff)
    url = reverse("admin:projects_ballot_add")
    papers = candidates(plan)

    def post(votes):
        data = {
            "plan": plan.pk,
            "session": "区十八届人大五次会议",
            "held_on": "2026-11-20",
            "deputies": "100",
            "present": "90",
            "seats": "2",
            "tallies-TOTAL_FORMS": str(len(votes)),
            "tallies-INITIAL_FORMS": "0",
        }
        for i, (candidate, (yes, no, abstain)) in enumerate(zip(papers, votes, strict=True)):
            data.update(
                {
                    f"tallies-{i}-candidate": candidate.pk,
                    f"tallies-{i}-votes_for": yes,
                    f"tallies-{i}-votes_against": no,
                    f"tallies-{i}-abstentions": abstain,
                }
            )
        return client.post(url, data)

    refused = post([(80, 5, 6), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    assert refused.status_code == 200
    assert "加装电梯：赞成、反对、弃权合计 91 票，多于出席代表 90 人" in refused.content.decode()
    assert not Ballot.objects.exists() and not Tally.objects.exists()
    assert post([(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)]).status_code == 302
    ballot = Ballot.objects.get()
    assert ballot.recorded_by == staff and ballot.tallies.count() == 4


@pytest.mark.parametrize(
    "role", [roles.REPORTER, roles.REVIEWER, roles.ADMINISTRATOR, roles.MODERATOR]
)
def test_only_congress_staff_record_or_publish_a_ballot(client, plan, role):
    client.force_login(make_official("someone", role, DepartmentFactory()))
    assert client.get(reverse("admin:projects_ballot_add")).status_code == 403
    assert client.get(reverse("admin:projects_rating_add")).status_code == 403


def test_the_result_and_every_tally_are_public_once_published_and_the_pledge_shows_its_path(
    client, plan, staff
):
    from projects.models import PublicInput

    moderator = make_official("moderator", roles.MODERATOR)
    Plan.objects.filter(pk=plan.pk).update(stage="shortlist")
    plan.refresh_from_db()
    proposal = PublicInput.objects.create(
        plan=plan, kind="proposal", title="老楼加装电梯", text="六层无电梯", state="published"
    )
    proposal.adopt(moderator, Candidate.objects.get(title="加装电梯"))
    Plan.objects.filter(pk=plan.pk).update(stage="vote")
    plan.refresh_from_db()
    wrong = record(plan, [(80, 5, 5), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    assert "代表票决" not in client.get("/plans/2027/call/").content.decode()  # not yet
    wrong.cancel(staff, "口袋公园的票数录错")
    ballot = record(plan, [(81, 5, 4), (51, 30, 9), (60, 20, 10), (50, 30, 10)])
    ballot.publish(staff)
    page = client.get("/plans/2027/call/").content.decode()
    assert "在任代表 100 人，出席 90 人，名额 2 件" in page
    assert '<th scope="row">加装电梯</th><td>81</td><td>5</td><td>4</td>' in page
    assert "原因：口袋公园的票数录错" in page  # the correction is on record
    assert "赞成票超过在任代表的 50%" in page
    project = client.get("/plans/2027/projects/1/").content.decode()
    assert f"推荐 #{proposal.pk}（" in project
    assert "列为候选项目：候选 1“加装电梯”" in project
    assert "赞成 81、反对 5、弃权 4（在任代表 100 人，出席 90 人）" in project
    assert "赞成 80、" not in project  # the cancelled entry is no part of its path


def test_the_rating_is_on_the_project_page(client, rated_project, staff):
    Rating.objects.create(
        project=rated_project, held_on=DAY, satisfied=60, basic=20, unsatisfied=10
    )
    page = client.get(rated_project.get_absolute_url()).content.decode()
    assert "人大代表满意度测评：满意 60、基本满意 20、不满意 10，结果为“满意”" in page


def test_every_rating_and_its_verdict_are_on_the_call_page(client, rated_project):
    Rating.objects.create(
        project=rated_project, held_on=DAY, satisfied=40, basic=20, unsatisfied=30
    )
    page = client.get("/plans/2027/call/").content.decode()
    assert "<td>40</td><td>20</td><td>30</td><td>基本满意</td>" in page
