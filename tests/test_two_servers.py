"""Two app servers that share nothing but the database, the cache and the file store,
behind a load balancer: what one does, the other serves, and when one stops the other
answers every request.

Two `make serve` gunicorns (separate processes, each with a VAR_DIR of its own) on one
PostgreSQL, one Redis (CACHE_URL) and one folder of files (MEDIA_ROOT), behind Debian's
nginx on loopback, which retries a request on the other server when one fails
(`proxy_next_upstream error timeout`). An official approves a figure on server A and the
public reads it on B; evidence uploaded to A downloads from B; then A is killed, as when
its machine dies, while requests keep coming through nginx: every one is answered, by B,
and /healthz asked of each server directly says which is up.

Run in the PostgreSQL pass only (make test-pg): one SQLite file is no database two
machines share."""

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse

from projects.models import Evidence, ProgressReport

from .conftest import gunicorn_serving, redis_url, report_form
from .files import MINIMAL_PDF
from .test_freshness_across_workers import pending  # noqa: F401 - the figure waiting for review

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="!!! two app servers share one PostgreSQL: this runs in make test-pg !!!",
    ),
    pytest.mark.django_db(transaction=True),
    # On one xdist worker, its kill never beside another module's timed race. The clock
    # pass (.ci/run, on SQLite) selects it and skips it at once: what it proves does not
    # depend on the hour.
    pytest.mark.processes,
]

