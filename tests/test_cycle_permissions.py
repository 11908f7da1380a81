"""Who may open and do what in the year's cycle (人大代表票决制): the candidates, the
deputies' ballot and year-end rating, the proposals' outcome, deputies' opinions, a
plan's stage and the public call. The whole matrix in one place, over HTTP.

The world: 甲 (区园林局) leads the candidates and two of 2026's pledges; "reporter" is a
填报员 of 甲. The 2027 plan is in 遴选: its call ran in October, two proposals from it
are published, and three candidates are drawn up. Tests about the vote move it on to
票决 (`voting`), and those about a recorded round also record one (`ballot`: 2 seats,
100 deputies in office, 90 present). The 2026 plan is in 测评: 口袋公园 has its rating,
农村公路 none yet. "admin" is the 管理员 role, "moderator" 留言审核员, "staff"
人大工作人员 and "deputy" 人大代表 (an account with that role alone, which signs in
where officials do).

"login": a redirect to the admin's login page, the site's only one; "form": a 200 page
with the form and its save button; "view": a 200 page showing the object, read only;
"all": a 200 list of every row; "ignored": a list action the role does not have, so
the list is shown again and nothing runs; "page": the public page, the same for all;
"sent": the form, and a post stored for moderation; "404": not found, and a post stores
nothing. "rep." is the reporter, "rev." the reviewer, "mod." the moderator, "dep." the
deputy.

| column                       | anon  | rep.    | rev. | admin    | mod.   | staff    | dep.   |
|------------------------------|-------|---------|------|----------|--------|----------|--------|
| candidate list               | login | all     | all  | all      | all    | all      | 403    |
| new candidate page           | login | 403     | 403  | form     | 403    | 403      | 403    |
| a candidate's page, in 遴选  | login | view    | view | form     | view   | view     | 403    |
| the same, in 票决            | login | view    | view | view     | view   | view     | 403    |
| add a candidate              | login | 403     | 403  | stored ¹ | 403    | 403      | 403    |
| change a candidate           | login | 403     | 403  | saved ¹  | 403    | 403      | 403    |
| ballot list                  | login | 403     | 403  | 403      | 403    | all      | 403    |
| new ballot page              | login | 403     | 403  | 403      | 403    | form     | 403    |
| a recorded ballot's page     | login | 403     | 403  | 403      | 403    | view     | 403    |
| record a ballot, its tallies | login | 403     | 403  | 403      | 403    | stored ² | 403    |
| change a recorded ballot     | login | 403     | 403  | 403      | 403    | 403      | 403    |
| publish, cancel a ballot     | login | 403     | 403  | 403      | 403    | done ³   | 403    |
| rating list                  | login | 403     | 403  | 403      | 403    | all      | 403    |
| new rating, a rating's page  | login | 403     | 403  | 403      | 403    | form     | 403    |
| add, change a rating         | login | 403     | 403  | 403      | 403    | saved ⁴  | 403    |
| adopt, reject a proposal     | login | ignored | 403  | 403      | done ⁵ | 403      | 403    |
| a plan's stage               | login | 403     | 403  | saved ⁶  | 403    | 403      | 403    |
| deputy opinion: page, post   | login | 403     | 403  | 403      | 403    | 403      | stored |
| call page                    | page  | page    | page | page     | page   | page     | page   |
| the same, plan without call  | 404   | 404     | 404  | 404      | 404    | 404      | 404    |
| proposal form, call open     | sent  | sent    | sent | sent     | sent   | sent     | sent   |
| the same, call closed        | 404   | 404     | 404  | 404      | 404    | 404      | 404    |

¹ only in 遴选: in 票决 a new candidate is refused with the reason, nothing stored, and
  a candidate's page is read only.
² tallies adding up to more than the deputies present are refused, in Chinese, and
  nothing of the paper is stored.
³ cancelling needs a reason; without one nothing moves.
⁴ only for pledges of a plan in 测评.
⁵ a rejection needs a reason; an adoption a candidate of the same plan.
⁶ forward only: a move back is refused with "阶段只能向后推进".

The tables below (READS, CANDIDATE_ADDS, CANDIDATE_CHANGES, BALLOT_ADDS, BALLOT_ACTIONS,
RATINGS, PROPOSAL_ACTIONS, STAGES, OPINIONS) spell out every cell.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import (
    Ballot,
    Candidate,
    CandidateTarget,
    Plan,
    Project,
    PublicInput,
    Rating,
    Tally,
)
from projects.rules.roles import (
    ADMINISTRATOR,
    CONGRESS_STAFF,
    DEPUTY,
    MODERATOR,
    REPORTER,
    REVIEWER,
)

from .conftest import make_official, shared_world
from .factories import DepartmentFactory, PlanFactory, ProjectFactory
from .refusals import DENIED, HTTP_404, LOGIN, REFUSALS, assert_refused, messages_of
from .test_plan_rules import plan_form

ACTORS = ["anonymous", "reporter", "reviewer", "manager", "moderator", "staff", "deputy"]

FORM = "form"  # 200, the form with its save button
VIEW = "view"  # 200, the object read only
ALL = "all"  # 200, a list of every row
IGNORED = "list shown, nothing run"
DONE = "done"


def only(actor, outcome):
    """Per actor, in ACTORS order: `outcome` for `actor`, the others refused."""
    return [outcome if a == actor else LOGIN if a == "anonymous" else DENIED for a in ACTORS]


CANDIDATES = ["老旧小区加装电梯", "社区养老食堂", "背街小巷改造"]
SESSION = "区十八届人大五次会议"
VOTED_ON = date(2026, 11, 20)
# The recorded round: 加装电梯 and 养老食堂 have more than half of the 100 in office.
VOTES = [(80, 5, 5), (60, 20, 10), (30, 50, 10)]


def make_world():
    """The plans, candidates, proposals, rating and the seven actors described above."""
    a = DepartmentFactory(name="区园林局")
    rating_plan = PlanFactory(year=2026, stage=Plan.Stage.RATING)
    rated = ProjectFactory(plan=rating_plan, number=1, title="口袋公园", lead_department=a)
    unrated = ProjectFactory(plan=rating_plan, number=2, title="农村公路", lead_department=a)
    cycle = PlanFactory(
        year=2027,
        stage=Plan.Stage.SHORTLIST,
        call_opens=date(2026, 10, 1),
        call_closes=date(2026, 10, 31),
    )
    candidates = []
    for order, title in enumerate(CANDIDATES, start=1):
        candidate = Candidate.objects.create(
            plan=cycle,
            order=order,
            title=title,
            pledge_text=f"办好{title}。",
            lead_department=a,
            investment=Decimal("100"),
        )
        CandidateTarget.objects.create(candidate=candidate, name=title, unit="个", target_value=10)
        candidates.append(candidate)
    moderator = make_official("moderator", MODERATOR)
    proposals = []
    for title in ["西园社区加装电梯", "给我家门口修路"]:
        proposal = PublicInput.objects.create(
            plan=cycle, kind="proposal", title=title, category="housing", text=f"建议{title}。"
        )
        proposal.publish(moderator)
        proposals.append(proposal)
    return SimpleNamespace(
        department=a,
        rating_plan=rating_plan,
        rated=rated,
        unrated=unrated,
        rating=Rating.objects.create(
            project=rated, held_on=VOTED_ON, satisfied=60, basic=20, unsatisfied=10
        ),
        cycle=cycle,
        candidates=candidates,
        proposals=proposals,
        reporter=make_official("reporter", REPORTER, a),
        reviewer=make_official("reviewer", REVIEWER),
        manager=make_official("manager", ADMINISTRATOR),
        moderator=moderator,
        staff=make_official("staff", CONGRESS_STAFF),
        deputy=make_official("deputy", DEPUTY),
    )


built_world, world = shared_world(make_world)


def move(plan, stage):
    """A plan put in `stage` by hand: the admin's one-way rule is tested below, on its page."""
    plan.stage = stage
    plan.save()


