"""What is due to whom, as alerts written once (`send_alerts`, and the tasks).

Each rule makes `Due` items; `record` writes each as an `Alert` under its key (unique:
once per thing and period) with a `Delivery` for every recipient, in one transaction.
The rules, for published plans in 实施, judged on one day:

- report_soon / report_today: the plan's next reporting day is in 3 days / today; to
  each department with targets still without a report for it (key: department, day);
- report_missed: the last reporting day passed with targets still 逾期未报; to the
  department and the supervision office (key: department, reporting day);
- review_waiting: a report submitted more than the plan's `review_days` ago and not
  reviewed; to the office (key: report, submission time);
- supervision_soon / supervision_today / supervision_missed: a 督办 not yet answered,
  its deadline in 3 days / today / passed; to the department (and the office when
  passed) (key: 督办, deadline);
- status_worse: a target judged 推进缓慢 or worse, and worse than at the last run
  (`StatusMark`); to its lead department (key: target, status, day);
- question_overdue: a published question, 代表意见 or 码上提 without a public answer
  past the plan's limit; to the lead department and the office (key: item);
- objection_waiting: an objection still undecided after its 公示 closed; to the office
  (key: item);
- step_late / payment_lagging / money_lagging: what the money rules find on the day
  (`models.money.money_watch`): a procedure step late under the plan's grace, work
  accepted and unpaid past the plan's payment days (拖欠), spending lagging time or
  funds short at 开工; to the lead department and the office (key: the thing and the
  day its lapse began; spending lag, which is judged afresh each day, once a month);
- digest: on ALERT_DIGEST_WEEKDAY, to each department leading a pledge (or with a 督办)
  its open items, none included, and to the office the totals (key: recipient, ISO week);
- also_office alerts and the digest's office copy go to the channels without a
  department; an alert to followers goes to them alone (`recipients`);
- follow_status: a followed project's status changed since the last run; to its
  confirmed followers (key: project, status, day).
Set off by a request (`projects/alerts/tasks.py`): received (a new public item to moderate; to
the office), follow_confirm, follow_figure (a followed project's new approved figure).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    Alert,
    Channel,
    Delivery,
    Department,
    Follow,
    Jurisdiction,
    Plan,
    PlanRule,
    ProgressReport,
    Project,
    ReportingWindow,
    StatusMark,
    Supervision,
    Target,
    end_of,
    money_watch,
    open_objections,
    overdue_questions,
    overdue_targets,
    unreported_targets,
)
from projects.rules import clock, pace
from projects.rules.formatting import figure
from projects.web.addresses import answering_for

OFFICE = None  # the department of an alert to the supervision office
FOLLOWERS_ONLY = {
    Alert.Rule.FOLLOW_CONFIRM,
    Alert.Rule.FOLLOW_FIGURE,
    Alert.Rule.FOLLOW_STATUS,
    Alert.Rule.FOLLOW_ANSWER,
}
SOON_DAYS = 3


@dataclass
class Due:
    key: str
    rule: str
    plan: object
    department: object  # a Department, or OFFICE
    subject: str
    body: str
    link: str = ""
    also_office: bool = False
    follows: list = field(default_factory=list)
    then: object = None  # a callable run in the transaction that records the alert


def recipients(due):
    """The active channels `due` goes to: its department's, and the office's when it is
    for the office or `also_office`. An alert to the public's follows goes to them alone:
    a follower's mail is nobody's business in a department's group."""
    if due.rule in FOLLOWERS_ONLY:
        return Channel.objects.none()
    owners = {getattr(due.department, "pk", None)}
    if due.also_office:
        owners.add(None)
    channels = Channel.objects.filter(active=True)
    return channels.filter(department__in=[o for o in owners if o]) | (
        offices_of(due.plan, channels) if None in owners else channels.none()
    )


def offices_of(plan, channels):
    """The office's channels of `plan`'s jurisdiction: each level's supervision office
    hears of its own plans alone (a channel without a jurisdiction is the home one's)."""
    code = plan.jurisdiction.code if plan and plan.jurisdiction else settings.HOME_JURISDICTION
    offices = channels.filter(department__isnull=True)
    if code == settings.HOME_JURISDICTION:
        return offices.filter(Q(jurisdiction__code=code) | Q(jurisdiction__isnull=True))
    return offices.filter(jurisdiction__code=code)


