"""What the public pages show of a pledge's money: the money section and the procedure
steps of a project page, and the plan's totals on its dashboard (the sign is in
views/money.py). Only approved entries of published plans reach them (`public()`,
`current()`, `MoneyTotal`, `money_figures`); what nobody approved is None, which the
pages write 未填报, never 0."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import (
    Budget,
    Contract,
    MoneyDocument,
    MoneyFigures,
    MoneyTotal,
    Payment,
    money_figures,
    time_share,
    wan,
)
from projects.rules import clock
from projects.rules.formatting import percent

# The four figures of a project's money, in the order the page and the chart show them.
FIGURES = (
    ("budget", gettext_lazy("计划总投资")),
    ("in_place", gettext_lazy("资金到位")),
    ("contracted", gettext_lazy("合同金额")),
    ("paid", gettext_lazy("已拨付")),
)


def hundredths(value):
    return None if value is None else round(float(value), 2)


@dataclass
class ProjectMoney:
    """What a project page shows of a project's money on a day."""

    figures: MoneyFigures
    budget: Budget | None
    contracts: list
    documents: list = field(default_factory=list)  # of the budget and the funds
    step_documents: dict = field(default_factory=dict)  # {("step", milestone id): [...]}
    time_percent: float | None = None

    @property
    def reported(self):
        """Whether any money figure is approved: else the section says 未填报 once."""
        money = self.figures
        return any(v is not None for v in (money.budget, money.in_place, money.contracted))

    def chart(self, progress):
        """The chart's data: the four amounts in 万元 and, as markers on the same axis,
        the project's 完成率 and time gone (each a share of the budget), with the
        texts the page writes (the script formats nothing itself)."""
        money = self.figures
        markers = []
        if money.budget:
            for label, value in ((_("完成率"), progress), (_("时间进度"), self.time_percent)):
                if value is not None:
                    markers.append(
                        {
                            "label": label,
                            "value": hundredths(float(money.budget) * value / 100),
                            "text": percent(value),
                        }
                    )
        return {
            "bars": [
                {
                    "label": str(label),
                    "value": hundredths(getattr(money, name)),
                    "text": wan(getattr(money, name)) or _("未填报"),
                }
                for name, label in FIGURES
            ],
            "markers": markers,
            "unit": _("万元"),
        }


def project_money(project, day=None):
    """The money of a published `project` on `day` (None: today, from its MoneyTotal
    row, which the project's query brought with it), its contracts with their nodes,
    and the public documents behind them. Four queries today (the budget, contracts,
    their nodes, the documents); four more on a past day (`money_figures`)."""
    budget = Budget.current_for(project, day)
    if day is None:
        total = getattr(project, "money_total", None)
        figures = MoneyFigures()
        if total is not None:
            figures = MoneyFigures(
                budget=total.budget,
                in_place=total.in_place,
                contracted=total.contracted,
                paid=total.paid,
            )
        figures.sources = budget.sources if budget else []
    else:
        figures = money_figures([project.pk], day)[project.pk]
    contracts = Contract.objects.current().public().filter(project=project)
    nodes = Payment.objects.current().public().filter(project=project)
    if day is not None:
        contracts = contracts.filter(signed_on__lte=day)
        nodes = nodes.filter(Q(accepted_on__lte=day) | Q(paid_on__lte=day))
    contracts = list(
        contracts.order_by("signed_on", "pk").prefetch_related(
            Prefetch("payments", queryset=nodes.order_by("pk"), to_attr="nodes")
        )
    )
    documents = defaultdict(list)
    for document in (
        MoneyDocument.objects.public()
        .filter(
            Q(budget__project=project)
            | Q(funding__project=project)
            | Q(contract__project=project)
            | Q(payment__project=project)
            | Q(step_report__project=project)
        )
        .annotate(milestone=F("step_report__milestone"), funds_as_of=F("funding__as_of"))
        .distinct()
    ):
        documents[link_of(document)].append(document)
    for contract in contracts:
        contract.documents_shown = documents[("contract", contract.pk)]
        for node in contract.nodes:
            # on a past day, a node paid later stood accepted and unpaid
            node.shown_paid = node.paid_on is not None and (day is None or node.paid_on <= day)
            node.documents_shown = documents[("payment", node.pk)]
    kept = [
        d
        for d in documents[("budget", budget.pk if budget else None)] + documents[("funding", None)]
        if d.funds_as_of is None or day is None or d.funds_as_of <= day
    ]
    return ProjectMoney(
        figures=figures,
        budget=budget,
        contracts=contracts,
        documents=kept,
        step_documents=documents,
        time_percent=time_share(project, day or clock.today()),
    )


def link_of(document):
    """Where a document is shown: beside its contract, node or step, or (budget and
    funds) in the section's list; all funds' documents share one key."""
    if document.funding_id:
        return ("funding", None)
    for link in ("budget", "contract", "payment"):
        if getattr(document, f"{link}_id"):
            return (link, getattr(document, f"{link}_id"))
    return ("step", document.milestone)


def procedure_steps(project, day, documents, late_steps):
    """The project's procedure steps (prefetched) as the page shows them on `day`: the
    actual date approved by then, 已逾期 where `late_steps` (the lapses of the
    project's watch that day) says so, and each step's public documents. No query."""
    late = {lapse.thing.pk for lapse in late_steps}
    steps = list(project.milestones.all())
    for step in steps:
        step.shown_done = step.done_on if step.done_on and step.done_on <= day else None
        step.late = step.pk in late
        step.documents_shown = documents.get(("step", step.pk), []) if step.shown_done else []
    return steps


def plan_totals(plan, day=None):
    """The plan's money on `day`: each figure summed over the projects that have one
    (None where none has), and how many projects have an approved budget; today from
    the MoneyTotal rows, one query."""
    if day is None:
        sums = MoneyTotal.objects.filter(project__plan=plan).aggregate(
            budgeted=Count("budget"),
            **{f"sum_{name}": Sum(name) for name, _label in FIGURES},
        )
        figures = MoneyFigures(**{name: sums[f"sum_{name}"] for name, _label in FIGURES})
        return {"figures": figures, "budgeted": sums["budgeted"]}
    figures = money_figures(list(plan.projects.values_list("pk", flat=True)), day).values()
    sums = {}
    for name, _label in FIGURES:
        amounts = [getattr(f, name) for f in figures if getattr(f, name) is not None]
        sums[name] = sum(amounts) if amounts else None
    budgeted = sum(1 for f in figures if f.budget is not None)
    return {"figures": MoneyFigures(**sums), "budgeted": budgeted}
