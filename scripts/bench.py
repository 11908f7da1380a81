"""make bench: how fast the pages are at about 1,000 reports and at about 1.1 million
(and 1,000 and 10,000 practical matters in the plan whose pages are measured; a
handful of payments and about 100,000, with the money shown on the project page and
the plan dashboard).

One run, on this machine, prints:
- server time per request (median and p95 of repeated requests, measured in-process
  with Django's test client and the page cache off, so it is the real work of a page)
  and queries per request, at both sizes, and the ratio of the two sizes; and the
  import's dry run of a sheet kept all year (every target, 12 dated rows);
- requests per second under load: gunicorn as `make serve` starts it (its config, its
  default number of workers, whitenoise, the page cache in the default file cache) on
  the large database, with wrk -t2 -c32 on loopback, no Accept-Encoding, keep-alive, on
  the page's own CSS (a static file), `/` and a project page, taken in turns for
  BENCH_ROUNDS rounds; each page's rate against the static file's in the same round,
  and the median of those ratios (the machine's other work moves single rounds a lot);
- bytes a browser transfers (compressed) for `/` with everything it loads, first visit
  and repeat visit, measured in Debian's chromium; and the same for the page a 民生码
  opens (码上查), whose first visit must stay within SPOT_BUDGET_KB (60 KB: a weak
  connection on a building site), or the run fails.
No test asserts a time: this script is where speed is measured.

    python scripts/bench.py             # everything (a few minutes; databases kept in var/bench)
    BENCH_SMOKE=1 python scripts/bench.py   # tiny sizes, one short round: that it all runs (CI)
    python scripts/bench.py measure     # one database: server time and queries (JSON)
"""

import hashlib
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
from datetime import timedelta
from pathlib import Path

from projects.rules import clock

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
# name: (label, arguments of bench_data.py)
SIZES = {
    "1k": ("1k", ["--plans", "1", "--days", "7", "--matters", "1000"]),
    "1m": ("1m", ["--plans", "20", "--days", "365", "--matters", "10000"]),
}
if SMOKE:  # that it all runs: one tiny database (a migrate costs seconds) for both sizes
    TINY = ("smoke", ["--plans", "1", "--projects", "3", "--days", "3", "--matters", "20"])
    TINY[1].extend(["--counties", "2", "--townships", "2"])  # the city: two levels of each
    SIZES = {"1k": TINY, "1m": TINY}
REPEAT = int(os.environ.get("BENCH_REPEAT", "3" if SMOKE else "30"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if SMOKE else "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2" if SMOKE else "10"))
BIND = "127.0.0.1:8765"
SPOT_BUDGET_KB = 60


def pages(year):
    """The pages measured, named for the table."""
    return [
        ("/", "/"),
        ("project page", f"/plans/{year}/projects/1/"),
        ("plan dashboard", f"/plans/{year}/"),
        ("table (by percent, filtered)", f"/plans/{year}/targets/?status=severe&sort=-percent"),
        ("API targets list", f"/api/v1/targets/?plan={year}"),
        ("API reports list", f"/api/v1/reports/?plan={year}"),
        ("CSV export (table)", f"/plans/{year}/targets/?export=csv&sort=-percent"),
        ("bulletin", f"/plans/{year}/bulletins/{year}-01/"),
        ("practical matters (totals, chart, list)", f"/plans/{year}/matters/"),
        ("practical matters, searched", f"/plans/{year}/matters/?q=东风"),
        ("practical matters CSV", f"/plans/{year}/matters/?export=csv"),
        # the city's levels side by side: 10 counties and districts, 190 townships
        ("city: its levels side by side", f"/411700/plans/{year}/levels/"),
        ("admin: report list", "/admin/projects/progressreport/"),
        ("admin: review queue", "/admin/projects/submittedreport/"),
        ("admin: practical matters", "/admin/projects/matter/"),
        (
            "admin: import template (.xlsx)",
            f"/admin/projects/progressreport/import/template.xlsx?plan={year}",
        ),
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
    results["import dry run (each target, 12 dated rows)"] = import_check(year, admin)
    print(json.dumps(results))


def import_check(year, user):
    """The import's dry run of a sheet kept all year: every target of the plan, a row at
    each of up to 12 month-ends of its period (none after today), as `user` sends it."""
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.exchange.importing import check_file
    from projects.models import Plan, Target

    plan = Plan.objects.of_year(year).get()
    ends, day = [], plan.period_start
    while len(ends) < 12 and day <= min(plan.period_end, clock.today()):
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        ends.append(following - timedelta(days=1))
        day = following
    lines = ["指标编号,新累计值,截至日期,滞后原因,下一步措施"]
    for pk in Target.objects.filter(project__plan=plan).values_list("pk", flat=True):
        lines += [f"{pk},{n + 1},{end},雨季,加快" for n, end in enumerate(ends)]
    content = "\n".join(lines).encode()
    times = []
    for _ in range(min(REPEAT, 10)):
        started = time.perf_counter()
        check_file(ContentFile(content, name="a.csv"), user)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        check_file(ContentFile(content, name="a.csv"), user)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "queries": len(queries.captured_queries),
    }


