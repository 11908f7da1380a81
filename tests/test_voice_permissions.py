"""Who may open and do what with the public's questions (留言) and their answers: the
whole matrix in one place, over HTTP.

The departments are those of test_permissions.py: 甲 (区园林局) leads 口袋公园 and
supports 社区食堂 (led by 区民政局); 乙 (区公路局) leads 农村公路. reporter A is a
填报员 of 甲, reporter B of 乙; "moderator" is the 留言审核员 role. The questions:
甲's project has one pending, three published (one unanswered, one with a submitted
answer, one with an approved answer) and one blocked; 社区食堂 and 农村公路 one
published each. Each was sent with its own name and phone number.

"contact": a 200 page showing the item and its writer's name and phone; "view": a 200
page showing the item and no name or phone (of any item); "own": a list of the rows
about the projects the actor's department leads; "nf" (not found): the admin's
redirect to its index, as for an id that does not exist; "ignored": a list action the
role does not have, so the list is shown again and nothing runs; "admin" is 管理员.

| column                          | anon  | rep. A  | rep. B  | reviewer | admin | moderator |
|---------------------------------|-------|---------|---------|----------|-------|-----------|
| question list (no name, phone)  | login | own     | own     | none †   | 403   | pending   |
| the same, every state           | login | own     | own     | none †   | 403   | all       |
| the same, pending ones          | login | none    | none    | none †   | 403   | pending   |
| 甲's published question          | login | contact | nf      | nf †     | 403   | contact   |
| 甲's pending, blocked question   | login | nf      | nf      | nf †     | 403   | contact   |
| 社区食堂's question (甲 supports) | login | nf      | nf      | nf †     | 403   | contact   |
| 乙's question                    | login | nf      | contact | nf †     | 403   | contact   |
| history of 甲's published one    | login | view    | nf      | nf       | nf    | view      |
| history of 甲's pending one      | login | nf      | nf      | nf       | nf    | view      |
| publish, merge, decline, block  | login | ignored | ignored | not his †| 403   | done      |
| rewrite, delete a question      |       | 403     |         |          |       | 403       |
| answer list                     | login | own     | own     | 403      | 403   | all       |
| answer 甲's published question   | login | stored  | refused | 403      | 403   | 403       |
| edit 甲's submitted answer       | login | saved   | nf      | 403      | 403   | read only |
| approve, return an answer       | login | ignored | ignored | 403      | 403   | done *    |
| ask form (public)               | form  | form    | form    | form     | form  | form      |
| photo, item pending or blocked  | 404   | 404     | 404     | 404      | 404   | file      |
| photo, item published           | file  | file    | file    | file     | file  | file      |

† the reviewer is the supervision office: its list holds the published objections to a
公示 only (none here), with its own two actions (uphold, dismiss; tests/test_notice.py).
* never an answer one wrote or changed (`Answer._move`): tested with a moderator who
is also 甲's reporter, who may answer 甲's questions (and no other's).
The tables below (READS, INDEX, DECISIONS, ANSWER_ADDS, ANSWER_EDITS, REVIEWS, PHOTOS)
spell out every cell.
"""

import io
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from projects.models import Answer, PublicInput
from projects.rules.roles import ADMINISTRATOR, MODERATOR, REPORTER, REVIEWER

from .conftest import make_official, make_plan, shared_world
from .factories import DepartmentFactory, ProjectFactory
from .refusals import DENIED, LOGIN, NOT_FOUND, REFUSALS, assert_refused, messages_of

ACTORS = ["anonymous", "reporter_a", "reporter_b", "reviewer", "manager", "moderator"]

VIEW = "view"  # 200 showing the object, and no name or phone number at all
CONTACT = "contact"  # 200 showing the object with its writer's name and phone
ALL = "all"  # 200 listing every row
IGNORED = "list shown, nothing run"

