"""A person's way through the pages, counted as issue 32 counts it: a navigation, a click
or a submit is one action; typing into a field (or choosing a file) is not."""

import html
import re

from django.urls import reverse

PASSWORD = "a-long-test-passphrase"  # tests/factories.py UserFactory's
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def link(page, text):
    """The address of the first link on `page` whose text starts with `text`."""
    found = re.search(r'<a href="([^"]+)"[^>]*>\s*(?:<[^>]+>\s*)*' + re.escape(text), page)
    assert found, f"no link “{text}” on the page"
    return html.unescape(found.group(1))


class Actions:
    def __init__(self, client):
        self.client = client
        self.count = 0
        self.url = None
        self.page = ""

    def _landed(self, response):
        assert response.status_code == 200, response.status_code
        self.url = response.request["PATH_INFO"] + (
            f"?{response.request['QUERY_STRING']}" if response.request["QUERY_STRING"] else ""
        )
        self.page = response.content.decode()
        return self.page

    def sign_in(self, user):
        """Opening the sign-in page is a navigation, sending it a submit."""
        self.open(reverse("admin:login"))
        data = {"username": user.username, "password": PASSWORD}
        return self.submit(data)

    def open(self, url):
        self.count += 1
        return self._landed(self.client.get(url))

    def follow(self, text):
        return self.open(link(self.page, text))

    def submit(self, data, url=None):
        """A submit of the form on the page (to `url`, else where the page is), with
        its hidden fields as a browser sends them."""
        self.count += 1
        hidden = dict(
            (html.unescape(name), html.unescape(value))
            for name, value in HIDDEN.findall(self.page)
            if name != "csrfmiddlewaretoken"
        )
        return self._landed(self.client.post(url or self.url, {**hidden, **data}, follow=True))