def record(due, day):
    """Write `due` as an alert with its deliveries, unless its key is written already;
    the new alert, or None."""
    try:
        with transaction.atomic():
            if due.then:
                due.then()
            if Alert.objects.filter(key=due.key).exists():
                return None
            alert = Alert.objects.create(
                key=due.key,
                rule=due.rule,
                plan=due.plan,
                department=due.department,
                day=day,
                subject=due.subject[:200],
                body=due.body,
                link=due.link,
            )
            Delivery.objects.bulk_create(
                [Delivery(alert=alert, channel=c) for c in recipients(due)]
                + [Delivery(alert=alert, follow=f) for f in due.follows]
            )
            return alert
    except IntegrityError:  # another run wrote the same key at the same moment
        return None


def by_department(targets):
    groups = {}
    for target in targets:
        groups.setdefault(target.project.lead_department, []).append(target)
    return groups


def target_lines(targets):
    return "\n".join(f"- {t.project.number}. {t.project.title}：{t.name}" for t in targets)


def department_link(plan):
    return reverse("projects:departments", args=[plan.year])


def reporting_rules(plan, day):
    upcoming = ReportingWindow.upcoming(plan, day)
    if upcoming and (upcoming.due - day).days in (SOON_DAYS, 0):
        today = upcoming.due == day
        rule = Alert.Rule.REPORT_TODAY if today else Alert.Rule.REPORT_SOON
        when = "今天" if today else f"{SOON_DAYS} 天后（{upcoming.due:%Y-%m-%d}）"
        waiting = unreported_targets(plan, upcoming.opens, day)
        for department, targets in by_department(waiting).items():
            yield Due(
                key=f"{rule}:{plan.pk}:{getattr(department, 'pk', 0)}:{upcoming.due}",
                rule=rule,
                plan=plan,
                department=department,
                subject=f"【填报提醒】{plan.year}年民生实事{when}截止填报，"
                f"尚有 {len(targets)} 项未报",
                body=f"{department or '未列明牵头单位的实事'}：以下指标自 "
                f"{upcoming.opens:%Y-%m-%d} 以来还没有提交填报，截止日 {upcoming.due:%Y-%m-%d}：\n"
                + target_lines(targets),
                link=reverse("admin:projects_progressreport_add"),
            )
    for department, targets in by_department(overdue_targets(plan, day)).items():
        due = targets[0].due
        yield Due(
            key=f"{Alert.Rule.REPORT_MISSED}:{plan.pk}:{getattr(department, 'pk', 0)}:{due}",
            rule=Alert.Rule.REPORT_MISSED,
            plan=plan,
            department=department,
            also_office=True,
            subject=f"【逾期未报】{department or '未列明牵头单位'}有 {len(targets)} 项指标"
            f"未在 {due:%Y-%m-%d} 前填报",
            body=f"截止 {due:%Y-%m-%d}，以下指标没有提交填报（已逾期 {(day - due).days} 天），"
            "已列入督查台账：\n" + target_lines(targets),
            link=department_link(plan),
        )


def review_rules(plan, day):
    limit = plan.dated_rule(PlanRule.Name.REVIEW_DAYS)(day)
    if limit is None:
        return
    waiting = (
        ProgressReport.objects.waiting()
        .filter(
            target__project__plan=plan,
            # submitted before `limit` whole days had gone by on `day`
            submitted_at__lt=end_of(day - timedelta(days=int(limit) + 1)),
        )
        .select_related("target__project")
        .order_by("submitted_at", "pk")
    )
    for report in waiting:
        submitted = timezone.localdate(report.submitted_at)
        project = report.target.project
        yield Due(
            key=f"{Alert.Rule.REVIEW_WAITING}:{report.pk}:{report.submitted_at.isoformat()}",
            rule=Alert.Rule.REVIEW_WAITING,
            plan=plan,
            department=OFFICE,
            subject=f"【待审核】{project.title}的填报已等待 {(day - submitted).days} 天",
            body=f"{project.number}. {project.title}：{report.target.name}"
            f"，{figure(report.value)}{report.target.unit}（截至 {report.as_of:%Y-%m-%d}），"
            f"{submitted:%Y-%m-%d} 提交，超过审核提醒界限 {int(limit)} 天。",
            link=reverse("admin:projects_submittedreport_changelist"),
        )