# Each question: its project ("a" 甲 leads, "s" 甲 supports, "b" 乙 leads), its text,
# and the writer's name and phone, all different, so a page shows which one leaked.
QUESTIONS = {
    "pending_a": ("a", "口袋公园的长椅太少，能不能多放几张？", "赵文静", "13900000001"),
    "published_a": ("a", "口袋公园晚上几点关门？", "钱立国", "13900000002"),
    "answered_a": ("a", "口袋公园里会建公共厕所吗？", "孙海燕", "13900000003"),
    "approved_a": ("a", "口袋公园的健身器材谁来维护？", "李建华", "13900000004"),
    "blocked_a": ("a", "口袋公园门口总有人发小广告。", "周玉兰", "13900000005"),
    "published_s": ("s", "社区食堂的饭菜多少钱一份？", "吴志强", "13900000006"),
    "published_b": ("b", "农村公路今年修到哪个村？", "郑秀英", "13900000007"),
}
ANSWERS = {
    "submitted_answer": "厕所已列入二期设计，明年建成。",
    "approved_answer": "器材由街道办委托物业每月检查维护。",
}
PNG = io.BytesIO()
Image.new("RGB", (8, 8), (40, 160, 80)).save(PNG, format="PNG")
PNG = PNG.getvalue()


def make_world():
    """The departments, projects and officials of test_permissions.py, a moderator, one
    who is both moderator and 甲's reporter, and the questions and answers above."""
    plan = make_plan()
    a = DepartmentFactory(name="区园林局")
    b = DepartmentFactory(name="区公路局")
    c = DepartmentFactory(name="区民政局")
    projects = {
        "a": ProjectFactory(plan=plan, number=1, title="口袋公园", lead_department=a),
        "b": ProjectFactory(plan=plan, number=2, title="农村公路", lead_department=b),
        "s": ProjectFactory(plan=plan, number=3, title="社区食堂", lead_department=c),
    }
    projects["s"].supporting_departments.add(a)
    moderator = make_official("moderator", MODERATOR)
    moderator_a = make_official("moderator_a", MODERATOR, a)
    moderator_a.groups.add(Group.objects.get(name=REPORTER))
    reporter_a = make_official("reporter_a", REPORTER, a)
    w = SimpleNamespace(
        plan=plan,
        department_a=a,
        department_b=b,
        project_a=projects["a"],
        project_b=projects["b"],
        reporter_a=reporter_a,
        reporter_b=make_official("reporter_b", REPORTER, b),
        reviewer=make_official("reviewer", REVIEWER),
        manager=make_official("manager", ADMINISTRATOR),
        moderator=moderator,
        moderator_a=moderator_a,
    )
    for key, (project, text, name, phone) in QUESTIONS.items():
        item = PublicInput(plan=plan, project=projects[project], text=text, name=name, phone=phone)
        if key in ("pending_a", "published_a", "blocked_a"):
            item.photo_type = "image/png"
            item.photo.save("photo.png", ContentFile(PNG), save=False)
        item.save()
        if key != "pending_a":
            item.publish(moderator)
        setattr(w, key, item)
    w.blocked_a.block(moderator, note="广告")
    w.submitted_answer = answer(w.answered_a, reporter_a, ANSWERS["submitted_answer"])
    w.approved_answer = answer(w.approved_a, reporter_a, ANSWERS["approved_answer"])
    w.approved_answer.approve(moderator)
    return w


built_world, world = shared_world(make_world)


def answer(question, writer, text):
    """An answer as the admin's add page stores it."""
    item = Answer(
        question=question,
        department=question.project.lead_department,
        text=text,
        written_by=writer,
    )
    item._history_user = writer
    item.save()
    return item


def log_in(client, world, actor):
    if actor != "anonymous":
        client.force_login(getattr(world, actor))


def browser(user):
    """A client of its own for each person in a story: no message of one reaches the
    page another reads."""
    client = Client()
    client.force_login(user)
    return client


def contacts_in(html):
    """The questions whose writer's name or phone number the page shows."""
    return {key for key, (_, _, name, phone) in QUESTIONS.items() if name in html or phone in html}


def matrix(rows):
    """Rows of (column, outcome per actor in ACTORS order) → (column, actor, outcome) cases."""
    return [
        pytest.param(column, actor, outcome, id=f"{column}-{actor}")
        for column, *outcomes in rows
        for actor, outcome in zip(ACTORS, outcomes, strict=True)
    ]