@pytest.fixture
def voting(world):
    move(world.cycle, Plan.Stage.VOTE)
    return world


@pytest.fixture
def ballot(voting):
    """The round as the admin records it: checked whole, then stored with its tallies."""
    w = voting
    recorded = Ballot(
        plan=w.cycle,
        session=SESSION,
        held_on=VOTED_ON,
        deputies=100,
        present=90,
        seats=2,
        recorded_by=w.staff,
    )
    recorded.full_clean()
    paper = dict(zip(recorded.candidates(), VOTES, strict=True))
    recorded.check_tallies(paper)
    recorded.save()
    for candidate, (yes, no, abstain) in paper.items():
        Tally.objects.create(
            ballot=recorded,
            candidate=candidate,
            votes_for=yes,
            votes_against=no,
            abstentions=abstain,
        )
    return recorded


def log_in(client, world, actor):
    if actor != "anonymous":
        client.force_login(getattr(world, actor))


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def matrix(rows):
    """Rows of (column, outcome per actor in ACTORS order) → (column, actor, outcome) cases."""
    return [
        pytest.param(column, actor, outcome, id=f"{column}-{actor}")
        for column, *outcomes in rows
        for actor, outcome in zip(ACTORS, outcomes, strict=True)
    ]


def ids(rows, *columns):
    """Readable test ids: the named columns of each row (by index), joined."""
    return ["-".join(str(row[i]) for i in columns) for row in rows]