def supervision_rules(plan, day):
    waiting = Supervision.objects.filter(plan=plan, state=Supervision.State.OPEN)
    for item in waiting.select_related("department"):
        left = (item.deadline - day).days
        if left == SOON_DAYS:
            rule, when = Alert.Rule.SUPERVISION_SOON, f"{SOON_DAYS} 天后到期"
        elif left == 0:
            rule, when = Alert.Rule.SUPERVISION_TODAY, "今天到期"
        elif left < 0:
            rule, when = Alert.Rule.SUPERVISION_MISSED, f"已逾期 {-left} 天未反馈"
        else:
            continue
        yield Due(
            key=f"{rule}:{item.pk}:{item.deadline}",
            rule=rule,
            plan=plan,
            department=item.department,
            also_office=left < 0,
            subject=f"【挂牌督办】督办 #{item.pk}（{item.department}）{when}",
            body=f"问题：{item.problem}\n整改要求：{item.requirement}\n"
            f"整改时限：{item.deadline:%Y-%m-%d}",
            link=reverse("admin:projects_supervision_change", args=[item.pk]),
        )


def last_marks(plan, day):
    """{(project id, target id or None): status} as marked before `day` (one query)."""
    marks = StatusMark.objects.filter(project__plan=plan, day__lt=day).order_by("day", "pk")
    return {(m.project_id, m.target_id): m.status for m in marks}


def mark(project_id, target_id, day, status):
    StatusMark.objects.update_or_create(
        project_id=project_id, target_id=target_id, day=day, defaults={"status": status}
    )


def status_rules(plan, day):
    """Mark each target's and project's status on `day`; a target gone behind and worse
    than before alerts its department, a project's new status its followers. A mark
    that comes with an alert is written with it, so a run killed between the two
    cannot have marked a change whose alert was never recorded."""
    before = last_marks(plan, day)
    as_of = None if day == clock.today() else day
    targets = Target.objects.filter(project__plan=plan).with_progress(as_of)
    for target in targets.select_related("project__lead_department"):
        was = before.get((target.project_id, target.pk))
        if was == target.status:
            continue
        marked = partial(mark, target.project_id, target.pk, day, target.status)
        if (
            was is None
            or target.status not in pace.BEHIND
            or pace.SEVERITY.index(target.status) >= pace.SEVERITY.index(was)
        ):
            marked()
            continue
        label = pace.Status(target.status).label
        yield Due(
            key=f"{Alert.Rule.STATUS_WORSE}:{target.pk}:{target.status}:{day}",
            rule=Alert.Rule.STATUS_WORSE,
            plan=plan,
            department=target.project.lead_department,
            subject=f"【进度预警】{target.project.title}：{target.name}转为“{label}”",
            body=f"{target.project.number}. {target.project.title}：{target.name}由“"
            f"{pace.Status(was).label}”转为“{label}”（{day:%Y-%m-%d}）。"
            "请在下次填报中写明滞后原因和下一步措施。",
            link=target.get_absolute_url(),
            then=marked,
        )
    for project in plan.progress(as_of).projects:
        was = before.get((project.pk, None))
        if was == project.status:
            continue
        marked = partial(mark, project.pk, None, day, project.status)
        follows = [] if was is None else list(project.follows.news())
        if not follows:
            marked()
            continue
        yield follow_status_due(project, was, day, follows, then=marked)


def follow_status_due(project, was, day, follows, then=None):
    label = pace.Status(project.status).label
    return Due(
        key=f"{Alert.Rule.FOLLOW_STATUS}:{project.pk}:{project.status}:{day}",
        rule=Alert.Rule.FOLLOW_STATUS,
        plan=project.plan,
        department=project.lead_department,
        subject=f"您关注的“{project.title}”现为“{label}”",
        body=f"{project.plan.year}年民生实事 {project.number}. {project.title}"
        f"由“{pace.Status(was).label}”变为“{label}”（{day:%Y-%m-%d}）。",
        link=project.get_absolute_url(),
        follows=follows,
        then=then,
    )


def question_rules(plan, day):
    for item in overdue_questions(plan, day):
        department = item.project.lead_department if item.project else OFFICE
        yield Due(
            key=f"{Alert.Rule.QUESTION_OVERDUE}:{item.pk}",
            rule=Alert.Rule.QUESTION_OVERDUE,
            plan=plan,
            department=department,
            also_office=True,
            subject=f"【超期未答复】{item.get_kind_display()} #{item.pk} 已过答复时限",
            body=f"{item.get_kind_display()} #{item.pk}（{item.project or '未指明实事'}）"
            f"{item.received_on:%Y-%m-%d} 收到，答复时限 {item.due:%Y-%m-%d}，"
            f"至今未公开答复（已等待 {item.waited} 个工作日）。",
            link=reverse("admin:projects_publicinput_change", args=[item.pk]),
        )
    for item in open_objections(plan, day):
        if item.notice is None or item.notice.closes_on >= day:
            continue
        yield Due(
            key=f"{Alert.Rule.OBJECTION_WAITING}:{item.pk}",
            rule=Alert.Rule.OBJECTION_WAITING,
            plan=plan,
            department=OFFICE,
            subject=f"【公示异议】异议 #{item.pk} 在公示截止后仍待认定",
            body=f"{item.project}的完成公示 {item.notice.closes_on:%Y-%m-%d} 截止，"
            f"异议 #{item.pk}（{item.received_on:%Y-%m-%d} 收到）尚未认定，项目仍为“公示中”。",
            link=reverse("admin:projects_publicinput_change", args=[item.pk]),
        )


