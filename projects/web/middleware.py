from django.conf import settings


class ChineseFirstMiddleware:
    """Chinese unless the visitor chose English with the language switch.

    The browser's Accept-Language is ignored: a resident whose phone is set to English
    still gets the Chinese page a neighbour shared. The officials' admin is always
    Chinese. Placed before django's LocaleMiddleware, which then reads only the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        if request.path.startswith("/" + settings.ADMIN_PATH):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = settings.LANGUAGE_CODE
        return self.get_response(request)
