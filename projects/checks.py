"""Deployment checks (`manage.py check --deploy`): what must hold before the site
serves the public."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PER_PROCESS = {"django.core.cache.backends.locmem.LocMemCache"}


@register(Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    """Each server process keeps its own locmem cache, so an approval would move the
    content version of one process only and the others would go on serving the old
    figure (projects/web/freshness.py)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS:
        return []
    return [
        Error(
            "缓存只在单个进程内有效（locmem）：审核通过的数字可能在其他进程中仍显示旧值。"
            "The cache is per-process (locmem): other server processes would keep "
            "serving figures older than the latest approval.",
            hint="Leave CACHE_URL unset (a file cache shared on this machine), or set "
            "CACHE_URL=redis://… when the site runs on more than one machine.",
            id="yicheng.E001",
        )
    ]


@register(Tags.security, deploy=True)
def site_address_is_set(app_configs, **kwargs):
    """Without SITE_URL, absolute URLs (feeds, API links, og:url) take the host of each
    request, so a request with another Host or port writes that address (siteurl.py)."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    return [
        Warning(
            "未设置 SITE_URL：订阅源、接口和页面中的完整网址将取自每个请求的 Host。"
            "SITE_URL is not set: absolute URLs follow each request's Host header.",
            hint="Set SITE_URL=https://<the site's public host>.",
            id="yicheng.W002",
        )
    ]


@register(Tags.security, deploy=True)
def robots_go_to_robots(app_configs, **kwargs):
    """ALERT_ROBOT_RECEIVER sends every robot message to a plain-http receiver instead of
    the robot: for the tests' receiver on loopback, never on a server."""
    if settings.DEBUG or not settings.ALERT_ROBOT_RECEIVER:
        return []
    return [
        Error(
            "ALERT_ROBOT_RECEIVER 只用于测试：设置后群机器人消息不会发给企业微信或钉钉。"
            "ALERT_ROBOT_RECEIVER is for tests only: robot messages would not reach the robots.",
            hint="Unset ALERT_ROBOT_RECEIVER.",
            id="yicheng.E005",
        )
    ]


@register(Tags.security, deploy=True)
def no_demo_account_signs_in(app_configs, **kwargs):
    """make demo's accounts (load_demo --accounts) have names anyone can guess and
    passwords printed on a screen: on a real site they would let in whoever saw them."""
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, transaction

    from projects.rules.roles import DEMO_ACCOUNT_PREFIX

    active = get_user_model().objects.filter(
        username__startswith=DEMO_ACCOUNT_PREFIX, is_active=True
    )
    try:
        with transaction.atomic():  # a failed query leaves any transaction around usable
            names = sorted(active.values_list("username", flat=True))
    except DatabaseError:
        # `make serve` checks before it migrates: a database not yet made (or not
        # reachable) has no account to sign in with, and `migrate` says what is wrong.
        return []
    if not names:
        return []
    return [
        Error(
            f"数据库中有可以登录的演示账号（{'、'.join(names)}）：这是 make demo 的演示数据库，"
            "或演示账号被启用。"
            f"The database has active demo accounts ({', '.join(names)}): it is make demo's "
            "database, or demo accounts were activated in it.",
            hint="Deactivate them (admin › 用户 › 有效/Active), or serve a database of "
            "its own, never make demo's (var/demo.sqlite3).",
            id="yicheng.E007",
        )
    ]


@register()
def rule_defaults_are_ordered(app_configs, **kwargs):
    """A new plan takes its rules from the settings unchecked (PlanRule.default), so
    the pairs that must stay ordered (PlanRule.ORDERED) are checked here, at start."""
    from projects.models import PlanRule

    errors = []
    for low, high, message in PlanRule.ORDERED:
        lower, higher = PlanRule.default(low), PlanRule.default(high)
        if lower >= higher:
            said = message.format(low=lower, high=higher)
            errors.append(
                Error(
                    f"新计划的规则默认值有误：{said}。",
                    hint=f"Set {PlanRule.SETTINGS[low]} below {PlanRule.SETTINGS[high]}.",
                    id="yicheng.E006",
                )
            )
    return errors


# What an S3 store cannot go without, each named by the variable that sets it
# (yicheng/settings.py, FILE_STORE=s3).
S3_REQUIRED = {
    "bucket_name": "S3_BUCKET",
    "endpoint_url": "S3_ENDPOINT_URL",
    "access_key": "S3_ACCESS_KEY_ID",
    "secret_key": "S3_SECRET_ACCESS_KEY",
}


@register()
def file_store_is_complete(app_configs, **kwargs):
    """With FILE_STORE=s3 every upload and every download goes to the bucket: a missing
    bucket, address or key would fail each of them, so the site does not start."""
    store = settings.STORAGES["default"]
    if store["BACKEND"] != "storages.backends.s3.S3Storage":
        return []
    options = store.get("OPTIONS", {})
    missing = [name for option, name in S3_REQUIRED.items() if not options.get(option)]
    if not missing:
        return []
    return [
        Error(
            f"对象存储（FILE_STORE=s3）的设置不完整，缺少 {'、'.join(missing)}："
            "上传的文件无处保存。"
            f"The S3 file store is incomplete: set {', '.join(missing)}.",
            hint="Set them (README › Deployment), or leave FILE_STORE unset to keep files "
            "in MEDIA_ROOT on this machine.",
            id="yicheng.E008",
        )
    ]