MONEY_ALERTS = {
    PlanRule.Name.STEP_GRACE_DAYS: (Alert.Rule.STEP_LATE, "手续节点逾期"),
    PlanRule.Name.PAYMENT_DAYS: (Alert.Rule.PAYMENT_LAGGING, "工程款拖欠"),
    PlanRule.Name.SPENDING_LAG_POINTS: (Alert.Rule.MONEY_LAGGING, "支出滞后"),
    PlanRule.Name.FUNDS_AT_START_PERCENT: (Alert.Rule.MONEY_LAGGING, "开工资金不足"),
}


def lapse_key(lapse, day):
    """Once per thing and the day its lapse began. Spending lag has no such day (the
    shares move daily): once a month per project."""
    if lapse.rule == PlanRule.Name.SPENDING_LAG_POINTS:
        return f"{lapse.rule}:{lapse.project.pk}:{day:%Y-%m}"
    return f"{lapse.rule}:{type(lapse.thing).__name__.lower()}:{lapse.thing.pk}:{lapse.since}"


def lapse_link(lapse):
    name = type(lapse.thing).__name__.lower()
    return reverse(f"admin:projects_{name}_change", args=[lapse.thing.pk])


def money_rules(plan, day):
    for lapse in money_watch(plan, day):
        rule, title = MONEY_ALERTS[lapse.rule]
        project = lapse.project
        daily = lapse.rule == PlanRule.Name.SPENDING_LAG_POINTS  # judged afresh each day
        began = "" if daily else f"（自 {lapse.since:%Y-%m-%d} 起）"
        yield Due(
            key=f"{rule}:{lapse_key(lapse, day)}",
            rule=rule,
            plan=plan,
            department=project.lead_department,
            also_office=True,
            subject=f"【{title}】{project.number}. {project.title}",
            body=f"{project.number}. {project.title}：{lapse.said}{began}，已列入督查台账。",
            link=lapse_link(lapse),
        )


def digest_rules(plan, day, settings_weekday):
    if day.isoweekday() != settings_weekday:
        return
    year, week, _ = day.isocalendar()
    overdue = by_department(overdue_targets(plan, day))
    behind = by_department(
        t
        for t in Target.objects.filter(project__plan=plan)
        .with_progress(None if day == clock.today() else day)
        .select_related("project__lead_department")
        if t.status in pace.BEHIND
    )
    questions = {}
    for item in overdue_questions(plan, day):
        questions.setdefault(item.project.lead_department if item.project else None, []).append(
            item
        )
    open_items = {}
    for item in Supervision.objects.filter(plan=plan).open().select_related("department"):
        open_items.setdefault(item.department, []).append(item)
    counted = [
        ("逾期未报指标", overdue, "项"),
        ("进度滞后指标", behind, "项"),
        ("超期未答复留言", questions, "条"),
        ("未销号的挂牌督办", open_items, "件"),
    ]

    def body(count):
        return "\n".join(f"{name}：{count(found)} {unit}" for name, found, unit in counted)

    # Every department leading a pledge hears weekly, with nothing open too: a silent
    # week would look the same as a broken channel.
    departments = {d for d in (*overdue, *behind, *questions, *open_items) if d is not None}
    departments.update(Department.objects.filter(led_projects__plan=plan))
    for department in sorted(departments, key=lambda d: d.name):
        yield Due(
            key=f"{Alert.Rule.DIGEST}:{plan.pk}:{department.pk}:{year}-W{week:02d}",
            rule=Alert.Rule.DIGEST,
            plan=plan,
            department=department,
            subject=f"【每周汇总】{department}：{plan.year}年民生实事待办（{day:%Y-%m-%d}）",
            body=body(lambda found: len(found.get(department, []))),  # noqa: B023 - used at once
            link=department_link(plan),
        )
    yield Due(
        key=f"{Alert.Rule.DIGEST}:{plan.pk}:office:{year}-W{week:02d}",
        rule=Alert.Rule.DIGEST,
        plan=plan,
        department=OFFICE,
        subject=f"【每周汇总】{plan.year}年民生实事全区待办（{day:%Y-%m-%d}）",
        body=body(lambda found: sum(map(len, found.values()))),
        link=reverse("admin:projects_ledger"),
    )


