"""Deployment checks (`manage.py check --deploy`): what must hold before the site
serves the public."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PER_PROCESS = {"django.core.cache.backends.locmem.LocMemCache"}


@register(Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    """Each server process keeps its own locmem cache, so an approval would move the
    content version of one process only and the others would go on serving the old
    figure (projects/freshness.py)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS:
        return []
    return [
        Error(
            "缓存只在单个进程内有效（locmem）：审核通过的数字可能在其他进程中仍显示旧值。"
            "The cache is per-process (locmem): other server processes would keep "
            "serving figures older than the latest approval.",
            hint="Leave CACHE_URL unset (a file cache shared on this machine), or set "
            "CACHE_URL=redis://… when the site runs on more than one machine.",
            id="yicheng.E001",
        )
    ]


@register(Tags.security, deploy=True)
def site_address_is_set(app_configs, **kwargs):
    """Without SITE_URL, absolute URLs (feeds, API links, og:url) take the host of each
    request, so a request with another Host or port writes that address (siteurl.py)."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    return [
        Warning(
            "未设置 SITE_URL：订阅源、接口和页面中的完整网址将取自每个请求的 Host。"
            "SITE_URL is not set: absolute URLs follow each request's Host header.",
            hint="Set SITE_URL=https://<the site's public host>.",
            id="yicheng.W002",
        )
    ]
