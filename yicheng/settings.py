"""Settings for the Yicheng pledge tracker.

One module, driven by environment variables. The helpers below fail loudly on a
value they cannot read, so a typo in a deployment stops the start instead of
silently falling back to a default.
"""

import os
import re
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_cache(name, default):
    """A cache from a URL: file:///absolute/path, redis://host:port/db, rediss://…,
    unix:///path/to/redis.sock (Redis on a socket), locmem://, dummy://."""
    url = os.environ.get(name) or default
    scheme, _, rest = url.partition("://")
    redis = "django.core.cache.backends.redis.RedisCache"
    backends = {
        "file": ("django.core.cache.backends.filebased.FileBasedCache", rest),
        "redis": (redis, url),
        "rediss": (redis, url),
        "unix": (redis, url),
        "locmem": ("django.core.cache.backends.locmem.LocMemCache", rest or "yicheng"),
        "dummy": ("django.core.cache.backends.dummy.DummyCache", ""),
    }
    needs_place = scheme in {"file", "redis", "rediss", "unix"}
    unusable = scheme not in backends or "://" not in url or (needs_place and not rest)
    if unusable or (scheme == "file" and not rest.startswith("/")):
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(s + '://' for s in backends)} "
            f"(file:// with an absolute path), not {url!r}."
        )
    backend, location = backends[scheme]
    return {"BACKEND": backend, "LOCATION": location}


