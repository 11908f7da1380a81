"""实事档案馆: everything public about a plan as a Frictionless Data Package.

`/data/<year>/datapackage.json` describes the plan's CSVs (plan, projects, targets,
reports, evidence) beside it, and `/data/<year>/<name>.zip` holds them all. The
columns are the API's records (`projects.api.schemas`): the same names, meanings, types
and units, read from the same declarations, so the package, the API and the /data/ page
cannot drift apart.

Until a plan is archived, its package is built from the data of the moment, dated
that day. `archive(plan)` builds it once more and keeps the zip and its checksum
(`PlanArchive`); from then on every file is served from that zip, so it never
changes, and the plan takes no report (`ProgressReport.clean`). Evidence files are
listed with their size and SHA-256, not copied into the zip.
"""

import copy
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from functools import cache
from typing import ClassVar, Literal
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from pydantic import ConfigDict, Field

from projects.api import records, schemas
from projects.exchange.spreadsheets import CSV_DIALECT, CSV_ENCODING, csv_lines
from projects.models import (
    Ballot,
    Budget,
    Candidate,
    Contract,
    Funding,
    Jurisdiction,
    Matter,
    Notice,
    OnlineRating,
    Payment,
    Plan,
    PlanArchive,
    ProgressReport,
    Project,
    PublicInput,
    Rating,
    Supervision,
    Tally,
    Target,
    rollup,
)
from projects.rules import clock

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "知识共享署名 4.0 国际许可协议（使用时请注明来源）",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


class EvidenceFile(schemas.EvidenceRecord):
    """A row of evidence.csv: an evidence record of the API with its report, size and
    checksum (the file itself stays on the site)."""

    model_config = ConfigDict(extra="forbid")
    report: int = Field(description="所属填报的编号（reports 的 id）")
    size: int = Field(description="文件大小", json_schema_extra={"x-unit": "字节"})
    sha256: str = Field(description="文件的 SHA-256 校验值（十六进制），可核对下载的文件未被改动")

    READ: ClassVar[dict] = {
        **schemas.EvidenceRecord.READ,
        "report": lambda evidence, site: evidence.report_id,
    }


# The money tables whose records list public documents (a table of their own here).
MONEY_TABLES = ("budgets", "funds", "contracts", "payments", "steps")


class MoneyDocumentFile(schemas.MoneyDocumentRecord):
    """A row of money_documents.csv: a public (redacted) document of a money record or
    step, with the record it belongs to (the file itself stays on the site)."""

    model_config = ConfigDict(extra="forbid")
    table: Literal[MONEY_TABLES] = Field(
        description="所属记录的表（budgets、funds、contracts、payments 或 steps）"
    )
    entry: int = Field(description="所属记录在该表中的编号（id）")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    record: type
    primary_key: list
    foreign_keys: list


