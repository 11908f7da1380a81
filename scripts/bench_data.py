"""Synthetic history for the benchmark (scripts/bench.py), reproducible from a seed.
Benchmark scaffolding: it lives here, not among the product's commands.

    DATABASE_URL=sqlite:///var/bench/x.sqlite3 python scripts/bench_data.py --plans 20 --days 365
    # ≈ 1.1 million reports; --plans 1 --days 7 ≈ 1,000

Every plan has the same shape, so the newest plan's pages look the same at both sizes
and only the data behind them grows. Reports are approved (one a day per target),
plus one submitted report per target waiting for review and one draft. The newest plan
has --matters practical matters (为群众办实事), each older one --older-matters (so the
register of the plan measured grows without the whole table growing with every plan),
nine in ten approved; every plan also has NEEDLES approved matters whose title holds
NEEDLE, a word no other generated text contains, so that a search for it finds the same
few rows at any size and measures the search, not the register. Each project has its
money and procedure steps, growing with the days like its reports (`make_money`): a
payment every few days, so ≈ 100,000 payments in the large world and a handful in the
small. Written with bulk_create, so the history tables (django-simple-history) stay
empty: the benchmark measures the pages, not the audit trail. Refuses a database that
has plans already.

The city (issue 38): --counties counties and districts under 驻马店市, the home one (驿
城区, whose plans are the ones above) among them, and --townships townships spread over
them, each but the home one with a plan of the newest year of --level-projects
projects of one target each, reported daily like the rest: the city's page of its
levels shows them all.
"""

import argparse
import os
import random
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from projects.models import (  # noqa: E402
    Budget,
    Category,
    Contract,
    Department,
    Funding,
    Jurisdiction,
    Matter,
    MatterCount,
    Milestone,
    MoneyTotal,
    Payment,
    Plan,
    PlanRule,
    ProgressReport,
    Project,
    StepReport,
    Target,
    money_figures,
)
from projects.rules import clock  # noqa: E402

BATCH = 5000
# The word the bench's searched register page looks for: in these titles and nowhere
# else (the places say 东风街道, never 东风路口).
NEEDLE = "东风路口"
NEEDLES = 20
# Payments of a project in a year of daily reports: 20 plans × 50 projects × 100 ≈ 100 k.
PAYMENTS_A_YEAR = 100
# Each project's contracts: (kind, method, share of the budget, its payments' name).
CONTRACTS = [
    (Contract.Kind.CONSTRUCTION, Contract.Method.OPEN_TENDER, Decimal("0.80"), "进度款"),
    (Contract.Kind.SUPERVISION, Contract.Method.OPEN_TENDER, Decimal("0.02"), "监理费"),
    (Contract.Kind.DESIGN, Contract.Method.CONSULTATION, Decimal("0.03"), "设计费"),
    (Contract.Kind.PURCHASE, Contract.Method.INQUIRY, Decimal("0.05"), "货款"),
]
# Which contract each payment is on, in turn: seven of ten on the works.
TURNS = [0, 0, 0, 1, 0, 0, 2, 0, 0, 3]
# The procedure steps, each planned at this share of the year.
STEPS = [
    (Milestone.Step.APPROVAL, 0.02),
    (Milestone.Step.SITE, 0.06),
    (Milestone.Step.TENDER, 0.12),
    (Milestone.Step.PERMIT, 0.17),
    (Milestone.Step.START, 0.2),
    (Milestone.Step.FINISH, 0.9),
    (Milestone.Step.ACCEPTANCE, 0.97),
]
MONEY_RULES = [
    PlanRule.Name.STEP_GRACE_DAYS,
    PlanRule.Name.PAYMENT_DAYS,
    PlanRule.Name.SPENDING_LAG_POINTS,
    PlanRule.Name.FUNDS_AT_START_PERCENT,
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--targets", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--matters", type=int, default=1000, help="in the newest plan")
    parser.add_argument("--older-matters", type=int, default=1000, help="in each older plan")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--townships", type=int, default=190)
    parser.add_argument("--level-projects", type=int, default=3)
    args = parser.parse_args()
    matters = (args.matters, args.older_matters)
    generate(args.plans, args.projects, args.targets, args.days, matters, args.seed)
    make_levels(args.counties, args.townships, args.level_projects, args.days, args.seed)


