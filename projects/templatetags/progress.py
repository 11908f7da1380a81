from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, json_script
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from projects.rules import formatting

register = template.Library()

for name in ("figure", "percent", "bar_width", "bar_marker", "display_name", "points_apart"):
    register.filter(name, getattr(formatting, name))


@register.filter
def display_number(project):
    """A project's number as the current language writes it: 十一 / 11, as in `display_name`."""
    return str(project.number) if get_language() == "en" else project.number_cn


class PlainJSONEncoder(DjangoJSONEncoder):
    """Chinese as UTF-8, not \\uXXXX escapes: half the bytes (json_script still escapes
    < > & so the data cannot close its script element)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "ensure_ascii": False})


@register.filter
def json_data(value, element_id):
    """`json_script` with Chinese written as itself."""
    return json_script(value, element_id, encoder=PlainJSONEncoder)


@register.filter
def undecided(notice, day):
    """Whether an objection to `notice` was public and undecided on `day`."""
    return notice.undecided_on(day)


@register.filter
def shown_status(table, record):
    """A target's status as its table shows it (`TargetTable.shown_status`)."""
    return table.shown_status(record)


@register.filter
def absolute(value):
    return abs(value)


@register.filter
def status_label(status):
    from projects.rules.pace import Status

    return Status(status).label


# The office's words a resident meets on the public pages, each explained where it
# appears by `{% term "name" %}`: a <details> that opens by touch, by keyboard and by
# mouse alike, with no script (a hover tooltip does none of this on a phone).
TERMS = {
    "expected": (
        _("序时进度"),
        _(
            "按时间应完成的比例：从计划开始日到完成时限均匀推进，有分月计划的按计划值。"
            "完成率低于序时进度，说明进度跟不上时间。"
        ),
    ),
    "status": (
        _("状态"),
        _(
            "完成率比序时进度低 {slow} 个百分点以上为“推进缓慢”，低 {severe} 个百分点以上为"
            "“严重滞后”；过了完成时限仍未完成为“逾期未完成”。数字达到承诺后先“公示中”，"
            "公示期满没有成立的异议才算“已完成”；异议成立的转为“整改中”。"
        ),
    ),
    "milestone": (
        _("节点"),
        _(
            "一件事中必须按时完成的关键一步，比如办完施工许可、开工。节点类指标完成记为 1，"
            "未完成记为 0；到了时限还没完成就算落后。"
        ),
    ),
    "supervision": (
        _("挂牌督办"),
        _("督查部门对进度滞后、逾期未报或超期未答复的事项公开点名，写明问题、整改要求和时限。"),
    ),
    "closed": (
        _("销号"),
        _("责任单位反馈整改情况，督查部门核查属实后，把这件督办从清单上划掉，并公开整改结果。"),
    ),
    "overdue_report": (
        _("逾期未报"),
        _("每月有一个填报截止日；过了截止日，这项指标还没有报送新的进度，就是逾期未报。"),
    ),
}


@register.simple_tag(takes_context=True)
def term(context, name, shown=None):
    """An office term with its plain explanation (TERMS), opened by a tap. `shown`: the
    words shown for it, when not the term itself. The status thresholds are the plan's
    rules on the day shown (`rules` in the page's context)."""
    word, explanation = TERMS[name]
    if name == "status":
        values = context["rules"].values
        explanation = explanation.format(
            slow=formatting.figure(values["pace_slow_points"]),
            severe=formatting.figure(values["pace_severe_points"]),
        )
    return format_html(
        '<details class="term"><summary>{}</summary><span class="term-text">{}</span></details>',
        shown or word,
        explanation,
    )
