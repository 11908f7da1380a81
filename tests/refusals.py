"""How a test says that something was refused: `assert_refused(response, how)`, one
helper for each way the site refuses, so that a test names the one way it expects and
accepts no other (never "302 or 403"). Whether anything changed is for the test to
check after it: only the test knows what would have changed."""

from urllib.parse import parse_qs, urlsplit

from django.contrib.messages import get_messages
from django.urls import reverse

LOGIN = "login"  # 302 to the admin's login page, which leads back to the page asked for
DENIED = "403"  # signed in, and no role of the account may do it
NOT_FOUND = "not found"  # the admin's answer for an object outside one's scope, the same
# as for an id that does not exist: 302 to the admin's index, saying it does not exist
HTTP_404 = "404"  # a public page or file that is not there for this visitor
BAD_REQUEST = "400"  # a public form refused: the page says why, in Chinese

REFUSALS = (LOGIN, DENIED, NOT_FOUND, HTTP_404, BAD_REQUEST)


def messages_of(response):
    """The admin's messages (django.contrib.messages) left by `response`, joined."""
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def assert_refused(response, how, message=None):
    """`response` refuses in the way `how` (one of REFUSALS) and no other; with
    `message`, it also says that text: on its page, or for NOT_FOUND in the admin's
    message. A 400 must say why, so BAD_REQUEST needs `message`."""
    status = response.status_code
    if how == LOGIN:
        assert status == 302, f"expected a redirect to the login page, got {status}"
        location = urlsplit(response["Location"])
        assert location.path == reverse("admin:login"), response["Location"]
        # next= the page asked for, so that signing in leads back to it
        assert parse_qs(location.query).get("next") == [response.wsgi_request.get_full_path()]
    elif how == NOT_FOUND:
        assert status == 302, f"expected the admin's not-found redirect, got {status}"
        assert response["Location"] == reverse("admin:index"), response["Location"]
        assert "不存在" in messages_of(response)
    elif how in (DENIED, HTTP_404, BAD_REQUEST):
        assert status == int(how), f"expected {how}, got {status}"
    else:
        raise AssertionError(f"not a way of refusing: {how!r}")
    if how == BAD_REQUEST and message is None:
        raise AssertionError("a 400 says why: give the message it must show")
    if message is not None:
        said = messages_of(response) if how == NOT_FOUND else response.content.decode()
        assert message in said, f"{message!r} not in the refusal"
