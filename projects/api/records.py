"""Each record as a dict, checked against its schema (`projects.api.schemas`), for the
endpoints and for the data package (`projects.api.archive`)."""

from django.urls import reverse
from django.utils import timezone, translation

from projects.models import (
    Plan,
    PublicInput,
    Site,
    Supervision,
)
from projects.rules import clock, pace
from projects.rules.formatting import figure, percent_value


def decimal_text(value):
    """Decimal('9100.00') → "9100", Decimal('12.50') → "12.5"; None → None."""
    return figure(value) if value is not None else None


def rounded(value):
    """A percent rounded to one decimal as the pages show it (四舍五入), or None."""
    return float(percent_value(value)) if value is not None else None


def status_label(status):
    """The status's Chinese name, whatever language the visitor chose for the pages."""
    with translation.override("zh-hans"):
        return str(pace.Status(status).label)


def absolute(request, path):
    return request.build_absolute_uri(path)


def plan_json(plan, request):
    api_query = f"?plan={plan.year}"
    return {
        "year": plan.year,
        "title": plan.title,
        "title_en": plan.title_en,
        "announced_on": plan.announced_on,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "source_name": plan.source_name,
        "source_url": plan.source_url,
        "demo_data": plan.demo_data,
        "url": absolute(request, plan.get_absolute_url()),
        "feed_url": absolute(request, reverse("projects:plan_feed", args=[plan.year])),
        "projects_url": absolute(request, reverse("projects:api_projects") + api_query),
        "targets_url": absolute(request, reverse("projects:api_targets") + api_query),
        "reports_url": absolute(request, reverse("projects:api_reports") + api_query),
    }


def project_json(project, request):
    return {
        "plan": project.plan.year,
        "number": project.number,
        "title": project.title,
        "title_en": project.title_en,
        "pledge_text": project.pledge_text,
        "lead_department": project.lead_department.name if project.lead_department else None,
        "supporting_departments": [d.name for d in project.supporting_departments.all()],
        "due_date": project.due_date,
        "percent": rounded(project.percent),
        "expected_percent": rounded(project.expected_percent),
        "status": project.status,
        "status_label": status_label(project.status),
        "is_complete": project.is_complete,
        "last_reported_on": project.last_reported_on,
        "targets": [target.pk for target in project.targets.all()],
        "url": absolute(request, project.get_absolute_url()),
        "feed_url": absolute(
            request, reverse("projects:project_feed", args=[project.plan.year, project.number])
        ),
    }


def target_json(target, request):
    return {
        "id": target.pk,
        "plan": target.project.plan.year,
        "project": target.project.number,
        "name": target.name,
        "name_en": target.name_en,
        "unit": target.unit,
        "kind": target.kind,
        "is_construction": target.is_construction,
        "target_value": decimal_text(target.target_value),
        "current_value": decimal_text(target.current_value),
        "last_reported_on": target.last_reported_on,
        "percent": rounded(target.percent),
        "expected_percent": rounded(target.expected_percent),
        "status": target.status,
        "status_label": status_label(target.status),
        "url": absolute(request, target.get_absolute_url()),
        "reports_url": absolute(request, f"{reverse('projects:api_reports')}?target={target.pk}"),
    }


def evidence_json(evidence, request):
    return {
        "url": absolute(request, evidence.get_absolute_url()),
        "kind": evidence.kind,
        "caption": evidence.caption,
    }


def report_json(report, request):
    target = report.target
    return {
        "id": report.pk,
        "plan": target.project.plan.year,
        "project": target.project.number,
        "target": target.pk,
        "target_name": target.name,
        "unit": target.unit,
        "value": decimal_text(report.value),
        "as_of": report.as_of,
        "percent": rounded(report.percent),
        "note": report.note,
        "delay_reason": report.delay_reason,
        "next_steps": report.next_steps,
        "approved_at": timezone.localtime(report.reviewed_at).isoformat()
        if report.reviewed_at
        else None,
        "corrects": report.corrects_id,
        "evidence": [evidence_json(evidence, request) for evidence in report.evidence.all()],
        "url": absolute(request, target.get_absolute_url()),
    }


def question_json(item, request):
    answer = item.public_answer()
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "project": item.project.number if item.project else None,
        "kind": item.kind,
        "site": item.site_id,
        "text": item.text,
        "place": item.place,
        "photo_url": absolute(request, reverse("projects:voice_photo", args=[item.key]))
        if item.photo
        else None,
        "received_on": item.received_on,
        "state": item.state,
        "merged_into": item.merged_into_id,
        "answer": answer.text if answer else None,
        "answer_department": answer.department.name if answer else None,
        "answered_on": answer.approved_on if answer else None,
        "working_days": answer.working_days if answer else None,
        "url": absolute(request, item.get_absolute_url()) if item.project else None,
    }


def proposal_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "title": item.title,
        "category": item.category or None,
        "text": item.text,
        "place": item.place,
        "photo_url": absolute(request, reverse("projects:voice_photo", args=[item.key]))
        if item.photo
        else None,
        "received_on": item.received_on,
        "state": item.state,
        "merged_into": item.merged_into_id,
        "outcome": item.outcome or None,
        "outcome_note": item.outcome_note,
        "candidate": item.candidate.order if item.candidate else None,
        "url": absolute(request, f"{reverse('projects:call', args=[item.plan.year])}#p{item.pk}"),
    }


def candidate_json(candidate, request):
    return {
        "plan": candidate.plan.year,
        "order": candidate.order,
        "title": candidate.title,
        "pledge_text": candidate.pledge_text,
        "lead_department": candidate.lead_department.name,
        "supporting_departments": [d.name for d in candidate.supporting_departments.all()],
        "investment": decimal_text(candidate.investment),
        "state": candidate.state,
        "project": candidate.project.number if candidate.project else None,
        "proposals": [
            p.pk for p in candidate.proposals.all() if p.state in PublicInput.PUBLIC_STATES
        ],
    }