def read_secret_key():
    """The key comes from SECRET_KEY; `make run` writes a random one to var/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    raise ImproperlyConfigured(
        "Set SECRET_KEY (or run `make run`, which writes a random key to var/secret_key)."
    )


SECRET_KEY = read_secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The jurisdiction (行政区划代码) whose plans the addresses without one mean: /plans/2021/,
# the API's plan=2021 (projects/models/jurisdictions.py). 驿城区 unless a city's or
# another county's deployment says otherwise.
HOME_JURISDICTION = env_str("HOME_JURISDICTION", default="411702")
# (the pattern of projects/models/jurisdictions.py's CODE_PATTERN: no model loads here)
if not re.fullmatch(r"[0-9]{6}([0-9]{3})?", HOME_JURISDICTION):
    raise ImproperlyConfigured(
        f"HOME_JURISDICTION must be a 6- or 9-digit code, like 411702, not {HOME_JURISDICTION!r}."
    )

# The site's public address (https://jd.example.gov.cn): every absolute URL it writes
# names it, whatever Host a request came with (yicheng/siteurl.py). Unset in
# development: the address the request came to.
SITE_URL = env_str("SITE_URL", default="").rstrip("/")
if SITE_URL and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be a scheme and host, like https://jd.example.gov.cn, not {SITE_URL!r}."
    )
# Where the officials' admin lives; a less obvious path keeps casual scanners away.
ADMIN_PATH = env_str("ADMIN_PATH", default="admin/").strip("/") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "corsheaders",
    "simple_history",
    "projects.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "csp",
    "ninja",  # its templates and vendored Swagger UI for /api/v1/docs/ (no CDN)
    "django_tasks",
    "django_tasks_db",
    "projects",
]

MIDDLEWARE = [
    "yicheng.requestlog.RequestLogMiddleware",
    "yicheng.siteurl.SiteAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the page cache, which answers repeats without anything else counting them.
    "projects.api.throttle.ApiRateLimitMiddleware",
    # /411721/plans/2021/: the jurisdiction an address names, served for the request
    # (projects/web/addresses.py); before the page cache, which keys on the whole path.
    "projects.web.addresses.JurisdictionAddressMiddleware",
    # A cached public page is answered here, before the rest of the stack runs, with
    # the headers the middleware below gave it (projects/web/freshness.py).
    "projects.web.freshness.PageCacheMiddleware",
    "projects.web.addresses.KnownJurisdictionMiddleware",
    # Other answers compressed (static files come precompressed from whitenoise, cached
    # pages from the page cache). Django's gzip pads each response against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "projects.web.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In the admin, the jurisdiction the official works in (projects/web/addresses.py).
    "projects.web.addresses.StaffJurisdictionMiddleware",
    "yicheng.bodylimit.BodyLimitMiddleware",
    # Counts posts to public forms before CSRF or a view reads their bodies.
    "projects.web.guard.PublicFormLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "projects.web.logins.LoginLimitsBackend",  # limits across user names and addresses
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "yicheng.urls"
WSGI_APPLICATION = "yicheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "projects.web.asof.as_of_context",
                "projects.web.context_processors.site_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write at once (gunicorn workers, imports): WAL lets readers go on
    # while one writes, IMMEDIATE takes the write lock at the start of a transaction
    # instead of failing half-way, and the timeout makes a writer wait, not error.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The test database is a file, not memory, so that the concurrency tests' worker
    # processes can open it too; one per test run, so runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"yicheng-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Chinese unless the visitor switches (projects.web.middleware.ChineseFirstMiddleware).
# Interface strings are written in Chinese; locale/en holds their English.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project's own catalogues first (makemessages writes there), then the Chinese for
# third-party apps that ship none (django-axes).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_thirdparty"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# From the site's root: a relative one would take the script prefix of the request that
# first read it, and a jurisdiction's pages put its code there (/411781/…).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names let browsers cache static files for a year; the
    # manifest is written by `collectstatic`, which every make target runs.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served as such: evidence is served by views.dashboard.evidence_file

# Where uploaded files live: a folder on this machine (MEDIA_ROOT) by default; with
# FILE_STORE=s3 an S3-compatible bucket (Aliyun OSS, MinIO) that every app server shares.
# Files reach people only through our views, after their permission checks: the bucket
# stays private (no ACL granted, links signed), and no page links to it. An incomplete
# S3 configuration is refused by `manage.py check` (projects/checks.py, yicheng.E008).
FILE_STORE = env_str("FILE_STORE", default="local")
if FILE_STORE not in {"local", "s3"}:
    raise ImproperlyConfigured(f"FILE_STORE must be local or s3, not {FILE_STORE!r}.")
S3_ADDRESSING_STYLE = env_str("S3_ADDRESSING_STYLE", default="path")
if S3_ADDRESSING_STYLE not in {"path", "virtual"}:
    raise ImproperlyConfigured(
        f"S3_ADDRESSING_STYLE must be path or virtual, not {S3_ADDRESSING_STYLE!r}."
    )
if FILE_STORE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET", default=""),
            "endpoint_url": env_str("S3_ENDPOINT_URL", default=""),
            "region_name": env_str("S3_REGION", default="") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", default=""),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", default=""),
            "default_acl": "private",
            "querystring_auth": True,  # a URL of the bucket's, if one were ever made, is signed
            "file_overwrite": False,  # a second file of the same name gets a name of its own
            # MinIO and most S3 look-alikes want the bucket in the path; Aliyun OSS the host
            "addressing_style": S3_ADDRESSING_STYLE,
        },
    }

# Shared by every process of the server, for the page cache's content version must be
# (projects/web/freshness.py): a folder on this machine by default, Redis when the site
# runs on more than one machine. `check --deploy` refuses a per-process cache.
CACHES = {"default": env_cache("CACHE_URL", default=f"file://{VAR_DIR / 'cache'}")}
# Off only to measure the real work of a page (make bench).
PAGE_CACHE = env_bool("PAGE_CACHE", default=True)

# Behind the district's gateway, over HTTPS (set HTTPS=1 in production): cookies only
# over TLS, HSTS for a year, plain HTTP redirected. The gateway must set
# X-Forwarded-Proto; see README, Deployment.
HTTPS = env_bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    # Turn these two off if other subdomains of the site's domain are not all on HTTPS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600  # an official's working day
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# No inline script or style anywhere: chart data travels in json_script blocks, which
# are data, not code.
# A map of the sites, where the deployment has a tile service (e.g. 天地图: a URL with
# {z}/{x}/{y}, and {key} for MAP_TILE_KEY). Without one the sites page lists the sites by
# 街道 and loses nothing. The tiles' host is added to the CSP's img-src.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_KEY = os.environ.get("MAP_TILE_KEY", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
MAP_TILE_SUBDOMAINS = os.environ.get("MAP_TILE_SUBDOMAINS", "")  # e.g. 01234567 for 天地图


def tile_sources(url):
    """The origin(s) the map's tiles come from, for the CSP."""
    from urllib.parse import urlsplit

    if not url:
        return []
    parts = urlsplit(url)
    host = parts.netloc
    if "{s}" in host:  # t{s}.tianditu.gov.cn: CSP takes a wildcard only as the first label
        host = "*." + host.split(".", 1)[1]
    return [f"{parts.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *tile_sources(MAP_TILE_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# How many proxies (the district's gateway, nginx) stand in front of the app, each adding
# the address it received a request from to X-Forwarded-For: the client's address is
# read from there and nowhere else (yicheng/clientaddr.py). 0: none, the header is
# ignored. HTTPS=1 means a gateway terminates TLS, hence the default of one.
PROXY_COUNT = env_int("PROXY_COUNT", 1 if HTTPS else 0)

# Login throttling: five wrong passwords for one account from one address lock that
# pair for an hour (django-axes), so a stranger elsewhere cannot lock an official out,
# nor one person a whole office behind one address; a right password resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try refused while locked, or by the limits below, checked no password and is no
# guess: axes records it not (its default would, and reset the hour), so an official
# who presses 登录 again while slowed is not locked out for the hour by doing so.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "yicheng.clientaddr.limited_address"
AXES_LOCKOUT_CALLABLE = "projects.web.logins.refused"
AXES_USERNAME_CALLABLE = "projects.web.logins.username"
# Beyond the pair (projects/web/logins.py): failures an hour from one address across all
# user names before it may not try again that hour; failures an hour of one user name
# from anywhere before each further try must wait LOGIN_USER_WAIT seconds.
LOGIN_ADDRESS_FAILURES = env_int("LOGIN_ADDRESS_FAILURES", 30)
LOGIN_USER_FAILURES = env_int("LOGIN_USER_FAILURES", 10)
LOGIN_USER_WAIT = env_int("LOGIN_USER_WAIT", 30)

# The open data API's rate limit per client address (projects/api/throttle.py): 300 requests
# a minute is five a second all minute long, which no person and no script that waits
# for each answer meets; a loop that does not wait is told when to come back (429).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 300)
API_RATE_WINDOW = env_int("API_RATE_WINDOW", 60)  # seconds

# Pace (序时进度): how many percentage points behind the expected progress a figure may
# be before it is 推进缓慢, and before it is 严重滞后 (see projects/rules/pace.py).
PACE_SLOW_POINTS = env_int("PACE_SLOW_POINTS", 10)
PACE_SEVERE_POINTS = env_int("PACE_SEVERE_POINTS", 30)

# The one sign-in page: the admin's (a deputy signs in there to send a 代表意见).
LOGIN_URL = "admin:login"

# The public's questions (projects/models/voice.py): the lead department answers in
# public within this many working days, for a new plan (a plan keeps its own, dated).
ANSWER_WORKING_DAYS = env_int("ANSWER_WORKING_DAYS", 15)
# 公示: a project whose figures reach completion is published this many days for
# objection before it is 已完成, for a plan from the day the rule is set on it (a plan
# keeps its own, dated; projects finished before are not put through it).
NOTICE_DAYS = env_int("NOTICE_DAYS", 7)
# The deputies' ballot and year-end rating (projects/models/cycle.py), for a new plan:
# a candidate is elected with votes for from more than this percent of the deputies in
# office; a project is rated 满意 when 满意 votes exceed this percent of the valid votes
# (基本满意 when 满意 and 基本满意 together do). A plan keeps its own, dated.
ELECTION_SHARE_PERCENT = env_int("ELECTION_SHARE_PERCENT", 50)
RATING_SHARE_PERCENT = env_int("RATING_SHARE_PERCENT", 50)
# 码上评, the online ratings from a site's 民生码, for a new plan (a plan keeps its own,
# dated): a project is listed in the 督查台账 when more than this percent of a month's
# ratings are 不满意, once the month has at least ONLINE_RATING_MINIMUM of them, from at
# least ONLINE_RATING_NETWORKS networks (IPv4 /24, IPv6 /48).
ONLINE_DISSATISFIED_PERCENT = env_int("ONLINE_DISSATISFIED_PERCENT", 30)
ONLINE_RATING_MINIMUM = env_int("ONLINE_RATING_MINIMUM", 10)
ONLINE_RATING_NETWORKS = env_int("ONLINE_RATING_NETWORKS", 5)
# One rating per browser per project per month; and from one client address (IPv6: its
# /64) at most this many a project a month, below ONLINE_RATING_MINIMUM so that no one
# address fills the ledger's minimum (a community office or a carrier's NAT shares one).
ONLINE_RATINGS_PER_ADDRESS = env_int("ONLINE_RATINGS_PER_ADDRESS", 5)
# Names and phone numbers the public leaves are emptied this many days after their plan
# is archived (manage.py purge_contacts; PIPL: kept no longer than needed).
CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 180)
# Posts from one client address, and from one browser, within an hour
# (projects/web/guard.py): past the soft limit a question to answer, past the hard one a 429.
# An address is often shared (a community office, a carrier's NAT), a browser is not.
VOICE_ADDRESS_SOFT = env_int("VOICE_ADDRESS_SOFT", 5)
VOICE_ADDRESS_HARD = env_int("VOICE_ADDRESS_HARD", 20)
VOICE_BROWSER_SOFT = env_int("VOICE_BROWSER_SOFT", 3)
VOICE_BROWSER_HARD = env_int("VOICE_BROWSER_HARD", 10)
VOICE_WINDOW = 3600
# Look-ups of tracking pages (a receipt's private link) from one address within that
# hour, found or not (projects/web/guard.py): a writer reloads theirs a few times; past
# this, a 429.
TRACKING_LOOKUPS = env_int("TRACKING_LOOKUPS", 60)
# Look-ups of survey codes (/survey/: each post, found or not) within that hour, from one
# address and from one browser: a volunteer helping neighbours answers several on one
# phone, two look-ups an answer; a 60-bit code is not guessed at this pace. Past it, a 429.
SURVEY_ADDRESS_LOOKUPS = env_int("SURVEY_ADDRESS_LOOKUPS", 120)
SURVEY_BROWSER_LOOKUPS = env_int("SURVEY_BROWSER_LOOKUPS", 40)
# A photo from the public: a phone photo, resized and stripped like evidence.
VOICE_PHOTO_MAX_BYTES = env_int("VOICE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)

# The reporting calendar (projects/models/supervision.py), for a new plan from the day it
# is created (a plan keeps its own, dated): by this day of each month (a day past the
# month's end means its last day) every unfinished target needs a report submitted since
# the previous one; a report waiting this many days for review is chased up.
REPORTING_DAY = env_int("REPORTING_DAY", 25)
REVIEW_DAYS = env_int("REVIEW_DAYS", 5)
# The rules that watch the money and the steps, for a new plan (a plan keeps its own,
# dated, in force from the day set): a step late the day after its planned date plus
# these days; accepted work paid within 30 days (《保障中小企业款项支付条例》第九条);
# spending behind the time gone by 20 points; funds in place at 开工 the whole budget
# (《政府投资条例》第二十二条：资金应当落实到位, no 垫资).
STEP_GRACE_DAYS = env_int("STEP_GRACE_DAYS", 0)
PAYMENT_DAYS = env_int("PAYMENT_DAYS", 30)
SPENDING_LAG_POINTS = env_int("SPENDING_LAG_POINTS", 20)
FUNDS_AT_START_PERCENT = env_int("FUNDS_AT_START_PERCENT", 100)
# The checks on an official's photo, for a new plan (models/photos.py): taken within
# 200 m of a site is near it, past 1 km far from it; taken up to 7 days outside the
# report's period passes; two photos whose fingerprints (64 bits) differ in at most
# 10 are the same picture (copies resized, re-encoded or trimmed 10 % measured at most
# 8 apart, unrelated ones 14 and more: projects/rules/photos.py).
PHOTO_NEAR_METRES = env_int("PHOTO_NEAR_METRES", 200)
PHOTO_FAR_METRES = env_int("PHOTO_FAR_METRES", 1000)
PHOTO_TIME_GRACE_DAYS = env_int("PHOTO_TIME_GRACE_DAYS", 7)
PHOTO_MATCH_BITS = env_int("PHOTO_MATCH_BITS", 10)
# Residents' satisfaction surveyed by random sample, for a new plan (models/surveys.py):
# 300 households a project (Zhenhai's and Huizhou's practice); shares published from 30
# answers (fewer read 样本不足). The combined index, off unless weights are set (e.g.
# deputies 60, survey 30, online 10), scores each answer 100 / 60 / 0.
SURVEY_SAMPLE_SIZE = env_int("SURVEY_SAMPLE_SIZE", 300)
SURVEY_MIN_RESPONSES = env_int("SURVEY_MIN_RESPONSES", 30)
INDEX_DEPUTIES_WEIGHT = env_int("INDEX_DEPUTIES_WEIGHT", 0)
INDEX_SURVEY_WEIGHT = env_int("INDEX_SURVEY_WEIGHT", 0)
INDEX_ONLINE_WEIGHT = env_int("INDEX_ONLINE_WEIGHT", 0)
INDEX_SCORE_SATISFIED = env_int("INDEX_SCORE_SATISFIED", 100)
INDEX_SCORE_FAIR = env_int("INDEX_SCORE_FAIR", 60)
INDEX_SCORE_DISSATISFIED = env_int("INDEX_SCORE_DISSATISFIED", 0)

# Work a request sets off (an approval's mails to followers, a new question's alert) runs
# in a worker (`manage.py db_worker`, started by make run and make serve): Django 6's
# Tasks framework (the django-tasks backport) with its database backend, so a task is
# written in the same transaction as the change that set it off.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Alerts (projects/alerts/due.py, projects/alerts/sending.py; manage.py send_alerts). Mail goes
# through Django's SMTP settings from the environment; a refusal is a failure.
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="民生实事进度看板 <noreply@localhost>")
# Group robots only on these hosts, over https: 企业微信's and 钉钉's public ones; a
# district adds its 政务钉钉 host. A robot's address is resolved once, checked, and the
# connection goes to that address.
ALERT_ROBOT_HOSTS = env_list(
    "ALERT_ROBOT_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
# Tests only: every robot message goes to this plain-http receiver on loopback instead
# (path and query kept). `checks.py` refuses it outside DEBUG.
ALERT_ROBOT_RECEIVER = env_str("ALERT_ROBOT_RECEIVER", default="")
# A failed delivery is tried again after these many minutes, then given up (admin shows
# it, with the error, and can send it again).
ALERT_RETRY_MINUTES = [1, 5, 30, 120, 360]
# How long a sender holds a delivery it is sending before another may take it.
ALERT_LEASE_SECONDS = env_int("ALERT_LEASE_SECONDS", 120)
ALERT_TIMEOUT_SECONDS = 10
# The weekly digest goes on this ISO weekday (1 = Monday).
ALERT_DIGEST_WEEKDAY = env_int("ALERT_DIGEST_WEEKDAY", 1)
# A follow not confirmed within this many days is deleted (purge_contacts).
FOLLOW_CONFIRM_DAYS = env_int("FOLLOW_CONFIRM_DAYS", 7)

# Evidence files: a phone photo is 2–6 MB and a scanned document a few MB; 10 MB leaves
# room without letting one upload fill the disk. Images are resized to this long side.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_IMAGE_MAX_SIDE = 1600
# An import file holds one row per target: 2 MB is thousands of rows.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
# And at most this many rows: a department's targets are dozens; reading stops at one
# more (projects/exchange/spreadsheets.py Budget).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
FILE_UPLOAD_PERMISSIONS = 0o640
# Bodies (yicheng/bodylimit.py): a visitor not signed in sends a form, never a file;
# an official a report with up to ten files of EVIDENCE_MAX_BYTES.
ANONYMOUS_BODY_MAX = env_int("ANONYMOUS_BODY_MAX", 64 * 1024)
# A public form with a photo (a view marked `accepts_public_photo`) may send one.
ANONYMOUS_PHOTO_BODY_MAX = VOICE_PHOTO_MAX_BYTES + ANONYMOUS_BODY_MAX
DATA_UPLOAD_MAX_NUMBER_FILES = 10
BODY_MAX = env_int("BODY_MAX", DATA_UPLOAD_MAX_NUMBER_FILES * EVIDENCE_MAX_BYTES + 1024 * 1024)

# Backups keep times to the microsecond (Django's JSON cuts them to milliseconds).
SERIALIZATION_MODULES = {"exactjson": "projects.exchange.exactjson"}

# History is a record, not an undo button: reverting an approved report to an old
# version would bypass review, so the admin's "revert" is off.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Open data: anyone's page or script may read the JSON API and the CSV download.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api/v\d+|data)/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "yicheng.requestlog.JsonFormatter"}},
    "filters": {"private_paths": {"()": "yicheng.requestlog.RedactPrivatePaths"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["private_paths"],
        }
    },
    "loggers": {
        # Request lines only where asked for (make serve sets REQUEST_LOG=1).
        "yicheng.request": {
            "handlers": ["stderr"],
            "level": "INFO" if env_bool("REQUEST_LOG", default=False) else "WARNING",
            "propagate": False,
        },
        "django": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", default="WARNING")},
        # runserver's request lines, through the same handler (private paths redacted).
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "projects": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", default="WARNING")},
        # Which part /healthz found unreachable (its answer says only "unavailable").
        "yicheng.health": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
