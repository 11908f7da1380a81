"""Counters that go up atomically across every process and machine, for limits: in
Redis when the cache is Redis (INCR), otherwise in the database (one conditional
UPDATE of the key's row). Never in the file cache, whose increment is a read
and a write that two processes can interleave.

A counter counts hits within a fixed window of `seconds` from its first hit, and
remembers when the last hit came. Keys may hold an address or a user name: they are
gone soon after their window ends (PIPL: kept no longer than needed).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, F, Q, Value, When

from projects.rules import clock

REDIS = "django.core.cache.backends.redis.RedisCache"


@dataclass(frozen=True)
class Count:
    hits: int
    last_at: datetime | None  # the latest hit, None before the first


NONE = Count(0, None)


def in_redis():
    return settings.CACHES["default"]["BACKEND"] == REDIS


def hit(key, seconds):
    """Count one hit on `key`; the count within its current window, this hit included."""
    if in_redis():
        name = f"counter:{key}"
        cache.add(name, 0, seconds)  # SET NX: the window starts with its first hit
        try:
            hits = cache.incr(name)
        except ValueError:  # the window ended between the two: start the next one
            cache.add(name, 0, seconds)
            hits = cache.incr(name)
        cache.set(f"{name}:last", clock.seconds(), seconds)
        return Count(hits, clock.now())
    from projects.models import Counter

    now = clock.now()
    # The row first (a no-op when it is there), then one UPDATE that counts, or starts a
    # new window when the last one has ended. The database runs each UPDATE of a row
    # after the other's, on the row as the other left it, so no hit is lost, not even
    # when several processes start a window at once.
    add_row(key, now)
    open_window = Q(window_ends__gt=now)
    Counter.objects.filter(key=key).update(
        count=Case(When(open_window, then=F("count") + 1), default=Value(1)),
        window_ends=Case(
            When(open_window, then=F("window_ends")),
            default=Value(now + timedelta(seconds=seconds)),
        ),
        last_at=now,
    )
    hits = Counter.objects.values_list("count", flat=True).get(key=key)
    if hits == 1:  # a new window: forget the keys whose windows ended a day ago (PIPL)
        Counter.objects.filter(window_ends__lt=now - timedelta(days=1)).delete()
    return Count(hits, now)


def hit_on_the_clock(key, seconds):
    """Count one hit on `key` in the window of `seconds` the clock is in now (windows
    start at whole multiples of `seconds`, so every process agrees where one ends).
    (hits in this window, this hit included; seconds until the next window.)

    Cheaper than `hit` for a limit on every request: one statement on the database, an
    upsert that counts and returns the count, no window to reset (the next window is
    another key)."""
    now = clock.seconds()
    number = int(now // seconds)
    ends = (number + 1) * seconds
    name = f"{key}:{number}"
    if in_redis():
        cache.add(f"counter:{name}", 0, seconds + 1)  # SET NX: gone after its window
        return cache.incr(f"counter:{name}"), ends - now
    from django.db import connection

    from projects.models import Counter

    ops, table = connection.ops, Counter._meta.db_table
    key_, count, window_ends, last_at = (
        ops.quote_name(field.column)
        for field in (
            Counter._meta.get_field(n) for n in ("key", "count", "window_ends", "last_at")
        )
    )
    table = ops.quote_name(table)
    moment = datetime.fromtimestamp(now, UTC)
    with connection.cursor() as cursor:
        # Only quoted names from the model are written into the SQL; values are parameters.
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {count}, {window_ends}, {last_at})"  # noqa: S608
            f" VALUES (%s, 1, %s, %s) ON CONFLICT ({key_}) DO UPDATE"
            f" SET {count} = {table}.{count} + 1, {last_at} = EXCLUDED.{last_at}"
            f" RETURNING {count}",
            [
                name,
                ops.adapt_datetimefield_value(datetime.fromtimestamp(ends, UTC)),
                ops.adapt_datetimefield_value(moment),
            ],
        )
        (hits,) = cursor.fetchone()
    if hits == 1:  # a new window: forget the keys whose windows ended a day ago (PIPL)
        Counter.objects.filter(window_ends__lt=moment - timedelta(days=1)).delete()
    return hits, ends - now


def count_on_the_clock(key, seconds):
    """The hits `hit_on_the_clock` has counted on `key` in the current window, without
    counting one."""
    name = f"{key}:{int(clock.seconds() // seconds)}"
    if in_redis():
        return cache.get(f"counter:{name}") or 0
    from projects.models import Counter

    return Counter.objects.filter(key=name).values_list("count", flat=True).first() or 0


def add_row(key, now):
    """The key's row, if it has none, with its window ended an hour before `now`, so that
    whichever process counts first starts the window: also one that read the clock a
    moment before this one (a window ending at `now` would be open to it, then reset by
    this one, and a hit lost). The clean-up takes only rows ended a day ago."""
    from projects.models import Counter

    ended = now - timedelta(hours=1)
    Counter.objects.bulk_create(
        [Counter(key=key, count=0, window_ends=ended, last_at=now)], ignore_conflicts=True
    )


def peek(key):
    """The count of `key` in its current window, without counting."""
    if in_redis():
        name = f"counter:{key}"
        values = cache.get_many([name, f"{name}:last"])
        if not values.get(name):
            return NONE
        last = values.get(f"{name}:last")
        return Count(values[name], datetime.fromtimestamp(last, UTC) if last else None)
    from projects.models import Counter

    row = (
        Counter.objects.filter(key=key, window_ends__gt=clock.now())
        .values_list("count", "last_at")
        .first()
    )
    return Count(*row) if row else NONE


def clear(key):
    if in_redis():
        cache.delete_many([f"counter:{key}", f"counter:{key}:last"])
        return
    from projects.models import Counter

    Counter.objects.filter(key=key).delete()