# --- the whole run --------------------------------------------------------------------


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def database(size):
    """A database of that size, generated once and kept between runs; the environment
    that uses it (the page cache off: the server time is the real work). Its name
    carries the generator's and the size's fingerprint, so a changed generator makes a
    new database rather than measuring a stale one."""
    name, arguments = SIZES[size]
    generator = (ROOT / "scripts" / "bench_data.py").read_bytes() + repr(arguments).encode()
    path = WORK / f"{name}-{hashlib.sha256(generator).hexdigest()[:8]}.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PAGE_CACHE": "0"}
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        for leftover in [*WORK.glob(f"{name}.*"), *WORK.glob(f"{name}-*")]:
            leftover.unlink()  # older generations and unfinished ones
        build_env = {**env, "DATABASE_URL": f"sqlite:///{partial}"}
        print(f"generating the {name} database …", file=sys.stderr)
        manage(build_env, "migrate", "--noinput", "-v0")
        subprocess.run(  # noqa: S603
            [PYTHON, "scripts/bench_data.py", *arguments], cwd=ROOT, env=build_env, check=True
        )
        db = sqlite3.connect(partial)  # fold the WAL into the file before renaming it
        db.execute("VACUUM")
        db.close()
        partial.rename(path)
    else:
        manage(env, "migrate", "--noinput", "-v0")  # a database kept from an older schema
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
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer at {url}")


