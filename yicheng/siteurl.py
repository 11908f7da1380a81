"""The site's own address, for every absolute URL it writes: the feeds' links and ids,
the API's links, og:url, the bulletin's source line, and later the QR codes.

With SITE_URL set (production: https://jd.example.gov.cn), every request is taken to
have come to that address, whatever Host header or port it carried, so no visitor can
make the site write another address into a page, a feed or a cached copy of either.
The Host must still be one of ALLOWED_HOSTS. Without SITE_URL (development), the
address is the one the request came to.
"""

from urllib.parse import urlsplit

from django.conf import settings


class SiteAddressMiddleware:
    """Placed before SecurityMiddleware, so its HTTPS redirect goes to SITE_URL too,
    and before the page cache, whose key holds the host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SITE_URL:
            request.get_host()  # refuses a Host outside ALLOWED_HOSTS (400)
            site = urlsplit(settings.SITE_URL)
            request.META["HTTP_HOST"] = site.netloc
            request.META["SERVER_PORT"] = str(site.port or (443 if site.scheme == "https" else 80))
            # Read only without a proxy's X-Forwarded-Proto (request.scheme prefers it).
            request.META["wsgi.url_scheme"] = site.scheme
        return self.get_response(request)
