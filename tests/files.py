"""Real files for upload tests, made here rather than committed."""

import io
import os

from PIL import Image

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)


def image_bytes(image_format="JPEG", size=(800, 600), exif_gps=False, noise=False):
    """A real image; with noise, one that no encoder can compress much."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    options = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (32.0, 58.0, 0.0)}  # GPSInfo: a position in Zhumadian
        exif[0x010F] = "PhoneMaker"
        options["exif"] = exif
    image.save(out, format=image_format, **options)
    return out.getvalue()
