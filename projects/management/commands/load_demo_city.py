"""make demo's city (issue 38): 驻马店市 with 驿城区 (make demo's plans, the real 2021
one among them) and two invented levels beside it, 演示甲区 with two 街道 and 演示乙县
with a 镇, so that the city's page (/411700/) shows its levels side by side and each
level's pages work at its own address (/411781/ …).

Everything invented says so: the jurisdictions are named 演示…, their codes (4117 81,
4117 82) are of no real county of Zhumadian, every plan is titled （演示） and flagged
`demo_data` (every page then says 演示数据). Each level has a plan of 2021 and of this
year, its pledges on different paces, quarter-end figures entered by the level's own
demo reporter (任职 there, a member of each lead department) and approved by its own
demo reviewer, the same path as real figures; on this year's plan of each 区 and 县 one
more figure waits for review, which no public page may show. 驻马店市 has a demo
reviewer to whom 演示甲区 is delegated. With --accounts (make demo) each may sign in,
with a password printed once, as load_demo's.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from projects.management.commands import load_demo
from projects.models import Assignment, Department, Jurisdiction, Plan, Project, Target
from projects.rules import clock, roles

# (code, name, English name, slug, level, parent's code)
LEVELS = [
    ("411781", "演示甲区", "Demo District A", "demo-a", "county", "411700"),
    ("411781001", "演示甲区东街道", "Demo A East Subdistrict", "demo-a-east", "township", "411781"),
    ("411781002", "演示甲区西街道", "Demo A West Subdistrict", "demo-a-west", "township", "411781"),
    ("411782", "演示乙县", "Demo County B", "demo-b", "county", "411700"),
    ("411782101", "演示乙县南镇", "Demo B South Town", "demo-b-south", "township", "411782"),
]

# (title, department, target, unit, number, pace): a county's four pledges; a township
# keeps the first two, at a tenth of the size.
PLEDGES = [
    ("新增城镇就业", "人社局", "新增城镇就业岗位", "个", 3000, "on_pace"),
    ("老旧小区改造", "住建局", "改造老旧小区住户", "户", 800, "slow"),
    ("口袋公园", "城管局", "新建口袋公园", "座", 8, "ahead"),
    ("农村公路", "交通局", "新建改建农村公路", "公里", 20, "severe"),
]


def short(place):
    """demo-a-east → a-east: its accounts are demo-a-east-reporter and -reviewer."""
    return place.slug.removeprefix("demo-")


class Command(load_demo.Command):
    help = (
        "生成演示城市：驻马店市下的演示甲区、演示乙县及其街道乡镇，各有2021年和今年的演示计划"
        "和经审核的进度（在 load_demo 之前或之后运行，仅用于 make demo 的独立数据库）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="启用各演示行政区划的填报员、审核员和市级审核员账号，设置随机密码并只显示一次",
        )

    def handle(self, *args, accounts=False, **options):
        self.refuse_real_data(accounts)
        if Jurisdiction.objects.filter(code=LEVELS[0][0]).exists():
            self.stdout.write("演示城市已存在，未作更改。")
        else:
            self.build()
        if accounts:
            self.print_accounts(self.activate_city())

    def build(self):
        today = clock.today()
        with transaction.atomic():
            Jurisdiction.objects.home()  # 驻马店市 above 驿城区, on a fresh database
            count = 0
            for code, name, name_en, slug, level, parent in LEVELS:
                place = Jurisdiction(
                    code=code,
                    name=name,
                    name_en=name_en,
                    slug=slug,
                    level=level,
                    parent=Jurisdiction.objects.get(code=parent),
                )
                place.full_clean()
                place.save()
                accounts = self.level_accounts(place)
                for year in sorted({2021, today.year}):
                    count += self.level_plan(place, year, today, accounts)
            city = Jurisdiction.objects.get(code="411700")
            reviewer = self.official("zhumadian-reviewer", "演示市级审核员", roles.REVIEWER, city)
            reviewer.assignment.delegated.add(Jurisdiction.objects.get(code=LEVELS[0][0]))
        self.stdout.write(
            self.style.SUCCESS(
                f"演示城市已就绪：{len(LEVELS)} 个演示行政区划，{count} 条演示填报。"
            )
        )

    def level_accounts(self, place):
        """The level's own reporter and reviewer (任职 there): each figure of its plans is
        entered by the one and approved by the other, as real figures are."""
        return SimpleNamespace(
            reporter=self.official(f"{short(place)}-reporter", "演示填报员", roles.REPORTER, place),
            reviewer=self.official(f"{short(place)}-reviewer", "演示审核员", roles.REVIEWER, place),
        )

    def official(self, who, name, role, place):
        user = self.demo_account(who, f"{place.name}{name}", role)
        Assignment.objects.update_or_create(user=user, defaults={"jurisdiction": place})
        return user

    def activate_city(self):
        """[(username, role, password)] of the demo city's accounts, as `activate`."""
        found = get_user_model().objects.filter(
            username__startswith=roles.DEMO_ACCOUNT_PREFIX, assignment__isnull=False
        )
        found = found.exclude(assignment__jurisdiction__code=settings.HOME_JURISDICTION)
        return sorted(self.opened(user, user.groups.get().name) for user in found)

    def level_plan(self, place, year, today, accounts):
        """`place`'s plan of `year` with its pledges' quarter-end figures up to today."""
        plan = Plan(
            jurisdiction=place,
            year=year,
            title=f"{year}年{place.name}民生实事（演示）",
            title_en=f"{place.name_en} livelihood projects {year} (demo)",
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            source_name="演示数据：虚构的计划",
            is_published=True,
            demo_data=True,
        )
        plan.full_clean()
        plan.save()
        township = place.level == Jurisdiction.Level.TOWNSHIP
        # a quarter's figures at its end: what a township reports
        days = [d for d in (load_demo.month_end(m, year) for m in (3, 6, 9, 12)) if d < today]
        count = 0
        for number, pledge in enumerate(PLEDGES[:2] if township else PLEDGES, start=1):
            title, office, name, unit, size, pace = pledge
            department, _ = Department.objects.get_or_create(
                name=f"{place.name}{office}", defaults={"jurisdiction": place}
            )
            department.members.add(accounts.reporter)
            project = Project.objects.create(
                plan=plan,
                number=number,
                title=title,
                pledge_text=f"{title}（演示）。",
                lead_department=department,
            )
            value = Decimal(max(1, size // 10) if township else size)
            target = Target.objects.create(
                project=project, name=name, unit=unit, target_value=value
            )
            count += self.figures(target, pace, days, accounts)
        if not township and year == today.year and days:
            # one figure waits for review: in the admin's queue, on no public page
            target = plan.projects.get(number=1).targets.get()
            waiting = self.report(target, today, target.target_value, accounts.reporter, ("", ""))
            waiting.submit(accounts.reporter)
        return count

    def figures(self, target, pace, days, accounts):
        """The target's month-end figures on `pace`, each approved, until it is done."""
        count = 0
        for day in days:
            gone = (day - date(day.year, 1, 1)).days / 365
            share = Decimal(str(load_demo.PACES[pace](gone)))
            value = (target.target_value * share).quantize(Decimal(1))
            reasons = ("演示：征地和资金未到位。", "演示：下月集中推进。")
            report = self.report(target, day, value, accounts.reporter, reasons)
            self.approve(report, accounts.reporter, accounts.reviewer)
            count += 1
            if value >= target.target_value:
                break
        return count
