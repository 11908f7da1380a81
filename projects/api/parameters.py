"""The API's parameters: limits, the types a client sends, the bilingual 400 for each
parameter it cannot use, the filters of each list."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from django.http import JsonResponse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from projects.models import (
    CODE_PATTERN,
    EARLIEST_DAY,
    LAST_PLAN_YEAR,
)
from projects.web.asof import read_as_of

PAGE_SIZE = 100


# Large enough to fetch a whole plan's targets in one request, small enough that one
# request cannot make the server build a response of millions of rows.
MAX_PAGE_SIZE = 500


# Longer numbers than this are no id, year or page of ours (and would overflow SQLite).
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


LARGEST = 10**18 - 1


def error_response(status, parameter, message, message_en):
    body = {"error": {"parameter": parameter, "message": message, "message_en": message_en}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# What each parameter must be, said when it is not.
PARAMETER_ERRORS = {
    "plan": (
        f"参数 plan 须为 {EARLIEST_DAY.year} 至 {LAST_PLAN_YEAR} 之间的年份，如 2021。",
        f"plan must be a year from {EARLIEST_DAY.year} to {LAST_PLAN_YEAR}, such as 2021.",
    ),
    "jurisdiction": (
        "参数 jurisdiction 须为 6 位或 9 位数字的行政区划代码，如 411702（驿城区）。",
        "jurisdiction must be a 6- or 9-digit administrative division code, such as 411702"
        " (Yicheng District).",
    ),
    "as_of": (
        f"参数 as_of 须为不早于 {EARLIEST_DAY} 的日期，格式为 年-月-日，如 2021-06-30。",
        f"as_of must be a date from {EARLIEST_DAY} on, as YYYY-MM-DD, such as 2021-06-30.",
    ),
    "target": (
        "参数 target 须为指标编号（正整数），见 /api/v1/targets/ 的 id。",
        "target must be a target id (a positive whole number) from /api/v1/targets/.",
    ),
    "project": (
        "参数 project 须为实事序号（正整数），如 3。",
        "project must be a project number (a positive whole number), such as 3.",
    ),
    "page_size": (
        f"参数 page_size 须为 1 至 {MAX_PAGE_SIZE} 之间的整数。",
        f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}.",
    ),
    "page": ("参数 page 须为正整数。", "page must be a positive whole number."),
    "q": ("参数 q 最多 50 个字。", "q may have at most 50 characters."),
}


class ErrorDetail(Schema):
    parameter: str | None = Field(description=_("无法使用的参数，与参数无关时为 null"))
    message: str = Field(description=_("中文说明"))
    message_en: str = Field(description=_("英文说明"))


class Error(Schema):
    error: ErrorDetail


EMPTY = {"type": "string", "maxLength": 0}  # "?plan=" counts as no plan given


def _whole_number(value):
    # Only an empty value counts as absent: " " is no number, as the document says.
    text = "" if value is None else str(value)
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError("not a whole number")
    return int(text)


def _day(value):
    text = "" if value is None else str(value)
    if not text:  # as for numbers: only an empty value counts as absent
        return None
    return read_as_of(text)  # not stripped: " 2021-06-30" is no date, as the document says


def WholeNumber(maximum=LARGEST, minimum=1):  # a type, named like one
    return Annotated[
        Annotated[int, Field(ge=minimum, le=maximum)] | None,
        BeforeValidator(_whole_number),
        WithJsonSchema(
            {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": maximum}, EMPTY]}
        ),
    ]


# A plan's year, as the model allows it. A year in these bounds without a published
# plan is a filter like any other: it finds nothing (`chosen_plans`).
Year = WholeNumber(LAST_PLAN_YEAR, minimum=EARLIEST_DAY.year)


# A date from EARLIEST_DAY (2000-01-01) on: a year of 2000 or later. The document cannot
# say "up to today", a bound that moves; a day after today is answered as today
# (`read_as_of`), and each as_of parameter says so (`as_of_field`).
DAY_PATTERN = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


Day = Annotated[
    date | None,
    BeforeValidator(_day),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date", "pattern": DAY_PATTERN}, EMPTY]}
    ),
]


def as_of_field(meaning):
    """An as_of parameter: what the day means to the list, and what a later day does."""
    return Field(None, description=format_lazy("{}{}", meaning, _("；晚于今天的日期按今天")))


def _page_size_description():
    return gettext("每页条数，默认 %(default)s，最多 %(max)s") % {
        "default": PAGE_SIZE,
        "max": MAX_PAGE_SIZE,
    }


def _code(value):
    text = "" if value is None else str(value)
    if not text:
        return None
    if not re.fullmatch(CODE_PATTERN, text):
        raise ValueError("not a jurisdiction's code")
    return text


Code = Annotated[
    str | None,
    BeforeValidator(_code),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": CODE_PATTERN}, EMPTY]}),
]


@dataclass(frozen=True)
class PlanChoice:
    """?plan= with ?jurisdiction=, as `records.chosen_plans` reads them: the year's plan
    of the jurisdiction, by default the home one (settings.HOME_JURISDICTION); without
    a year every published plan of it. The API answers each request for one
    jurisdiction (`endpoints.read_only`), so the lists without ?plan= read it too."""

    year: int | None
    jurisdiction: str | None


class ChoosesPlan(Schema):
    """A list filtered by ?plan=: `plan` becomes a PlanChoice with ?jurisdiction=."""

    jurisdiction: Code = Field(
        None,
        description=_(
            "行政区划代码，如 411781：只列出该行政区划的数据，链接指向它的页面；"
            "不填为本站所属的行政区划（如驿城区 411702）"
        ),
    )

    @model_validator(mode="after")
    def choose(self):
        self.plan = PlanChoice(self.plan, self.jurisdiction)
        return self


class Paging(Schema):
    page: WholeNumber() = Field(None, description=_("页码，从 1 开始，默认 1"))
    page_size: WholeNumber(MAX_PAGE_SIZE) = Field(
        None, description=lazy(_page_size_description, str)()
    )


class PlanFilters(Paging):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）；计划本身不随日期变化"))


class ProjectFilters(ChoosesPlan, Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：只计入该日及以前的填报，进度按当日判断"))


class LevelFilters(Paging):
    jurisdiction: Code = Field(
        None,
        description=_(
            "行政区划代码，如 411700（驻马店市）：列出它以下各级的计划；"
            "不填为本站所属的行政区划（如驿城区 411702）"
        ),
    )
    plan: Year = Field(None, description=_("年度，如 2021；不填则为各年度，最新年度在前"))
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：只计入该日及以前的填报，进度按当日判断"))


class TargetFilters(ProjectFilters):
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))


class ReportFilters(ProjectFilters):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：只列出截至日期在该日及以前的填报"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))
    target: WholeNumber() = Field(None, description=_("指标编号（targets 接口的 id）"))


class QuestionFilters(ChoosesPlan, Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 3"))


class CycleFilters(ChoosesPlan, Paging):
    plan: Year = Field(None, description=_("年度，如 2027；不填则为全部公开的年度计划"))


class SiteFilters(ProjectFilters):
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：点位的阶段按当日判断"))
    project: WholeNumber() = Field(None, description=_("实事序号，如 8"))


class GeoFilters(ChoosesPlan):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    as_of: Day = as_of_field(_("历史日期（YYYY-MM-DD）：点位的阶段按当日判断"))


class MatterFilters(ChoosesPlan, Paging):
    plan: Year = Field(None, description=_("年度，如 2021；不填则为全部公开的年度计划"))
    q: str = Field(None, max_length=50, description=_("在事项、地点和说明中搜索的文字"))