def comment_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "candidate": item.about_candidate.order,
        "text": item.text,
        "place": item.place,
        "received_on": item.received_on,
        "url": absolute(request, f"{reverse('projects:call', args=[item.plan.year])}#c{item.pk}"),
    }


def tally_json(tally, request):
    ballot = tally.ballot
    return {
        "ballot": ballot.pk,
        "plan": ballot.plan.year,
        "session": ballot.session,
        "held_on": ballot.held_on,
        "round": ballot.round,
        "deputies": ballot.deputies,
        "present": ballot.present,
        "seats": ballot.seats,
        "cancelled": ballot.cancelled_at is not None,
        "cancel_reason": ballot.cancel_reason,
        "candidate": tally.candidate.order,
        "candidate_title": tally.candidate.title,
        "votes_for": tally.votes_for,
        "votes_against": tally.votes_against,
        "abstentions": tally.abstentions,
    }


def rating_json(rating, request):
    return {
        "plan": rating.project.plan.year,
        "project": rating.project.number,
        "held_on": rating.held_on,
        "satisfied": rating.satisfied,
        "basic": rating.basic,
        "unsatisfied": rating.unsatisfied,
        "verdict": rating.verdict,
        "verdict_label": str(rating.get_verdict_display()),
    }


def public_sites(year, as_of, project=None):
    """The public sites of the chosen plans with a stage on the day, in a stable order."""
    found = in_plans(Site.objects.public(), year, "target__project__plan")
    if project is not None:
        found = found.filter(target__project__number=project)
    found = found.order_by("-target__project__plan__year", "target__project__number", "pk")
    return found.shown_on(as_of or clock.today())


def site_json(site, request):
    stage = site.shown_stage
    return {
        "id": site.pk,
        "plan": site.target.project.plan.year,
        "project": site.target.project.number,
        "target": site.target_id,
        "name": site.name,
        "street": site.street,
        "community": site.community,
        "address": site.address,
        "longitude": float(site.longitude) if site.longitude is not None else None,
        "latitude": float(site.latitude) if site.latitude is not None else None,
        "stage": stage.stage,
        "stage_label": str(stage.get_stage_display()),
        "stage_since": stage.as_of,
        "url": absolute(request, site.get_absolute_url()),
    }


def online_rating_rows(found):
    """Tallies of online ratings by project, site and month, in a stable order."""
    return (
        found.order_by()
        .values("project__plan__year", "project__number", "site", "month")
        .tallies()
        .order_by("-project__plan__year", "project__number", "site", "-month")
    )


def online_rating_json(row, request):
    return {
        "plan": row["project__plan__year"],
        "project": row["project__number"],
        "site": row["site"],
        "month": row["month"],
        "satisfied": row["satisfied"],
        "fair": row["fair"],
        "dissatisfied": row["dissatisfied"],
        "total": row["total"],
    }


def notice_json(notice, request):
    return {
        "id": notice.pk,
        "plan": notice.project.plan.year,
        "project": notice.project.number,
        "opens_on": notice.opens_on,
        "published_on": notice.published_on,
        "closes_on": notice.closes_on,
        "days": notice.days,
        "upheld_on": notice.upheld_on,
    }


def objection_json(item, request):
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "project": item.project.number,
        "notice": item.notice_id,
        "text": item.text,
        "received_on": item.received_on,
        "outcome": item.outcome or None,
        "outcome_note": item.outcome_note,
        "decided_on": item.outcome_on,
        "url": absolute(request, f"{item.project.get_absolute_url()}#q{item.pk}"),
    }


def supervision_json(item, request):
    closed = item.state == Supervision.State.CLOSED
    return {
        "id": item.pk,
        "plan": item.plan.year,
        "kind": item.kind,
        "project": item.project.number if item.project else None,
        "department": str(item.department),
        "problem": item.problem,
        "requirement": item.requirement,
        "opened_on": item.opened_on,
        "deadline": item.deadline,
        "closed_on": item.closed_on,
        "response": item.response if closed else "",
        "review_note": item.review_note if closed else "",
        "url": absolute(request, reverse("projects:supervision", args=[item.plan.year]))
        + f"#s{item.pk}",
    }


def matter_json(matter, request):
    return {
        "id": matter.pk,
        "plan": matter.plan.year,
        "department": matter.department.name,
        "done_on": matter.done_on,
        "title": matter.title,
        "category": matter.category,
        "category_label": matter.get_category_display(),
        "place": matter.place,
        "beneficiaries": matter.beneficiaries,
        "description": matter.description,
        "photo_url": absolute(request, reverse("projects:matter_photo", args=[matter.key]))
        if matter.photo
        else None,
        "url": absolute(request, reverse("projects:matters", args=[matter.plan.year]))
        + f"#m{matter.pk}",
    }


def public_objections():
    return (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.OBJECTION, state=PublicInput.State.PUBLISHED)
        .select_related("plan", "project__plan")
    )


def chosen_plans(year):
    """The published plans of `year` (?plan=) as a list: of one, or of none when that
    year has none, so that it filters as any parameter does; None for every published
    plan."""
    if year is None:
        return None
    return list(Plan.objects.published().filter(year=year))


def in_plans(found, year, field="plan"):
    """`found` within the published plan of `year` (?plan=): nothing when that year has
    none; every published plan's when none is given."""
    chosen = chosen_plans(year)
    return found if chosen is None else found.filter(**{f"{field}__in": chosen})