def due_alerts(day, weekday):
    """Every rule's due items for `day`, plan by plan, of every jurisdiction: each
    served in turn, as its officials' admin serves it (its plans, its rows), its public
    links at its own addresses."""
    codes = Jurisdiction.objects.filter(plans__isnull=False).values_list("code", flat=True)
    for code in sorted(set(codes)):
        with answering_for(code):
            for plan in Plan.objects.being_delivered():
                yield from reporting_rules(plan, day)
                yield from review_rules(plan, day)
                yield from supervision_rules(plan, day)
                yield from status_rules(plan, day)
                yield from question_rules(plan, day)
                yield from money_rules(plan, day)
                yield from digest_rules(plan, day, weekday)


# Set off by a request, run by the task worker (projects/alerts/tasks.py).


def received_due(item):
    return Due(
        key=f"{Alert.Rule.RECEIVED}:{item.pk}",
        rule=Alert.Rule.RECEIVED,
        plan=item.plan,
        department=OFFICE,
        subject=f"【待审核】收到{item.get_kind_display()} #{item.pk}",
        body=f"{item.plan.year}年{f'，{item.project}' if item.project else ''}："
        f"{item.get_kind_display()} #{item.pk} 于 "
        f"{timezone.localtime(item.received_at):%Y-%m-%d %H:%M} 收到，等待审核后公开。",
        link=reverse("admin:projects_publicinput_change", args=[item.pk]),
    )


def follow_confirm_due(follow, now):
    project = follow.project
    if follow.item_id:  # a writer waiting for an answer (their item's tracking page)
        return Due(
            key=f"{Alert.Rule.FOLLOW_CONFIRM}:{follow.pk}:{timezone.localtime(now):%Y%m%d%H}",
            rule=Alert.Rule.FOLLOW_CONFIRM,
            plan=project.plan,
            department=project.lead_department,
            subject=f"请确认接收留言（受理编号 {follow.item.code}）的答复通知",
            body=f"有人在{project.plan.year}年民生实事“{project.title}”的一条留言的查询页上"
            "填写了本邮箱，希望答复公开时收到通知。请打开下面的链接确认：",
            follows=[follow],
        )
    return Due(
        key=f"{Alert.Rule.FOLLOW_CONFIRM}:{follow.pk}:{timezone.localtime(now):%Y%m%d%H}",
        rule=Alert.Rule.FOLLOW_CONFIRM,
        plan=project.plan,
        department=project.lead_department,
        subject=f"请确认关注“{project.title}”的进度",
        body=f"有人用本邮箱订阅了{project.plan.year}年民生实事“{project.title}”的进度通知。"
        "请打开下面的链接确认订阅：",
        follows=[follow],
    )


def follow_figure_due(report):
    project = report.target.project
    follows = list(Follow.objects.news().filter(project=project))
    if not follows:
        return None
    target = report.target
    project = Project.objects.with_progress().get(pk=project.pk)
    return Due(
        key=f"{Alert.Rule.FOLLOW_FIGURE}:{report.pk}",
        rule=Alert.Rule.FOLLOW_FIGURE,
        plan=project.plan,
        department=project.lead_department,
        subject=f"您关注的“{project.title}”有新进度",
        body=f"{target.name}：{figure(report.value)}{target.unit}"
        f"（目标 {figure(target.target_value)}{target.unit}，截至 {report.as_of:%Y-%m-%d}）。\n"
        f"实事当前状态：{pace.Status(project.status).label}。",
        link=project.get_absolute_url(),
        follows=follows,
    )


def follow_answer_due(answer):
    """The writer who asked on the tracking page hears that the answer is public (the
    mail carries the tracking link: `sending.email_message`); once per answer."""
    item = answer.question
    follows = list(item.follows.filter(confirmed_at__isnull=False))
    if not follows:
        return None
    return Due(
        key=f"{Alert.Rule.FOLLOW_ANSWER}:{answer.pk}",
        rule=Alert.Rule.FOLLOW_ANSWER,
        plan=item.plan,
        department=answer.department,
        subject=f"您的{item.get_kind_display()}（受理编号 {item.code}）已有公开答复",
        body=f"{answer.department}对您{item.received_on:%Y年%m月%d日}提交的"
        f"{item.get_kind_display()}（受理编号 {item.code}）的答复已经公开。",
        follows=follows,
    )