def generate(plans, projects, targets, days, matters, seed):
    """`matters`: (in the newest plan, in each older one)."""
    if Plan.objects.exists():
        sys.exit("this database has plans already: bench data goes into an empty one")
    # Reproducible synthetic data, no secret: a seeded generator is what is wanted.
    rng = random.Random(seed)  # noqa: S311
    User = get_user_model()
    reporter = User.objects.create(username="bench-reporter", is_staff=True)
    reviewer = User.objects.create(username="bench-reviewer", is_staff=True)
    departments = Department.objects.bulk_create(
        Department(name=f"基准单位{n:02d}") for n in range(1, 31)
    )
    total = 0
    # The newest plan ends today, so its pages judge pace mid-way, as in real use.
    last_year = clock.today().year
    for offset in range(plans):
        year = last_year - plans + 1 + offset
        with transaction.atomic():
            total += make_plan(year, projects, targets, days, departments, rng, reporter, reviewer)
            plan = Plan.objects.of_year(year).get()
            count = matters[0] if year == last_year else matters[1]
            make_matters(plan, count, departments, rng, reporter, reviewer)
            paid = make_money(plan, days, rng, reporter, reviewer)
        print(
            f"{year}: {total} reports, {count} + {NEEDLES} practical matters, {paid} payments",
            file=sys.stderr,
        )
    print(f"{total} reports in all (with those waiting for review and drafts)", file=sys.stderr)


def make_levels(counties, townships, projects, days, seed):
    """The city's levels beside the home one, each with a plan of the newest year."""
    rng = random.Random(seed + 1)  # noqa: S311
    reporter, reviewer = (get_user_model().objects.get(username=f"bench-{who}") for who in WHO)
    city, home = Jurisdiction.objects.known("411700"), Jurisdiction.objects.home()
    made = []
    for n in range(1, counties):
        county = Jurisdiction(
            code=f"4117{80 + n:02d}", name=f"基准县{n:02d}", slug=f"bench-county-{n}",
            level=Jurisdiction.Level.COUNTY, parent=city,
        )  # fmt: skip
        county.save()  # its path from its parent's
        made.append(county)
    above = [home, *made]
    for n in range(townships):
        county = above[n % len(above)]
        township = Jurisdiction(
            code=f"{county.code}{n + 1:03d}", name=f"{county.name}基准镇{n + 1:03d}",
            slug=f"bench-town-{n + 1}", level=Jurisdiction.Level.TOWNSHIP, parent=county,
        )  # fmt: skip
        township.save()
        made.append(township)
    year, total = clock.today().year, 0
    for jurisdiction in made:
        department = Department.objects.create(
            name=f"{jurisdiction.name}住建局", jurisdiction=jurisdiction
        )
        with transaction.atomic():
            total += make_plan(
                year, projects, 1, days, [department], rng, reporter, reviewer, jurisdiction
            )
    print(f"{len(made)} levels below the city: {total} reports", file=sys.stderr)


WHO = ("reporter", "reviewer")