def admin(name, *args):
    return reverse(f"admin:projects_{name}", args=args)


def pages(w):
    """Each page: (url, what it is about: a question's key, or for a list the text that
    marks each of its possible rows, by key)."""
    question_texts = {key: text for key, (_, text, _, _) in QUESTIONS.items()}
    return {
        "question list": (admin("publicinput_changelist"), question_texts),
        "every question": (admin("publicinput_changelist") + "?state=all", question_texts),
        "pending questions": (admin("publicinput_changelist") + "?state=pending", question_texts),
        "pending 甲": (admin("publicinput_change", w.pending_a.pk), "pending_a"),
        "published 甲": (admin("publicinput_change", w.published_a.pk), "published_a"),
        "answered 甲": (admin("publicinput_change", w.answered_a.pk), "answered_a"),
        "blocked 甲": (admin("publicinput_change", w.blocked_a.pk), "blocked_a"),
        "published 甲 supports": (admin("publicinput_change", w.published_s.pk), "published_s"),
        "published 乙": (admin("publicinput_change", w.published_b.pk), "published_b"),
        "pending 甲 history": (admin("publicinput_history", w.pending_a.pk), "pending_a"),
        "published 甲 history": (admin("publicinput_history", w.published_a.pk), "published_a"),
        "blocked 甲 history": (admin("publicinput_history", w.blocked_a.pk), "blocked_a"),
        "published 乙 history": (admin("publicinput_history", w.published_b.pk), "published_b"),
        "answer list": (admin("answer_changelist"), {key: str(getattr(w, key)) for key in ANSWERS}),
        "answer 甲": (admin("answer_change", w.submitted_answer.pk), "answered_a"),
    }


OWN_A = {"published_a", "answered_a", "approved_a"}  # 甲's project, published
QUEUE = {"pending_a"}  # what the moderator's list opens on
READS = [
    # page                   anon   reporter 甲  reporter 乙      reviewer   manager    moderator
    ("question list",         LOGIN, OWN_A,      {"published_b"}, set(),     DENIED,    QUEUE),
    ("every question",        LOGIN, OWN_A,      {"published_b"}, set(),     DENIED,    ALL),
    ("pending questions",     LOGIN, set(),      set(),           set(),     DENIED,    QUEUE),
    ("pending 甲",            LOGIN, NOT_FOUND,  NOT_FOUND,       NOT_FOUND, DENIED,    CONTACT),
    ("published 甲",          LOGIN, CONTACT,    NOT_FOUND,       NOT_FOUND, DENIED,    CONTACT),
    ("answered 甲",           LOGIN, CONTACT,    NOT_FOUND,       NOT_FOUND, DENIED,    CONTACT),
    ("blocked 甲",            LOGIN, NOT_FOUND,  NOT_FOUND,       NOT_FOUND, DENIED,    CONTACT),
    ("published 甲 supports", LOGIN, NOT_FOUND,  NOT_FOUND,       NOT_FOUND, DENIED,    CONTACT),
    ("published 乙",          LOGIN, NOT_FOUND,  CONTACT,         NOT_FOUND, DENIED,    CONTACT),
    ("pending 甲 history",    LOGIN, NOT_FOUND,  NOT_FOUND,       NOT_FOUND, NOT_FOUND, VIEW),
    ("published 甲 history",  LOGIN, VIEW,       NOT_FOUND,       NOT_FOUND, NOT_FOUND, VIEW),
    ("blocked 甲 history",    LOGIN, NOT_FOUND,  NOT_FOUND,       NOT_FOUND, NOT_FOUND, VIEW),
    ("published 乙 history",  LOGIN, NOT_FOUND,  VIEW,            NOT_FOUND, NOT_FOUND, VIEW),
    ("answer list",           LOGIN, set(ANSWERS), set(),         DENIED,    DENIED,    ALL),
    ("answer 甲",             LOGIN, VIEW,       NOT_FOUND,       DENIED,    DENIED,    VIEW),
]  # fmt: skip


