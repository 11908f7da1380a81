"""Synthetic history for the benchmark (scripts/bench.py), reproducible from a seed.
Benchmark scaffolding: it lives here, not among the product's commands.

    DATABASE_URL=sqlite:///var/bench/x.sqlite3 python scripts/bench_data.py --plans 20 --days 365
    # ≈ 1.1 million reports; --plans 1 --days 7 ≈ 1,000

Every plan has the same shape, so the newest plan's pages look the same at both sizes
and only the data behind them grows. Reports are approved (one a day per target),
plus one submitted report per target waiting for review and one draft. Each plan also
has --matters practical matters (为群众办实事), nine in ten approved. Written with
bulk_create, so the history tables (django-simple-history) stay empty: the benchmark
measures the pages, not the audit trail. Refuses a database that has plans already.
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
    Category,
    Department,
    Matter,
    Plan,
    ProgressReport,
    Project,
    Target,
)
from projects.rules import clock  # noqa: E402

BATCH = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--targets", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--matters", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    generate(args.plans, args.projects, args.targets, args.days, args.matters, args.seed)


def generate(plans, projects, targets, days, matters, seed):
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
            plan = Plan.objects.get(year=year)
            make_matters(plan, matters, departments, rng, reporter, reviewer)
        print(f"{year}: {total} reports, {matters} practical matters", file=sys.stderr)
    print(f"{total} reports in all (with those waiting for review and drafts)", file=sys.stderr)


def make_plan(year, projects, targets, days, departments, rng, reporter, reviewer):
    start = date(year, 1, 1)
    plan = Plan.objects.create(
        year=year,
        title=f"{year}年基准民生实事",
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
    last = min(plan.period_end, clock.today())
    span = (last - plan.period_start).days + 1
    places = ["顺河街道", "东风街道", "西园街道", "新华街道", "南海街道", "雪松街道"]
    matters = []
    for n in range(1, count + 1):
        done_on = plan.period_start + timedelta(days=rng.randrange(span))
        approved = rng.random() < 0.9
        stamp = timezone.make_aware(datetime.combine(done_on, time(16)))
        matters.append(
            Matter(
                plan=plan,
                department=rng.choice(departments),
                done_on=done_on,
                title=f"为群众办实事{n}：{rng.choice(places)}社区服务",
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


if __name__ == "__main__":
    main()
