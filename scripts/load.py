"""make load: 60 s of wrk at 64 connections against `make serve` on loopback.

`make serve` runs as a deployment would (gunicorn, whitenoise, the file page cache,
DEBUG off, `check --deploy`) on a separate database in var/load/ holding the 2021 plan
with the demo history. wrk cycles over every public page, the feeds, the CSV and the
JSON API; the script prints throughput, p50/p99 latency and every error, and exits
non-zero if any response was not a 2xx or any request failed.

    LOAD_SECONDS=60 LOAD_CONNECTIONS=64 python scripts/load.py
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORK = ROOT / "var" / "load"
BIND = os.environ.get("LOAD_BIND", "127.0.0.1:8766")
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "64"))

sys.path.insert(0, str(ROOT))
from tests.pages import PUBLIC_PAGES  # noqa: E402 - the same list the browser tests check

PATHS = [
    *PUBLIC_PAGES,
    "/plans/2021/projects/1/",
    "/plans/2021/targets/?export=csv",
    "/plans/2021/feed/",
    "/plans/2021/projects/8/feed/",
    "/data/reports.csv",
    "/api/v1/plans/",
    "/api/v1/projects/?plan=2021",
    "/api/v1/targets/?plan=2021",
    "/api/v1/targets/?plan=2021&as_of=2021-06-30",
    "/api/v1/reports/?plan=2021",
    "/api/v1/reports/?plan=2021&page=2&page_size=20",
]

# One Lua state per wrk thread: each counts its own bad statuses; `done` adds them up.
SCRIPT = """
local paths = {%(paths)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; bad = 0; statuses = "" end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    statuses = statuses .. status .. " "
  end
end
function done(summary, latency, requests)
  local total_bad, seen = 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
    seen = seen .. t:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p99_ms": %%.2f, ' ..
    '"max_ms": %%.2f, "non_2xx": %%d, "statuses": "%%s", "connect_errors": %%d, ' ..
    '"read_errors": %%d, "write_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, total_bad, seen,
    e.connect, e.read, e.write, e.timeout))
end
"""


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"make serve did not answer at {url}")


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(WORK / "media"),
        "CACHE_URL": f"file://{WORK / 'cache'}",
        "BIND": BIND,
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)),
        "REQUEST_LOG": "0",  # a log line per request would measure the terminal
        "DEBUG": "0",
        # wrk is one address asking hundreds of times a second: the API's rate limit
        # still counts every request (its cost is measured) but never refuses one.
        "API_RATE_LIMIT": str(10**9),
    }
    if not database.exists():
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_plan", "2021")
        manage(env, "load_demo")
    server = subprocess.Popen(  # noqa: S603
        [shutil.which("make") or "/usr/bin/make", "--no-print-directory", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so that stopping it stops gunicorn too
    )
    base = f"http://{BIND}"
    try:
        wait_for(base + "/healthz")
        for path in PATHS:  # every path answers before the clock starts
            with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310
                assert response.status == 200, path  # noqa: S101
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(SCRIPT % {"paths": ", ".join(json.dumps(p) for p in PATHS)})
        wrk = [shutil.which("wrk") or "/usr/bin/wrk", "-t2", f"-c{CONNECTIONS}"]
        wrk += [f"-d{SECONDS}s", "--timeout", "10s", "-s", script.name, base]
        result = subprocess.run(  # noqa: S603
            wrk,
            capture_output=True,
            text=True,
            check=True,
        )
        os.unlink(script.name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    figures = json.loads(re.search(r"RESULT (\{.*\})", result.stdout).group(1))
    rate = figures["requests"] / figures["seconds"]
    errors = sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    print(
        f"make serve on {BIND}: {env['WEB_CONCURRENCY']} gunicorn workers, {os.cpu_count()} cores"
    )
    print(f"wrk: {CONNECTIONS} connections, {SECONDS} s, {len(PATHS)} paths in turn")
    print(f"requests: {figures['requests']}  throughput: {rate:.0f} req/s")
    print(
        f"latency: p50 {figures['p50_ms']:.1f} ms  p99 {figures['p99_ms']:.1f} ms"
        f"  max {figures['max_ms']:.1f} ms"
    )
    print(f"non-2xx responses: {figures['non_2xx']} {figures['statuses'].strip()}")
    print(f"socket errors and timeouts: {errors}")
    if figures["non_2xx"] or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
