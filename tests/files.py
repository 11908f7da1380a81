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


def image_bytes(image_format="JPEG", size=(800, 600), exif_gps=False, noise=False, comment=None):
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
    if comment and image_format == "JPEG":
        options["comment"] = comment.encode()
    elif comment and image_format == "PNG":
        from PIL import PngImagePlugin

        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_text("Comment", comment)
    image.save(out, format=image_format, **options)
    return out.getvalue()


def big_png(width, height, color_type=6):
    """A valid PNG of `width` × `height` pixels of nothing (RGBA by default), built row by
    row so that making it costs no memory: a few hundred KB that decode to many MB."""
    import struct
    import zlib

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )  # fmt: skip

    channels = {0: 1, 2: 3, 6: 4}[color_type]
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + width * channels)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