def wrk(url):
    result = subprocess.run(  # noqa: S603
        ["wrk", "-t2", "-c32", f"-d{SECONDS}s", url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    return rate, int(bad.group(1)) if bad else 0


def links(base):
    """From `/`: the CSS it links to (its hashed name, as a browser asks), the page of
    its first project, and from that the page its 民生码 opens."""
    with urllib.request.urlopen(base + "/") as response:  # noqa: S310 - loopback
        html = response.read().decode()
    css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', html).group(1)
    project = re.search(r'href="(/plans/[0-9]+/projects/1/)"', html).group(1)
    with urllib.request.urlopen(base + project) as response:  # noqa: S310 - loopback
        spot = re.search(r'href="(/m/p[0-9]+)"', response.read().decode()).group(1)
    return css, project, spot


def under_load():
    """`make serve`'s gunicorn on the large database: static file, `/`, project page."""
    env = database("1m")
    var = Path(tempfile.mkdtemp(prefix="bench-var-"))
    env = {**env, "VAR_DIR": str(var), "BIND": BIND, "REQUEST_LOG": "0", "PAGE_CACHE": "1"}
    env.pop("WEB_CONCURRENCY", None)  # make serve's default: 2 × cores + 1
    env.pop("CACHE_URL", None)  # make serve's default: a file cache shared by the workers
    env.setdefault("SECRET_KEY", (ROOT / "var" / "secret_key").read_text().strip())
    manage(env, "collectstatic", "--noinput", "-v0")
    server = subprocess.Popen(  # noqa: S603
        [str(Path(PYTHON).parent / "gunicorn"), "--config", "yicheng/gunicorn.py", "yicheng.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{BIND}"
    try:
        wait_for(base + "/healthz")
        css, project, spot = links(base)
        targets = [("static file (site CSS)", css), ("/", "/"), ("project page", project)]
        for _name, path in targets:  # every worker renders and keeps the pages first
            for _ in range(30):
                urllib.request.urlopen(base + path).read()  # noqa: S310 - loopback
        rounds = [{name: wrk(base + path) for name, path in targets} for _ in range(ROUNDS)]
        sizes = transfer_sizes(base, "/")
        spot_sizes = transfer_sizes(base, spot)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(var, ignore_errors=True)
    return rounds, sizes, spot_sizes


def transfer_sizes(base, path):
    """Bytes over the wire for `path` and everything it loads, in a real browser."""
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
        page.goto(base + path, wait_until="networkidle")
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


def transferred(entries):
    return sum(max(body, 0) + headers for _, _, body, headers in entries)


def size_rows(title, sizes):
    lines = [
        "",
        f"| {title} in chromium | requests | bytes transferred (compressed bodies + headers) |",
    ]
    lines.append("| --- | ---: | ---: |")
    for visit, entries in sizes.items():
        lines.append(f"| {visit} visit | {len(entries)} | {transferred(entries) / 1024:.1f} KB |")
        for url, status, body, headers in entries:
            path = url.split(BIND)[-1][:60]
            size = (max(body, 0) + headers) / 1024
            lines.append(f"| &nbsp;&nbsp;{path} ({status}) | | {size:.1f} KB |")
    return lines


def table(times, rounds, sizes, spot_sizes):
    small_label, large_label = SIZES["1k"][0], SIZES["1m"][0]
    lines = [
        f"machine: {os.cpu_count()} cores; {REPEAT} timed requests per page and size;"
        f" {small_label} and {large_label} databases in {WORK}",
        "",
        f"| page | median {small_label} | median {large_label} | ratio | p95 {small_label}"
        f" | p95 {large_label} | queries {small_label} | queries {large_label} |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in times["1k"]:
        small, large = times["1k"][name], times["1m"][name]
        lines.append(
            f"| {name} | {small['median_ms']:.1f} ms | {large['median_ms']:.1f} ms"
            f" | {large['median_ms'] / small['median_ms']:.2f}× | {small['p95_ms']:.1f} ms"
            f" | {large['p95_ms']:.1f} ms | {small['queries']} | {large['queries']} |"
        )
    static = "static file (site CSS)"
    lines += [
        "",
        f"under load: make serve's gunicorn ({2 * (os.cpu_count() or 1) + 1} workers), wrk -t2"
        f" -c32 -d{SECONDS}s, {ROUNDS} rounds, {large_label} data",
        "",
        "| round | " + " | ".join(f"{name} req/s" for name in rounds[0]) + " | / × static"
        " | project × static | non-2xx |",
        "| ---: | " + " | ".join("---:" for _ in rounds[0]) + " | ---: | ---: | ---: |",
    ]
    growth = {
        name: times["1m"][name]["median_ms"] / times["1k"][name]["median_ms"]
        for name in ("project page", "plan dashboard")
    }
    ratios = {"/": [], "project page": []}
    for number, measured in enumerate(rounds, 1):
        floor = measured[static][0]
        for name in ratios:
            ratios[name].append(measured[name][0] / floor)
        rates = " | ".join(f"{rate:.0f}" for rate, _ in measured.values())
        bad = sum(b for _, b in measured.values())
        lines.append(
            f"| {number} | {rates} | {ratios['/'][-1]:.2f}× | {ratios['project page'][-1]:.2f}×"
            f" | {bad} |"
        )
    lines += [
        "",
        f"median ratio to the static file: / {statistics.median(ratios['/']):.2f}×,"
        f" project page {statistics.median(ratios['project page']):.2f}× (goal ≥ 0.9×)",
        *(
            f"{name}, server time {large_label} ÷ {small_label}: {ratio:.2f}× (goal ≤ 1.3×)"
            for name, ratio in growth.items()
        ),
    ]
    lines += size_rows("`/`", sizes)
    lines += size_rows("民生码 page (码上查)", spot_sizes)
    first = transferred(spot_sizes["first"]) / 1024
    lines += ["", f"民生码 page, first visit: {first:.1f} KB (budget ≤ {SPOT_BUDGET_KB} KB)"]
    return "\n".join(lines)


def main():
    times = server_times()
    rounds, sizes, spot_sizes = under_load()
    print(table(times, rounds, sizes, spot_sizes))
    bad = sum(b for measured in rounds for _, b in measured.values())
    if bad:
        sys.exit(f"{bad} responses were not 2xx")
    first = transferred(spot_sizes["first"]) / 1024
    if first > SPOT_BUDGET_KB:
        sys.exit(
            f"the 民生码 page weighs {first:.1f} KB on a first visit: over {SPOT_BUDGET_KB} KB"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        sys.path.insert(0, str(ROOT))
        measure()
    else:
        main()
