"""Load a year's pledge list from projects/plans/<year>.toml.

The file seeds a plan once; from then on the admin is where it is kept. So a second
run (every `make run` does one) changes nothing, and never undoes what officials
corrected in the admin.
"""

import tomllib
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.models import Department, Measure, Milestone, Plan, Project, Target

PLANS_DIR = Path(__file__).resolve().parents[2] / "plans"


class Command(BaseCommand):
    help = "载入某一年度的民生实事清单（projects/plans/<年度>.toml）；已载入的年度不作更改。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year, **options):
        path = PLANS_DIR / f"{year}.toml"
        if not path.exists():
            raise CommandError(f"找不到 {path}。")
        if Plan.objects.of_year(year).exists():
            self.stdout.write(f"{year}年计划已存在，未作更改。")
            return
        with path.open("rb") as f:
            data = tomllib.load(f)
        with transaction.atomic():
            plan = load(data)
        self.stdout.write(
            f"已载入{plan}：{plan.projects.count()} 件实事，"
            f"{Target.objects.filter(project__plan=plan).count()} 项指标。"
        )


def load(data):
    spec = data["plan"]
    source_text = ""
    if spec.get("source_file"):
        source_text = (PLANS_DIR / spec["source_file"]).read_text(encoding="utf-8")
    plan = Plan.objects.create(
        year=spec["year"],
        title=spec["title"],
        period_start=spec["period_start"],
        period_end=spec["period_end"],
        announced_on=spec.get("announced_on"),
        source_name=spec.get("source_name", ""),
        source_url=spec.get("source_url", ""),
        source_text=source_text,
        matters_claim=spec.get("matters_claim", ""),
    )
    for item in data["projects"]:
        lead = item.get("lead_department")
        project = Project.objects.create(
            plan=plan,
            number=item["number"],
            title=item["title"],
            pledge_text=item["pledge_text"],
            lead_department=Department.objects.get_or_create(name=lead)[0] if lead else None,
        )
        project.supporting_departments.set(
            Department.objects.get_or_create(name=name)[0]
            for name in item.get("supporting_departments", [])
        )
        Measure.objects.bulk_create(
            Measure(project=project, order=order, text=text)
            for order, text in enumerate(item.get("measures", []), start=1)
        )
        Milestone.objects.bulk_create(
            Milestone(
                project=project,
                step=m.get("step", Milestone.Step.OTHER),
                title=m["title"],
                due_date=m["due_date"],
            )
            for m in item.get("milestones", [])
        )
        for order, target in enumerate(item["targets"], start=1):
            Target.objects.create(
                project=project,
                order=order,
                name=target["name"],
                unit=target["unit"],
                target_value=Decimal(target["value"]),
                kind=target.get("kind", Target.Kind.QUANTITY),
                is_construction=target.get("construction", False),
            )
    return plan