def admin(name, *args):
    return reverse(f"admin:projects_{name}", args=args)


def assert_page(response, outcome, shows, field):
    """A 200 admin page: a list showing every text of `shows`, or the page of the object
    `shows` names (None for an add page), with `field` editable or not."""
    assert response.status_code == 200
    html = response.content.decode()
    if outcome == ALL:
        assert [text for text in shows if text not in html] == []
        return
    if shows is not None:
        assert shows in html
    editable = outcome == FORM
    assert ('name="_save"' in html) == editable
    assert (f'name="{field}"' in html) == editable


# Reading the admin's pages of the cycle (the 2027 plan in 票决, its round recorded).
def pages(w, ballot):
    return {
        "candidate list": (admin("candidate_changelist"), CANDIDATES, None),
        "new candidate": (admin("candidate_add"), None, "title"),
        "ballot list": (admin("ballot_changelist"), [str(ballot)], None),
        "new ballot": (admin("ballot_add"), None, "tallies-0-votes_for"),
        "recorded ballot": (admin("ballot_change", ballot.pk), SESSION, "session"),
        "rating list": (admin("rating_changelist"), ["口袋公园"], None),
        "new rating": (admin("rating_add"), None, "satisfied"),
        "rating 口袋公园": (admin("rating_change", w.rating.pk), "口袋公园", "satisfied"),
    }


