"""The 民生码 and the sites: a poster for each project and site, whose QR code opens a
short, stable address (/m/p<id>, /m/s<id>) on the site's configured address; there,
码上查 (the light mobile page), 码上评 (a rating, counted at once) and 码上提 (a problem,
moderated and answered like a 留言). And each plan's list of sites, on a map where the
deployment has tiles."""

import hashlib
import io
from itertools import groupby

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from projects.models import (
    OnlineRating,
    PlanRule,
    Project,
    Site,
    SiteReport,
    end_of,
    month_of,
    month_tallies,
    project_questions,
    sites_geojson,
    watch,
)
from projects.rules import clock
from projects.views.dashboard import photo_of, plan_context, published_plan
from projects.views.voice import form_context, handed_receipt, store_item, take
from projects.views.voice_forms import ProblemForm, RatingForm
from projects.web import guard
from projects.web.asof import public_page
from projects.web.freshness import cached_public
from yicheng.clientaddr import limited_address, wider_network


def find_spot(kind, pk):
    """(project, site or None) for a 民生码's kind and id: a published project, or a
    public site (one with an approved stage); anything else is a 404."""
    if kind == "p":
        project = get_object_or_404(
            Project.objects.published().select_related("plan", "lead_department"), pk=pk
        )
        return project, None
    site = get_object_or_404(
        Site.objects.public()
        .with_stages()
        .select_related("target__project__plan", "target__project__lead_department"),
        pk=pk,
    )
    return site.target.project, site


def spot_args(project, site=None):
    """A 民生码's kind and id: a project's or a site's database id, which no renumbering
    or renaming changes."""
    return ("s", site.pk) if site is not None else ("p", project.pk)


def short_path(project, site=None):
    """The stable address a QR code holds."""
    return reverse("projects:spot", args=spot_args(project, site))


def spot_context(request, project, site):
    """What every 民生码 page shows around its content."""
    kind, pk = spot_args(project, site)
    return {
        **plan_context(request, project.plan),
        "project": project,
        "site": site,
        "spot_kind": kind,
        "spot_pk": pk,
        "rating_open": rating_open(project),
    }


@cached_public
@public_page
def spot(request, kind, pk):
    """码上查: the page a 民生码 opens, made for a phone on a weak connection."""
    project, site = find_spot(kind, pk)
    day = request.as_of or clock.today()
    project = Project.objects.with_progress(request.as_of).select_related("plan").get(pk=project.pk)
    if site is not None:
        site.shown_stage = site.stage_on(day)
        site.stages = [r for r in site.approved_reports if r.as_of <= day]
        target = next(t for t in project.targets.all() if t.pk == site.target_id)
    else:
        target = None
    ratings = OnlineRating.objects.filter(project=project, rated_at__lt=end_of(day))
    questions, more = project_questions(project, day, site=site)
    context = {
        **spot_context(request, project, site),
        "target": target,
        "before_after": site.phase_photos(day) if site else [],
        "site_list": []
        if site
        else Site.objects.public().filter(target__project=project).shown_on(day),
        "questions": questions,
        "more_questions": more,
        "tallies": month_tallies(ratings.filter(site=site) if site else ratings),
        "watch": watch(project, day),
        "answer_days": project.plan.rules_on(day).values[PlanRule.Name.ANSWER_WORKING_DAYS],
    }
    return render(request, "projects/spot.html", context)


def rating_open(project):
    try:
        OnlineRating.check_open(project)
    except ValidationError:
        return False
    return True


def qr_code(request, project, site):
    return segno.make(request.build_absolute_uri(short_path(project, site)), error="m")


@cached_public
def poster(request, kind, pk):
    """The A4 notice for a project's or a site's board, with its QR code."""
    project, site = find_spot(kind, pk)
    project = Project.objects.with_progress().select_related("plan").get(pk=project.pk)
    qr = qr_code(request, project, site)
    context = {
        **spot_context(request, project, site),
        "targets": [t for t in project.targets.all() if site is None or t.pk == site.target_id],
        "url": request.build_absolute_uri(short_path(project, site)),
        "qr_svg": qr.svg_inline(scale=6, border=4, omitsize=True),
    }
    return render(request, "projects/poster.html", context)