@pytest.mark.parametrize(("admin_page", "actor", "outcome"), matrix(READS))
def test_each_actor_sees_each_voice_page_as_the_matrix_says(
    client, world, admin_page, actor, outcome
):
    url, shows = pages(world)[admin_page]
    log_in(client, world, actor)
    response = client.get(url)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
        return
    assert response.status_code == 200
    html = response.content.decode()
    if isinstance(shows, dict):  # a list: which rows, and never a name or phone
        visible = set(shows) if outcome == ALL else outcome
        assert {key for key, text in shows.items() if text in html} == visible
        assert contacts_in(html) == set()
        return
    item = getattr(world, shows)
    assert str(item) in html  # "留言 #<id>", in the title or the link to it
    if outcome == CONTACT:
        assert item.text in html
    # Only the page of the item itself, to those who may see it, names its writer.
    assert contacts_in(html) == ({shows} if outcome == CONTACT else set())


def test_a_questions_history_names_nobody_even_after_its_contact_was_purged(client, world):
    """The history keeps each decision and the purge, never the name or phone that were
    there before: a diff of the purge would otherwise show them."""
    world.published_a.purge_contact()
    client.force_login(world.moderator)
    response = client.get(admin("publicinput_history", world.published_a.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "moderator" in html  # the decision is there, with who made it
    assert contacts_in(html) == set()


INDEX = [
    # actor: the voice links on the admin index (lists, and the add-answer page)
    ("reporter_a", {"publicinput_changelist", "answer_changelist", "answer_add"}),
    ("reporter_b", {"publicinput_changelist", "answer_changelist", "answer_add"}),
    ("reviewer", {"publicinput_changelist"}),  # the objections to a 公示
    ("manager", set()),
    ("moderator", {"publicinput_changelist", "answer_changelist"}),
]
INDEX_LINKS = ["publicinput_changelist", "publicinput_add", "answer_changelist", "answer_add"]


@pytest.mark.parametrize(("actor", "links"), INDEX)
def test_admin_index_offers_the_voice_only_to_reporters_and_moderators(client, world, actor, links):
    log_in(client, world, actor)
    html = client.get(reverse("admin:index")).content.decode()
    assert {name for name in INDEX_LINKS if f'href="{admin(name)}"' in html} == links


# List actions posted to the question list, as shown filtered on the item's state (the
# moderator's opens on the pending ones). "ignored": the role has no list action, so
# the admin shows the list and runs nothing.
QUESTION_LIST = reverse("admin:projects_publicinput_changelist")
# Each decision: action, item, extra fields of the action form, the item's state after
# the moderator's POST, and the message the moderator reads.
PUBLISH = ("publish_selected", "pending_a", {}, "published", "已公开 1 条")
MERGE = ("merge_selected", "pending_a", {"into": "published_a"}, "merged", "已合并 1 条")
DECLINE = ("decline_off_topic", "pending_a", {}, "declined", "已不予公开 1 条")
BLOCK = ("block_selected", "published_a", {"note": "辱骂"}, "blocked", "已屏蔽 1 条")
# everyone but the moderator; the reviewer (the supervision office) has the list for the
# objections to a 公示, and its own actions there: a moderator's is not among them.
NOT_OFFERED = "未选择动作"
OTHERS = [LOGIN, IGNORED, IGNORED, NOT_OFFERED, DENIED]
ANSWER_OTHERS = [LOGIN, IGNORED, IGNORED, DENIED, DENIED]  # the answers: no reviewer


def each_actor(decision, before, others=OTHERS):
    """One decision posted by each actor: only the moderator's POST moves the item."""
    *case, state, message = decision
    return [
        *(
            (actor, *case, before, outcome)
            for actor, outcome in zip(ACTORS[:-1], others, strict=True)
        ),
        ("moderator", *case, state, message),
    ]


DECISIONS = [
    *each_actor(PUBLISH, "pending"),
    *each_actor(MERGE, "pending"),
    *each_actor(DECLINE, "pending"),
    *each_actor(BLOCK, "published"),
    # the moderator again: decisions the rules refuse, and a reason that needs a note
    ("moderator", "merge_selected", "pending_a", {}, "pending", "请在“合并到”一栏填写"),
    ("moderator", "merge_selected", "pending_a", {"into": "published_b"}, "pending",
     "只能合并到同一实事（或同一征集）下已公开的同类留言"),
    ("moderator", "merge_selected", "pending_a", {"into": "blocked_a"}, "pending",
     "只能合并到同一实事（或同一征集）下已公开的同类留言"),
    ("moderator", "decline_other", "pending_a", {}, "pending", "请写明处理说明"),
    ("moderator", "decline_other", "pending_a", {"note": "重复提交"}, "declined",
     "已不予公开 1 条"),
    ("moderator", "decline_off_topic", "published_a", {}, "published", "当前为“已公开”"),
    ("moderator", "publish_selected", "blocked_a", {}, "blocked", "当前为“已屏蔽”"),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "action", "name", "fields", "state", "outcome"), DECISIONS)
def test_only_the_moderator_decides_what_the_public_sent(
    client, world, actor, action, name, fields, state, outcome
):
    item = getattr(world, name)
    before = PublicInput.objects.values().get(pk=item.pk)
    data = {"action": action, "_selected_action": [item.pk], "index": "0", "into": "", "note": ""}
    data.update(fields)
    if "into" in fields:
        data["into"] = getattr(world, fields["into"]).pk
    log_in(client, world, actor)
    shown = f"{QUESTION_LIST}?state={before['state']}"
    response = client.post(shown, data)
    item.refresh_from_db()
    assert item.state == state
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    elif outcome == IGNORED:
        assert response.status_code == 200
        assert response.context["action_form"] is None
        assert messages_of(response) == ""
    else:
        assert response.status_code == 302
        assert response["Location"] == shown
        assert outcome in messages_of(response)
    if state == before["state"]:  # refused: not a field of the item moved
        assert PublicInput.objects.values().get(pk=item.pk) == before
    else:
        assert (item.decided_by, item.decision_note) == (world.moderator, fields.get("note", ""))
        if action == "merge_selected":
            assert item.merged_into == world.published_a
        if action.startswith("decline_"):
            assert item.decline_reason == action.removeprefix("decline_")


# The add-answer page, opened from a question's page (?question=<id>), and its POST.
# "stored": a submitted answer of the question's lead department by the actor;
# "refused": the form shown again with the error on the question, nothing stored.
STORED = "stored"
REFUSED = "refused"
ANSWER_ADDS = [
    # actor        question        outcome
    ("anonymous",  "published_a",  LOGIN),
    ("reporter_a", "published_a",  STORED),
    ("reporter_a", "published_s",  REFUSED),  # 甲 supports 社区食堂; its lead answers
    ("reporter_a", "published_b",  REFUSED),
    ("reporter_a", "pending_a",    REFUSED),
    ("reporter_a", "blocked_a",    REFUSED),
    ("reporter_a", "answered_a",   REFUSED),  # one answer per question
    ("reporter_b", "published_a",  REFUSED),
    ("reporter_b", "published_b",  STORED),
    ("reviewer",   "published_a",  DENIED),
    ("manager",    "published_a",  DENIED),
    ("moderator",  "published_a",  DENIED),
]  # fmt: skip
ANSWER_TEXT = "公园每天 22 点关门，节假日延长到 23 点。"


def offered_questions(html):
    """The ids the question picker of the add-answer page offers, and the one chosen."""
    select = re.search(r'<select name="question"[^>]*>(.*?)</select>', html, re.S).group(1)
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}
    chosen = {int(pk) for pk in re.findall(r'<option value="(\d+)" selected>', select)}
    return offered, chosen


