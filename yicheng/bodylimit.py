"""Request bodies bounded by who sends them, before anything reads one.

Django parses a multipart body, writing its files to the temporary folder, as soon as
anything reads request.POST, and CSRF's check is the first to: without this, an
anonymous 1.5 GB upload was written to disk before the CSRF refusal. A visitor who is
not signed in sends at most ANONYMOUS_BODY_MAX bytes (a login form); a signed-in
official at most BODY_MAX (a report with its photos). A public form that takes a
photo (its view marked `accepts_public_photo`) takes one photo's worth,
ANONYMOUS_PHOTO_BODY_MAX. The gateway should refuse
larger bodies first (README › Deployment); this holds without it.
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, resolve


class BodyLimitMiddleware:
    """After AuthenticationMiddleware (who is asking), before any view or CSRF check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse("请求长度无效。", 400)
        signed_in = request.user.is_authenticated if length else False
        limit = settings.BODY_MAX if signed_in else anonymous_limit(request) if length else 0
        if length > limit:
            return refuse(f"提交的内容过大（超过 {limit // 1024} KB），未予处理。", 413)
        return self.get_response(request)


def anonymous_limit(request):
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return settings.ANONYMOUS_BODY_MAX
    if getattr(view, "accepts_public_photo", False):
        return settings.ANONYMOUS_PHOTO_BODY_MAX
    return settings.ANONYMOUS_BODY_MAX


def refuse(message, status):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
