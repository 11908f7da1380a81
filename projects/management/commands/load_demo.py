"""Generate demo data, so a newcomer sees every page at work and every official can try
every task. For `make demo` only, which runs on its own database (var/demo.sqlite3):
every plan it fills or makes is flagged `demo_data`, and every page then says the
figures are demo data.

- 2021, the real pledge list, gets a generated history. Month-end figures through 2021
  give, at some month, every status: 未填报 early in the year, 正常推进, 推进缓慢 and
  严重滞后 mid-year, 已完成 and 逾期未完成 after.
- Last year's plan, invented and titled （演示）, went through the same cycle (without
  proposals) and its pledges' figures at mid-year and the year's end, on their paces:
  it is in 测评, with no rating recorded, so congress staff have every pledge's to
  record. Its lifts' households were surveyed by random sample (满意度抽样调查): a demo
  list of 1,200 addresses, 300 drawn, 180 answered, closed a few days ago, the results
  and the draw's record public, the list deleted.
- This year's plan (by today's date in Asia/Shanghai), invented and titled （演示）,
  goes through the whole cycle on record: a public call last autumn with the public's
  proposals, candidates, the deputies' ballot electing some of them, and month-end
  figures up to today, so that on today's date some pledges lag and one is done.
  Its pocket parks are counted by their sites (点位, in Yicheng's real 街道 with
  demo names and points): each park's stages are entered and approved, and the approvals
  write the target's figures; a few online ratings (码上评) and a problem raised at a
  site (码上提), published and answered, show the 民生码's pages at work.
  Its reporting calendar runs from its start: one department has missed the last two
  reporting days (逾期未报), a report waits past the review limit, a 挂牌督办 is past
  its deadline without a response and another is closed, and every department has demo
  e-mail addresses (and a 企业微信 and a 钉钉 robot, whose demo keys no robot accepts),
  so `send_alerts` has alerts to send on any day it is run.
  Its money and procedure steps (DEMO_MONEY): budgets confirmed from the candidates'
  estimates (the parks' still a 候选估算 draft), funds in place, contracts (a small
  design job by a natural person, never named in public) and payments by contract node,
  and the steps 立项 … 验收, each reported and approved; the money rules, set from the
  year's start, find a 施工许可 late and a node accepted and not paid (拖欠).
  From mid-year one pledge was finished a few days ago (earlier in the year none but
  the one ahead of pace could be): it is in 完成公示, with an objection from the public
  published and waiting for the supervision office's decision. A deputy's 代表意见 was
  answered in public; another waits for the lead department's answer.
- Next year's plan, invented as well, has its public call open today, with a proposal
  waiting for a moderator.

No plan waits for candidates to be drawn up or a ballot to be recorded: on any day one
plan's call is open (next year's), and a year in 遴选 or 票决 beside it would be a
second next year. An administrator who moves next year's plan on to 遴选 tries both.

Everything goes through the same path as real data, each step by a demo account of the
role that takes it: a moderator publishes and settles the proposals, an administrator
draws up the candidates, congress staff record and publish the ballot, a reporter of the
lead department enters each figure (with reasons where it is behind pace) and a reviewer
approves it. The plans' stages move forward one at a time, each save checked whole.

The accounts (`DEMO_ACCOUNTS`) are inactive, without a usable password, unless
`--accounts` (which `make demo` passes) lets each sign in with a new password, printed
once; only on a database where every plan is the demo's (`Plan.objects.real()`), and
`check --deploy` refuses a database where one may (projects/checks.py).
"""

import calendar
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from projects.models import (
    Answer,
    Ballot,
    Budget,
    Candidate,
    CandidateTarget,
    Channel,
    Contract,
    Department,
    Evidence,
    Funding,
    Matter,
    Milestone,
    MoneyDocument,
    Notice,
    OnlineRating,
    Payment,
    Plan,
    PlanRule,
    ProgressReport,
    PublicInput,
    Site,
    SiteReport,
    SiteStage,
    StepReport,
    Supervision,
    Survey,
    SurveyAnswer,
    Tally,
    Target,
)
from projects.rules import clock, pace, roles

