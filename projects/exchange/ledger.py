"""The supervision ledger (督查台账): what a supervising office chases up.

Lists for one plan, judged on one day, by the same rules as the public pages
(`pace.py`): targets 逾期未报 by the plan's reporting calendar
(`models.supervision.overdue_targets`), projects behind pace; what the rules that
watch the money and the steps find (`models.money`, each judged by the plan's rule in
force on the day its lapse began): procedure steps late, work accepted and unpaid
(拖欠), spending lagging time, funds short of the budget at 开工; the public's published
questions still without a public answer past the plan's time limit
(`models.voice.overdue_questions`), and projects whose 码上评 this month passes the
plan's 不满意 threshold (`models.sites.dissatisfied_projects`), the objections to a
公示 still waiting for the supervision office (`models.voice.open_objections`), and the
挂牌督办 not yet closed (`models.supervision.open_supervisions`). Beside them, what the
writers said of each department's public answers (这个答复有帮助吗？,
`models.voice.helpfulness`).
"""

from dataclasses import dataclass

from projects.exchange.spreadsheets import plain_number, rounded_percent
from projects.models import (
    Department,
    PlanRule,
    ReportingWindow,
    dissatisfied_projects,
    helpfulness,
    lagging_payments,
    late_steps,
    money_lapses,
    open_objections,
    open_supervisions,
    overdue_questions,
    overdue_targets,
)
from projects.rules import clock


@dataclass
class Ledger:
    plan: object
    day: object
    window: object  # the reporting window of `day` (None before the first reporting day)
    overdue_targets: list
    behind_projects: list
    late_steps: list  # Lapses (models.money), each with `days` late or unpaid
    lagging_payments: list
    spending_lags: list
    funds_short: list
    overdue_questions: list
    dissatisfied_projects: list
    open_objections: list
    open_supervisions: list
    answer_verdicts: list  # (department, helpful, not helpful), departments that answered


def build_ledger(plan, day=None):
    day = day or clock.today()
    steps = sorted(late_steps(plan, day), key=lambda s: (s.thing.due_date, s.project.number))
    for lapse in steps:
        lapse.days = (day - lapse.thing.due_date).days
    payments = lagging_payments(plan, day)
    payments.sort(key=lambda p: (p.thing.accepted_on, p.project.number))
    for lapse in payments:
        lapse.days = (day - lapse.thing.accepted_on).days
    money = sorted(money_lapses(plan, day), key=lambda m: (m.since, m.project.number))
    verdicts = helpfulness(plan, day)
    answered = Department.objects.filter(pk__in=verdicts).order_by("pk")
    return Ledger(
        plan=plan,
        day=day,
        window=ReportingWindow.of(plan, day),
        overdue_targets=overdue_targets(plan, day),
        behind_projects=plan.progress(day).behind,
        late_steps=steps,
        lagging_payments=payments,
        spending_lags=[m for m in money if m.rule == PlanRule.Name.SPENDING_LAG_POINTS],
        funds_short=[m for m in money if m.rule == PlanRule.Name.FUNDS_AT_START_PERCENT],
        overdue_questions=overdue_questions(plan, day),
        dissatisfied_projects=dissatisfied_projects(plan, day),
        open_objections=open_objections(plan, day),
        open_supervisions=open_supervisions(plan, day),
        answer_verdicts=[(d, *verdicts[d.pk]) for d in answered],
    )