@pytest.mark.parametrize(("actor", "name", "outcome"), ANSWER_ADDS)
def test_only_the_lead_departments_reporter_answers_a_published_question(
    client, world, actor, name, outcome
):
    question = getattr(world, name)
    url = admin("answer_add") + f"?question={question.pk}"
    log_in(client, world, actor)

    page = client.get(url)
    if outcome in REFUSALS:
        assert_refused(page, outcome)
    else:
        assert page.status_code == 200
        offered, chosen = offered_questions(page.content.decode())
        expected = {"reporter_a": world.published_a.pk, "reporter_b": world.published_b.pk}
        assert offered == {expected[actor]}  # published, unanswered, led by them
        assert chosen == ({question.pk} if outcome == STORED else set())

    response = client.post(url, {"question": question.pk, "text": ANSWER_TEXT, "_save": "1"})
    stored = Answer.objects.filter(text=ANSWER_TEXT)
    if outcome == STORED:
        assert response.status_code == 302
        answer = stored.get()
        assert answer.question == question
        assert answer.state == Answer.State.SUBMITTED
        assert answer.department == question.project.lead_department
        assert answer.written_by == getattr(world, actor)
        return
    assert not stored.exists()
    if outcome == REFUSED:
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["question"] == ["只能答复本单位牵头的实事下已公开、尚未答复的留言。"]
        assert "只能答复本单位牵头的实事下已公开、尚未答复的留言。" in response.content.decode()
    else:
        assert_refused(response, outcome)


