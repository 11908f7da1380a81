"""Checking an uploaded evidence file by its content, and preparing it for the web.

The file name and the browser's stated type are never trusted: a JPEG, PNG or WebP
must decode as one, and is re-encoded (resized, metadata such as GPS positions
dropped), so what is stored is an image we wrote ourselves. A PDF must start with the
PDF signature and end with its end-of-file marker; it is stored as uploaded and served
as a download, never rendered inline.

Before the metadata goes, an image's capture time and position are read (officials'
photos only, for the checks in models/photos.py, which keep a distance band and never
the position) and its fingerprints are taken (every image: a picture sent twice).
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from projects.rules import photos

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# What one upload may cost to decode, so that a few at once cannot exhaust the server.
# A JPEG is decoded already scaled down towards the stored size (Pillow's draft mode,
# 1/2 to 1/8 of each side), so a 50-megapixel phone photo costs about 40 MB; other
# formats decode whole, so their pixels × bytes per pixel must fit DECODED_BYTES.
# One upload's peak memory stays under 3 × DECODED_BYTES, 192 MB: the decoded pixels,
# the resized copy and the encoder (make bench: 157 MB for the largest PNG allowed).
MAX_PIXELS = 50_000_000
DECODED_BYTES = 64 * 1024 * 1024
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "RGB": 3, "YCbCr": 3, "CMYK": 4, "RGBA": 4, "LA": 2}
# Metadata kept in a stored image: the colour profile only (it is colour, not a
# person, a place or a device). EXIF (GPS), XMP and comments are all dropped.
KEPT_INFO = {"icc_profile"}


@dataclass
class CheckedFile:
    kind: str
    content_type: str
    content: ContentFile
    size: int
    sha256: str = ""
    # What an official's photo said before its metadata went (memory only), and the
    # fingerprints of any image.
    capture: photos.Capture | None = None
    prints: photos.Prints | None = None


def human_size(n):
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def check_upload(upload):
    """Return a CheckedFile for an uploaded file, or raise ValidationError in Chinese."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"文件过大（{human_size(upload.size)}），单个文件不能超过 {human_size(limit)}。"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"文件过大，单个文件不能超过 {human_size(limit)}。")
    if not data:
        raise ValidationError("文件是空的。")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("PDF 文件不完整或已损坏，请重新导出后上传。")
        return CheckedFile("pdf", "application/pdf", ContentFile(data), len(data))
    return _checked_image(data)


def check_photo(upload, limit, official=False):
    """A photo: an image only (no PDF), within `limit` bytes, checked and re-encoded
    like evidence (the same decoding budget, metadata dropped); with the stored bytes'
    SHA-256. Only an `official`'s photo has its capture data read."""
    if upload.size > limit:
        raise ValidationError(
            f"照片过大（{human_size(upload.size)}），不能超过 {human_size(limit)}。"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"照片过大，不能超过 {human_size(limit)}。")
    if not data:
        raise ValidationError("照片文件是空的。")
    checked = _checked_image(data, PHOTO_TYPES, official)
    checked.sha256 = hashlib.sha256(checked.content.read()).hexdigest()
    checked.content.seek(0)
    return checked


EVIDENCE_TYPES = "只能上传 JPEG、PNG、WebP 图片或 PDF 文件（按文件内容判断，不看扩展名）。"
PHOTO_TYPES = "只能上传 JPEG、PNG 或 WebP 照片（按文件内容判断，不看扩展名）。"


def _checked_image(data, types=EVIDENCE_TYPES, official=True):
    unsupported = ValidationError(types)
    too_large = ValidationError(
        "图片尺寸过大（超过 5000 万像素，或解码后超过 64 MB），请缩小后上传。"
    )
    side = settings.EVIDENCE_IMAGE_MAX_SIDE
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            if probe.format not in IMAGE_TYPES:
                raise unsupported
            if probe.width * probe.height > MAX_PIXELS:
                raise too_large
            if probe.format != "JPEG":
                per_pixel = BYTES_PER_PIXEL.get(probe.mode, 4)
                if probe.width * probe.height * per_pixel > DECODED_BYTES:
                    raise too_large
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            capture = photos.read_capture(image) if official else None
            if image_format == "JPEG":
                image.draft("RGB", (side, side))  # decode at the smallest scale that will do
            image.thumbnail((side, side))  # decodes, then shrinks in place
            image = ImageOps.exif_transpose(image)  # keep phone photos upright
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.info = {k: v for k, v in image.info.items() if k in KEPT_INFO}
            prints = photos.fingerprints(image)
            out = io.BytesIO()
            options = (
                {"quality": 85, "optimize": True} if image_format != "PNG" else {"optimize": True}
            )
            image.save(out, format=image_format, **options)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise unsupported from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError("图片已损坏，无法读取。") from None
    content = out.getvalue()
    return CheckedFile(
        "image",
        IMAGE_TYPES[image_format],
        ContentFile(content),
        len(content),
        capture=capture,
        prints=prints,
    )
