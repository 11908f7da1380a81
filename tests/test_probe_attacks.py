"""The outside probe's attacks, replayed against the product as a district runs it:
make serve's gunicorn (threaded workers, HTTPS=1, PROXY_COUNT=1, SITE_URL) behind a
gateway that terminates TLS and appends the client's address to X-Forwarded-For.
Clients come from different loopback addresses (127.0.0.x), as from different places.
Each attack is shown to do no harm."""

import http.client
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .conftest import gunicorn_serving
from .factories import UserFactory
from .waiting import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

ROOT = Path(__file__).resolve().parents[1]
SITE = "jd.example.gov.cn"
PASSWORD = "a-long-test-passphrase"
WORKERS, THREADS = 2, 4


class Gateway(BaseHTTPRequestHandler):
    """The district's gateway: passes each request on to gunicorn with the address it
    came from appended to X-Forwarded-For (after whatever the client sent there), and
    X-Forwarded-Proto: https, as if it had terminated TLS."""

    upstream = None  # (host, port)
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        sent = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{sent}, {self.client_address[0]}" if sent else (
            self.client_address[0]
        )  # fmt: skip
        headers["X-Forwarded-Proto"] = "https"
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)
        upstream.close()

    do_GET = do_POST = forward

    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """gunicorn as make serve starts it, and the gateway in front: (gateway, app)."""
    env = {
        "WEB_CONCURRENCY": str(WORKERS),
        "THREADS": str(THREADS),
        "HTTPS": "1",
        "PROXY_COUNT": "1",
        "SITE_URL": f"https://{SITE}",
        "ALLOWED_HOSTS": f"{SITE},127.0.0.1",
        "LOGIN_USER_WAIT": "2",  # the slowed official waits 2 s here, not 30
    }
    with gunicorn_serving(env, tmp_path) as (app, _):
        handler = type("ToApp", (Gateway,), {"upstream": app})
        gateway = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        try:
            yield gateway.server_address, app
        finally:
            gateway.shutdown()


def ask(where, method, path, body=None, headers=None, source="127.0.0.1", timeout=30):
    """One request from the loopback address `source`: (status, headers, text)."""
    connection = http.client.HTTPConnection(*where, timeout=timeout, source_address=(source, 0))
    connection.request(method, path, body=body, headers={"Host": SITE, **(headers or {})})
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", "replace")
    connection.close()
    return answer.status, dict(answer.getheaders()), text