def test_an_answer_is_the_lead_departments_whatever_else_its_writer_belongs_to(world):
    """A reporter of both 乙 and 甲 answers for each project's own lead department."""
    both = make_official("reporter_ab", REPORTER, world.department_b, world.department_a)
    writer = browser(both)
    for question in (world.published_a, world.published_b):
        url = admin("answer_add") + f"?question={question.pk}"
        response = writer.post(url, {"question": question.pk, "text": ANSWER_TEXT})
        assert response.status_code == 302
    answers = Answer.objects.filter(text=ANSWER_TEXT, written_by=both)
    assert {(a.question, a.department) for a in answers} == {
        (world.published_a, world.department_a),
        (world.published_b, world.department_b),
    }


@pytest.mark.parametrize("actor", ["reporter_a", "moderator"])
def test_nobody_rewrites_or_deletes_a_question_through_the_admin(client, world, actor):
    item = world.published_a
    before = PublicInput.objects.values().get(pk=item.pk)
    log_in(client, world, actor)
    change = client.post(
        admin("publicinput_change", item.pk), {"text": "改写过的留言。", "name": "", "phone": ""}
    )
    delete = client.post(admin("publicinput_delete", item.pk), {"post": "yes"})
    assert (change.status_code, delete.status_code) == (403, 403)
    assert PublicInput.objects.values().get(pk=item.pk) == before


# An answer's change page (an editable form, a read-only view, or a refusal) and a POST
# that changes its text ("saved": the new text, sent back to the moderator).
EDITABLE = "editable"
READ_ONLY = "read only"
SAVED = "saved"
ANSWER_EDITS = [
    # actor        answer              page       POST
    ("anonymous",  "submitted_answer", LOGIN,     LOGIN),
    ("reporter_a", "submitted_answer", EDITABLE,  SAVED),
    ("reporter_a", "approved_answer",  READ_ONLY, DENIED),
    ("reporter_b", "submitted_answer", NOT_FOUND, NOT_FOUND),
    ("reviewer",   "submitted_answer", DENIED,    DENIED),
    ("manager",    "submitted_answer", DENIED,    DENIED),
    ("moderator",  "submitted_answer", READ_ONLY, DENIED),
    ("moderator",  "approved_answer",  READ_ONLY, DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "name", "get", "post"), ANSWER_EDITS)
def test_an_answer_is_edited_only_by_its_departments_reporter_before_approval(
    client, world, actor, name, get, post
):
    answer = getattr(world, name)
    before = (answer.text, answer.state)
    url = admin("answer_change", answer.pk)
    log_in(client, world, actor)

    page = client.get(url)
    if get in REFUSALS:
        assert_refused(page, get)
    else:
        assert page.status_code == 200
        html = page.content.decode()
        assert ANSWERS[name] in html
        assert ('<textarea name="text"' in html) == (get == EDITABLE)

    response = client.post(url, {"text": "更正后的答复：明年 3 月建成。", "_continue": "1"})
    answer.refresh_from_db()
    if post == SAVED:
        assert response.status_code == 302
        assert (answer.text, answer.state) == ("更正后的答复：明年 3 月建成。", "submitted")
        return
    assert (answer.text, answer.state) == before
    assert_refused(response, post)


