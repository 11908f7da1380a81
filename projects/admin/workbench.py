"""The admin home as a workbench: what each signed-in official must do now, in the
years being delivered (`Plan.objects.being_delivered`). Each item is a count, how long
its oldest has waited (or its nearest deadline), and a link straight to the action;
a role sees only the items it may act on (its permissions, as every admin page checks
them), so an official with two roles sees both sections."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    Answer,
    Plan,
    ProgressReport,
    PublicInput,
    ReportingWindow,
    Supervision,
    overdue_targets,
)
from projects.rules import clock


@dataclass
class Item:
    label: str
    count: int
    url: str
    since: date | None = None  # when the oldest began to wait
    due: date | None = None  # the nearest deadline
    note: str = ""

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


def reporter_section(user, plans, today):
    """填报员: figures due, returned, waiting; 督办 on their departments; questions."""
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
    waiting = ProgressReport.objects.filter(
        submitted_by=user, state=ProgressReport.State.SUBMITTED
    ).aggregate(n=Count("pk"), since=Min("submitted_at"))
    supervisions = (
        Supervision.objects.visible_to(user)
        .open()
        .filter(plan__in=plans)
        .aggregate(n=Count("pk"), due=Min("deadline"))
    )
    questions = (
        PublicInput.objects.filter(
            plan__in=plans,
            state=PublicInput.State.PUBLISHED,
            kind__in=PublicInput.ANSWERED_KINDS,
            project__lead_department__in=departments,
        )
        .exclude(answer__state__in=[Answer.State.SUBMITTED, Answer.State.APPROVED])
        .aggregate(n=Count("pk"), since=Min("received_at"))
    )
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
                questions["n"],
                reverse("admin:projects_answer_add"),
                since=day_of(questions["since"]),
            ),
        ],
    )


def reviewer_section(user, plans, today):
    """审核员: the review queue, objections to decide, 督办 past deadline, the ledger."""
    queue = ProgressReport.objects.filter(
        state=ProgressReport.State.SUBMITTED, target__project__plan__in=plans
    )
    queue = queue.aggregate(n=Count("pk"), since=Min("submitted_at"))
    objections = PublicInput.objects.filter(**PublicInput.UNDECIDED_OBJECTION).aggregate(
        n=Count("pk"), since=Min("received_at")
    )
    late = (
        Supervision.objects.open()
        .filter(plan__in=plans, deadline__lt=today)
        .aggregate(n=Count("pk"), due=Min("deadline"))
    )
    items = [
        Item("待审核的填报", queue["n"], changelist("submittedreport"), day_of(queue["since"])),
        Item(
            "待认定的公示异议",
            objections["n"],
            changelist("publicinput", kind__exact="objection", state="published"),
            day_of(objections["since"]),
        ),
        Item(
            "超过期限未办结的督办",
            late["n"],
            changelist("supervision"),
            due=late["due"],
            note="最早的期限",
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
    return plans, sections