class Browser:
    """A visitor at one address, keeping its cookies, logging in through the gateway."""

    def __init__(self, gateway, source):
        self.gateway, self.source, self.cookies = gateway, source, {}

    def request(self, method, path, form=None, forged=None):
        headers = {"Origin": f"https://{SITE}", "Referer": f"https://{SITE}/admin/login/"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if forged:
            headers["X-Forwarded-For"] = forged
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, answer_headers, text = ask(self.gateway, method, path, body, headers, self.source)
        for name, value in re.findall(r"(csrftoken|sessionid)=([^;]+)", answer_headers.get(
                "Set-Cookie", "")):  # fmt: skip
            self.cookies[name] = value
        return status, text

    def log_in(self, username, password, forged=None):
        _, page = self.request("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": password,
                "next": "/admin/"}  # fmt: skip
        return self.request("POST", "/admin/login/?next=/admin/", form, forged)[0]


@pytest.fixture
def official(db, settings):
    # Hashed as the server checks it (the suite's fast hasher is not among its hashers).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    return UserFactory(username="wang", is_staff=True, password=PASSWORD)


def test_a_stranger_cannot_lock_an_official_out_nor_guess_on_with_forged_addresses(
    served, official
):
    gateway, _ = served
    stranger = Browser(gateway, "127.0.0.66")
    tries = [stranger.log_in("wang", "wrong", forged=f"10.9.8.{n}") for n in range(7)]
    assert tries[:4] == [200] * 4 and tries[4:] == [429] * 3  # forged entries change nothing
    assert Browser(gateway, "127.0.0.7").log_in("wang", PASSWORD) == 302  # the official


def test_one_address_guessing_many_accounts_is_stopped_and_no_one_else(served, official):
    gateway, _ = served
    guesser = Browser(gateway, "127.0.0.90")
    tries = [guesser.log_in(f"name{n}", "wrong", forged=f"10.0.0.{n}") for n in range(30)]
    assert set(tries) == {200}
    assert Browser(gateway, "127.0.0.90").log_in("wang", PASSWORD) == 429  # that address
    assert Browser(gateway, "127.0.0.8").log_in("wang", PASSWORD) == 302  # anyone else


def test_one_account_guessed_from_many_addresses_is_slowed_not_locked(served, official):
    gateway, _ = served
    tries = [Browser(gateway, f"127.0.1.{n}").log_in("wang", "wrong") for n in range(1, 11)]
    assert set(tries) == {200}

    def official():
        return Browser(gateway, "127.0.0.7").log_in("wang", PASSWORD)

    assert official() == 429  # wait a moment: LOGIN_USER_WAIT, 2 s here
    wait_until(lambda: official() == 302, "the official let in after the 2 s wait", 3, 0.2)


def test_a_huge_anonymous_body_is_refused_before_it_is_read(served):
    _, app = served
    with socket.create_connection(app, timeout=10) as s:
        s.sendall(
            b"POST /admin/login/ HTTP/1.1\r\nHost: " + SITE.encode() + b"\r\n"
            b"X-Forwarded-Proto: https\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Origin: https://" + SITE.encode() + b"\r\n"  # and a cookie: CSRF would parse
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"  # the body for its token
            b"Content-Length: 1500000000\r\n\r\n--x\r\n"
        )
        answer = s.recv(4096).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413")


def test_slow_clients_do_not_starve_the_workers(served):
    _, app = served
    slow, stop = [], threading.Event()
    for _ in range(WORKERS + 1):  # as many as held every sync worker before, for 31 s
        s = socket.create_connection(app, timeout=10)
        s.sendall(  # a login form of 1,000 bytes, trickled a byte at a time
            b"POST /admin/login/ HTTP/1.1\r\nHost: " + SITE.encode() + b"\r\n"
            b"X-Forwarded-Proto: https\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Origin: https://" + SITE.encode() + b"\r\n"  # with the cookie below, so that
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"  # CSRF reads the form for its token
            b"Content-Length: 1000\r\n\r\nusername=w"
        )
        slow.append(s)

    def trickle():
        while not stop.wait(0.3):
            for s in slow:
                s.sendall(b"w")

    threading.Thread(target=trickle, daemon=True).start()
    try:
        wait_until(lambda: accepted(app, slow), "gunicorn to take every slow client", 10)
        status, _, text = ask(app, "GET", "/healthz", headers={"X-Forwarded-Proto": "https"},
                              timeout=10)  # fmt: skip
        assert (status, '"ok"' in text) == (200, True)
    finally:
        stop.set()
        for s in slow:
            s.close()


def accepted(app, clients):
    """Whether gunicorn holds each of `clients` (sockets connected to `app`), its thread
    reading the request: Linux shows the server's end of a connection with an inode once
    a process has accepted it, 0 while it waits in the listen queue (/proc/net/tcp)."""
    ports = {client.getsockname()[1] for client in clients}
    held = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        _, local, remote, *_, inode = line.split()[:10]
        port = int(remote.split(":")[1], 16)
        if int(local.split(":")[1], 16) == app[1] and port in ports and inode != "0":
            held.add(port)
    return held == ports


def test_another_host_port_does_not_change_the_addresses_the_site_writes(served, plan):
    gateway, _ = served
    status, _, feed = ask(gateway, "GET", "/plans/2021/feed/", headers={"Host": "127.0.0.1:9"})
    assert status == 200
    assert f"https://{SITE}/" in feed and "127.0.0.1" not in feed
