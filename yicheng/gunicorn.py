"""gunicorn's settings for `make serve`. Environment: BIND (default 127.0.0.1:8000),
WEB_CONCURRENCY (worker processes, default 2 × cores + 1), THREADS (per worker, 8)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads, so that a few slow clients (trickling a request or reading an answer slowly)
# hold a thread each, not a whole worker: three of them held all three sync workers,
# and /healthz, for 31 s. Idle keep-alive connections wait in gthread's poller.
worker_class = "gthread"
threads = int(os.environ.get("THREADS", 8))
keepalive = 5
timeout = 30
graceful_timeout = 20
# Recycle workers now and then, so a slow leak can never take the site down; seldom,
# for a new worker starts with no page in its memory (projects/web/freshness.py).
max_requests = 20000
max_requests_jitter = 2000
# Requests are logged as JSON by yicheng.requestlog; gunicorn logs only its own events.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request lines and headers bounded (gunicorn's defaults, stated): bodies are bounded
# by yicheng/bodylimit.py and, first, by the gateway.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