TABLES = [
    Table("plan", "年度计划", schemas.PlanRecord, ["year"], []),
    Table("projects", "民生实事", schemas.ProjectRecord, ["number"], []),
    Table(
        "targets",
        "指标",
        schemas.TargetRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "reports",
        "经审核的填报",
        schemas.ReportRecord,
        ["id"],
        [{"fields": "target", "reference": {"resource": "targets", "fields": "id"}}],
    ),
    Table(
        "evidence",
        "佐证材料",
        EvidenceFile,
        ["sha256", "report"],
        [{"fields": "report", "reference": {"resource": "reports", "fields": "id"}}],
    ),
    Table(
        "questions",
        "群众留言与答复",
        schemas.QuestionRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table("proposals", "群众推荐与遴选结果", schemas.ProposalRecord, ["id"], []),
    Table("candidates", "候选项目", schemas.CandidateRecord, ["order"], []),
    Table(
        "comments",
        "群众对候选项目的意见",
        schemas.CommentRecord,
        ["id"],
        [{"fields": "candidate", "reference": {"resource": "candidates", "fields": "order"}}],
    ),
    Table(
        "tallies",
        "代表票决票数",
        schemas.TallyRecord,
        ["ballot", "candidate"],
        [{"fields": "candidate", "reference": {"resource": "candidates", "fields": "order"}}],
    ),
    Table(
        "ratings",
        "满意度测评",
        schemas.RatingRecord,
        ["project"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "notices",
        "完成公示",
        schemas.NoticeRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "objections",
        "对完成公示的异议",
        schemas.ObjectionRecord,
        ["id"],
        [{"fields": "notice", "reference": {"resource": "notices", "fields": "id"}}],
    ),
    Table("matters", "为群众办实事", schemas.MatterRecord, ["id"], []),
    Table(
        "supervisions",
        "挂牌督办",
        schemas.SupervisionRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "sites",
        "点位",
        schemas.SiteRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "online_ratings",
        "码上评（未经核实的网上评价）",
        schemas.OnlineRatingRecord,
        [],  # site is empty for ratings at a project's code: no key of its columns
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "surveys",
        "满意度抽样调查结果",
        schemas.SurveyRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "budgets",
        "项目预算",
        schemas.BudgetRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "funds",
        "资金到位",
        schemas.FundingRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "contracts",
        "合同",
        schemas.ContractRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table(
        "payments",
        "合同节点拨付",
        schemas.PaymentRecord,
        ["id"],
        [{"fields": "contract", "reference": {"resource": "contracts", "fields": "id"}}],
    ),
    Table(
        "steps",
        "手续节点",
        schemas.StepRecord,
        ["id"],
        [{"fields": "project", "reference": {"resource": "projects", "fields": "number"}}],
    ),
    Table("money_documents", "资金与手续的公开材料", MoneyDocumentFile, ["url"], []),
    # the plans of the year of the levels below the plan's jurisdiction, side by side
    Table("levels", "下辖各级的计划与完成情况", schemas.LevelRecord, ["jurisdiction", "plan"], []),
]

# Table Schema types for the API's JSON Schema types.
TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "string": "string"}
FORMATS = {"date": "date", "date-time": "datetime"}
LIST_SEPARATOR = "；"


def table_field(name, schema):
    """A Table Schema field for a record's field, from its JSON Schema."""
    options = schema.get("anyOf", [schema])
    main = next(option for option in options if option.get("type") != "null")
    field = {"name": name, "description": str(schema.get("description", ""))}
    if main.get("type") == "array":
        field["type"] = "string"
        field["description"] += f"（多项以“{LIST_SEPARATOR}”分隔）"
    elif main.get("type") == "object":  # counts by a code (a level's projects by status)
        field["type"] = "string"
        field["description"] += f"（“代码:件数”，多项以“{LIST_SEPARATOR}”分隔）"
    elif main.get("format") in FORMATS:
        field["type"] = FORMATS[main["format"]]
    elif "pattern" in main:
        field["type"] = "number"  # a figure: written as the API writes it, "12.5"
    else:
        field["type"] = TYPES[main["type"]]
        if main.get("format") == "uri":
            field["format"] = "uri"
    if "enum" in main:
        field["constraints"] = {"enum": main["enum"]}
    for key in ("x-unit", "x-unit-field"):
        if key in schema or key in main:
            field[key.removeprefix("x-").replace("-field", "Field")] = schema.get(
                key, main.get(key)
            )
    # Never null, and never empty unless text (an empty cell is a missing value).
    if len(options) == 1 and field["type"] != "string":
        field.setdefault("constraints", {})["required"] = True
    return field


def table_schema(table):
    """The table's Table Schema (a copy: the caller may change it)."""
    return copy.deepcopy(schema_of(table.name))


@cache
def schema_of(name):
    """A table's schema, made once per process: pydantic's JSON schema of its record
    costs a millisecond or two, and a package asks for each table's twice per build
    (its CSV's columns and datapackage.json), every file of a live package once more."""
    table = next(table for table in TABLES if table.name == name)
    with translation.override("zh-hans"):
        properties = table.record.model_json_schema()["properties"]
        fields = [
            table_field(name, schema)
            for name, schema in properties.items()
            if not is_nested(schema)
        ]
    schema = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    if table.foreign_keys:
        schema["foreignKeys"] = table.foreign_keys
    return schema


def is_nested(schema):
    """A list of records (a report's evidence): a table of its own, not a column."""
    return schema.get("type") == "array" and "$ref" in schema.get("items", {})


# Rows


def rows(plan, site):
    """{table name: [record dicts]} of everything public about `plan`; `site` is the
    address its URLs start from ("https://…/")."""
    projects = Project.objects.published().filter(plan=plan).with_progress().order_by("number")
    targets = (
        Target.objects.published()
        .filter(project__plan=plan)
        .with_progress()
        .select_related("project__plan")
        .order_by("project__number", "order", "pk")
    )
    reports = (
        ProgressReport.objects.public([plan])
        .select_related("target__project__plan")
        .prefetch_related("evidence")
        .with_percent()
        .order_by("target__project__number", "target__order", "target_id", "as_of", "id")
    )
    reports = list(reports)
    evidence = [EvidenceFile.of(item, site) for report in reports for item in report.evidence.all()]
    proposals = (
        PublicInput.objects.public()
        .filter(plan=plan, kind=PublicInput.Kind.PROPOSAL)
        .select_related("plan", "candidate")
        .order_by("received_at", "pk")
    )
    questions = (
        PublicInput.objects.public()
        .filter(plan=plan, kind__in=PublicInput.ANSWERED_KINDS)
        .select_related("plan", "project", "answer__department")
        .order_by("received_at", "pk")
    )
    candidates = (
        Candidate.objects.public()
        .filter(plan=plan)
        .select_related("plan", "lead_department", "project")
        .prefetch_related("supporting_departments", "proposals")
        .order_by("order")
    )
    published = Ballot.objects.public().filter(plan=plan).exists()
    tallies = (
        Tally.objects.filter(ballot__plan=plan)
        .select_related("ballot__plan", "ballot__tied_from__tied_from", "candidate")
        .order_by("ballot__recorded_at", "ballot_id", "candidate__order")
        if published
        else []
    )
    ratings = Rating.objects.public().filter(project__plan=plan).select_related("project__plan")
    money = {
        "budgets": [schemas.BudgetRecord.of(e, site) for e in records.public_money(Budget, plan)],
        "funds": [schemas.FundingRecord.of(e, site) for e in records.public_money(Funding, plan)],
        "contracts": [
            schemas.ContractRecord.of(e, site) for e in records.public_money(Contract, plan)
        ],
        "payments": [
            schemas.PaymentRecord.of(e, site) for e in records.public_money(Payment, plan)
        ],
        "steps": [schemas.StepRecord.of(step, site) for step in records.public_steps(plan)],
    }
    money["money_documents"] = [
        {**document, "table": name, "entry": record["id"]}
        for name in MONEY_TABLES
        for record in money[name]
        for document in record["documents"]
    ]
    below = plan.jurisdiction or Jurisdiction.objects.home()
    return {
        **money,
        "levels": [schemas.LevelRecord.of(level, site) for level in rollup(below, plan.year)],
        "candidates": [schemas.CandidateRecord.of(c, site) for c in candidates],
        "comments": [
            schemas.CommentRecord.of(item, site)
            for item in PublicInput.objects.public()
            .filter(plan=plan, kind=PublicInput.Kind.COMMENT)
            .select_related("plan", "about_candidate")
            .order_by("received_at", "pk")
        ],
        "tallies": [schemas.TallyRecord.of(t, site) for t in tallies],
        "ratings": [schemas.RatingRecord.of(r, site) for r in ratings.order_by("project__number")],
        "notices": [
            schemas.NoticeRecord.of(n, site)
            for n in Notice.objects.public()
            .filter(project__plan=plan)
            .select_related("project__plan")
            .order_by("project__number", "opens_on", "pk")
        ],
        "objections": [
            schemas.ObjectionRecord.of(o, site)
            for o in records.public_objections().filter(plan=plan).order_by("received_at", "pk")
        ],
        "matters": [
            schemas.MatterRecord.of(matter, site)
            for matter in Matter.objects.public()
            .filter(plan=plan)
            .select_related("plan", "department")
            .order_by("done_on", "pk")
        ],
        "supervisions": [
            schemas.SupervisionRecord.of(item, site)
            for item in Supervision.objects.public()
            .filter(plan=plan)
            .select_related("plan", "project", "department")
            .order_by("opened_at", "pk")
        ],
        "sites": [schemas.SiteRecord.of(s, site) for s in records.public_sites(plan, None)],
        "online_ratings": [
            schemas.OnlineRatingRecord.of(row, site)
            for row in records.online_rating_rows(
                OnlineRating.objects.public().filter(project__plan=plan)
            )
        ],
        "surveys": [
            schemas.SurveyRecord.of(survey, site) for survey in records.public_surveys(plan)
        ],
        "questions": [schemas.QuestionRecord.of(item, site) for item in questions],
        "proposals": [schemas.ProposalRecord.of(item, site) for item in proposals],
        "plan": [schemas.PlanRecord.of(plan, site)],
        "projects": [schemas.ProjectRecord.of(project, site) for project in projects],
        "targets": [schemas.TargetRecord.of(target, site) for target in targets],
        "reports": [schemas.ReportRecord.of(report, site) for report in reports],
        "evidence": evidence,
    }


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{key}:{count}" for key, count in value.items())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def csv_bytes(table, records):
    """The table's CSV, written as every CSV we serve (spreadsheets.csv_lines): only the
    columns the schema calls strings are made safe, so numbers stay numbers."""
    fields = table_schema(table)["fields"]
    columns = [field["name"] for field in fields]
    texts = {index for index, field in enumerate(fields) if field["type"] == "string"}

    def checked():
        for record in records:
            table.record.model_validate(record)  # as declared, or no package at all
            yield [cell(record[name]) for name in columns]

    return "".join(csv_lines(columns, checked(), texts)).encode("utf-8")


# The package


def package_name(plan):
    """The package's name, the zip's too: of the plan's jurisdiction, e.g.
    yicheng-minsheng-shishi-2021 (`listing` writes the same from its one query)."""
    return name_of(plan.jurisdiction.slug, plan.year)


def name_of(slug, year):
    return f"{slug}-minsheng-shishi-{year}"


def zip_name(plan):
    return f"{package_name(plan)}.zip"


def build(plan, site, created=None):
    """{file name: bytes}: the CSVs and datapackage.json describing them."""
    created = timezone.localtime(created or clock.now())
    records = rows(plan, site)
    files, resources = {}, []
    for table in TABLES:
        content = csv_bytes(table, records[table.name])
        files[f"{table.name}.csv"] = content
        resources.append(resource(table, content))
    home = site
    announcement = {"title": plan.source_name or plan.title}  # where the pledges were made
    if plan.source_url:
        announcement["path"] = plan.source_url
    sources = [
        announcement,
        {"title": f"{plan.jurisdiction.name}民生实事进度看板（经审核公开的填报）", "path": home},
    ]
    descriptor = {
        "profile": "tabular-data-package",
        "name": package_name(plan),
        "title": f"{plan.year}年 {plan.title}：进度数据",
        "description": (
            f"{plan.jurisdiction.name}{plan.year}年民生实事的公开承诺、指标和经审核公开的全部进度填报，"
            "以及佐证材料的清单（文件本身在本站，按 url 下载，可用 sha256 核对），"
            "经审核公开的群众留言和答复（不含留言人的姓名和电话），"
            "经审核的预算、资金到位、合同、拨付和手续节点（金额以万元计；公开材料只列出"
            "脱敏件的网址、大小和 SHA-256，原件不公开）。"
            "满意度抽样调查结束后的答卷数、各项占比和抽样记录（不含住户名单和调查码）。"
            "下辖各级（县区、乡镇街道）同一年度计划的完成情况，只计各级审核通过的填报（如有下级）。"
            "只含经审核公开的数据。"
            + ("本计划的进度为演示数据，不是真实填报。" if plan.demo_data else "")
        ),
        "version": created.date().isoformat(),
        "created": created.isoformat(),
        "homepage": urljoin(site, plan.get_absolute_url()),
        "keywords": [plan.jurisdiction.name, "民生实事", str(plan.year)],
        "licenses": [LICENSE],
        "sources": sources,
        "resources": resources,
    }
    if plan.archived_at:
        descriptor["archived"] = timezone.localtime(plan.archived_at).isoformat()
    files["datapackage.json"] = json.dumps(descriptor, ensure_ascii=False, indent=2).encode()
    return files


def resource(table, content):
    """The descriptor of a table's CSV in datapackage.json."""
    return {
        "name": table.name,
        "title": table.title,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": CSV_ENCODING,
        "dialect": CSV_DIALECT,
        "bytes": len(content),
        "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
        "schema": table_schema(table),
    }


LEVELS_TABLE = next(table for table in TABLES if table.name == "levels")


def build_levels(jurisdiction, year, site, created=None):
    """{file name: bytes} of a jurisdiction that keeps no plan of `year` while levels
    below it do (a city): its package is their plans side by side, levels.csv, the
    table every plan's package holds for the levels below it. Built when asked for:
    each level's own package is the one that is archived."""
    created = timezone.localtime(created or clock.now())
    progress = rollup(jurisdiction, year)
    content = csv_bytes(LEVELS_TABLE, [schemas.LevelRecord.of(level, site) for level in progress])
    demo = any(level.plan.demo_data for level in progress)
    descriptor = {
        "profile": "tabular-data-package",
        "name": name_of(jurisdiction.slug, year),
        "title": f"{jurisdiction.name}下辖各级{year}年民生实事：完成情况",
        "description": (
            f"{jurisdiction.name}下辖各级（县区、乡镇街道）{year}年民生实事计划的完成情况并列："
            "实事件数、完成率、序时进度和各状态件数，只计各级审核通过的填报。"
            "各级计划的全部数据见各级的数据包（plan 列的网址所在的一级）。"
            + ("其中有演示数据，不是真实填报。" if demo else "")
        ),
        "version": created.date().isoformat(),
        "created": created.isoformat(),
        "homepage": urljoin(site, reverse("projects:levels", args=[year])),
        "keywords": [jurisdiction.name, "民生实事", str(year)],
        "licenses": [LICENSE],
        "sources": [
            {
                "title": f"{jurisdiction.name}民生实事进度看板（下辖各级审核公开的填报）",
                "path": site,
            }
        ],
        "resources": [resource(LEVELS_TABLE, content)],
    }
    return {
        "levels.csv": content,
        "datapackage.json": json.dumps(descriptor, ensure_ascii=False, indent=2).encode(),
    }


def zipped(files, created):
    """The files in one zip, stamped with the package's time."""
    stamp = timezone.localtime(created).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["datapackage.json", *sorted(n for n in files if n != "datapackage.json")]:
            archive.writestr(zipfile.ZipInfo(name, stamp), files[name], zipfile.ZIP_DEFLATED)
    return out.getvalue()


def unzipped(package):
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def listing(jurisdiction, has_levels=True):
    """The jurisdiction's packages for the open data page: (year, title, zip name,
    archived time and checksum, or None while live), each published plan's, and for a
    year it keeps no plan of while levels below it do, their levels' (`build_levels`).
    One query, a second if it `has_levels`; the packages themselves are not read."""
    plans = Plan.objects.published().filter(jurisdiction=jurisdiction).order_by("-year")
    plans = plans.values_list("year", "title", "archive__archived_at", "archive__sha256")
    packages = {
        year: {"title": title, "archived_at": archived_at, "sha256": sha256}
        for year, title, archived_at, sha256 in plans
    }
    for year in levels_years(jurisdiction) if has_levels else []:
        title = f"{jurisdiction.name}下辖各级{year}年民生实事（完成情况）"
        packages.setdefault(year, {"title": title, "archived_at": None, "sha256": None})
    return [
        {"year": year, "zip": f"{name_of(jurisdiction.slug, year)}.zip", **packages[year]}
        for year in sorted(packages, reverse=True)
    ]


def levels_years(jurisdiction):
    """The years some level below `jurisdiction` pledged a published plan of."""
    below = Plan.objects.below(jurisdiction).filter(stage__in=Plan.PLEDGED_STAGES)
    return below.order_by("-year").values_list("year", flat=True).distinct()


def files_of(plan, request):
    """The plan's package as served: the archived one, or one built now."""
    archived = PlanArchive.objects.filter(plan=plan).first()
    if archived is not None:
        files = unzipped(archived.package)
        files[zip_name(plan)] = bytes(archived.package)
        return files
    files = build(plan, request.build_absolute_uri("/"))
    files[zip_name(plan)] = zipped(files, clock.now())
    return files


def levels_files_of(jurisdiction, year, request):
    """The package of a jurisdiction that keeps no plan of `year` (`build_levels`), as
    served, or None if no level below it pledged one that year."""
    if not levels_years(jurisdiction).filter(year=year).exists():
        return None
    files = build_levels(jurisdiction, year, request.build_absolute_uri("/"))
    files[f"{name_of(jurisdiction.slug, year)}.zip"] = zipped(files, clock.now())
    return files


@transaction.atomic
def archive(plan, user=None):
    """Fix the plan's data for good: build its package once, keep it with its checksum,
    and take no more reports. Refused while a report waits for review."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_published:
        raise ValidationError(f"{plan.year} 年度计划尚未公开，不能归档。")
    if plan.archived_at:
        raise ValidationError(
            f"{plan.year} 年度计划已于 {timezone.localtime(plan.archived_at):%Y-%m-%d} 归档。"
        )
    if plan.period_end >= clock.today():
        raise ValidationError(
            f"{plan.year} 年度计划的周期到 {plan.period_end:%Y-%m-%d} 才结束，结束后才能归档。"
        )
    waiting = ProgressReport.objects.waiting().filter(target__project__plan=plan).count()
    if waiting:
        raise ValidationError(f"尚有 {waiting} 条填报等待审核：审核完毕后才能归档。")
    if not settings.SITE_URL:
        raise ValidationError(
            "请先设置 SITE_URL（本站的正式地址）：数据包中的网址以它为准，归档后不再改变。"
        )
    now = clock.now()
    plan.archived_at = now
    plan.stage = Plan.Stage.ARCHIVED
    plan.save(update_fields=["archived_at", "stage"])
    files = build(plan, urljoin(settings.SITE_URL, "/"), created=now)
    package = zipped(files, now)
    return PlanArchive.objects.create(
        plan=plan,
        archived_at=now,
        archived_by=user,
        package=package,
        sha256=hashlib.sha256(package).hexdigest(),
    )
