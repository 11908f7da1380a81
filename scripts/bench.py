"""make bench: how fast the pages are at about 1,000 reports and at about 1.1 million.

One run, on this machine, prints one table:
- server time per request (median and p95 of repeated requests, measured in-process
  with Django's test client and no page cache, so it is the real work of a page) and
  queries per request, at both sizes;
- requests per second under load: gunicorn (2 workers, loopback only) and wrk, on `/`
  and a project page with the production page cache, beside a trivial Django view
  served by the same gunicorn in the same run;
- bytes a browser transfers (compressed) for `/` with everything it loads, first visit
  and repeat visit, measured in Debian's chromium.
No test asserts a time: this script is where speed is measured.

    python scripts/bench.py             # everything (a few minutes)
    python scripts/bench.py measure     # one database: server time and queries (JSON)
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
SIZES = {
    "1k": ["--plans", "1", "--days", "7"],
    "1m": ["--plans", "20", "--days", "365"],
}
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def pages(year):
    """The pages measured, named for the table."""
    return [
        ("/", "/"),
        ("project page", f"/plans/{year}/projects/1/"),
        ("table (by percent, filtered)", f"/plans/{year}/targets/?status=severe&sort=-percent"),
        ("API targets list", f"/api/v1/targets/?plan={year}"),
        ("API reports list", f"/api/v1/reports/?plan={year}"),
        ("CSV export (table)", f"/plans/{year}/targets/?export=csv&sort=-percent"),
        ("bulletin", f"/plans/{year}/bulletins/{year}-06/"),
        ("admin: report list", "/admin/projects/progressreport/"),
        ("admin: review queue", "/admin/projects/submittedreport/"),
    ]


# --- in-process measurement (run in a subprocess per database) -----------------------


def measure():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from projects.models import Plan

    setup_test_environment()
    year = Plan.objects.order_by("-year").values_list("year", flat=True).first()
    client = Client()
    admin = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )[0]
    client.force_login(admin)
    results = {}
    for name, url in pages(year):
        for _ in range(3):  # warm up connections and caches of the database itself
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        results[name] = {
            "median_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
            "queries": len(queries.captured_queries),
        }
    print(json.dumps(results))


# --- the whole run --------------------------------------------------------------------


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def database(size):
    """A database of that size, generated once per seed and kept between runs."""
    path = WORK / f"{size}.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "CACHE_URL": "dummy://"}
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        for leftover in WORK.glob(f"{size}.partial*"):
            leftover.unlink()
        build_env = {**env, "DATABASE_URL": f"sqlite:///{partial}"}
        print(f"generating the {size} database …", file=sys.stderr)
        manage(build_env, "migrate", "--noinput", "-v0")
        manage(build_env, "bench_data", *SIZES[size])
        db = sqlite3.connect(partial)  # fold the WAL into the file before renaming it
        db.execute("VACUUM")
        db.close()
        partial.rename(path)
    return env


def server_times():
    out = {}
    for size in SIZES:
        env = database(size)
        result = subprocess.run(  # noqa: S603
            [PYTHON, __file__, "measure"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            sys.exit(result.stderr)
        out[size] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer at {url}")


def wrk(url, seconds=10, connections=16):
    result = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    return rate, int(bad.group(1)) if bad else 0


def under_load():
    env = database("1m")
    cache_dir = tempfile.mkdtemp(prefix="bench-cache-")
    env = {
        **env,
        "CACHE_URL": f"file://{cache_dir}",
        "BENCH_TRIVIAL": "1",
        "BIND": "127.0.0.1:8765",
        "WEB_CONCURRENCY": "2",
        "REQUEST_LOG": "0",
    }
    manage(env, "collectstatic", "--noinput", "-v0")
    server = subprocess.Popen(  # noqa: S603
        [str(Path(PYTHON).parent / "gunicorn"), "--config", "yicheng/gunicorn.py", "yicheng.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = "http://127.0.0.1:8765"
    try:
        wait_for(base + "/healthz")
        year = time.localtime().tm_year
        rates = {}
        for name, path in [
            ("trivial view", "/bench/trivial"),
            ("/", "/"),
            ("project page", f"/plans/{year}/projects/1/"),
        ]:
            urllib.request.urlopen(base + path).read()  # noqa: S310 - fill the page cache
            rates[name] = wrk(base + path)
        sizes = transfer_sizes(base)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(cache_dir, ignore_errors=True)
    return rates, sizes


def transfer_sizes(base):
    """Bytes over the wire for `/` and everything it loads, in a real browser."""
    from playwright.sync_api import sync_playwright

    def visit(page):
        sizes = []

        def done(request):
            response = request.response()
            info = request.sizes()
            status = response.status if response else 0
            body, headers = info["responseBodySize"], info["responseHeadersSize"]
            sizes.append((request.url, status, body, headers))

        page.on("requestfinished", done)
        page.goto(base + "/", wait_until="networkidle")
        page.remove_listener("requestfinished", done)
        return sizes

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(extra_http_headers={"Accept-Encoding": "gzip, br"})
        page = context.new_page()
        first = visit(page)
        repeat = visit(page)
        browser.close()
    return {"first": first, "repeat": repeat}


def table(times, rates, sizes):
    lines = [
        f"machine: {os.cpu_count()} cores; {REPEAT} timed requests per page and size",
        "",
        "| page | median 1k | median 1m | ratio | p95 1k | p95 1m | queries 1k | queries 1m |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in times["1k"]:
        small, large = times["1k"][name], times["1m"][name]
        lines.append(
            f"| {name} | {small['median_ms']:.1f} ms | {large['median_ms']:.1f} ms"
            f" | {large['median_ms'] / small['median_ms']:.2f}× | {small['p95_ms']:.1f} ms"
            f" | {large['p95_ms']:.1f} ms | {small['queries']} | {large['queries']} |"
        )
    floor = rates["trivial view"][0]
    lines += [
        "",
        "| under load (gunicorn, 2 workers, wrk 16 conns, 10 s, 1m data) | req/s | × trivial "
        "| non-2xx |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, (rate, bad) in rates.items():
        lines.append(f"| {name} | {rate:.0f} | {rate / floor:.2f}× | {bad} |")
    lines += [
        "",
        "| `/` in chromium | requests | bytes transferred (compressed bodies + headers) |",
        "| --- | ---: | ---: |",
    ]
    for visit, entries in sizes.items():
        total = sum(max(body, 0) + headers for _, _, body, headers in entries)
        lines.append(f"| {visit} visit | {len(entries)} | {total / 1024:.1f} KB |")
        for url, status, body, headers in entries:
            path = url.split("8765")[-1][:60]
            size = (max(body, 0) + headers) / 1024
            lines.append(f"| &nbsp;&nbsp;{path} ({status}) | | {size:.1f} KB |")
    return "\n".join(lines)


def main():
    times = server_times()
    rates, sizes = under_load()
    print(table(times, rates, sizes))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        sys.path.insert(0, str(ROOT))
        measure()
    else:
        main()