# Cumulative share of each target reached at the end of each month of 2021, by
# (project number, target order); None: nothing reported that month.
TRAJECTORIES = {
    (1, 1): [0.06, 0.13, 0.21, 0.29, 0.37, 0.45, 0.53, 0.62, 0.71, 0.80, 0.92, 1.05],
    (1, 2): [None, 0.10, 0.20, 0.31, 0.42, 0.52, 0.60, 0.69, 0.78, 0.88, 1.02, 1.07],
    (2, 1): [None, None, None, None, 0.0, 0.05, 0.12, 0.2, 0.3, 0.45, 0.62, 0.80],
    (3, 1): [None, 0.0, 1 / 6, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0, None, None, None],
    (4, 1): [None, None, 0, 0, 0, 0, 0, 1, None, None, None, None],
    (4, 2): [None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    (5, 1): [None, None, 1 / 7, 1 / 7, 2 / 7, 3 / 7, 3 / 7, 4 / 7, 5 / 7, 5 / 7, 6 / 7, 1.0],
    (6, 1): [None, 0.03, 0.08, 0.14, 0.20, 0.27, 0.33, 0.42, 0.55, 0.66, 0.80, 0.92],
    (7, 1): [0.08, 0.16, 0.25, 0.34, 0.44, 0.55, 0.65, 0.76, 0.86, 0.96, 1.06, 1.15],
    (8, 1): [None, None, 0, 1 / 16, 1 / 16, 2 / 16, 4 / 16, 7 / 16, 10 / 16, 12 / 16, 14 / 16, 1.0],
    (9, 1): [None, None, None, 0, 0, 0, 0, 0, 0, 0, 1, None],
    (10, 1): [None, None, None, None, None, 0, 0, 0, 0.4, 0.6, 0.8, 1.0],
    (11, 1): [None, 0.05, 0.12, 0.2, 0.28, 0.36, 0.44, 0.52, 0.6, 0.76, 0.88, 1.0],
}
# Corrections of figures already public: (project, target, month, share, note).
CORRECTIONS = [
    (8, 1, 7, 3 / 16, "经复核，7月上报的4座中有1座尚未完成绿化验收，更正为3座。"),
    (11, 1, 10, 0.745, "10月数据误计入一段市政道路，更正为29.8公里。"),
]
REASONS = {
    2: (
        "土地报批手续未完成，项目未能按期开工。",
        "协调自然资源和规划部门加快土地报批，力争下月开工。",
    ),
    4: ("项目选址调整，施工图设计尚未完成。", "完成施工图审查后办理施工许可，立即进场施工。"),
    6: (
        "强弱电入地、管线迁移涉及多个产权单位，协调进度慢于预期。",
        "建立周调度机制，逐户做好群众工作。",
    ),
    8: ("部分游园用地征迁尚未完成。", "加快征迁补偿，EPC 项目同步开展设计。"),
    9: ("农发行贷款审批尚未完成，征地拆迁仍在推进。", "督促放款，同步推进苗木预订和土地平整。"),
    10: ("前期手续办理用时较长，施工许可晚于计划。", "实行并联审批，许可证办结后立即开工。"),
}
GENERIC_REASON = ("阶段性任务较重，进度略慢于序时进度。", "加强调度，下月赶上序时进度。")

# The invented plans of this year and next: the call runs in the autumn before the plan's
# year, at least CALL_MIN_DAYS (here 45 days), and the deputies vote in late December.
DEMO_TITLE = "驿城区{year}年民生实事（演示）"
DEMO_SOURCE = "演示数据：由 make demo 生成的虚构计划，不是真实公告。"
CALL_OPENS = (9, 1)
CALL_DAYS = 45
VOTE_DAY = (12, 26)
SESSION = "驿城区人民代表大会全体会议（演示）"
DEPUTIES, PRESENT, SEATS = 210, 196, 4

# How far an elected pledge has got, as a share of its targets, when a share `gone` of
# its year has passed: the straight line of 序时进度 is `gone` itself, and the statuses
# are 10 and 30 points behind it (pace.py). Judged on a day up to a month after its
# latest month-end figure, "ahead" is never behind and done by June, "on_pace" stays
# within 10 points, "slow" is 12 to 22 behind from March, "severe" more than 30 behind
# from early July (earlier, slow).
PACES = {
    "ahead": lambda gone: min(1.0, 2.1 * gone),
    "on_pace": lambda gone: min(1.0, gone + 0.04),
    "slow": lambda gone: max(0.0, gone - 0.12),
    "severe": lambda gone: max(0.0, 0.5 * (gone - 0.1)),
}


@dataclass(frozen=True)
class DemoTarget:
    name: str
    unit: str
    value: int
    step: Decimal = Decimal(1)  # reported in whole units (部, 个) or tenths (公里)


@dataclass(frozen=True)
class DemoCandidate:
    title: str
    pledge_text: str
    lead: str
    supporting: tuple
    investment: int  # 万元
    targets: tuple
    votes: tuple  # for, against, abstaining, of PRESENT deputies
    pace: str = "on_pace"  # its path through the year, if elected
    reasons: tuple = GENERIC_REASON  # why it is behind pace, and what is done about it


# With the default rule (more than half of the deputies in office), the first four are
# elected, the fifth has a majority but no seat left, the sixth none.
CANDIDATES = [
    DemoCandidate(
        "社区养老服务中心",
        "新建社区养老服务中心8个，新增老年助餐点20个，为辖区老年人提供日间照料和助餐服务。",
        "区民政局",
        ("区卫健委", "区财政局"),
        1600,
        (DemoTarget("新建社区养老服务中心", "个", 8), DemoTarget("新增老年助餐点", "个", 20)),
        (188, 5, 3),
        pace="ahead",
    ),
    DemoCandidate(
        "老旧小区加装电梯",
        "为老旧小区既有多层住宅加装电梯60部。",
        "区住建局",
        ("区自然资源和规划局", "区市场监管局"),
        3600,
        (DemoTarget("老旧小区加装电梯", "部", 60),),
        (181, 9, 6),
        pace="slow",
        reasons=(
            "部分单元低层住户意见不统一，协商签字用时较长。",
            "街道、社区逐户上门做工作，已签约单元集中开工。",
        ),
    ),
    DemoCandidate(
        "农村公路",
        "新改建农村公路50公里，改善群众出行条件。",
        "区交通运输局",
        ("区财政局",),
        5000,
        (DemoTarget("新改建农村公路", "公里", 50, Decimal("0.1")),),
        (169, 17, 10),
    ),
    DemoCandidate(
        "口袋公园",
        "利用边角空地新建口袋公园12个。",
        "区城市管理局",
        ("区自然资源和规划局",),
        900,
        (DemoTarget("新建口袋公园", "个", 12),),
        (152, 28, 16),
        pace="severe",
        reasons=(
            "部分地块权属未理清，拆违清表未完成，施工队伍不能进场。",
            "区城市管理局会同街道加快清表，具备条件的地块先行开工。",
        ),
    ),
    DemoCandidate(
        "中小学校食堂改造",
        "改造提升中小学校食堂15所。",
        "区教育局",
        (),
        750,
        (DemoTarget("改造提升中小学校食堂", "所", 15),),
        (121, 48, 27),
    ),
    DemoCandidate(
        "公共充电桩",
        "在城区公共停车场新建电动汽车公共充电桩500个。",
        "区发改委",
        ("区城市管理局",),
        1000,
        (DemoTarget("新建公共充电桩", "个", 500),),
        (97, 66, 33),
    ),
]


# The demo's pocket parks: demo names in the district's real 街道, with points (WGS-84)
# scattered around the district's centre. Invented, like every demo figure.
DEMO_STREETS = ["西园街道", "东风街道", "南海街道", "新华街道", "人民街道", "老街街道"]
PARK_TITLE = "口袋公园"
# This year's demo register of practical matters: (title, category, people or None).
DEMO_MATTERS = [
    ("为独居老人安装紧急呼叫器", "elderly", 120),
    ("修复小区破损路面", "transport", 860),
    ("开设周末义诊", "health", 300),
    ("更换老旧路灯", "transport", None),
    ("为零就业家庭推荐岗位", "jobs", 45),
    ("校门口增设护学岗", "education", 1500),
    ("清理背街小巷垃圾", "environment", None),
    ("社保业务就近可办", "services", 2300),
    ("为困难家庭维修房屋", "housing", 12),
    ("开办社区老年食堂", "elderly", 200),
    ("疏通雨水管网", "environment", 3400),
    ("开展技能培训", "jobs", 160),
    ("增设公交站亭", "transport", None),
    ("为学生配送课后服务", "education", 420),
    ("上门办理残疾人证", "services", 36),
    ("小区加装充电设施", "other", 500),
    ("整治农贸市场环境", "environment", 2000),
    ("为环卫工人设爱心驿站", "other", 80),
]
# This year's slow pledge's department stopped reporting this many days ago.
LATE_DAYS = 60
# This year's pledge finished early: its completing figure is dated NOTICE_AGO days
# before today and approved two days later, so that its 公示 (7 days from then) runs
# today; only once FINISHED_FROM of the year is gone, when the pledge ahead of pace is
# done as well.
NOTICE_TITLE = "农村公路"
NOTICE_AGO = 3
FINISHED_FROM = 0.5


# This year's money and procedure steps, by pledge (all invented, every name 演示). Days
# are shares of the year (`Command.on`), so the schedule reads the same whenever the
# demo is made; what falls after today is not entered yet. Amounts in 万元.
@dataclass(frozen=True)
class DemoContract:
    kind: str
    method: str
    contractor: str
    title: str
    amount: str
    signed: float
    # (node, accepted, paid, amount): shares of the year; None where there is none
    payments: tuple = ()
    person: bool = False  # a natural person: the public pages never name them


@dataclass(frozen=True)
class DemoMoney:
    sources: dict  # the budget confirmed: Source → 万元
    funds: tuple  # (source, share of the year, cumulative 万元 in place)
    contracts: tuple
    steps: tuple  # (Milestone.Step, title, planned share of the year, days late)


K, M = Contract.Kind, Contract.Method
S = Milestone.Step
# fmt: off
DEMO_MONEY = {
    "社区养老服务中心": DemoMoney(
        {"provincial": 600, "district": 1000},
        (
            ("district", 0.03, 500),
            ("provincial", 0.10, 300),
            ("district", 0.15, 1000),
            ("provincial", 0.40, 600),
        ),
        (
            DemoContract(
                K.DESIGN, M.DIRECT, "张演示", "老年助餐点室内布置设计（演示）", "4.8", 0.02,
                (("设计成果交付", 0.06, 0.08, "4.8"),), person=True,
            ),
            DemoContract(
                K.CONSTRUCTION, M.OPEN_TENDER, "驻马店市演示建筑工程有限公司",
                "社区养老服务中心建设工程施工（演示）", "1386.52", 0.13,
                (
                    ("预付款", None, 0.16, "277.30"),
                    ("主体完工", 0.33, 0.37, "554.61"),
                    ("竣工验收", 0.50, 0.56, "415.96"),
                ),
            ),
            DemoContract(
                K.SUPERVISION, M.OPEN_TENDER, "河南演示工程监理有限公司",
                "社区养老服务中心建设工程监理（演示）", "32.80", 0.13,
                (("主体完工", 0.33, 0.37, "16.40"), ("竣工验收", 0.50, 0.56, "13.12")),
            ),
        ),
        (
            (S.APPROVAL, "项目立项批复", 0.02, 0),
            (S.SITE, "规划选址和用地手续", 0.06, 3),
            (S.TENDER, "施工、监理招标", 0.11, 2),
            (S.PERMIT, "建筑工程施工许可", 0.15, 4),
            (S.START, "开工", 0.17, 2),
            (S.FINISH, "主体及配套工程完工", 0.48, -3),
            (S.ACCEPTANCE, "竣工验收", 0.52, 0),
        ),
    ),
    "老旧小区加装电梯": DemoMoney(
        {"central": 1200, "provincial": 480, "district": 1200, "social": 720},
        (
            ("district", 0.08, 1000),
            ("central", 0.12, 600),
            ("social", 0.20, 300),
            ("provincial", 0.30, 480),
            ("central", 0.45, 1200),
            ("district", 0.55, 1200),
            ("social", 0.60, 720),
        ),
        (
            DemoContract(
                K.CONSTRUCTION, M.OPEN_TENDER, "河南演示电梯工程有限公司",
                "既有住宅加装电梯（第一批36部）设计施工总承包（演示）", "2142", 0.20,
                (
                    ("预付款", None, 0.24, "428.40"),
                    ("第一批18部完工", 0.55, 0.60, "642.60"),
                    ("第一批36部完工", 0.85, 0.90, "642.60"),
                ),
            ),
            DemoContract(
                K.SUPERVISION, M.OPEN_TENDER, "驻马店演示建设监理有限公司",
                "既有住宅加装电梯工程监理（演示）", "52.50", 0.20,
                (("第一批18部完工", 0.55, 0.62, "21"),),
            ),
        ),
        (
            (S.APPROVAL, "项目立项批复", 0.03, 0),
            (S.SITE, "规划许可（第一批）", 0.08, 12),
            (S.TENDER, "设计施工总承包招标（第一批）", 0.14, 10),
            (S.PERMIT, "施工许可（第一批）", 0.18, 22),
            (S.START, "开工（第一批）", 0.20, 25),
            (S.FINISH, "全部竣工", 0.945, 0),
            (S.ACCEPTANCE, "竣工验收", 1.0, 0),
        ),
    ),
    "农村公路": DemoMoney(
        {"provincial": 1000, "district": 1500, "bonds": 2500},
        (
            ("district", 0.05, 1000),
            ("bonds", 0.12, 1500),
            ("provincial", 0.25, 500),
            ("district", 0.35, 1500),
            ("bonds", 0.50, 2500),
            ("provincial", 0.70, 1000),
        ),
        (
            DemoContract(
                K.DESIGN, M.OPEN_TENDER, "河南演示交通规划设计院有限公司",
                "农村公路新改建工程勘察设计（演示）", "96.80", 0.03,
                (("设计成果交付", 0.09, 0.11, "87.12"),),
            ),
            DemoContract(
                K.CONSTRUCTION, M.OPEN_TENDER, "驻马店演示路桥工程有限公司",
                "农村公路新改建工程施工第一标段（演示）", "2368.45", 0.16,
                (("预付款", None, 0.20, "473.69"), ("进度款（第一期）", 0.35, 0.38, "473.69")),
            ),
            DemoContract(
                K.CONSTRUCTION, M.OPEN_TENDER, "河南演示公路工程有限公司",
                "农村公路新改建工程施工第二标段（演示）", "2105.30", 0.16,
                (
                    ("预付款", None, 0.20, "421.06"),
                    ("进度款（第一期）", 0.35, 0.38, "421.06"),
                    ("路基完工", 0.55, 0.60, "421.06"),
                    ("路面完工", 0.80, 0.86, "526.33"),
                ),
            ),
            DemoContract(
                K.SUPERVISION, M.OPEN_TENDER, "河南演示工程咨询监理有限公司",
                "农村公路新改建工程监理（演示）", "68.50", 0.16,
                (
                    ("进度款（第一期）", 0.35, 0.38, "13.70"),
                    ("路基完工", 0.55, 0.60, "13.70"),
                    ("路面完工", 0.80, 0.86, "20.55"),
                ),
            ),
        ),
        (
            (S.APPROVAL, "项目立项批复", 0.01, 0),
            (S.SITE, "用地预审", 0.05, 5),
            (S.TENDER, "施工、监理招标", 0.12, 4),
            (S.PERMIT, "施工许可", 0.17, 3),
            (S.START, "开工", 0.19, 2),
            (S.FINISH, "全线完工", 0.93, 0),
            (S.ACCEPTANCE, "交工验收", 1.0, 0),
        ),
    ),
    # Its budget is still the candidate's estimate (候选估算), not yet confirmed: the
    # plots are not cleared, so neither is the cost.
    PARK_TITLE: DemoMoney(
        {},
        (),
        (),
        (
            (S.APPROVAL, "项目立项批复", 0.02, 0),
            (S.SITE, "边角地块权属核实和用地手续", 0.06, 45),
            (S.START, "首批口袋公园开工", 0.15, 20),
            (S.FINISH, "全部完工", 0.945, 0),
            (S.ACCEPTANCE, "竣工验收", 1.0, 0),
        ),
    ),
}
# fmt: on
# The lapses the rules find today (money_watch): the road's first lot's 路基完工 accepted
# LAGGING_DAYS ago and not yet paid (拖欠); the lifts' second batch, tendered, its
# 施工许可 planned LATE_PERMIT_DAYS ago and still not issued.
LAGGING_DAYS = 45
LATE_PERMIT_DAYS = 20
# The money rules as the district set them at the start of the year (a plan made today
# would have them from today, and no lapse of the year would show).
MONEY_RULES = {
    PlanRule.Name.STEP_GRACE_DAYS: None,
    PlanRule.Name.PAYMENT_DAYS: None,
    PlanRule.Name.SPENDING_LAG_POINTS: None,
    # 开工时到位资金不少于一半, as 施工许可 asks of works under a year
    PlanRule.Name.FUNDS_AT_START_PERCENT: Decimal(50),
}
MONEY_RULES_REASON = (
    "演示：区政府年初印发民生实事资金和手续管理办法（虚构），自计划开始之日起施行。"
)
SUPERVISION_PHONE = "0396-0000000（演示）"

# Last year's residents' survey (满意度抽样调查): the lifts' households, a demo list of
# SURVEY_BUILDINGS buildings × 4 units × 6 floors × 2 flats (1,200), the plan's sample
# (300) drawn, SURVEY_ANSWERS answered (180, 60 %), closed a few days ago.
SURVEY_TITLE = "老旧小区加装电梯"
SURVEY_BUILDINGS = 25
SURVEY_ANSWERS = {"satisfied": 104, "fair": 55, "dissatisfied": 21}
SURVEY_DRAWN_AGO, SURVEY_CLOSED_AGO = 40, 5
SURVEY_RULES_REASON = "演示：区政府印发民生实事满意度抽样调查办法（虚构），自计划开始之日起施行。"
SURVEY_COMMENTS = {
    3: "（演示）电梯装好后老人下楼方便多了，希望后续维保跟上。",
    120: "（演示）施工期间楼道灰尘大，希望以后文明施工。",
    170: "（演示）我们单元签约早，但开工比别的单元晚了两个月。",
}


def demo_households():
    """The survey's demo list: addresses only, no names, in the list's order."""
    return [
        f"演示小区{building}号楼{unit}单元{floor}0{flat}室"
        for building in range(1, SURVEY_BUILDINGS + 1)
        for unit in range(1, 5)
        for floor in range(1, 7)
        for flat in (1, 2)
    ]


def demo_point(n):
    return (
        Decimal("114.0100") + Decimal(n % 4) * Decimal("0.0210"),
        Decimal("32.9500") + Decimal(n // 4) * Decimal("0.0160"),
    )


@dataclass(frozen=True)
class DemoProposal:
    title: str
    category: str
    text: str
    place: str
    day: int  # received this many days after the call opened
    into: str = ""  # adopted into the candidate of this title
    rejected: str = ""  # or not adopted, for this reason
    published: bool = True


THIS_YEARS_PROPOSALS = [
    DemoProposal(
        "老旧小区加装电梯",
        "housing",
        "我们小区是上世纪九十年代建的六层楼，没有电梯，老人上下楼非常困难，希望政府支持加装电梯。",
        "西园街道",
        2,
        into="老旧小区加装电梯",
    ),
    DemoProposal(
        "社区办个老年食堂",
        "elderly",
        "小区里独居老人多，做饭吃饭是个难题，希望社区能办老年食堂或者助餐点。",
        "老街街道",
        7,
        into="社区养老服务中心",
    ),
    DemoProposal(
        "家门口建个小公园",
        "environment",
        "周边都是老小区，晚上没有散步的地方，希望利用边角空地建几个口袋公园。",
        "南海街道",
        14,
        into="口袋公园",
    ),
    DemoProposal(
        "村里的路该修了",
        "transport",
        "我们村通往镇上的路坑洼不平，下雨天车辆无法通行，孩子上学很不方便。",
        "水屯镇",
        21,
        into="农村公路",
    ),
    DemoProposal(
        "学校食堂太旧",
        "education",
        "孩子学校的食堂设施陈旧，就餐拥挤，希望改造。",
        "东风街道",
        31,
        into="中小学校食堂改造",
    ),
    DemoProposal(
        "楼门口划几个停车位",
        "transport",
        "我家楼下没有停车位，晚上回来只能停到路边，希望在楼门口划几个车位。",
        "人民街道",
        38,
        rejected="只涉及个别楼栋，不属于普惠群众的民生实事；已转所在街道研究办理。",
    ),
]
NEXT_YEARS_PROPOSALS = [
    DemoProposal(
        "公交线路延伸到新建小区",
        "transport",
        "新建小区入住的人越来越多，最近的公交站要走二十分钟，希望公交线路延伸过来。",
        "橡林街道",
        2,
    ),
    DemoProposal(
        "社区卫生服务站开设儿科",
        "health",
        "周末孩子生病只能去市里大医院排队，希望社区卫生服务站开设儿科门诊。",
        "东风街道",
        6,
    ),
    DemoProposal(
        "农贸市场改造",
        "other",
        "菜市场地面常年积水，环境脏乱，希望改造提升。",
        "人民街道",
        10,
        published=False,  # still in the moderation queue
    ),
]


def month_end(month, year=2021):
    return date(year, month, calendar.monthrange(year, month)[1])


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


# The stages whose demo photos make a finished site's before-and-after pair.
PHOTO_PHASES = {
    SiteStage.NOT_STARTED: SiteReport.Phase.BEFORE,
    SiteStage.COMPLETED: SiteReport.Phase.AFTER,
}


def demo_photo(text):
    image = Image.new("RGB", (960, 640), (214, 226, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 920, 600), outline=(47, 95, 167), width=8)
    draw.text((80, 300), text, fill=(27, 27, 31))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


# make demo's accounts, one for each role: who (their name after DEMO_ACCOUNT_PREFIX,
# and their field in Accounts), the name shown, the role.
DEMO_ACCOUNTS = [
    ("reporter", "演示填报员", roles.REPORTER),
    ("reviewer", "演示审核员", roles.REVIEWER),
    ("moderator", "演示留言审核员", roles.MODERATOR),
    ("congress", "演示人大工作人员", roles.CONGRESS_STAFF),
    ("administrator", "演示管理员", roles.ADMINISTRATOR),
    ("deputy", "演示人大代表", roles.DEPUTY),
]


@dataclass
class Accounts:
    reporter: object
    reviewer: object
    moderator: object
    congress: object
    administrator: object
    deputy: object


def shown_width(text):
    """Columns a terminal gives `text`: two for each Chinese character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def padded(text, width):
    return text + " " * max(0, width - shown_width(text))


class Command(BaseCommand):
    help = (
        "生成演示数据：2021年计划的进度，今年计划从征集、票决到实施的全过程，"
        "明年计划正在进行的征集（仅用于 make demo 的独立数据库，所有页面会标明“演示数据”）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            action="store_true",
            help="启用每个角色的演示账号，设置随机密码并只显示一次（只能用于演示数据库）",
        )

    def handle(self, *args, accounts=False, **options):
        self.refuse_real_data(accounts)
        plan = Plan.objects.of_year(2021).first()
        if plan is None:
            call_command("load_plan", "2021", stdout=self.stdout)
            plan = Plan.objects.of_year(2021).get()
        today = clock.today()
        with transaction.atomic():
            demo = self.demo_accounts()
            if plan.demo_data:
                self.stdout.write("2021年演示数据已存在，未作更改。")
            else:
                count = self.generate(plan, demo.reporter, demo.reviewer)
                plan.demo_data = True
                plan.save(update_fields=["demo_data"])
                self.stdout.write(f"2021年：已生成 {count} 条演示填报（已审核）。")
            if self.is_free(today.year - 1):
                self.last_year(today, demo)
            if self.is_free(today.year):
                self.this_year(today, demo)
            if self.is_free(today.year + 1):
                self.next_year(today, demo)
            passwords = self.activate(demo) if accounts else []
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。所有页面会标明“演示数据”。"))
        if passwords:
            self.print_accounts(passwords)

    def refuse_real_data(self, accounts):
        """The demo writes only where the data is its own: never beside a real report,
        and it opens its accounts only where every plan is the demo's (the 2021 plan
        of load_plan counts: the demo fills it)."""
        real = Plan.objects.real()
        if ProgressReport.objects.filter(target__project__plan__in=real).exists():
            raise CommandError(
                "该数据库已有真实填报，不能写入演示数据。请使用 make demo 的独立数据库。"
            )
        others = sorted(real.exclude(year=2021).values_list("year", flat=True))
        if accounts and others:
            years = "、".join(f"{year}年" for year in others)
            raise CommandError(
                f"该数据库有非演示的年度计划（{years}），不是演示数据库，不能启用演示账号。"
                "请使用 make demo 的独立数据库（var/demo.sqlite3）。"
            )

    def is_free(self, year):
        """Whether the demo may make the plan of `year`: one already there, demo or
        real, is left as it is."""
        plan = Plan.objects.of_year(year).first()
        if plan is None:
            return True
        made = "演示计划" if plan.demo_data else "计划（非演示）"
        self.stdout.write(f"{year}年{made}已存在，未作更改。")
        return False

    def demo_accounts(self):
        return Accounts(
            **{who: self.demo_account(who, name, role) for who, name, role in DEMO_ACCOUNTS}
        )

    def demo_account(self, who, name, role):
        """An official's account in the role whose steps it takes, that nobody can sign
        in with (until `activate`)."""
        user, _ = get_user_model().objects.get_or_create(
            username=roles.DEMO_ACCOUNT_PREFIX + who, defaults={"last_name": name}
        )
        user.is_staff, user.is_active = True, False
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
        return user

    def activate(self, demo):
        """[(username, role, password)]: each demo account may sign in, with a new
        random password (the one printed before no longer works)."""
        return [self.opened(getattr(demo, who), role) for who, _, role in DEMO_ACCOUNTS]

    def opened(self, user, role):
        """(username, role, password): `user` may sign in, with a new random password."""
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        return (user.username, role, password)

    def print_accounts(self, passwords):
        self.stdout.write(
            "\n演示账号（在 /admin/ 登录，人大代表也在此登录）。密码只显示这一次；"
            "再次运行 make demo 会换成新密码。"
        )
        rows = [("用户名", "角色", "密码"), *passwords]
        width = [max(shown_width(row[n]) for row in rows) + 2 for n in (0, 1)]
        for username, role, password in rows:
            self.stdout.write(f"  {padded(username, width[0])}{padded(role, width[1])}{password}")

    # 2021: the real pledge list with a generated history.

    def generate(self, plan, reporter, reviewer):
        count = 0
        targets = Target.objects.filter(project__plan=plan).select_related("project")
        for target in targets:
            number = target.project.number
            reasons = REASONS.get(number, GENERIC_REASON)
            shares = TRAJECTORIES[(number, target.order)]
            for month, share in enumerate(shares, start=1):
                if share is None:
                    continue
                value = self.value_2021(target, share)
                report = self.report(target, month_end(month), value, reporter, reasons)
                self.approve(report, reporter, reviewer)
                count += 1
                if (number, month) in {(3, 9), (10, 9), (1, 12)}:
                    self.attach_photo(report, reporter, f"DEMO {number}-{month}")
            for correction in CORRECTIONS:
                corrected, order, month, share, note = correction
                if (number, target.order) == (corrected, order):
                    value = self.value_2021(target, share)
                    day = month_end(month)
                    report = self.report(target, day, value, reporter, reasons, note)
                    self.approve(report, reporter, reviewer, days=12)
                    count += 1
        for milestone in plan.projects.get(number=10).milestones.all():
            milestone.done_on = milestone.due_date + timedelta(days=10)
            milestone.save()
        return count

    def value_2021(self, target, share):
        if target.kind == Target.Kind.MILESTONE:
            return Decimal(1 if share >= 1 else 0)
        return (target.target_value * Decimal(str(share))).quantize(Decimal("0.01"))

    # Last year's plan: the cycle on record, the year's figures, and the ratings to record.

    def last_year(self, today, accounts):
        """Each pledge's figures at mid-year and at the year's end on its pace (some
        fell behind and stayed so), then 测评 with no rating recorded."""
        year = today.year - 1
        plan = self.new_plan(year, date(year - 1, *CALL_OPENS), accounts.administrator)
        self.elect(plan, [], accounts)
        specs = {spec.title: spec for spec in CANDIDATES}
        days = [month_end(6, year), month_end(12, year)]
        count = 0
        projects = list(plan.projects.select_related("lead_department"))
        for project in projects:
            project.lead_department.members.add(accounts.reporter)
            for target in project.targets.all():
                count += len(self.on_pace(target, specs[project.title], days, accounts))
        self.advance(plan, Plan.Stage.RATING, accounts.administrator)
        survey = self.survey(plan, today, accounts)
        self.stdout.write(
            f"{year}年：代表票决 {len(projects)} 件当选，已生成 {count} 条演示填报（已审核）；"
            "现为测评阶段，各件实事的满意度测评待录入。"
            f"{survey.title}已结束：抽样 {survey.sample_size} 户，"
            f"收回 {survey.answers.count()} 份答卷。"
        )

    def survey(self, plan, today, accounts):
        """The year-end survey of the lifts' households (SURVEY_*), through the office's
        steps: the list imported, the draw, the codes answered, the close that deletes
        the list; then dated back, drawn SURVEY_DRAWN_AGO days ago and closed
        SURVEY_CLOSED_AGO. The answers with a comment go through `Survey.answer` (the
        comment published by a moderator); the rest are entered in a batch, as it would
        have taken them (code used, verdict and day, nothing else): 180 one by one cost
        the demo a second and a half."""
        drawn = today - timedelta(days=SURVEY_DRAWN_AGO)
        closed = today - timedelta(days=SURVEY_CLOSED_AGO)
        # The survey's rules as the district set them before the draw (a plan made today
        # would have them from today, after the day the demo's survey was drawn).
        names = [PlanRule.Name.SURVEY_SAMPLE_SIZE, PlanRule.Name.SURVEY_MIN_RESPONSES]
        plan.rules.filter(name__in=names).update(
            valid_from=plan.period_start, reason=SURVEY_RULES_REASON
        )
        project = plan.projects.get(title=SURVEY_TITLE)
        survey = Survey(
            plan=plan,
            project=project,
            title=f"{SURVEY_TITLE}住户满意度抽样调查（演示）",
            created_by=accounts.reviewer,
        )
        survey.full_clean()
        survey.save()
        survey.import_households(demo_households())
        codes = survey.draw(accounts.reviewer)
        verdicts = [v for v, n in SURVEY_ANSWERS.items() for _ in range(n)]
        spread = (closed - drawn).days - 1
        batch = []
        for n, (code, verdict) in enumerate(zip(codes, verdicts, strict=False)):
            day = drawn + timedelta(days=1 + n * spread // len(verdicts))
            if n not in SURVEY_COMMENTS:
                batch.append((code, SurveyAnswer(survey=survey, verdict=verdict, day=day)))
                continue
            answer = Survey.answer(code, verdict, SURVEY_COMMENTS[n])
            SurveyAnswer.objects.filter(pk=answer.pk).update(day=day)
            answer.comment.publish(accounts.moderator)
            PublicInput.objects.filter(pk=answer.comment.pk).update(
                received_at=at(day, 19), decided_at=at(day + timedelta(days=1), 10)
            )
        survey.codes.filter(code__in=[code for code, _ in batch]).update(used=True)
        SurveyAnswer.objects.bulk_create(answer for _, answer in batch)
        survey.close(accounts.reviewer)
        Survey.objects.filter(pk=survey.pk).update(
            created_at=at(drawn - timedelta(days=1), 10),
            drawn_at=at(drawn, 10),
            closed_at=at(closed, 17),
        )
        return survey

    # This year's plan: the whole cycle on record, and its pledges' figures up to today.

    def this_year(self, today, accounts):
        year = today.year
        plan = self.new_plan(year, date(year - 1, *CALL_OPENS), accounts.administrator)
        candidates = self.elect(plan, THIS_YEARS_PROPOSALS, accounts)
        elected = plan.projects.count()
        # The district set its reporting day before the year began (the rule of a plan
        # made today would otherwise start today).
        plan.rules.filter(name=PlanRule.Name.REPORTING_DAY).update(valid_from=plan.period_start)
        finished = self.finished_on(plan, today)
        count = self.deliver(plan, today, accounts, finished)
        self.supervise(plan, today, accounts)
        if finished:
            self.finish(plan, finished, accounts)
            count += 1  # its completing figure
        self.money_rules(plan)
        self.money(plan, today, accounts, finished)
        self.register(plan, today, accounts)
        self.opinions(plan, today, accounts)
        self.stdout.write(
            f"{year}年：征集、遴选 {len(candidates)} 个候选项目、代表票决 {elected} 件当选，"
            f"已生成 {count} 条演示填报（已审核）。"
        )
        if finished:
            self.stdout.write(
                f"{year}年：{NOTICE_TITLE} {finished:%Y-%m-%d} 完成，正在完成公示，"
                "一条群众异议待督查部门认定。"
            )
        if not count:
            self.stdout.write(f"{year}年第一个月尚未结束，还没有月末进度：各件实事显示“未填报”。")

    def elect(self, plan, proposals, accounts):
        """The plan's year before its pledges, on record: the public's `proposals`
        (DemoProposal) published, the candidates drawn up and each proposal settled,
        the deputies' ballot recorded and published, which makes the elected candidates
        the plan's pledges (实施). {title: candidate}."""
        received = self.propose(plan, proposals, accounts.moderator)
        self.advance(plan, Plan.Stage.SHORTLIST, accounts.administrator)
        candidates = self.draw_up(plan, accounts.administrator)
        for proposal, spec in zip(received, proposals, strict=True):
            if spec.into:
                proposal.adopt(accounts.moderator, candidates[spec.into])
            else:
                proposal.reject(accounts.moderator, spec.rejected)
        self.advance(plan, Plan.Stage.VOTE, accounts.administrator)
        ballot = self.vote(plan, candidates, accounts.congress)
        ballot.publish(accounts.congress)
        plan.refresh_from_db()
        return candidates

    def finished_on(self, plan, today):
        """The day NOTICE_TITLE's pledge was finished, NOTICE_AGO days ago, so that
        its 公示 runs today; None while less than FINISHED_FROM of the year is gone."""
        day = today - timedelta(days=NOTICE_AGO)
        gone = (day - plan.period_start).days / (plan.period_end - plan.period_start).days
        return day if gone >= FINISHED_FROM else None

    def finish(self, plan, day, accounts):
        """NOTICE_TITLE's pledge done on `day`: the completing figure, entered the next
        day and approved the day after, opens its 公示, a rule the district brought in
        that month (the pledges finished before it were 已完成 at once); that afternoon
        someone objects, and a moderator publishes the objection, which then waits for
        the supervision office."""
        plan.rules.filter(name=PlanRule.Name.NOTICE_DAYS).update(valid_from=day.replace(day=1))
        project = plan.projects.get(title=NOTICE_TITLE)
        target = project.targets.get()
        report = self.report(target, day, target.target_value, accounts.reporter, GENERIC_REASON)
        self.approve(report, accounts.reporter, accounts.reviewer, days=1)
        self.attach_photo(report, accounts.reporter, f"DEMO {plan.year}")
        # Published the day the figure was approved (dated back, as the figure was).
        notice = project.notices.get()
        notice.published_on = timezone.localdate(report.reviewed_at)
        notice.closes_on = notice.published_on + timedelta(days=notice.days)
        Notice.objects.filter(pk=notice.pk).update(
            published_on=notice.published_on,
            closes_on=notice.closes_on,
            created_at=report.reviewed_at,
        )
        objection = PublicInput(
            plan=plan,
            project=project,
            notice=notice,
            kind=PublicInput.Kind.OBJECTION,
            text="（演示）水屯镇段还有约两公里没有铺沥青，和公示的“已完成”不符，请核实。",
            place="水屯镇",
            received_at=at(notice.published_on, 15),
        )
        objection.full_clean()
        objection.save()
        objection.publish(accounts.moderator)
        PublicInput.objects.filter(pk=objection.pk).update(decided_at=at(notice.published_on, 17))

    def opinions(self, plan, today, accounts):
        """The demo deputy's 代表意见: on the lagging pledge, answered in public by its
        lead department some days later; on the pocket parks, sent two days ago and
        waiting for its answer. None in the plan's first weeks."""
        sent = today - timedelta(days=20)
        if sent < plan.period_start:
            return
        lagging = self.opinion(
            self.late,
            "（演示）群众反映加装电梯进度慢，部分单元签约后迟迟没有开工，请说明原因和下一步安排。",
            sent,
            accounts,
        )
        answer = Answer(
            question=lagging,
            department=self.late.lead_department,
            text="（演示）滞后主要因部分单元低层住户意见不一。街道、社区已逐户协商，"
            "已签约单元本月集中开工，年底前完成全部签约单元的安装。",
            written_by=accounts.reporter,
        )
        answer.check_writer(accounts.reporter)
        answer.save()
        answer.approve(accounts.moderator)
        Answer.objects.filter(pk=answer.pk).update(
            written_at=at(sent + timedelta(days=8), 10),
            approved_at=at(sent + timedelta(days=9), 10),
        )
        self.opinion(
            plan.projects.get(title=PARK_TITLE),
            "（演示）建议口袋公园增设无障碍通道和适老座椅，方便老年人和残疾人使用。",
            today - timedelta(days=2),
            accounts,
        )

    def opinion(self, project, text, day, accounts):
        """A 代表意见 the demo deputy sent on `day`, published by a moderator that day."""
        item = PublicInput(
            plan=project.plan,
            project=project,
            kind=PublicInput.Kind.DEPUTY,
            text=text,
            deputy=accounts.deputy,
            received_at=at(day, 9),
        )
        item.full_clean()
        item.save()
        item.publish(accounts.moderator)
        PublicInput.objects.filter(pk=item.pk).update(decided_at=at(day, 16))
        return item

    def new_plan(self, year, call_opens, user):
        plan = Plan(
            year=year,
            title=DEMO_TITLE.format(year=year),
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            announced_on=date(year - 1, *VOTE_DAY) + timedelta(days=1),
            source_name=DEMO_SOURCE,
            supervision_phone=SUPERVISION_PHONE,
            is_published=True,
            demo_data=True,
            stage=Plan.Stage.CALL,
            call_opens=call_opens,
            call_closes=call_opens + timedelta(days=CALL_DAYS - 1),
        )
        plan.full_clean()
        plan._history_user = user
        plan.save()
        return plan

    def advance(self, plan, stage, user):
        plan.stage = stage
        plan.full_clean()
        plan._history_user = user
        plan.save()

    def propose(self, plan, specs, moderator):
        """The public's proposals, received during the call, published by a moderator."""
        proposals = []
        for spec in specs:
            received = plan.call_opens + timedelta(days=spec.day)
            proposal = PublicInput(
                plan=plan,
                kind=PublicInput.Kind.PROPOSAL,
                title=spec.title,
                category=spec.category,
                text=spec.text,
                place=spec.place,
                received_at=at(received, 9 + spec.day % 11),
            )
            proposal.full_clean()
            proposal.save()
            if spec.published:
                proposal.publish(moderator)
            proposals.append(proposal)
        return proposals

    def draw_up(self, plan, user):
        """{title: candidate} for CANDIDATES, with their targets and departments."""
        candidates = {}
        for order, spec in enumerate(CANDIDATES, start=1):
            candidate = Candidate(
                plan=plan,
                order=order,
                title=spec.title,
                pledge_text=spec.pledge_text,
                lead_department=Department.objects.get_or_create(name=spec.lead)[0],
                investment=Decimal(spec.investment),
                created_by=user,
            )
            candidate.full_clean()
            candidate._history_user = user
            candidate.save()
            candidate.supporting_departments.set(
                Department.objects.get_or_create(name=name)[0] for name in spec.supporting
            )
            for number, target in enumerate(spec.targets, start=1):
                row = CandidateTarget(
                    candidate=candidate,
                    order=number,
                    name=target.name,
                    unit=target.unit,
                    target_value=Decimal(target.value),
                )
                row.full_clean()
                row.save()
            candidates[spec.title] = candidate
        return candidates

    def vote(self, plan, candidates, staff):
        """The deputies' ballot, checked whole as the admin checks it, then stored."""
        held_on = date(plan.year - 1, *VOTE_DAY)
        ballot = Ballot(
            plan=plan,
            session=SESSION,
            held_on=held_on,
            deputies=DEPUTIES,
            present=PRESENT,
            seats=SEATS,
            recorded_by=staff,
            recorded_at=at(held_on, 18),
        )
        ballot.full_clean()
        paper = {candidates[spec.title]: spec.votes for spec in CANDIDATES}
        ballot.check_tallies(paper)
        ballot._history_user = staff
        ballot.save()
        for candidate, (votes_for, against, abstaining) in paper.items():
            tally = Tally(
                ballot=ballot,
                candidate=candidate,
                votes_for=votes_for,
                votes_against=against,
                abstentions=abstaining,
            )
            tally.full_clean()
            tally.save()
        return ballot

    def deliver(self, plan, today, accounts, finished=None):
        """Month-end figures of the elected pledges, for each month ended before today,
        each entered by a reporter of the lead department and approved; a target
        reported done is reported no more. The pledge finished early (NOTICE_TITLE,
        on `finished`) has only those before that day here."""
        specs = {spec.title: spec for spec in CANDIDATES}
        days = [month_end(m, plan.year) for m in range(1, 13) if month_end(m, plan.year) < today]
        count = 0
        projects = list(plan.projects.select_related("lead_department").order_by("number"))
        # the department of the slow pledge has stopped reporting (逾期未报)
        late = self.late = next(p for p in projects if specs[p.title].pace == "slow")
        for project in projects:
            spec = specs[project.title]
            project.lead_department.members.add(accounts.reporter)
            if project.title == PARK_TITLE:
                length = (project.due_date - plan.period_start).days
                count += self.parks(project, spec, days, length, accounts)
                continue
            reported = days
            if project == late:
                reported = [day for day in days if day <= today - timedelta(days=LATE_DAYS)]
            elif project.title == NOTICE_TITLE and finished:
                reported = [day for day in days if day < finished]
            for target in project.targets.all():
                reports = self.on_pace(target, spec, reported, accounts)
                count += len(reports)
                if reports and reports[-1].value >= target.target_value:
                    self.attach_photo(reports[-1], accounts.reporter, f"DEMO {plan.year}")
        return count

    def on_pace(self, target, spec, days, accounts):
        """[report]: the target's figures at `days` on its pledge's pace (`spec`), each
        entered by a reporter of the lead department and approved, until one says it
        is done."""
        plan = target.project.plan
        length = (target.project.due_date - plan.period_start).days
        step = spec.targets[target.order - 1].step
        reports = []
        for day in days:
            share = Decimal(str(PACES[spec.pace]((day - plan.period_start).days / length)))
            value = (target.target_value * share / step).quantize(Decimal(1), ROUND_DOWN) * step
            report = self.report(target, day, value, accounts.reporter, spec.reasons)
            self.approve(report, accounts.reporter, accounts.reviewer)
            reports.append(report)
            if value >= target.target_value:
                break
        return reports

    def parks(self, project, spec, days, length, accounts):
        """The pocket parks through their sites: each park 未开工 at the first month's
        end, 已开工 two months before it is done, 已完工 at the month-end where the
        pledge's pace says so; each stage entered and approved, the approvals writing
        the target's figures. Then a few ratings and a problem answered."""
        target = project.targets.get()
        target.counted_stage = SiteStage.COMPLETED
        target.full_clean()
        target.save()
        total = int(target.target_value)
        done_by = {}  # park → the month-end it is done
        for day in days:
            share = Decimal(str(PACES[spec.pace]((day - project.plan.period_start).days / length)))
            for n in range(min(total, int(total * share))):
                done_by.setdefault(n, day)
        sites = []
        for n in range(total):
            lon, lat = demo_point(n)
            site = Site(
                target=target,
                name=f"演示口袋公园{n + 1}号",
                street=DEMO_STREETS[n % len(DEMO_STREETS)],
                address="演示地址",
                longitude=lon,
                latitude=lat,
                created_by=accounts.reporter,
            )
            site.full_clean()
            site.save()
            sites.append(site)
        stages = []
        for n, site in enumerate(sites):
            done = done_by.get(n)
            if days:
                stages.append((days[0], site, SiteStage.NOT_STARTED))
            if done is not None:
                started = max(days[0] + timedelta(days=1), done - timedelta(days=60))
                stages.append((started, site, SiteStage.STARTED))
                stages.append((done, site, SiteStage.COMPLETED))
        count = 0
        finished = {site.pk for day, site, stage in stages if stage == SiteStage.COMPLETED}
        for day, site, stage in sorted(stages, key=lambda s: (s[0], s[1].pk, s[2])):
            # A finished site's first and last stages carry photos: the public's pair.
            phase = PHOTO_PHASES.get(stage) if site.pk in finished else None
            self.stage(site, stage, day, accounts, phase=phase)
            count += 1
        if sites:
            self.park_voices(project, sites[0], accounts)
        return count

    def stage(self, site, stage, day, accounts, phase=None):
        """A site's stage entered by the reporter and approved by the reviewer, dated a
        few days after the stage (never later than now), with the figures it wrote."""
        last = ProgressReport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        change = SiteReport(site=site, stage=stage, as_of=day, created_by=accounts.reporter)
        if phase:
            change.phase = phase
            change.photo_type = "image/jpeg"
            words = f"DEMO {site.pk} {phase.name.lower()}"
            change.photo.save("demo.jpg", ContentFile(demo_photo(words)), save=False)
        change.full_clean()
        change.save()
        change.approve(accounts.reviewer)
        now = clock.now()
        entered = min(at(day + timedelta(days=3), 10), now - timedelta(hours=2))
        reviewed = min(entered + timedelta(days=1), now)
        SiteReport.objects.filter(pk=change.pk).update(created_at=entered, reviewed_at=reviewed)
        ProgressReport.objects.filter(pk__gt=last, from_sites=True).update(
            created_at=entered, submitted_at=entered, reviewed_at=reviewed
        )

    def park_voices(self, project, site, accounts):
        """码上评 from this month (a few, labelled demo by the page) and one 码上提 at
        the first park, published and answered."""
        today = clock.today()
        month = date(today.year, today.month, 1)
        for n, verdict in enumerate(["satisfied"] * 5 + ["fair"] * 3 + ["dissatisfied"] * 2):
            OnlineRating.objects.create(
                project=project,
                site=site if n % 2 else None,
                verdict=verdict,
                month=month,
                rated_at=at(month, 9) if month < today else clock.now(),
                new_network=n < 6,  # from six networks
            )
        problem = PublicInput(
            plan=project.plan,
            project=project,
            site=site,
            kind=PublicInput.Kind.PROBLEM,
            text="（演示）公园东侧路灯晚上不亮，散步的老人看不清台阶。",
            place=site.street,
        )
        problem.full_clean()
        problem.save()
        problem.publish(accounts.moderator)
        answer = Answer(
            question=problem,
            department=project.lead_department,
            text="（演示）已安排维修路灯，三个工作日内完成，并在台阶处加装警示标识。",
            written_by=accounts.reporter,
        )
        answer.check_writer(accounts.reporter)
        answer.save()
        answer.approve(accounts.moderator)

    # This year's money and procedure steps.

    def on(self, plan, share):
        """The day when `share` of the plan's year has gone."""
        length = (plan.period_end - plan.period_start).days
        return plan.period_start + timedelta(days=round(share * length))

    def money_rules(self, plan):
        """The rules that watch the money and the steps, as set at the year's start."""
        for name, value in MONEY_RULES.items():
            changes = {"valid_from": plan.period_start, "reason": MONEY_RULES_REASON}
            if value is not None:
                changes["value"] = value
            plan.rules.filter(name=name).update(**changes)

    def money(self, plan, today, accounts, finished=None):
        """Each pledge's procedure steps and money (DEMO_MONEY) up to today, then the
        two lapses the rules find today (a payment lagging accepted work, a late
        施工许可). The road's 完工 is the day it was finished (`finished`), if it was."""
        for project in plan.projects.order_by("number"):
            spec = DEMO_MONEY[project.title]
            done = finished if project.title == NOTICE_TITLE else None
            for step, title, share, late in spec.steps:
                due = self.on(plan, share)
                if step == S.FINISH and done:
                    self.step(project, step, title, due, done, accounts)
                elif due < today:  # done late, but never after yesterday: no other lapse
                    day = min(due + timedelta(days=late), today - timedelta(days=1))
                    self.step(project, step, title, due, day, accounts)
                else:
                    self.step(project, step, title, due, None, accounts)
            if spec.sources:
                self.spend(project, spec, today, accounts)
        self.lapses(plan, today, accounts)

    def step(self, project, step, title, due, done_on, accounts):
        """A procedure step planned for `due`; done on `done_on` (if given), reported
        by the lead department with its 施工许可证 (a redacted copy, public once
        approved), and approved: the approval writes the step's actual date."""
        milestone = Milestone(project=project, step=step, title=title, due_date=due)
        milestone.full_clean()
        milestone.save()
        if done_on is None:
            return milestone
        report = StepReport(
            project=project,
            milestone=milestone,
            done_on=done_on,
            note="演示数据。",
            created_by=accounts.reporter,
        )
        report.full_clean()
        report._history_user = accounts.reporter
        report.save()
        if step == S.PERMIT:
            self.money_document(report, accounts.reporter, "施工许可证（脱敏件，演示）")
        report.approve(accounts.reviewer)
        StepReport.objects.filter(pk=report.pk).update(**self.entered(done_on, accounts))
        return milestone

    def money_document(self, report, reporter, caption):
        content = demo_photo(f"DEMO {report.milestone.title}")
        document = MoneyDocument(
            step_report=report,
            kind=Evidence.Kind.IMAGE,
            content_type="image/jpeg",
            original_name="demo.jpg",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            caption=caption,
            redacted=True,
            uploaded_by=reporter,
        )
        document.file.save("demo.jpg", ContentFile(content), save=False)
        document.save()

    def entered(self, day, accounts):
        """The review fields of an entry entered two days after `day` and approved the
        next day (never later than now)."""
        now = clock.now()
        entered = min(at(day + timedelta(days=2), 10), now - timedelta(hours=2))
        return {
            "state": StepReport.State.APPROVED,
            "created_by": accounts.reporter,
            "created_at": entered,
            "reviewed_by": accounts.reviewer,
            "reviewed_at": min(entered + timedelta(days=1), now),
        }

    def spend(self, project, spec, today, accounts):
        """A pledge's funds in place, contracts and their nodes dated before today,
        entered approved in a batch (each as a reviewer would have passed it); then its
        department confirms the candidate's estimate as the budget with its sources,
        and a reviewer approves that, which writes the project's MoneyTotal."""
        plan = project.plan
        confirmed = self.on(plan, 0.01)
        if confirmed >= today:
            return
        funds = [
            Funding(
                project=project,
                source=source,
                amount=Decimal(amount),
                as_of=self.on(plan, share),
                **self.entered(self.on(plan, share), accounts),
            )
            for source, share, amount in spec.funds
            if self.on(plan, share) < today
        ]
        Funding.objects.bulk_create(funds)
        payments = []
        for item in spec.contracts:
            signed = self.on(plan, item.signed)
            if signed >= today:
                continue
            contract = Contract.objects.create(
                project=project,
                kind=item.kind,
                method=item.method,
                contractor=item.contractor,
                contractor_is_person=item.person,
                title=item.title,
                amount=Decimal(item.amount),
                signed_on=signed,
                **self.entered(signed, accounts),
            )
            for node, accepted, paid, amount in item.payments:
                accepted_on = self.on(plan, accepted) if accepted is not None else None
                paid_on = self.on(plan, paid)
                if paid_on < today:
                    money = {"amount": Decimal(amount), "paid_on": paid_on}
                elif accepted_on is not None and accepted_on < today:
                    money, paid_on = {}, accepted_on  # accepted, not yet paid
                else:
                    continue
                payments.append(
                    Payment(
                        project=project,
                        contract=contract,
                        node=node,
                        accepted_on=accepted_on,
                        **money,
                        **self.entered(paid_on, accounts),
                    )
                )
        Payment.objects.bulk_create(payments)
        budget = Budget.objects.get(project=project, estimate=True)
        for source, amount in spec.sources.items():
            setattr(budget, source, Decimal(amount))
        budget.total = sum(Decimal(amount) for amount in spec.sources.values())
        budget.as_of, budget.estimate = confirmed, False
        budget.note = "演示：已核实计划总投资和资金来源。"
        budget.state, budget.review_note = Budget.State.SUBMITTED, ""
        budget.full_clean()
        budget._history_user = accounts.reporter
        budget.save()
        budget.approve(accounts.reviewer)
        Budget.objects.filter(pk=budget.pk).update(
            reviewed_at=self.entered(confirmed, accounts)["reviewed_at"]
        )

    def lapses(self, plan, today, accounts):
        """The road's first lot: its 路基完工 accepted LAGGING_DAYS ago, not yet paid.
        The lifts (the slow pledge): a second batch tendered, its 施工许可 planned
        LATE_PERMIT_DAYS ago and not yet issued. Each once the first of its kind is
        behind it (not in the year's first months)."""
        lot = Contract.objects.filter(project__plan=plan, title__contains="第一标段").first()
        accepted = today - timedelta(days=LAGGING_DAYS)
        nodes = lot.payments.values_list("accepted_on", "paid_on") if lot is not None else []
        if lot is not None and accepted > max(
            (day for node in nodes for day in node if day), default=lot.signed_on
        ):
            Payment.objects.create(
                project=lot.project,
                contract=lot,
                node="路基完工",
                accepted_work="第一标段路基工程（演示）",
                accepted_on=accepted,
                **self.entered(accepted, accounts),
            )
        first = self.late.milestones.filter(step=S.START, done_on__isnull=False).first()
        permit = today - timedelta(days=LATE_PERMIT_DAYS)
        tender = permit - timedelta(days=40)
        if first is not None and tender > first.done_on:
            self.step(self.late, S.TENDER, "设计施工总承包招标（第二批24部）", tender, tender,
                      accounts)  # fmt: skip
            self.step(self.late, S.PERMIT, "施工许可（第二批24部）", permit, None, accounts)

    # Next year's plan: its call open today.

    def supervise(self, plan, today, accounts):
        """Where the alerts go, and what they are about: each department's demo mailbox,
        a 企业微信 robot of the late department and a 钉钉 robot of the office; a report
        waiting past the review limit, a 督办 past its deadline without a response and
        one closed."""
        departments = Department.objects.of_plan(plan).order_by("name")
        for n, department in enumerate(departments, start=1):
            Channel.objects.create(
                department=department, kind="email", address=f"dept{n}@demo.invalid",
                name="演示邮箱",
            )  # fmt: skip
        Channel.objects.create(
            department=self.late.lead_department, kind="wecom", name="演示企业微信群",
            address="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=DEMO-KEY",
        )  # fmt: skip
        Channel.objects.create(
            kind="dingtalk", name="演示督查室钉钉群", secret="SECDEMO",  # noqa: S106 - a demo's
            address="https://oapi.dingtalk.com/robot/send?access_token=DEMO-TOKEN",
        )  # fmt: skip
        Channel.objects.create(kind="email", address="duchashi@demo.invalid", name="演示督查室")

        target = (
            Target.objects.filter(project__plan=plan, latest_value__isnull=False)
            .exclude(project__title=PARK_TITLE)
            .order_by("-project__number")
            .first()
        )
        if target is not None:
            waiting = ProgressReport(
                target=target, value=target.latest_value, as_of=target.latest_as_of,
                note="演示：核对后数值不变，等待审核。", created_by=accounts.reporter,
                delay_reason="演示", next_steps="演示",
            )  # fmt: skip
            waiting.save()
            waiting.submit(accounts.reporter)
            entered = clock.now() - timedelta(days=10)
            ProgressReport.objects.filter(pk=waiting.pk).update(
                created_at=entered, submitted_at=entered
            )
        project = self.late
        late = Supervision(
            plan=plan, kind=Supervision.Kind.REPORT, project=project,
            target=project.targets.first(), department=project.lead_department,
            problem="演示：连续两个填报截止日没有提交进度。",
            requirement="演示：五个工作日内补报进度并说明原因。",
            deadline=today - timedelta(days=3), opened_by=accounts.reviewer,
            opened_at=clock.now() - timedelta(days=12),
        )  # fmt: skip
        late.save()
        done = Supervision(
            plan=plan, kind=Supervision.Kind.LAGGING, project=project,
            department=project.lead_department,
            problem="演示：进度一度落后于序时进度。",
            requirement="演示：制定追赶计划，增加施工力量。", deadline=today - timedelta(days=20),
            opened_by=accounts.reviewer, opened_at=clock.now() - timedelta(days=40),
        )  # fmt: skip
        done.save()
        done.respond(accounts.reporter, "演示：已增加两个施工班组，进度已追上。")
        done.close(accounts.reviewer, "演示：经核查，整改到位。")
        Supervision.objects.filter(pk=done.pk).update(
            responded_at=clock.now() - timedelta(days=25),
            closed_at=clock.now() - timedelta(days=22),
        )

    def register(self, plan, today, accounts):
        """A labelled demo register of practical matters (为群众办实事), entered by the
        departments' reporter and approved, but for the last two, waiting for review."""
        departments = list(Department.objects.of_plan(plan).order_by("name"))
        days = (today - plan.period_start).days
        if days < 1:
            return
        for department in departments:
            department.members.add(accounts.reporter)
        for n, (title, category, people) in enumerate(DEMO_MATTERS):
            matter = Matter(
                plan=plan,
                department=departments[n % len(departments)],
                done_on=plan.period_start + timedelta(days=(n * 37) % days),
                title=f"演示：{title}",
                category=category,
                place=DEMO_STREETS[n % len(DEMO_STREETS)],
                beneficiaries=people,
                description="演示数据，不是真实事项。",
                created_by=accounts.reporter,
            )
            matter.full_clean()
            matter._history_user = accounts.reporter
            matter.save()
            if n < len(DEMO_MATTERS) - 2:
                matter.approve(accounts.reviewer)

    def next_year(self, today, accounts):
        year = today.year + 1
        # Opened two weeks ago, so that a few proposals have come in.
        plan = self.new_plan(year, today - timedelta(days=14), accounts.administrator)
        proposals = self.propose(plan, NEXT_YEARS_PROPOSALS, accounts.moderator)
        published = sum(spec.published for spec in NEXT_YEARS_PROPOSALS)
        self.stdout.write(
            f"{year}年：群众推荐征集期 {plan.call_opens:%Y-%m-%d} 至 {plan.call_closes:%Y-%m-%d}，"
            f"收到 {len(proposals)} 条演示推荐，已公开 {published} 条。"
        )

    # The path every figure takes.

    def report(self, target, as_of, value, reporter, reasons, note=""):
        report = ProgressReport(
            target=target, value=value, as_of=as_of, note=note, created_by=reporter
        )
        if report.pace_status() in pace.BEHIND:
            report.delay_reason, report.next_steps = reasons
        report.full_clean()
        report.save()
        return report

    def approve(self, report, reporter, reviewer, days=5):
        """Submitted and approved, then dated a few days after its as-of date (never
        later than now), as if entered then."""
        report.submit(reporter)
        report.approve(reviewer)
        now = clock.now()
        entered = min(at(report.as_of + timedelta(days=days), 10), now - timedelta(hours=2))
        ProgressReport.objects.filter(pk=report.pk).update(
            created_at=entered,
            submitted_at=entered,
            reviewed_at=min(entered + timedelta(days=1), now),
        )
        report.refresh_from_db()

    def attach_photo(self, report, reporter, text):
        content = demo_photo(text)
        evidence = Evidence(
            report=report,
            kind=Evidence.Kind.IMAGE,
            content_type="image/jpeg",
            original_name="demo.jpg",
            size=len(content),
            caption="演示图片",
            uploaded_by=reporter,
        )
        evidence.file.save("demo.jpg", ContentFile(content), save=False)
        evidence.save()