# List actions posted to the answer list. "moderator_a" is a moderator who is also a
# reporter of 甲: the answers they wrote or changed are not theirs to approve (the
# stories below).
ANSWER_LIST = reverse("admin:projects_answer_changelist")
APPROVE = ("approve_selected", "submitted_answer", "", "approved", "已公开 1 条答复")
RETURN = ("return_selected", "submitted_answer", "请写明厕所的位置", "returned", "已退回 1 条答复")
REVIEWS = [
    *each_actor(APPROVE, "submitted", ANSWER_OTHERS),
    *each_actor(RETURN, "submitted", ANSWER_OTHERS),
    # a return needs a note; an approved answer stays as it is; a moderator who is also
    # 甲's reporter approves an answer someone else wrote
    ("moderator", "return_selected", "submitted_answer", "", "submitted", "退回时必须说明原因"),
    ("moderator", "approve_selected", "approved_answer", "", "approved", "当前为“已公开”"),
    ("moderator_a", "approve_selected", "submitted_answer", "", "approved", "已公开 1 条答复"),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "action", "name", "note", "state", "outcome"), REVIEWS)
def test_only_the_moderator_approves_or_returns_an_answer(
    client, world, actor, action, name, note, state, outcome
):
    answer = getattr(world, name)
    log_in(client, world, actor)
    data = {"action": action, "_selected_action": [answer.pk], "index": "0", "note": note}
    response = client.post(ANSWER_LIST, data)
    answer.refresh_from_db()
    assert answer.state == state
    if outcome in REFUSALS:
        assert_refused(response, outcome)
    elif outcome == IGNORED:
        assert response.status_code == 200
        assert response.context["action_form"] is None
        assert messages_of(response) == ""
    else:
        assert response.status_code == 302
        assert response["Location"] == ANSWER_LIST
        assert outcome in messages_of(response)
    if state == "approved" and name == "submitted_answer":
        assert answer.reviewed_by == getattr(world, actor)
        assert answer.approved_at is not None
    if state == "returned":
        assert (answer.reviewed_by, answer.return_note) == (world.moderator, note)


def approve(client, answer):
    data = {"action": "approve_selected", "_selected_action": [answer.pk], "index": "0"}
    response = client.post(ANSWER_LIST, data)
    answer.refresh_from_db()
    return messages_of(response)


def edit(client, answer, text):
    response = client.post(admin("answer_change", answer.pk), {"text": text, "_continue": "1"})
    assert response.status_code == 302
    answer.refresh_from_db()


def test_a_moderator_cannot_approve_an_answer_they_wrote(world):
    writer = browser(world.moderator_a)  # also a reporter of 甲, so they may answer
    url = admin("answer_add") + f"?question={world.published_a.pk}"
    response = writer.post(url, {"question": world.published_a.pk, "text": ANSWER_TEXT})
    assert response.status_code == 302
    answer = Answer.objects.get(text=ANSWER_TEXT)
    assert answer.written_by == world.moderator_a

    assert "不能审核自己经手过的答复" in approve(writer, answer)
    assert (answer.state, answer.reviewed_by) == ("submitted", None)

    assert "已公开 1 条答复" in approve(browser(world.moderator), answer)
    assert (answer.state, answer.reviewed_by) == ("approved", world.moderator)


def test_a_moderator_cannot_approve_an_answer_they_changed(world):
    answer = world.submitted_answer
    moderator_a = browser(world.moderator_a)
    edit(moderator_a, answer, "改过的答复。")
    edit(browser(world.reporter_a), answer, "再改回来的答复。")
    assert answer.written_by == world.reporter_a  # the last hand; the other is in history

    assert "不能审核自己经手过的答复" in approve(moderator_a, answer)
    assert answer.state == "submitted"


