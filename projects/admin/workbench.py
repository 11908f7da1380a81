"""The admin home as a workbench: what each signed-in official must do now, in the
years being delivered (`Plan.objects.being_delivered`). Each item is a count, how long
its oldest has waited (or its nearest deadline), and a link straight to the action;
a role sees only the items it may act on (its permissions, as every admin page checks
them), so an official with two roles sees both sections."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, CharField, Count, Min, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    Answer,
    Budget,
    Candidate,
    Channel,
    Contract,
    Delivery,
    Funding,
    Payment,
    Plan,
    PlanRule,
    ProgressReport,
    Project,
    PublicInput,
    ReportingWindow,
    ReviewedEntry,
    StepReport,
    Supervision,
    money_watch,
    overdue_targets,
)
from projects.rules import clock, workdays


@dataclass
class Item:
    label: str
    count: int
    url: str
    since: date | None = None  # when the oldest began to wait
    due: date | None = None  # the nearest deadline
    note: str = ""  # what `due` is; or, with no count, the state of things

    @property
    def waited(self):
        """Days the oldest has waited, or None."""
        return None if self.since is None else (clock.today() - self.since).days


@dataclass
class Section:
    title: str
    items: list


def day_of(moment):
    if moment is None:
        return None
    return timezone.localdate(moment) if isinstance(moment, datetime) else moment


def changelist(name, **query):
    url = reverse(f"admin:projects_{name}_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


MONEY_ENTRIES = (Budget, Funding, Contract, Payment, StepReport)


def money_entries(state, plans, user=None):
    """[(kind, pk, since)] of the money and step entries in `state` in `plans` (those of
    `user`'s projects, if given), oldest first, in one query: kind is the model's name,
    or "estimate" for a 候选估算 budget draft; since, when it last came back or in."""
    parts = []
    for model in MONEY_ENTRIES:
        kind = Value(model._meta.model_name, output_field=CharField())
        if model is Budget:
            kind = Case(When(estimate=True, then=Value("estimate")), default=kind)
        rows = model.objects.visible_to(user) if user else model.objects.all()
        rows = rows.filter(state=state, project__plan__in=plans).order_by()
        rows = rows.annotate(entry=kind, since=Coalesce("reviewed_at", "created_at"))
        parts.append(rows.values_list("entry", "pk", "since"))
    found = parts[0].union(*parts[1:], all=True)
    return sorted(found, key=lambda row: (row[2], row[0], row[1]))


def entries_item(label, rows, state, empty_kind):
    """An item of `rows` (from `money_entries`): one opens its page, several the list
    of the oldest's kind in `state`."""
    kinds = ["budget" if kind == "estimate" else kind for kind, _pk, _since in rows]
    if len(rows) == 1:
        url = reverse(f"admin:projects_{kinds[0]}_change", args=[rows[0][1]])
    else:
        url = changelist(kinds[0] if rows else empty_kind, state__exact=state)
    return Item(label, len(rows), url, since=day_of(rows[0][2]) if rows else None)


def lapses_of(departments, plans, today):
    """What the rules that watch the money and the steps find today in the projects
    led by `departments` (`models.money.money_watch`)."""
    return [
        lapse
        for plan in plans
        for lapse in money_watch(plan, today)
        if lapse.project.lead_department_id in departments
    ]


def lapse_item(label, lapses, url_of, many):
    url = url_of(lapses[0]) if len(lapses) == 1 else changelist(many)
    return Item(label, len(lapses), url, since=min((x.since for x in lapses), default=None))


def reporter_section(user, plans, today):
    """填报员: figures due, returned, waiting; 督办 on their departments; questions;
    their projects' late steps and money lapses, and money entries returned to them
    (a 候选估算 budget draft among them, to confirm)."""
    departments = set(user.departments.values_list("pk", flat=True))
    due = [
        target
        for plan in plans
        for target in overdue_targets(plan, today)
        if target.project.lead_department_id in departments
    ]
    windows = [w for plan in plans if (w := ReportingWindow.upcoming(plan, today))]
    mine = ProgressReport.objects.filter(created_by=user, target__project__plan__in=plans)
    returned = mine.filter(state=ProgressReport.State.RETURNED).aggregate(
        n=Count("pk"), since=Min("reviewed_at")
    )
    waiting = (
        ProgressReport.objects.waiting()
        .filter(submitted_by=user)
        .aggregate(n=Count("pk"), since=Min("submitted_at"))
    )
    supervisions = (
        Supervision.objects.visible_to(user)
        .open()
        .filter(plan__in=plans)
        .aggregate(n=Count("pk"), due=Min("deadline"))
    )
    questions = list(
        PublicInput.objects.filter(
            plan__in=plans,
            state=PublicInput.State.PUBLISHED,
            kind__in=PublicInput.ANSWERED_KINDS,
            project__lead_department__in=departments,
        )
        .exclude(answer__state__in=[Answer.State.SUBMITTED, Answer.State.APPROVED])
        .values("plan")
        .annotate(n=Count("pk"), since=Min("received_at"), one=Min("pk"))
    )
    by_plan = {plan.pk: plan for plan in plans}
    # The oldest of each plan's is due first, by the plan's rule on the day it came.
    dues = [
        PublicInput(plan=by_plan[row["plan"]], received_at=row["since"]).answer_due()
        for row in questions
    ]
    answer_due = min(dues, default=None)
    add = reverse("admin:projects_progressreport_add")
    return Section(
        "填报",
        [
            Item(
                "逾期未报的指标",
                len(due),
                f"{add}?target={due[0].pk}" if len(due) == 1 else changelist("target"),
                since=min((t.due for t in due), default=None),
                due=min((w.due for w in windows), default=None),
                note="下一个填报截止日",
            ),
            Item(
                "被退回待修改的填报",
                returned["n"],
                changelist("progressreport", state__exact="returned"),
                since=day_of(returned["since"]),
            ),
            Item(
                "我提交、等待审核的填报",
                waiting["n"],
                changelist("progressreport", state__exact="submitted"),
                since=day_of(waiting["since"]),
            ),
            Item(
                "本单位未办结的挂牌督办",
                supervisions["n"],
                changelist("supervision"),
                due=supervisions["due"],
                note="最近的办结期限",
            ),
            Item(
                "待答复的群众留言",
                sum(row["n"] for row in questions),
                reverse("admin:projects_answer_add")
                + (f"?question={questions[0]['one']}" if answering_one(questions) else ""),
                since=day_of(min((row["since"] for row in questions), default=None)),
                due=answer_due,
                note=working_days_left(answer_due, today),
            ),
            *money_items(user, departments, plans, today),
        ],
    )


def money_items(user, departments, plans, today):
    """A reporter's late steps, 拖欠, money lapses and money entries returned."""
    lapses = lapses_of(departments, plans, today)
    of = lambda *rules: [x for x in lapses if x.rule in rules]  # noqa: E731
    returned = money_entries(ReviewedEntry.State.RETURNED, plans, user)
    step_add = reverse("admin:projects_stepreport_add")
    return [
        lapse_item(
            "逾期的手续节点",
            of(PlanRule.Name.STEP_GRACE_DAYS),
            lambda x: f"{step_add}?milestone={x.thing.pk}",
            "milestone",
        ),
        lapse_item(
            "验收后拖欠的工程款",
            of(PlanRule.Name.PAYMENT_DAYS),
            lambda x: reverse("admin:projects_payment_change", args=[x.thing.pk]),
            "payment",
        ),
        lapse_item(
            "支出滞后或开工资金不足",
            of(PlanRule.Name.SPENDING_LAG_POINTS, PlanRule.Name.FUNDS_AT_START_PERCENT),
            lambda x: changelist("funding"),
            "funding",
        ),
        entries_item(
            "被退回的资金与手续填报",
            [row for row in returned if row[0] != "estimate"],
            ReviewedEntry.State.RETURNED,
            "payment",
        ),
        entries_item(
            "待核实的候选估算（预算草稿）",
            [row for row in returned if row[0] == "estimate"],
            ReviewedEntry.State.RETURNED,
            "budget",
        ),
    ]


def answering_one(questions):
    return len(questions) == 1 and questions[0]["n"] == 1


def working_days_left(due, today):
    """How the answer deadline `due` reads on `today`."""
    if due is None:
        return ""
    if due < today:
        return f"已超过答复时限 {workdays.between(due, today)} 个工作日，时限"
    return f"还剩 {workdays.between(today, due)} 个工作日，答复时限"


def reviewer_section(user, plans, today):
    """审核员: the review queue, objections to decide, 督办 past deadline, the ledger."""
    queue = ProgressReport.objects.waiting().filter(target__project__plan__in=plans)
    queue = queue.aggregate(n=Count("pk"), since=Min("submitted_at"))
    objections = PublicInput.objects.filter(**PublicInput.UNDECIDED_OBJECTION).aggregate(
        n=Count("pk"), since=Min("received_at"), one=Min("pk")
    )
    late = (
        Supervision.objects.open()
        .filter(plan__in=plans, deadline__lt=today)
        .aggregate(n=Count("pk"), due=Min("deadline"))
    )
    waiting = money_entries(ReviewedEntry.State.SUBMITTED, plans)
    items = [
        Item("待审核的填报", queue["n"], changelist("submittedreport"), day_of(queue["since"])),
        entries_item(
            "待审核的资金填报",
            [row for row in waiting if row[0] != "stepreport"],
            ReviewedEntry.State.SUBMITTED,
            "payment",
        ),
        entries_item(
            "待审核的手续节点填报",
            [row for row in waiting if row[0] == "stepreport"],
            ReviewedEntry.State.SUBMITTED,
            "stepreport",
        ),
        Item(
            "待认定的公示异议",
            objections["n"],
            reverse("admin:projects_objection_decide", args=[objections["one"]])
            if objections["n"] == 1
            else changelist("publicinput", kind__exact="objection", state="published"),
            day_of(objections["since"]),
        ),
        Item(
            "超过期限未办结的督办",
            late["n"],
            changelist("supervision"),
            due=late["due"],
            note="最早的期限",
        ),
        Item(
            "督查台账",
            None,
            reverse("admin:projects_ledger"),
            note="逾期未报、进度滞后、逾期手续节点、工程款拖欠、支出滞后、超时未答复",
        ),
    ]
    return Section("审核", items)


def moderator_section(user, plans, today):
    """留言审核员: the moderation queue and the answers waiting for approval."""
    pending = PublicInput.objects.filter(state=PublicInput.State.PENDING).aggregate(
        n=Count("pk"), since=Min("received_at")
    )
    answers = Answer.objects.filter(state=Answer.State.SUBMITTED).aggregate(
        n=Count("pk"), since=Min("written_at")
    )
    return Section(
        "留言审核",
        [
            Item(
                "待审核的群众来信",
                pending["n"],
                changelist("publicinput"),
                day_of(pending["since"]),
            ),
            Item(
                "待批准公开的答复",
                answers["n"],
                changelist("answer", state__exact="submitted"),
                day_of(answers["since"]),
            ),
        ],
    )


def administrator_section(user, plans, today):
    """管理员: each plan not archived, its stage and what moves it on; the next year's
    plan when it is not yet made; alerts given up and channels failing."""
    items = []
    open_plans = list(
        Plan.objects.taking_input()
        .annotate(
            candidate_count=Count(
                "candidates", filter=Q(candidates__state=Candidate.State.CANDIDATE)
            )
        )
        .order_by("year")
    )
    for plan in open_plans:
        url = reverse("admin:projects_plan_change", args=[plan.pk])
        label = f"{plan.year}年计划 · {plan.get_stage_display()}"
        items.append(Item(label, None, url, due=next_due(plan), note=next_step(plan, today)))
    if not any(plan.year > today.year for plan in open_plans):
        items.append(
            Item(
                f"{today.year + 1}年计划尚未建立",
                None,
                reverse("admin:projects_plan_add"),
                note="新建计划，填写征集起止日期，开启群众推荐征集",
            )
        )
    failed = Delivery.objects.filter(state=Delivery.State.FAILED).aggregate(
        n=Count("pk"), since=Min("alert__created_at")
    )
    failing = (
        Channel.objects.filter(active=True, deliveries__state=Delivery.State.FAILED)
        .distinct()
        .count()
    )
    items += [
        Item(
            "发送失败、已停止重试的提醒",
            failed["n"],
            changelist("delivery", state__exact="failed"),
            day_of(failed["since"]),
        ),
        Item("有发送失败的启用渠道", failing, changelist("channel", active__exact=1)),
    ]
    return Section("计划与提醒", items)


def next_due(plan):
    return plan.call_closes if plan.stage == Plan.Stage.CALL else None


def next_step(plan, today):
    """What moves `plan` on from its stage, and who takes that step."""
    if not plan.is_published:
        return "尚未公开：核对规则后勾选“公开”"
    Stage = Plan.Stage
    if plan.stage == Stage.CALL:
        if plan.call_opens and today < plan.call_opens:
            return f"征集将于 {plan.call_opens:%Y-%m-%d} 开始"
        if plan.call_is_open(today):
            return "征集进行中，截止"
        return "征集已截止：整理推荐后进入遴选，列出候选项目"
    if plan.stage == Stage.SHORTLIST:
        return f"已列候选项目 {plan.candidate_count} 个：公开征求意见后进入票决"
    if plan.stage == Stage.VOTE:
        return "待人大工作人员记录并公布票决结果，当选项目即成为年度民生实事"
    if plan.stage == Stage.DELIVERY and plan.period_end < today:
        return f"周期已于 {plan.period_end:%Y-%m-%d} 结束：进入测评，由人大工作人员录入测评结果"
    if plan.stage == Stage.DELIVERY:
        return "实施中：各单位按期填报，年度结束后进入测评"
    return "测评中：人大工作人员录入测评结果后归档"


def congress_section(user, plans, today):
    """人大工作人员: what the plans' stages ask of them now (a ballot, ratings), and why
    the forms are empty when no plan is at that stage."""
    voting = Candidate.objects.filter(
        plan__in=Plan.objects.open_to(Plan.Stage.VOTE), state=Candidate.State.CANDIDATE
    ).aggregate(n=Count("pk"), plans=Count("plan", distinct=True))
    unrated = Project.objects.filter(
        plan__in=Plan.objects.open_to(Plan.Stage.RATING), rating__isnull=True
    ).aggregate(n=Count("pk"), plans=Count("plan", distinct=True))
    return Section(
        "票决与测评",
        [
            Item(
                "待票决的候选项目",
                voting["n"],
                reverse("admin:projects_ballot_add"),
                note="" if voting["plans"] else "目前没有处于票决阶段的计划，票决表无候选项目可选",
            ),
            Item(
                "待录入测评结果的实事",
                unrated["n"],
                reverse("admin:projects_rating_add"),
                note="" if unrated["plans"] else "目前没有处于测评阶段的计划，测评表无实事可选",
            ),
        ],
    )


def deputy_section(user, plans, today):
    """人大代表: their own opinions and the answers, on “我的代表意见”."""
    mine = PublicInput.objects.filter(kind=PublicInput.Kind.DEPUTY, deputy=user)
    # Sent or published, with no public answer yet.
    waiting = Q(state__in=[PublicInput.State.PENDING, PublicInput.State.PUBLISHED]) & ~Q(
        answer__state=Answer.State.APPROVED
    )
    found = mine.aggregate(
        n=Count("pk"), waiting=Count("pk", filter=waiting), since=Min("received_at", filter=waiting)
    )
    url = reverse("admin:projects_my_opinions")
    return Section(
        "代表意见",
        [
            Item("我提出的代表意见", found["n"], url),
            Item(
                "尚未答复的代表意见",
                found["waiting"],
                url,
                day_of(found["since"]),
            ),
        ],
    )


def workbench(user, today=None):
    """The sections `user` may act on, for the plans being delivered."""
    today = today or clock.today()
    plans = list(Plan.objects.being_delivered().order_by("year"))
    sections = []
    if user.has_perm("projects.add_progressreport"):
        sections.append(reporter_section(user, plans, today))
    if user.has_perm("projects.review_progressreport"):
        sections.append(reviewer_section(user, plans, today))
    if user.has_perm("projects.moderate_publicinput"):
        sections.append(moderator_section(user, plans, today))
    if user.has_perm("projects.change_plan"):
        sections.append(administrator_section(user, plans, today))
    if user.has_perm("projects.add_ballot") or user.has_perm("projects.add_rating"):
        sections.append(congress_section(user, plans, today))
    if user.has_perm("projects.send_deputy_opinion"):
        sections.append(deputy_section(user, plans, today))
    return plans, sections
