"""Atom feeds (RFC 4287) of approved figures, newest approval first: one per plan, and
one per project so that a resident can follow a single pledge.

The entries are `ProgressReport.objects.newest_public()`: approved reports of published
plans only. Each entry's id is a tag: URI made of the site's host and the report's id,
so it stays the same when a project is renumbered or a page moves. Summaries are plain text (type
"text"): a note typed by an official is never read as HTML by a feed reader. A report's
public photos and PDFs are its enclosures.

Feeds speak the language the visitor chose for the pages (the language cookie; a feed
reader sends none and reads Chinese); the cache keeps one copy per language
(`freshness.cached_public`). What officials typed stays as they typed it.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects.models import Notice, Plan, ProgressReport, Project, of_year
from projects.rules.formatting import display_name, figure, percent
from projects.web.addresses import site_name

FEED_ENTRIES = 50  # a few weeks of reports across the plan; older ones are on the pages


# Characters XML 1.0 forbids. A note pasted from Word or Excel may hold one (a vertical
# tab, a form feed); Django's XML writer refuses them, so they are dropped here rather
# than turning the whole feed into an error.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value):
    return NOT_IN_XML.sub("", value) if isinstance(value, str) else value


class PlainTextAtomFeed(Atom1Feed):
    """Atom with each entry's summary as plain text rather than escaped HTML, and no
    character that XML cannot hold."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{key: xml_safe(value) for key, value in kwargs.items()})

    def add_item(self, **kwargs):
        super().add_item(**{key: xml_safe(value) for key, value in kwargs.items()})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("summary", item["summary_text"], {"type": "text"})


@dataclass
class Source:
    """What a feed is of: a plan, or one project of it; and the request, for the
    host in tag: ids and for absolute links."""

    plan: Plan
    project: Project | None
    request: HttpRequest

    @property
    def host(self):
        return urlsplit(self.request.build_absolute_uri("/")).hostname or "localhost"

    def tag(self, day, specific):
        return f"tag:{self.host},{day:%Y-%m-%d}:{specific}"


def demo_mark(plan):
    """Demo figures (make demo) say so wherever they are shown, feeds included."""
    return _("（演示数据）") if plan.demo_data else ""


class PlanFeed(Feed):
    feed_type = PlainTextAtomFeed

    @property
    def language(self):
        """The feed's xml:lang: the language it is written in, for this request."""
        return "en" if get_language() == "en" else "zh-Hans"

    def author_name(self, source):
        return site_name(source.plan.jurisdiction)

    def get_object(self, request, year):
        plan = get_object_or_404(
            Plan.objects.published().select_related("jurisdiction").of_year(year)
        )
        return Source(plan, None, request)

    def title(self, source):
        title = _("%(title)s：最新进展") % {"title": display_name(source.plan)}
        return title + demo_mark(source.plan)

    def subtitle(self, source):
        return _("%(year)s年民生实事经审核公开的进度数字，审核时间最新的在前。") % {
            "year": source.plan.year
        }

    def link(self, source):
        return reverse("projects:updates", args=[source.plan.year])

    def feed_url(self, source):
        return reverse("projects:plan_feed", args=[source.plan.year])

    def feed_guid(self, source):
        return source.tag(source.plan.period_start, f"plan-{source.plan.pk}")

    def items(self, source):
        reports = ProgressReport.objects.newest_public([source.plan])
        if source.project is not None:
            reports = reports.filter(target__project=source.project)
        reports = list(reports[:FEED_ENTRIES])
        # A figure that completed its project opened its 公示 (models/notice.py).
        notices = {n.report_id: n for n in Notice.objects.filter(report__in=reports)}
        for report in reports:
            report.opened_notice = notices.get(report.pk)
        for report in reports:  # what the item_ methods below need of the request
            report.entry_id = source.tag(
                timezone.localdate(report.created_at), f"report-{report.pk}"
            )
            report.enclosures = [
                Enclosure(
                    source.request.build_absolute_uri(evidence.get_absolute_url()),
                    str(evidence.size),
                    evidence.content_type,
                )
                for evidence in report.evidence.all()
            ]
        return reports

    def item_title(self, report):
        target = report.target
        title = _("%(project)s·%(target)s：截至%(day)s累计%(value)s%(unit)s") % {
            "project": display_name(target.project),
            "target": display_name(target),
            "day": f"{report.as_of:%Y-%m-%d}",
            "value": figure(report.value),
            "unit": target.unit,
        }
        return title + _("（更正）") if report.corrects_id else title

    def item_description(self, report):
        return None  # the summary is plain text, written by `item_extra_kwargs`

    def item_extra_kwargs(self, report):
        target = report.target
        figures = _(
            "截至%(day)s累计完成 %(value)s %(unit)s，目标 %(goal)s %(unit)s，完成 %(percent)s。"
        )
        lines = [
            *([_("演示数据，不是真实填报。")] if target.project.plan.demo_data else []),
            display_name(target.project),
            _("指标：%(target)s") % {"target": display_name(target)},
            figures
            % {
                "day": f"{report.as_of:%Y-%m-%d}",
                "value": figure(report.value),
                "unit": target.unit,
                "goal": figure(target.target_value),
                "percent": percent(report.percent),
            },
        ]
        if report.corrects:
            lines.append(
                _("更正此前公开的数值：截至%(day)s的 %(value)s %(unit)s。")
                % {
                    "day": f"{report.corrects.as_of:%Y-%m-%d}",
                    "value": figure(report.corrects.value),
                    "unit": target.unit,
                }
            )
        if report.opened_notice:
            notice = report.opened_notice
            lines.append(
                _("这一数字使实事达到承诺：公示 %(start)s 至 %(end)s，期间任何人都可以提出异议。")
                % {
                    "start": f"{notice.published_on:%Y-%m-%d}",
                    "end": f"{notice.closes_on:%Y-%m-%d}",
                }
            )
        for label, text in (
            (_("备注："), report.note),
            (_("滞后原因："), report.delay_reason),
            (_("下一步措施："), report.next_steps),
        ):
            if text.strip():
                lines.append(label + text.strip())
        return {"summary_text": "\n".join(lines)}

    def item_enclosures(self, report):
        """The report's public photos and PDFs, as links with rel="enclosure"."""
        return report.enclosures

    def item_link(self, report):
        return report.target.get_absolute_url()

    def item_guid(self, report):
        return report.entry_id

    def item_pubdate(self, report):
        return report.reviewed_at or report.created_at

    def item_updateddate(self, report):
        return report.reviewed_at or report.created_at


class ProjectFeed(PlanFeed):
    def get_object(self, request, year, number):
        project = get_object_or_404(
            Project.objects.published().select_related("plan__jurisdiction"),
            of_year(year, "plan"),
            number=number,
        )
        return Source(project.plan, project, request)

    def title(self, source):
        title = _("%(title)s：最新进展") % {"title": display_name(source.project)}
        return title + demo_mark(source.plan)

    def subtitle(self, source):
        return _("%(year)s年民生实事“%(title)s”经审核公开的进度数字，审核时间最新的在前。") % {
            "year": source.plan.year,
            "title": (get_language() == "en" and source.project.title_en) or source.project.title,
        }

    def link(self, source):
        return source.project.get_absolute_url()

    def feed_url(self, source):
        return reverse("projects:project_feed", args=[source.plan.year, source.project.number])

    def feed_guid(self, source):
        return source.tag(source.plan.period_start, f"project-{source.project.pk}")