def qr_png(request, kind, pk):
    """The QR code alone, as a PNG for a print shop or a sign maker."""
    project, site = find_spot(kind, pk)
    buffer = io.BytesIO()
    qr_code(request, project, site).save(buffer, kind="png", scale=12, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="minshengma-{kind}{pk}.png"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


def fingerprint(value):
    """A keyed hash, to count a browser or an address without keeping either."""
    if not value:
        return None
    return hashlib.sha256(f"{settings.SECRET_KEY}:rating:{value}".encode()).hexdigest()[:32]


@never_cache
@ensure_csrf_cookie
def rate(request, kind, pk):
    """码上评: the verdict counts at once; a comment waits for a moderator."""
    project, site = find_spot(kind, pk)
    browser = fingerprint(guard.browser_key(request))
    today = clock.today()
    context = {
        **spot_form_context(request, project, site),
        # Said before the form is filled in, not after.
        "rated_again_on": OnlineRating.next_chance(project, browser, today),
        "month": month_of(today),
    }

    def store(form, plan, project, **fields):
        OnlineRating.check_open(project)
        rating = OnlineRating(
            project=project,
            site=site,
            verdict=form.cleaned_data["verdict"],
            month=month_of(clock.today()),
            browser=browser,
            address=fingerprint(limited_address(request)),
            network=fingerprint(wider_network(request)),
        )
        rating.take()
        if form.cleaned_data["text"]:
            rating.comment = form.item(plan, project)
            rating.comment.site = site
            rating.comment.full_clean()
            rating.comment.save()
        try:
            with transaction.atomic():  # a savepoint: the check below still runs
                rating.save()
        except IntegrityError:  # the same browser, a moment earlier, in another request
            OnlineRating.check_limits(project, rating.month, rating.browser, None)
            raise
        return rating.comment  # a comment has a receipt; a verdict alone, nothing to track

    sent = reverse("projects:spot_sent", kwargs={"kind": kind, "pk": pk, "what": "rated"})
    return take(
        request,
        RatingForm,
        context,
        "projects/rate.html",
        project.plan,
        project,
        store=store,
        sent=sent,
    )


rate.public_form = True


@never_cache
@ensure_csrf_cookie
def problem(request, kind, pk):
    """码上提: a problem report, a kind of public input (moderated, answered in time)."""
    project, site = find_spot(kind, pk)
    context = spot_form_context(request, project, site)
    if project.plan.archived_at:
        raise Http404("该年度计划已归档，不再接受问题反映。")
    return take(
        request,
        ProblemForm,
        context,
        "projects/problem.html",
        project.plan,
        project,
        store=store_item,
        sent=reverse("projects:spot_sent", kwargs={"kind": kind, "pk": pk, "what": "problem"}),
        site=site,
    )


problem.public_form = True
problem.accepts_public_photo = True


def spot_form_context(request, project, site):
    return {**form_context(request, project, None), **spot_context(request, project, site)}


@never_cache
def spot_sent(request, kind, pk, what):
    if what not in ("rated", "problem"):
        raise Http404
    project, site = find_spot(kind, pk)
    context = {
        **spot_form_context(request, project, site),
        "what": what,
        "receipt": handed_receipt(request),
    }
    return render(request, "projects/spot_sent.html", context)


def site_photo(request, key):
    """A stage's photo: for anyone once the stage is approved, before that only for the
    officials who may see the site."""
    public = SiteReport.objects.approved().filter(site__in=Site.objects.public())
    return photo_of(request, key, public, SiteReport.objects.visible_to, "site")


@cached_public
@public_page
def plan_sites(request, year):
    """Every public site of a plan, by 街道, on a map where tiles are configured."""
    plan = published_plan(year)
    day = request.as_of or clock.today()
    sites = (
        Site.objects.public()
        .filter(target__project__plan=plan)
        .order_by("street", "community", "pk")
        .shown_on(day)
    )
    streets = [(street, list(group)) for street, group in groupby(sites, lambda s: s.street)]
    tile = settings.MAP_TILE_URL.replace("{key}", settings.MAP_TILE_KEY)
    context = {
        **plan_context(request, plan),
        "streets": streets,
        "site_count": len(sites),
        "mapped": sum(1 for s in sites if s.has_point),
        "map": {
            "tiles": tile,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "subdomains": settings.MAP_TILE_SUBDOMAINS,
            "sites": sites_geojson(sites, day, request.build_absolute_uri("/")[:-1]),
        }
        if tile
        else None,
    }
    return render(request, "projects/sites.html", context)