def test_the_moderator_who_returned_an_answer_approves_it_once_corrected(world):
    """Returning an answer changes its state, not its text: the moderator did not write
    it, and approves the corrected answer (with one moderator, nobody else could)."""
    answer = world.submitted_answer
    moderator = browser(world.moderator)
    data = {"action": "return_selected", "_selected_action": [answer.pk], "index": "0"}
    moderator.post(ANSWER_LIST, {**data, "note": "请写明厕所的位置"})
    answer.refresh_from_db()
    assert answer.state == "returned"

    edit(browser(world.reporter_a), answer, "厕所建在公园北门，明年建成。")
    assert answer.state == "submitted"

    assert "已公开 1 条答复" in approve(moderator, answer)
    assert (answer.state, answer.reviewed_by) == ("approved", world.moderator)


def test_a_moderator_who_reports_answers_only_for_their_own_department(world):
    url = admin("answer_add") + f"?question={world.published_b.pk}"
    offered = browser(world.moderator_a).get(url).context["adminform"].form
    assert world.published_b not in offered.fields["question"].queryset  # 乙's: not offered
    assert world.published_a in offered.fields["question"].queryset
    response = browser(world.moderator_a).post(
        url, {"question": world.published_b.pk, "text": ANSWER_TEXT}
    )
    assert response.status_code == 200
    assert "只能答复本单位牵头的实事下已公开、尚未答复的留言。" in response.content.decode()
    assert not Answer.objects.filter(text=ANSWER_TEXT).exists()


def test_an_answer_to_a_question_blocked_since_is_not_approved(world):
    world.answered_a.block(world.moderator, note="辱骂")
    assert "留言已不再公开，答复不能公开" in approve(
        browser(world.moderator), world.submitted_answer
    )
    assert world.submitted_answer.state == "submitted"


# The public's side.


def ask_url(project):
    return reverse("projects:ask", args=[project.plan.year, project.number])


@pytest.mark.parametrize("actor", ACTORS)
def test_anyone_may_ask_and_only_the_moderator_then_sees_the_question(client, world, actor):
    log_in(client, world, actor)
    form = client.get(ask_url(world.project_a))
    assert form.status_code == 200
    assert 'name="text"' in form.content.decode()
    text = "口袋公园能不能装几盏路灯？晚上太黑了。"
    response = client.post(
        ask_url(world.project_a),
        {"text": text, "place": "西园街道", "name": "冯晓东", "phone": "13900000009",
         "consent": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    item = PublicInput.objects.get(text=text)
    assert (item.state, item.name, item.phone) == ("pending", "冯晓东", "13900000009")

    client.force_login(world.moderator)
    assert text in client.get(QUESTION_LIST).content.decode()
    page = client.get(admin("publicinput_change", item.pk)).content.decode()
    assert "冯晓东" in page and "13900000009" in page
    client.force_login(world.reporter_a)
    assert text not in client.get(QUESTION_LIST).content.decode()
    assert_refused(client.get(admin("publicinput_change", item.pk)), NOT_FOUND)


def test_the_project_page_shows_published_questions_and_no_writer(client, world):
    html = client.get(world.project_a.get_absolute_url()).content.decode()
    shown = {key for key, (_, text, _, _) in QUESTIONS.items() if text in html}
    assert shown == OWN_A
    assert contacts_in(html) == set()


# A photo sent with a question: before it is public, only for those who may see the
# item (a reporter only once it is published, and it is then public anyway).
FILE = 200
PHOTOS = [
    # actor        pending  published  blocked
    ("anonymous",  404,     FILE,      404),
    ("reporter_a", 404,     FILE,      404),
    ("reporter_b", 404,     FILE,      404),
    ("reviewer",   404,     FILE,      404),
    ("manager",    404,     FILE,      404),
    ("moderator",  FILE,    FILE,      FILE),
]  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "name", "status"),
    [
        pytest.param(actor, name, status, id=f"{name}-{actor}")
        for actor, *statuses in PHOTOS
        for name, status in zip(["pending_a", "published_a", "blocked_a"], statuses, strict=True)
    ],
)
def test_a_photo_is_served_only_to_those_who_may_see_its_question(
    client, world, actor, name, status
):
    item = getattr(world, name)
    log_in(client, world, actor)
    response = client.get(reverse("projects:voice_photo", args=[item.key]))
    assert response.status_code == status
    if status == FILE:
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        public = name == "published_a"
        assert response["Cache-Control"] == (
            "public, max-age=600" if public else "private, no-store"
        )