def make_plan(year, projects, targets, days, departments, rng, reporter, reviewer, where=None):
    start = date(year, 1, 1)
    plan = Plan.objects.create(
        jurisdiction=where or Jurisdiction.objects.home(),
        year=year,
        title=f"{year}年{where.name if where else ''}基准民生实事",
        period_start=start,
        period_end=date(year, 12, 31),
    )
    project_objects = Project.objects.bulk_create(
        Project(
            plan=plan,
            number=n,
            title=f"基准实事{n}",
            pledge_text=f"完成基准实事{n}。",
            lead_department=rng.choice(departments),
            due_date=plan.period_end,
        )
        for n in range(1, projects + 1)
    )
    target_objects = Target.objects.bulk_create(
        Target(
            project=project,
            order=order,
            name=f"指标{project.number}-{order}",
            unit=rng.choice(["个", "套", "户", "公里"]),
            target_value=Decimal(rng.randrange(100, 10000)),
        )
        for project in project_objects
        for order in range(1, targets + 1)
    )
    today = clock.today()
    reports = []
    count = 0
    for target in target_objects:
        pace = float(target.target_value) / 365 * rng.uniform(0.3, 1.4)
        value = 0.0
        for day in range(days):
            as_of = start + timedelta(days=day)
            if as_of > today:
                break
            value += pace * rng.uniform(0.5, 1.5)
            stamp = timezone.make_aware(datetime.combine(as_of, time(10)))
            reports.append(
                ProgressReport(
                    target=target,
                    value=Decimal(f"{value:.2f}"),
                    as_of=as_of,
                    state=ProgressReport.State.APPROVED,
                    created_by=reporter,
                    created_at=stamp,
                    submitted_by=reporter,
                    submitted_at=stamp,
                    reviewed_by=reviewer,
                    reviewed_at=stamp + timedelta(hours=4),
                )
            )
        pending = min(start + timedelta(days=days), today)
        for state in (ProgressReport.State.SUBMITTED, ProgressReport.State.DRAFT):
            stamp = timezone.make_aware(datetime.combine(pending, time(9)))
            reports.append(
                ProgressReport(
                    target=target,
                    value=Decimal(f"{value * 1.02:.2f}"),
                    as_of=pending,
                    state=state,
                    created_by=reporter,
                    created_at=stamp,
                    submitted_by=reporter if state == ProgressReport.State.SUBMITTED else None,
                    submitted_at=stamp if state == ProgressReport.State.SUBMITTED else None,
                )
            )
        if len(reports) >= BATCH:
            count += len(ProgressReport.objects.bulk_create(reports, batch_size=BATCH))
            reports = []
    count += len(ProgressReport.objects.bulk_create(reports, batch_size=BATCH))
    Target.objects.filter(project__plan=plan).refresh_latest()  # bulk_create skips save()
    return count


def make_matters(plan, count, departments, rng, reporter, reviewer):
    """`count` matters, then NEEDLES approved ones about NEEDLE."""
    last = min(plan.period_end, clock.today())
    span = (last - plan.period_start).days + 1
    places = ["顺河街道", "东风街道", "西园街道", "新华街道", "南海街道", "雪松街道"]
    matters = []
    for n in range(1, count + NEEDLES + 1):
        done_on = plan.period_start + timedelta(days=rng.randrange(span))
        needle = n > count
        approved = needle or rng.random() < 0.9
        stamp = timezone.make_aware(datetime.combine(done_on, time(16)))
        matters.append(
            Matter(
                plan=plan,
                department=rng.choice(departments),
                done_on=done_on,
                title=f"{NEEDLE}护学岗{n - count}"
                if needle
                else f"为群众办实事{n}：{rng.choice(places)}社区服务",
                category=rng.choice(Category.values),
                place=rng.choice(places),
                beneficiaries=rng.choice([None, rng.randrange(1, 5000)]),
                description="基准数据。",
                state=Matter.State.APPROVED if approved else Matter.State.SUBMITTED,
                created_by=reporter,
                created_at=stamp,
                reviewed_by=reviewer if approved else None,
                reviewed_at=stamp + timedelta(hours=4) if approved else None,
            )
        )
    Matter.objects.bulk_create(matters, batch_size=BATCH)
    MatterCount.rebuild(plan)  # bulk_create skips Matter.save, which keeps the counts


def approved(reporter, reviewer, day):
    """The review fields of an entry approved a few hours after it was entered on `day`."""
    stamp = timezone.make_aware(datetime.combine(day, time(10)))
    return {
        "state": Budget.State.APPROVED,
        "created_by": reporter,
        "created_at": stamp,
        "reviewed_by": reviewer,
        "reviewed_at": stamp + timedelta(hours=4),
    }


