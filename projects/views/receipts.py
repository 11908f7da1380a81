"""The receipt for what the public sends: its 受理编号 and private tracking link on the
confirmation page, and the tracking page that link opens.

The confirmation page learns the link from a signed cookie the form's answer sets
(`web.handover`): the token is in no address but the link itself, and the server
keeps only its hash (rules/receipts.py).

The tracking page is its bearer's: it shows what the item is, where it stands, the
answer once public, and takes an e-mail address (double opt-in, as a follow) and a
verdict on the answer (once). It never shows a name or a phone number, is never
cached, sends no Referer (`Referrer-Policy: no-referrer`), and its token is redacted
from every log line (yicheng/requestlog.py). Each look-up, found or not, counts
toward a limit per address (`guard.count_lookup`); a wrong token is a plain 404."""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from projects.alerts.tasks import send_follow_confirmation
from projects.models import Follow, PublicInput, answer_limits
from projects.rules import clock
from projects.views.dashboard import plan_context
from projects.views.voice import take
from projects.views.voice_forms import AnswerMailForm
from projects.web import freshness, guard


def tracked(view):
    """A view of the tracking page: counted toward the address's limit, the item looked
    up by its token (a 404 when none), never cached, no Referer sent from it.

    Its forms post without Django's CSRF check: under `no-referrer` a browser sends
    `Origin: null` (and, over https, no Referer), which that check refuses. The token
    in the address is the secret a CSRF token would be: a page elsewhere cannot post
    here without knowing it, and whoever knows it may act anyway (as the one-click
    unsubscribe of views/follow.py, RFC 8058)."""

    @functools.wraps(view)
    def wrapped(request, token, *args, **kwargs):
        verdict = guard.count_lookup(request)
        if verdict.over_hard:
            response = guard.too_many(request, verdict.retry_after, "projects/receipt_limited.html")
        else:
            item = (
                PublicInput.objects.by_token(token)
                .select_related("plan", "project__plan", "answer__department", "about_candidate")
                .first()
            )
            if item is None:
                raise Http404("查询链接无效。")
            item.tracking_token = token
            response = view(request, item, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return csrf_exempt(never_cache(wrapped))


def receipt_context(request, item, **extra):
    day = clock.today()
    days_left = None
    if item.is_answered_kind:  # the plan's dated rule, read once
        limits = answer_limits(item.plan)
        item.due = item.answer_due(limits)
        days_left = item.working_days_left(day, limits)
    state, reason = item.receipt_state()
    answer = item.public_answer()
    return {
        **plan_context(request, item.plan),
        "item": item,
        "state": state,
        "reason": reason,
        "days_left": days_left,
        # past its last day, even on a rest day right after it (0 working days past)
        "past_due": days_left is not None and day > item.due,
        "days_past": -days_left if days_left is not None and days_left < 0 else None,
        "answer": answer,
        "takes_mail": item.awaits_answer,
        "retention_days": settings.CONTACT_RETENTION_DAYS,
        "confirm_days": settings.FOLLOW_CONFIRM_DAYS,
        **extra,
    }


def item_url(item):
    return reverse("projects:receipt", args=[item.tracking_token])


@tracked
def receipt(request, item):
    """The tracking page; its form (a POST here) takes an address to hear when the
    answer is public, confirmed by a link first (a follow of the item)."""
    extra = {"mail_sent": "mail" in request.GET, "voted": "voted" in request.GET}
    context = receipt_context(request, item, **extra)
    if request.method == "POST" and not context["takes_mail"]:
        raise Http404("这条留言不需要答复通知，或答复已经公开。")

    def store(form, plan, project):
        follow, _ = Follow.objects.get_or_create(
            item=item, email=form.cleaned_data["email"], defaults={"project": item.project}
        )
        if follow.confirmed_at is None:  # confirmed: nothing to send, and nothing said
            follow.seal_link(item.tracking_token)
            follow.save()
            send_follow_confirmation.enqueue(follow.pk)

    # take: the honeypot, the question past the soft limit, errors shown on the page.
    response = take(
        request, AnswerMailForm, context, "projects/receipt.html", item.plan, store=store
    )
    if response is not None:
        return response
    return redirect(item_url(item) + "?mail=sent")


receipt.public_form = True


@tracked
def receipt_vote(request, item):
    """这个答复有帮助吗？: once, by the bearer of the link (a POST from its page)."""
    if request.method != "POST":
        return redirect(item_url(item))
    choice = request.POST.get("helpful")
    if item.public_answer() is None or choice not in ("yes", "no"):
        raise Http404("答复尚未公开。")
    try:
        with transaction.atomic():
            item.judge_answer(choice == "yes")
    except ValidationError as error:
        context = receipt_context(request, item, vote_error=error.messages[0])
        return render(request, "projects/receipt.html", context, status=409)
    freshness.bump()  # the departments page counts the verdicts
    return redirect(item_url(item) + "?voted=1")