READS = [
    # page              anon   reporter reviewer manager moderator staff   deputy
    ("candidate list",  LOGIN, ALL,     ALL,     ALL,    ALL,      ALL,    DENIED),
    ("new candidate",   LOGIN, DENIED,  DENIED,  FORM,   DENIED,   DENIED, DENIED),
    ("ballot list",     LOGIN, DENIED,  DENIED,  DENIED, DENIED,   ALL,    DENIED),
    ("new ballot",      LOGIN, DENIED,  DENIED,  DENIED, DENIED,   FORM,   DENIED),
    ("recorded ballot", LOGIN, DENIED,  DENIED,  DENIED, DENIED,   VIEW,   DENIED),
    ("rating list",     LOGIN, DENIED,  DENIED,  DENIED, DENIED,   ALL,    DENIED),
    ("new rating",      LOGIN, DENIED,  DENIED,  DENIED, DENIED,   FORM,   DENIED),
    ("rating 口袋公园", LOGIN, DENIED,  DENIED,  DENIED, DENIED,   FORM,   DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("admin_page", "actor", "outcome"), matrix(READS))
def test_each_actor_sees_each_cycle_page_as_the_matrix_says(
    client, world, ballot, admin_page, actor, outcome
):
    url, shows, field = pages(world, ballot)[admin_page]
    log_in(client, world, actor)
    response = client.get(url)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    else:
        assert_page(response, outcome, shows, field)


# Candidates: drawn up by the admin role, and only while the plan is in 遴选.


def candidate_data(world, candidate=None, **changes):
    """The POST of the candidate's add page (`candidate` None) or change page."""
    data = {
        "plan": world.cycle.pk,
        "order": "4",
        "title": "城区停车场",
        "pledge_text": "新建公共停车场 2 处。",
        "lead_department": world.department.pk,
        "investment": "800",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-order": "1",
        "targets-0-name": "新建停车场",
        "targets-0-unit": "处",
        "targets-0-target_value": "2",
        "targets-0-kind": "quantity",
    }
    if candidate is not None:
        target = candidate.targets.get()
        data.update(
            {
                "order": str(candidate.order),
                "title": candidate.title,
                "pledge_text": candidate.pledge_text,
                "investment": str(candidate.investment),
                "targets-INITIAL_FORMS": "1",
                "targets-0-id": str(target.pk),
                "targets-0-candidate": str(candidate.pk),
                "targets-0-name": target.name,
                "targets-0-unit": target.unit,
                "targets-0-target_value": str(target.target_value),
            }
        )
    data.update(changes)
    return data


STORED = "stored"
REFUSED = "refused"  # 200, the form shown again with the reason; nothing stored
PAST_SHORTLIST = "候选项目只能在“遴选”阶段录入或修改；该计划现在是“票决”阶段。"
CANDIDATE_ADDS = [
    *(
        (actor, "shortlist", outcome)
        for actor, outcome in zip(ACTORS, only("manager", STORED), strict=True)
    ),
    ("manager", "vote", REFUSED),
]


@pytest.mark.parametrize(
    ("actor", "stage", "outcome"), CANDIDATE_ADDS, ids=ids(CANDIDATE_ADDS, 1, 0)
)
def test_only_the_admin_role_adds_a_candidate_and_only_in_shortlisting(
    client, world, actor, stage, outcome
):
    move(world.cycle, stage)
    log_in(client, world, actor)
    response = client.post(admin("candidate_add"), candidate_data(world))
    added = Candidate.objects.filter(title="城区停车场")
    if outcome == STORED:
        assert response.status_code == 302
        candidate = added.get()
        assert (candidate.plan, candidate.order, candidate.created_by) == (
            world.cycle,
            4,
            world.manager,
        )
        assert [(t.name, t.target_value) for t in candidate.targets.all()] == [
            ("新建停车场", Decimal("2"))
        ]
        return
    if outcome == REFUSED:
        assert response.status_code == 200
        assert PAST_SHORTLIST in response.content.decode()
    else:
        assert_refused(response, outcome)
    assert not added.exists()
    assert not CandidateTarget.objects.filter(name="新建停车场").exists()


CANDIDATE_CHANGES = [
    # plan's stage  anon   reporter reviewer manager moderator staff  deputy
    ("shortlist",   LOGIN, VIEW,    VIEW,    FORM,   VIEW,     VIEW,  DENIED),
    ("vote",        LOGIN, VIEW,    VIEW,    VIEW,   VIEW,     VIEW,  DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "actor", "outcome"), matrix(CANDIDATE_CHANGES))
def test_a_candidate_is_changed_only_by_the_admin_role_and_only_in_shortlisting(
    client, world, stage, actor, outcome
):
    candidate = world.candidates[0]
    move(world.cycle, stage)
    url = admin("candidate_change", candidate.pk)
    log_in(client, world, actor)
    page = client.get(url)
    if outcome in REFUSALS:
        assert_refused(page, outcome)
    else:
        assert_page(page, outcome, candidate.title, "title")

    data = candidate_data(world, candidate, investment="1500", **{"targets-0-target_value": "30"})
    response = client.post(url, data)
    candidate.refresh_from_db()
    target = candidate.targets.get()
    if outcome == FORM:
        assert response.status_code == 302
        assert (candidate.investment, target.target_value) == (Decimal("1500"), Decimal("30"))
        return
    assert_refused(response, LOGIN if outcome == LOGIN else DENIED)
    assert (candidate.investment, target.target_value) == (Decimal("100"), Decimal("10"))


# The ballot: congress staff record a round with every tally; a record is never edited.


def ballot_data(world, votes, present="90"):
    data = {
        "plan": world.cycle.pk,
        "session": SESSION,
        "held_on": "2026-11-20",
        "deputies": "100",
        "present": present,
        "seats": "2",
        "tallies-TOTAL_FORMS": str(len(votes)),
        "tallies-INITIAL_FORMS": "0",
        "tallies-MIN_NUM_FORMS": "0",
        "tallies-MAX_NUM_FORMS": "1000",
    }
    for i, (candidate, (yes, no, abstain)) in enumerate(zip(world.candidates, votes, strict=True)):
        data.update(
            {
                f"tallies-{i}-candidate": candidate.pk,
                f"tallies-{i}-votes_for": yes,
                f"tallies-{i}-votes_against": no,
                f"tallies-{i}-abstentions": abstain,
            }
        )
    return data


PAPERS = {
    "paper": VOTES,
    "91 votes, 90 present": [(80, 5, 6), (60, 20, 10), (30, 50, 10)],  # 加装电梯's
}
BALLOT_ADDS = [
    *(
        (actor, "paper", outcome)
        for actor, outcome in zip(ACTORS, only("staff", STORED), strict=True)
    ),
    ("staff", "91 votes, 90 present", REFUSED),
]


@pytest.mark.parametrize(("actor", "paper", "outcome"), BALLOT_ADDS, ids=ids(BALLOT_ADDS, 1, 0))
def test_only_congress_staff_record_a_ballot_and_a_paper_that_cannot_be_stores_nothing(
    client, voting, actor, paper, outcome
):
    log_in(client, voting, actor)
    response = client.post(admin("ballot_add"), ballot_data(voting, PAPERS[paper]))
    if outcome == STORED:
        assert response.status_code == 302
        ballot = Ballot.objects.get()
        assert (ballot.recorded_by, ballot.present, ballot.seats) == (voting.staff, 90, 2)
        tallies = ballot.tallies.order_by("candidate__order")
        assert [(t.votes_for, t.votes_against, t.abstentions) for t in tallies] == VOTES
        return
    if outcome == REFUSED:
        assert response.status_code == 200
        message = "老旧小区加装电梯：赞成、反对、弃权合计 91 票，多于出席代表 90 人。"
        assert message in response.content.decode()
    else:
        assert_refused(response, outcome)
    assert not Ballot.objects.exists()
    assert not Tally.objects.exists()


@pytest.mark.parametrize(
    ("actor", "outcome"), list(zip(ACTORS, [LOGIN] + [DENIED] * 6, strict=True))
)
def test_nobody_changes_a_recorded_ballot(client, ballot, voting, actor, outcome):
    before = Ballot.objects.values().get()
    tallies = list(Tally.objects.order_by("pk").values())
    log_in(client, voting, actor)
    # A change that would be valid: another session's name, the tallies as they are.
    data = ballot_data(voting, VOTES)
    data.update({"session": "区十八届人大六次会议", "tallies-INITIAL_FORMS": "3"})
    data.update({f"tallies-{i}-id": tally["id"] for i, tally in enumerate(tallies)})
    response = client.post(admin("ballot_change", ballot.pk), data)
    assert_refused(response, outcome)
    assert Ballot.objects.values().get() == before
    assert list(Tally.objects.order_by("pk").values()) == tallies
    assert ballot.history.count() == 1


# List actions on the ballot list. Each: action, note, the message staff read.
PUBLISH = ("publish_selected", "", "已公布：")
CANCEL = ("cancel_selected", "口袋公园的票数录错", "已作废：")
NO_REASON = ("cancel_selected", "  ", "作废票决记录时必须说明原因。")
BALLOT_ACTIONS = [
    *(
        (actor, *action, outcome)
        for action in (PUBLISH, CANCEL)
        for actor, outcome in zip(ACTORS, only("staff", DONE), strict=True)
    ),
    ("staff", *NO_REASON, REFUSED),
]


@pytest.mark.parametrize(
    ("actor", "action", "note", "message", "outcome"),
    BALLOT_ACTIONS,
    ids=ids(BALLOT_ACTIONS, 1, 0, 4),
)
def test_only_congress_staff_publish_or_cancel_a_ballot(
    client, ballot, voting, actor, action, note, message, outcome
):
    before = Ballot.objects.values().get()
    log_in(client, voting, actor)
    url = admin("ballot_changelist")
    data = {"action": action, "_selected_action": [ballot.pk], "index": "0", "note": note}
    response = client.post(url, data)
    ballot.refresh_from_db()
    voting.cycle.refresh_from_db()
    if outcome == DONE:
        assert response.status_code == 302
        assert response["Location"] == url
        assert message in messages_of(response)
        if action == "publish_selected":
            assert ballot.published_at is not None and ballot.cancelled_at is None
            assert voting.cycle.stage == Plan.Stage.DELIVERY
            assert list(voting.cycle.projects.values_list("number", "title")) == [
                (1, "老旧小区加装电梯"),
                (2, "社区养老食堂"),
            ]
        else:
            assert ballot.cancelled_at is not None and ballot.published_at is None
            assert ballot.cancel_reason == note
            assert voting.cycle.stage == Plan.Stage.VOTE
        return
    if outcome == REFUSED:
        assert response.status_code == 302
        assert message in messages_of(response)
    else:
        assert_refused(response, outcome)
    assert Ballot.objects.values().get() == before
    assert voting.cycle.stage == Plan.Stage.VOTE
    assert not Project.objects.filter(plan=voting.cycle).exists()


# Ratings: congress staff record each pledge's, only while its plan is in 测评.


def rating_data(project, satisfied):
    return {
        "project": project.pk,
        "held_on": "2026-11-20",
        "satisfied": str(satisfied),
        "basic": "20",
        "unsatisfied": "10",
    }


SAVED = "saved"
RATINGS = [
    *(
        (actor, "rating", outcome)
        for actor, outcome in zip(ACTORS, only("staff", SAVED), strict=True)
    ),
    ("staff", "archived", REFUSED),  # the plan moved on: its ratings are final
]


@pytest.mark.parametrize(("actor", "stage", "outcome"), RATINGS, ids=ids(RATINGS, 1, 0))
def test_only_congress_staff_add_or_change_a_rating_and_only_in_the_rating_stage(
    client, world, actor, stage, outcome
):
    move(world.rating_plan, stage)
    log_in(client, world, actor)
    added = client.post(admin("rating_add"), rating_data(world.unrated, 70))
    changed = client.post(admin("rating_change", world.rating.pk), rating_data(world.rated, 45))
    world.rating.refresh_from_db()
    new = Rating.objects.filter(project=world.unrated)
    if outcome == SAVED:
        assert (added.status_code, changed.status_code) == (302, 302)
        assert (new.get().satisfied, new.get().recorded_by) == (70, world.staff)
        assert (world.rating.satisfied, world.rating.recorded_by) == (45, world.staff)
        return
    if outcome == REFUSED:
        # A new rating: the pledge is no longer offered; a recorded one: the reason.
        assert added.status_code == 200
        assert "project" in added.context["adminform"].form.errors
        assert changed.status_code == 200
        reason = "只能在“测评”阶段录入满意度测评；该实事所属计划现在是“归档”阶段。"
        assert reason in changed.content.decode()
    else:
        assert_refused(added, outcome)
        assert_refused(changed, outcome)
    assert not new.exists()
    assert world.rating.satisfied == 60


# Proposals: the moderator settles each published one from the list (?state=all, as it
# opens on the pending ones). Each: action, the action form's fields, the outcome after.
INPUT_LIST = reverse("admin:projects_publicinput_changelist") + "?state=all"
ADOPT = ("adopt_selected", {"into": "1"}, "adopted", "已列为候选 1 条")
REJECT = (
    "reject_selected",
    {"note": "只涉及个别住户，请向街道反映。"},
    "not_adopted",
    "已不予采纳 1 条",
)
# None: the moderator. The reviewer (the supervision office) has the list for the
# objections to a 公示, with its own actions: a moderator's is not among them.
NOT_OFFERED = "not offered"
OTHERS = [LOGIN, IGNORED, NOT_OFFERED, DENIED, None, DENIED, DENIED]
PROPOSAL_ACTIONS = [
    *(
        (actor, action, fields, state if outcome is None else "", message, outcome or DONE)
        for action, fields, state, message in (ADOPT, REJECT)
        for actor, outcome in zip(ACTORS, OTHERS, strict=True)
    ),
    ("moderator", "reject_selected", {"note": " "}, "", "不予采纳时必须说明原因", REFUSED),
    ("moderator", "adopt_selected", {"into": "9"}, "", "请选择同一年度计划的候选项目", REFUSED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "action", "fields", "settled", "message", "outcome"),
    PROPOSAL_ACTIONS,
    ids=ids(PROPOSAL_ACTIONS, 1, 0, 5),
)
def test_only_the_moderator_adopts_or_rejects_a_proposal(
    client, world, actor, action, fields, settled, message, outcome
):
    proposal = world.proposals[0]
    before = PublicInput.objects.values().get(pk=proposal.pk)
    data = {"action": action, "_selected_action": [proposal.pk], "index": "0", "into": "",
            "note": "", **fields}  # fmt: skip
    log_in(client, world, actor)
    response = client.post(INPUT_LIST, data)
    proposal.refresh_from_db()
    assert proposal.outcome == settled
    if outcome == DONE:
        assert response.status_code == 302
        assert response["Location"] == INPUT_LIST
        assert message in messages_of(response)
        assert proposal.candidate == (world.candidates[0] if settled == "adopted" else None)
        assert proposal.outcome_note == fields.get("note", "")
        return
    if outcome == IGNORED:
        assert response.status_code == 200
        assert response.context["action_form"] is None
        assert messages_of(response) == ""
    elif outcome == REFUSED:
        assert response.status_code == 302
        assert message in messages_of(response)
    elif outcome == NOT_OFFERED:
        assert response.status_code == 302
        assert "未选择动作" in messages_of(response)
    else:
        assert_refused(response, outcome)
    assert PublicInput.objects.values().get(pk=proposal.pk) == before


# A plan's stage, on its admin page: the admin role moves it, forward only.
STAGES = [
    # stage posted  anon   reporter reviewer manager  moderator staff   deputy
    ("vote",        LOGIN, DENIED,  DENIED,  SAVED,   DENIED,   DENIED, DENIED),
    ("call",        LOGIN, DENIED,  DENIED,  REFUSED, DENIED,   DENIED, DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "actor", "outcome"), matrix(STAGES))
def test_only_the_admin_role_moves_a_plans_stage_and_only_forward(
    client, world, stage, actor, outcome
):
    url = admin("plan_change", world.cycle.pk)
    data = plan_form(browser(world.manager).get(url))
    assert data["stage"] == "shortlist"
    data["stage"] = stage
    log_in(client, world, actor)
    response = client.post(url, data)
    world.cycle.refresh_from_db()
    if outcome == SAVED:
        assert response.status_code == 302
        assert world.cycle.stage == stage
        assert world.cycle.history.latest().history_user == world.manager
        return
    if outcome == REFUSED:
        assert response.status_code == 200
        assert "阶段只能向后推进：本计划已在“遴选”阶段。" in response.content.decode()
    else:
        assert_refused(response, outcome)
    assert world.cycle.stage == "shortlist"


# A deputy's opinion on a pledge: signed in, and for the 人大代表 role only.
OPINIONS = list(zip(ACTORS, only("deputy", STORED), strict=True))
OPINION = "建议口袋公园增设无障碍通道和休息座椅。"


@pytest.mark.parametrize(("actor", "outcome"), OPINIONS)
def test_only_a_deputy_opens_the_opinion_page_and_sends_one(client, world, actor, outcome):
    url = reverse("projects:deputy_opinion", args=[2026, world.rated.number])
    log_in(client, world, actor)
    form = client.get(url)
    response = client.post(url, {"text": OPINION})
    if outcome != STORED:
        for refused in (form, response):
            assert_refused(refused, outcome)
        assert not PublicInput.objects.filter(text=OPINION).exists()
        return
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="text"' in html and 'name="phone"' not in html
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:asked", args=[2026, world.rated.number])
    item = PublicInput.objects.get(text=OPINION)
    assert (item.kind, item.project, item.deputy, item.state) == (
        "deputy",
        world.rated,
        world.deputy,
        "pending",
    )


def test_the_login_an_anonymous_deputy_is_sent_to_is_a_page(client, world):
    """The redirect leads to a login form, not to a 404."""
    url = reverse("projects:deputy_opinion", args=[2026, world.rated.number])
    login = client.get(client.get(url)["Location"])
    assert login.status_code == 200
    assert 'name="password"' in login.content.decode()


# The public call: anyone reads it; anyone proposes while it is open, nobody after.


@pytest.mark.parametrize("actor", ACTORS)
def test_anyone_reads_the_call_and_a_plan_without_one_has_no_call_page(client, world, actor):
    log_in(client, world, actor)
    page = client.get(reverse("projects:call", args=[2027]))
    assert page.status_code == 200
    html = page.content.decode()
    assert [t for t in ["西园社区加装电梯", "给我家门口修路", *CANDIDATES] if t not in html] == []
    assert_refused(client.get(reverse("projects:call", args=[2026])), HTTP_404)


PROPOSAL = "城西片区建一座农贸市场"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("call_open", [True, False], ids=["open", "closed"])
def test_anyone_proposes_while_the_call_is_open_and_nobody_after(client, world, actor, call_open):
    if call_open:  # the call still runs, to the end of November
        world.cycle.call_closes = date(2026, 11, 30)
        move(world.cycle, Plan.Stage.CALL)
    log_in(client, world, actor)
    url = reverse("projects:propose", args=[2027])
    form = client.get(url)
    response = client.post(
        url, {"title": PROPOSAL, "category": "housing", "text": "城西没有农贸市场，买菜要走很远。",
              "place": "城西街道"},
    )  # fmt: skip
    stored = PublicInput.objects.filter(title=PROPOSAL)
    if call_open:
        assert form.status_code == 200
        assert 'name="title"' in form.content.decode()
        assert response.status_code == 302
        assert response["Location"] == reverse("projects:proposed", args=[2027])
        item = stored.get()
        assert (item.kind, item.plan, item.state) == ("proposal", world.cycle, "pending")
        return
    closed = "征集期为 2026-10-01 至 2026-10-31，现在不在征集期内，推荐没有保存。"
    for refused in (form, response):
        assert_refused(refused, HTTP_404, closed)
    assert not stored.exists()
