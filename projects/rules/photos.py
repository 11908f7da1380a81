"""What a photo says about itself before its metadata is dropped, and its fingerprint.

- `read_capture`: the capture time and GPS position in the file's EXIF. They are read
  once, on upload, for the checks (models/photos.py) and never stored: the position
  goes only into a distance band, the time only where officials took the photo.
- `fingerprints`: a 64-bit perceptual hash (imagehash's pHash: the low frequencies of
  a 32×32 DCT) of the whole picture, and of sixteen trims of it (5 % and 10 % off each
  side and each corner). A copy resized or re-encoded keeps the whole picture's hash
  within a few bits; a copy trimmed by up to 10 % on a side hashes close to one of the
  original's trims, or the original's whole hash close to one of the copy's trims, so
  comparing each whole hash with the other's trims finds it either way round (measured
  on 40 pictures trimmed 0–10 % in 1 % steps: at most 8 bits apart; unrelated ones 14
  bits and more).
- `PrintIndex`: the fingerprints of many photos in numpy arrays, searched by Hamming
  distance in one pass (100,000 photos in a few milliseconds; make bench measures it).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from math import asin, cos, radians, sin, sqrt

import imagehash
import numpy as np
from PIL import Image

# Of each side, or of two sides at a corner, trimmed before hashing.
TRIMS = (0.05, 0.10)
CUTS = ("l", "r", "t", "b", "lt", "lb", "rt", "rb")
VARIANTS = len(TRIMS) * len(CUTS)
# The picture is hashed from a small grey copy: pHash reads 32×32 of it anyway.
HASH_SIDE = 256

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME_DIGITIZED, OFFSET_TIME_ORIGINAL = 0x9003, 0x9004, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
# A camera's clock without a stated offset is taken as Beijing time.
BEIJING = timezone(timedelta(hours=8))


@dataclass
class Capture:
    """When and where a photo says it was taken (held in memory only)."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_position(self):
        return self.latitude is not None and self.longitude is not None


@dataclass
class Prints:
    fingerprint: int  # the whole picture, as a signed 64-bit number (a BIGINT column)
    variants: bytes  # the trims' hashes, VARIANTS × 8 bytes little-endian


# What a malformed EXIF value raises on reading: it is then no capture data.
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, OSError)


def read_capture(image):
    """The Capture an opened image's EXIF states; empty where it states nothing usable."""
    try:
        exif = image.getexif()
        details, gps = exif.get_ifd(EXIF_IFD), exif.get_ifd(GPS_IFD)
    except (*UNREADABLE, SyntaxError):
        return Capture()
    capture = Capture()
    try:
        stamp = details.get(DATETIME_ORIGINAL) or details.get(DATETIME_DIGITIZED)
        capture.taken_at = _when(stamp, details.get(OFFSET_TIME_ORIGINAL))
    except UNREADABLE:
        capture.taken_at = None
    try:
        latitude = _degrees(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90)
        longitude = _degrees(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180)
    except UNREADABLE:
        latitude = longitude = None
    if latitude is not None and longitude is not None and (latitude, longitude) != (0, 0):
        capture.latitude, capture.longitude = latitude, longitude
    return capture


def _when(stamp, offset):
    if not isinstance(stamp, str):
        return None
    taken = datetime.strptime(stamp.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    zone = BEIJING
    if isinstance(offset, str) and len(offset.strip("\x00")) == 6:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return taken.replace(tzinfo=zone)


def _degrees(parts, ref, negative, limit):
    if not parts or len(parts) != 3:
        return None
    value = float(parts[0]) + float(parts[1]) / 60 + float(parts[2]) / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative:
        value = -value
    return value if abs(value) <= limit else None


def metres_between(lat1, lon1, lat2, lon2):
    """The great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(a))


def _trim(image, cut, share):
    width, height = image.size
    dx, dy = round(width * share), round(height * share)
    left = dx if "l" in cut else 0
    right = width - dx if "r" in cut else width
    top = dy if "t" in cut else 0
    bottom = height - dy if "b" in cut else height
    return image.crop((left, top, right, bottom))


def _hash(image):
    bits = imagehash.phash(image).hash.flatten()
    return int(np.packbits(bits.astype(np.uint8)).view(">u8")[0])


def as_signed(number):
    return number - (1 << 64) if number >= 1 << 63 else number


def fingerprints(image):
    """The Prints of a decoded image (upright: after its EXIF orientation is applied)."""
    grey = image.convert("L")
    grey.thumbnail((HASH_SIDE, HASH_SIDE))
    whole = _hash(grey)
    trims = [_hash(_trim(grey, cut, share)) for share in TRIMS for cut in CUTS]
    return Prints(as_signed(whole), np.array(trims, dtype="<u8").tobytes())


def fingerprints_of(content):
    """The Prints of an image file's bytes."""
    import io

    with Image.open(io.BytesIO(content)) as image:
        image.draft("RGB", (HASH_SIDE * 2, HASH_SIDE * 2))
        return fingerprints(image)


def distance(a, b):
    """Bits apart of two fingerprints: each whole against the other's trims, and the
    wholes against each other; the least."""
    whole_a = np.uint64(a.fingerprint & (1 << 64) - 1)
    whole_b = np.uint64(b.fingerprint & (1 << 64) - 1)
    trims_a = np.frombuffer(a.variants, dtype="<u8")
    trims_b = np.frombuffer(b.variants, dtype="<u8")
    return int(
        min(
            np.bitwise_count(whole_a ^ whole_b),
            np.bitwise_count(trims_b ^ whole_a).min(),
            np.bitwise_count(trims_a ^ whole_b).min(),
        )
    )


class PrintIndex:
    """Many photos' fingerprints by id, searched in one numpy pass."""

    def __init__(self):
        self.ids = np.empty(0, dtype=np.int64)
        self.wholes = np.empty(0, dtype=np.uint64)
        self.trims = np.empty((0, VARIANTS), dtype=np.uint64)

    def __len__(self):
        return len(self.ids)

    @property
    def max_id(self):
        return int(self.ids.max()) if len(self.ids) else 0

    def add(self, rows):
        """Add or replace (id, fingerprint, variants) rows."""
        rows = list(rows)
        if not rows:
            return
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        wholes = np.array([row[1] for row in rows], dtype=np.int64).view(np.uint64)
        trims = np.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype="<u8")
        keep = ~np.isin(self.ids, ids)
        self.ids = np.concatenate([self.ids[keep], ids])
        self.wholes = np.concatenate([self.wholes[keep], wholes])
        self.trims = np.concatenate([self.trims[keep], trims.reshape(-1, VARIANTS)])

    def near(self, prints, bits):
        """{id: bits apart} of the photos within `bits` of `prints`."""
        if not len(self.ids):
            return {}
        whole = np.uint64(prints.fingerprint & (1 << 64) - 1)
        trims = np.frombuffer(prints.variants, dtype="<u8")
        apart = np.minimum(
            np.bitwise_count(self.wholes ^ whole),
            np.bitwise_count(self.trims ^ whole).min(axis=1),
        )
        apart = np.minimum(
            apart, np.bitwise_count(self.wholes[:, None] ^ trims[None, :]).min(axis=1)
        )
        hits = np.flatnonzero(apart <= bits)
        return {int(self.ids[i]): int(apart[i]) for i in hits}