PROJECT = "/plans/2021/projects/11/"
BEFORE, AFTER = "当前 <strong>10</strong>", "当前 <strong>36</strong>"
QUEUE = reverse("admin:projects_submittedreport_changelist")
ADD = reverse("admin:projects_progressreport_add")
BOUNDARY = "two-servers-boundary"
CLIENTS = 4  # requests at once through nginx while A is killed
# Every answer takes at least worker_wsgi.PACE seconds, so that A is in the middle of
# answering some when it is killed.
APP = "tests.worker_wsgi:application"
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def nginx_program():
    program = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but nginx is missing: scripts/test-packages installs it.")
        pytest.skip("!!! no nginx: apt-get install nginx (scripts/test-packages) !!!")
    return program


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # One failure takes a server out for the rest of the test.
    upstream app {{
        server {a} max_fails=1 fail_timeout=60s;
        server {b} max_fails=1 fail_timeout=60s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            # A refused or broken connection is retried on the other server (GET and
            # HEAD only: nginx never sends a POST twice).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 20s;
            proxy_max_temp_file_size 0;  # answers are relayed, never written to disk here
            # Which servers were tried, in order: the test reads who answered.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_before(servers, folder):
    """Debian's nginx on a free loopback port, in front of `servers`; its address and
    its error log (`-e`, also the one the configuration uses)."""
    program = nginx_program()
    folder.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a, b = (f"{host}:{p}" for host, p in servers)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, a=a, b=b))
    command = [program, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
    process = subprocess.Popen(  # noqa: S603 - our own proxy
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        while ask(("127.0.0.1", port), "/healthz")[0] != 200:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail((folder / "error.log").read_text()[-3000:])
            time.sleep(0.1)
        yield ("127.0.0.1", port), folder / "error.log"
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        process.wait(timeout=10)


@pytest.fixture
def site(tmp_path):
    """Servers A and B (each its own VAR_DIR; one worker each) and nginx before both:
    {"a": address, "b": address, "nginx": address, "nginx log": its error log, "a pid
    file": where A's master wrote its process id}."""
    url = redis_url()
    import redis

    redis.Redis.from_url(url).flushdb()  # no version or page from an earlier test
    files = tmp_path / "files"
    files.mkdir()
    shared = {
        "CACHE_URL": url,
        "FILE_STORE": "local",
        "MEDIA_ROOT": str(files),
        "WEB_CONCURRENCY": "1",
        # The sessions this test opens for its officials are signed with its own key.
        "SECRET_KEY": django_settings.SECRET_KEY,
    }
    with contextlib.ExitStack() as stack:
        a_folder, b_folder = tmp_path / "a", tmp_path / "b"
        a_folder.mkdir()
        b_folder.mkdir()
        pid_file = a_folder / "gunicorn.pid"
        a_env = {**shared, "GUNICORN_CMD_ARGS": f"--pid {pid_file}"}
        a, _ = stack.enter_context(gunicorn_serving(a_env, a_folder, APP))
        b, _ = stack.enter_context(gunicorn_serving(shared, b_folder, APP))
        front, front_log = stack.enter_context(nginx_before((a, b), tmp_path / "nginx"))
        yield {"a": a, "b": b, "nginx": front, "nginx log": front_log, "a pid file": pid_file}


def ask(address, path, *, cookies=None, body=None, content_type=None):
    """(status, headers, body) of one request, a redirect not followed; (None, {}, b"")
    when nothing listens at `address`."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        connection.request("GET" if body is None else "POST", path, body, headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    except ConnectionRefusedError:
        return None, {}, b""
    finally:
        connection.close()


def page(address, path):
    status, _, body = ask(address, path)
    assert status == 200, (address, path, status)
    return body.decode()


def session_of(username):
    """The session cookie of an official signed in as `username`, kept in the shared
    database, so either server knows it. The servers read the machine's clock, this test
    the suite's fixed one (conftest.NOW): the session is made to outlast both."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=FAR_FUTURE)
    return {"sessionid": key}


def with_csrf(address, path, cookies):
    """The cookies and the form's token of the form at `path`, as a browser has them."""
    status, headers, body = ask(address, path, cookies=cookies)
    assert status == 200, (path, status, headers.get("Location"))
    jar = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        jar.load(line)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    return {**cookies, "csrftoken": jar["csrftoken"].value}, token


def post_form(address, page, cookies, data):
    cookies, token = with_csrf(address, page, cookies)
    body = encode_multipart(BOUNDARY, {**data, "csrfmiddlewaretoken": token})
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return ask(address, page, cookies=cookies, body=body, content_type=content_type)


def kill_server(pid_file):
    """SIGKILL to a gunicorn's master and its workers at once, as when its machine dies:
    requests it was answering are cut off, new connections refused."""
    master = int(pid_file.read_text())
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in [master, *map(int, workers)]:
        os.kill(pid, signal.SIGKILL)


def test_two_servers_serve_one_site_and_one_stopping_loses_no_request(site, pending):  # noqa: F811
    a, b, front = site["a"], site["b"], site["nginx"]
    a_name, b_name = (f"{host}:{port}" for host, port in (a, b))

    # A figure approved on A is read fresh on B, which kept the page before.
    for server in (b, b, a):
        assert BEFORE in page(server, PROJECT)
    approve = {"action": "approve_selected", "_selected_action": str(pending.pk)}
    status, headers, _ = post_form(a, QUEUE, session_of("checker"), approve)
    assert (status, headers["Location"]) == (302, QUEUE)
    assert ProgressReport.objects.get(pk=pending.pk).state == "approved"
    fresh = page(b, PROJECT)
    assert AFTER in fresh and BEFORE not in fresh

    # Evidence uploaded to A downloads from B, byte for byte, behind the same checks.
    data = report_form(pending.target, value="38", as_of="2021-12-20")
    data["evidence-TOTAL_FORMS"] = "1"
    data["evidence-0-file"] = SimpleUploadedFile("验收报告.pdf", MINIMAL_PDF)
    clerk = session_of("clerk")
    status, _, body = post_form(a, ADD, clerk, data)
    assert status == 302, body.decode()[-2000:]
    url = Evidence.objects.get().get_absolute_url()
    status, headers, body = ask(b, url, cookies=clerk)
    assert (status, headers["Content-Type"], body) == (200, "application/pdf", MINIMAL_PDF)
    assert ask(b, url)[0] == 404  # not public until its report is approved

    # A is killed while CLIENTS keep asking nginx for the project page, requests on A
    # cut off half-way (each takes at least PACE seconds): every one is answered.
    answers, stop, killed = [], threading.Event(), threading.Event()

    def keep_asking():
        while not stop.is_set():
            after_kill = killed.is_set()
            try:
                status, headers, body = ask(front, PROJECT)
                answer = (status, headers["X-Upstream"], body.decode())
            except Exception as error:  # a cut answer is a failure of the test, not a crash
                answer = (repr(error), "", "")
            answers.append((after_kill, *answer))

    def tried(after_kill):
        return [upstream for after, _, upstream, _ in answers if after == after_kill]

    with ThreadPoolExecutor(CLIENTS) as pool:
        asking = [pool.submit(keep_asking) for _ in range(CLIENTS)]
        wait_for(lambda: {a_name, b_name} <= set(tried(False)))  # both serve, in turn
        kill_server(site["a pid file"])
        killed.set()
        wait_for(lambda: len(tried(True)) >= 4 * CLIENTS)
        stop.set()
        for done in asking:
            done.result()

    assert all(status == 200 for _, status, _, _ in answers), [a[1] for a in answers]
    assert all(AFTER in text and text.rstrip().endswith("</html>") for *_, text in answers)
    # A died answering (nginx saw answers cut off), those were asked again of B, and
    # after it B answers all.
    cut = ("upstream prematurely closed connection", "Connection reset by peer")
    assert any(line in site["nginx log"].read_text() for line in cut)
    assert f"{a_name}, {b_name}" in tried(False) + tried(True), set(tried(False) + tried(True))
    assert {upstream.split(", ")[-1] for upstream in tried(True)} == {b_name}

    # Asked directly, /healthz tells the load balancer which is up.
    assert ask(a, "/healthz")[0] is None  # nothing listens: the balancer's check fails
    status, _, body = ask(b, "/healthz")
    assert (status, body) == (200, b'{"status": "ok"}')


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.01)