def ledger_sheets(ledger):
    """The ledger as spreadsheet sheets: [(title, headers, rows)]. Figures, percents and
    dates as numbers and dates a reviewer can sum and sort; a figure never reported is
    an empty cell, and the status column says why."""
    lead = lambda project: str(project.lead_department or "公告未列明")  # noqa: E731
    return [
        (
            "逾期未报指标",
            [
                "实事",
                "指标",
                "牵头单位",
                "填报截止日",
                "已逾期（天）",
                "当前值",
                "目标值",
                "单位",
                "最近填报截至",
                "状态",
            ],
            [
                [
                    str(t.project),
                    t.name,
                    lead(t.project),
                    t.due,
                    t.days_overdue,
                    plain_number(t.current_value),
                    plain_number(t.target_value),
                    t.unit,
                    t.last_reported_on,
                    t.get_status_display(),
                ]
                for t in ledger.overdue_targets
            ],
        ),
        (
            "进度滞后实事",
            ["实事", "牵头单位", "完成率（%）", "状态", "完成时限"],
            [
                [
                    str(p),
                    lead(p),
                    rounded_percent(p.percent),
                    p.get_status_display(),
                    p.due_date,
                ]
                for p in ledger.behind_projects
            ],
        ),
        (
            "逾期手续节点",
            ["实事", "节点", "手续步骤", "计划日期", "逾期起算", "已过计划日期（天）", "牵头单位"],
            [
                [
                    str(s.project),
                    s.thing.title,
                    s.thing.get_step_display(),
                    s.thing.due_date,
                    s.since,
                    s.days,
                    lead(s.project),
                ]
                for s in ledger.late_steps
            ],
        ),
        (
            "工程款拖欠",
            [
                "实事",
                "合同",
                "合同节点",
                "验收日期",
                "拨付时限（天）",
                "拖欠起算",
                "验收后已过（天）",
                "牵头单位",
            ],
            [
                [
                    str(p.project),
                    p.thing.contract.title,
                    p.thing.node,
                    p.thing.accepted_on,
                    int(p.limit),
                    p.since,
                    p.days,
                    lead(p.project),
                ]
                for p in ledger.lagging_payments
            ],
        ),
        (
            "支出滞后",
            ["实事", "牵头单位", "已拨付占预算（%）", "时间进度（%）", "督查界限（百分点）"],
            [
                [
                    str(m.project),
                    lead(m.project),
                    rounded_percent(m.figures["paid_share"]),
                    rounded_percent(m.figures["time_share"]),
                    plain_number(m.limit),
                ]
                for m in ledger.spending_lags
            ],
        ),
        (
            "开工资金不足",
            [
                "实事",
                "牵头单位",
                "开工日期",
                "开工时资金到位（万元）",
                "预算（万元）",
                "下限（占预算%）",
            ],
            [
                [
                    str(m.project),
                    lead(m.project),
                    m.since,
                    plain_number(m.figures["in_place"]),
                    plain_number(m.figures["budget"]),
                    plain_number(m.limit),
                ]
                for m in ledger.funds_short
            ],
        ),
        (
            "超期未答复留言",
            ["留言编号", "实事", "牵头单位", "收到日期", "答复时限", "已等待（工作日）"],
            [
                [
                    q.pk,
                    str(q.project or "—"),
                    lead(q.project) if q.project else "—",
                    q.received_on,
                    q.due,
                    q.waited,
                ]
                for q in ledger.overdue_questions
            ],
        ),
        (
            "码上评不满意较多",
            ["实事", "牵头单位", "本月评价", "不满意", "不满意占比（%）", "来源网络"],
            [
                [
                    str(p),
                    lead(p),
                    p.tally["total"],
                    p.tally["dissatisfied"],
                    rounded_percent(p.tally["dissatisfied_percent"]),
                    p.tally["networks"],
                ]
                for p in ledger.dissatisfied_projects
            ],
        ),
        (
            "待认定的公示异议",
            ["异议编号", "实事", "牵头单位", "收到日期", "公示截止", "已等待（天）"],
            [
                [
                    o.pk,
                    str(o.project),
                    lead(o.project),
                    o.received_on,
                    o.notice.closes_on if o.notice else None,
                    o.waited,
                ]
                for o in ledger.open_objections
            ],
        ),
        (
            "挂牌督办",
            [
                "编号",
                "事由",
                "实事",
                "责任单位",
                "挂牌日期",
                "整改时限",
                "状态",
                "问题",
                "整改要求",
            ],
            [
                [
                    item.pk,
                    item.get_kind_display(),
                    str(item.project or "—"),
                    str(item.department),
                    item.opened_on,
                    item.deadline,
                    item.get_state_display(),
                    item.problem,
                    item.requirement,
                ]
                for item in ledger.open_supervisions
            ],
        ),
        (
            "答复评价",
            ["答复单位", "有帮助", "没帮助"],
            [[str(d), helpful, unhelpful] for d, helpful, unhelpful in ledger.answer_verdicts],
        ),
    ]
