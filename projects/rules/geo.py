"""Coordinates of sites: stored as WGS-84 (GPS; 天地图's CGCS2000 is the same at the six
decimals we keep), checked to lie in China, and converted from GCJ-02 on entry.

GCJ-02 ("火星坐标") is what Gaode (高德) and Tencent maps show and copy, so it is what
officials most often paste. There is no maintained library for the conversion on PyPI
(the packages there are single-file copies of the same formula, unmaintained since
2016–2019), so it is here: the forward formula as published and used across the open
source world (e.g. the `eviltransform` and `coordtransform` projects), inverted by
iteration. Four rounds bring the error under 1e-7 degrees (about a centimetre),
far below the metres a map pin means.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

# Krasovsky 1940 ellipsoid, which the GCJ-02 formula uses.
A = 6378245.0
EE = 0.00669342162296594323

# A box around China's land (the GCJ-02 offset applies only inside it, and a site of a
# district's pledge lies within it). Longitude 73.5–135.1, latitude 3.8–53.6.
LON_MIN, LON_MAX = Decimal("73.5"), Decimal("135.1")
LAT_MIN, LAT_MAX = Decimal("3.8"), Decimal("53.6")

PLACES = Decimal("0.000001")


def _lat_shift(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _lon_shift(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon, lat):
    """The published forward formula (float degrees in, float degrees out)."""
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon, lat):
    """The inverse, by fixed-point iteration on the forward formula."""
    lon, lat = float(lon), float(lat)
    w_lon, w_lat = lon, lat
    for _ in range(4):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (g_lon - lon), w_lat - (g_lat - lat)
    return w_lon, w_lat


def rounded(value):
    return Decimal(str(value)).quantize(PLACES, ROUND_HALF_UP)


def in_china(lon, lat):
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def check(lon, lat):
    """A Chinese message for a point that cannot be a site in China, or None. Swapped
    numbers are named as such: a latitude of 114 is a longitude typed in the wrong box."""
    if lon is None or lat is None:
        return None
    if in_china(lat, lon):
        return (
            f"经度和纬度似乎填反了：经度 {lon}、纬度 {lat} 不在中国境内，"
            f"对调后（经度 {lat}、纬度 {lon}）才在。请检查后重新填写。"
        )
    if not in_china(lon, lat):
        return (
            f"坐标（经度 {lon}、纬度 {lat}）不在中国境内。经度应在 73.5 至 135.1 之间，"
            "纬度应在 3.8 至 53.6 之间；驿城区约为经度 114.0、纬度 33.0。"
        )
    return None