def make_money(plan, days, rng, reporter, reviewer):
    """Each project's money and steps, growing with the days like its reports: an
    approved budget (district, provincial and bonds), funds in place each month, four
    contracts, a payment every 365 / PAYMENTS_A_YEAR days in turn across them (at least
    two), one node accepted and not yet paid and one payment waiting for review; the
    procedure steps, those planned by then done (approved step reports); MoneyTotal as
    the approvals write it. The money rules are in force from the plan's start, so the
    watch judges the whole year. Returns the number of payments."""
    start = plan.period_start
    last = min(start + timedelta(days=days - 1), clock.today())
    span = (last - start).days + 1
    PlanRule.objects.filter(plan=plan, name__in=MONEY_RULES).update(valid_from=start)
    projects = list(plan.projects.order_by("number"))
    budgets, funds, contracts = [], [], []
    for project in projects:
        total = Decimal(rng.randrange(50, 6000))
        district = (total * Decimal("0.6")).quantize(Decimal(1))
        provincial = (total * Decimal("0.2")).quantize(Decimal(1))
        bonds = total - district - provincial
        budgets.append(
            Budget(
                project=project,
                total=total,
                district=district,
                provincial=provincial,
                bonds=bonds,
                as_of=start,
                **approved(reporter, reviewer, start),
            )
        )
        for month in range(12):
            as_of = min(date(plan.year, month + 1, 28), plan.period_end)
            if as_of > last and month:
                break
            as_of = min(as_of, last)
            for source, amount in (("district", district), ("bonds", bonds)):
                funds.append(
                    Funding(
                        project=project,
                        source=source,
                        amount=(amount * (month + 1) / 12).quantize(Decimal("0.01")),
                        as_of=as_of,
                        **approved(reporter, reviewer, as_of),
                    )
                )
        for kind, method, share, _node in CONTRACTS:
            contracts.append(
                Contract(
                    project=project,
                    kind=kind,
                    method=method,
                    contractor=f"基准承包单位{rng.randrange(1, 200):03d}",
                    title=f"基准实事{project.number}{Contract.Kind(kind).label}合同",
                    amount=(total * share).quantize(Decimal("0.01")),
                    signed_on=start,
                    **approved(reporter, reviewer, start),
                )
            )
    Budget.objects.bulk_create(budgets, batch_size=BATCH)
    Funding.objects.bulk_create(funds, batch_size=BATCH)
    contracts = Contract.objects.bulk_create(contracts, batch_size=BATCH)
    count = max(2, days * PAYMENTS_A_YEAR // 365)
    turns = [TURNS[k % len(TURNS)] for k in range(count)]
    payments = []
    for n in range(0, len(contracts), len(CONTRACTS)):
        theirs = contracts[n : n + len(CONTRACTS)]
        for k, turn in enumerate(turns):
            contract, paid_on = theirs[turn], start + timedelta(days=k * span // count)
            payments.append(
                Payment(
                    project_id=contract.project_id,
                    contract=contract,
                    node=f"{CONTRACTS[turn][3]}第{k + 1}期",
                    accepted_on=paid_on,
                    amount=(contract.amount * Decimal("0.9") / turns.count(turn)).quantize(
                        Decimal("0.01")
                    ),
                    paid_on=paid_on,
                    **approved(reporter, reviewer, paid_on),
                )
            )
        works = theirs[0]
        payments.append(  # accepted, not yet paid
            Payment(
                project_id=works.project_id,
                contract=works,
                node="竣工验收",
                accepted_on=last,
                **approved(reporter, reviewer, last),
            )
        )
        payments.append(  # paid, waiting for review
            Payment(
                project_id=works.project_id,
                contract=works,
                node="竣工验收",
                accepted_on=last,
                amount=(works.amount * Decimal("0.05")).quantize(Decimal("0.01")),
                paid_on=last,
                created_by=reporter,
                created_at=timezone.make_aware(datetime.combine(last, time(9))),
            )
        )
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    steps = Milestone.objects.bulk_create(
        Milestone(
            project=project,
            step=step,
            title=f"完成{Milestone.Step(step).label}",
            due_date=start + timedelta(days=int(share * 364)),
        )
        for project in projects
        for step, share in STEPS
    )
    done = [step for step in steps if step.due_date <= last]
    StepReport.objects.bulk_create(
        StepReport(
            project_id=step.project_id,
            milestone=step,
            done_on=step.due_date,
            **approved(reporter, reviewer, step.due_date),
        )
        for step in done
    )
    for step in done:
        step.done_on = step.due_date
    Milestone.objects.bulk_update(done, ["done_on"], batch_size=BATCH)
    figures = money_figures([p.pk for p in projects])
    MoneyTotal.objects.bulk_create(
        MoneyTotal(
            project_id=pk,
            budget=money.budget,
            in_place=money.in_place,
            contracted=money.contracted,
            paid=money.paid,
        )
        for pk, money in figures.items()
    )
    return len(payments)


if __name__ == "__main__":
    main()
