"""Handing a new item's tracking token from the form's answer to its confirmation page:
a signed cookie, limited to that page's path and to an hour, HttpOnly and SameSite.
The token is then in no address but the link the page shows, and in no server-side
store (the server keeps only its hash: projects/rules/receipts.py)."""

from django.conf import settings

COOKIE = "receipt"
SALT = "projects.receipts.handover"
SECONDS = 3600  # the confirmation page shows the link for an hour after sending


def hand_over(response, token, path):
    """`response` (the form's redirect to `path`) carrying `token` for that page alone."""
    if token:
        response.set_signed_cookie(
            COOKIE,
            token,
            salt=SALT,
            max_age=SECONDS,
            path=path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


def handed_over(request):
    """The token handed to this page, or None."""
    return request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=SECONDS)
