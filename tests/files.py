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


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>指标编号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>新累计值</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>截至日期</t></is></c></row>'
)


def hostile_xlsx(rows=(), dimension="A1:C2", shared_strings=0):
    """An .xlsx written part by part as a forger would: `rows` (XML of <row>s after the
    template's header, an iterable, streamed) under the declared `dimension`, and a
    shared-string table of `shared_strings` entries. Small on disk, whatever it holds."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{dimension}"/><sheetData>{HEADER_ROW}'.encode()
            )
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main">'
            )
            entry = b"<si><t>x</t></si>" * 1000
            for _ in range(shared_strings // 1000):
                table.write(entry)
            table.write(b"</sst>")
    return out.getvalue()


ODS_HEADER_ROW = (
    "<table:table-row>"
    + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{name}</text:p></table:table-cell>'
        for name in ("指标编号", "新累计值", "截至日期")
    )
    + "</table:table-row>"
)


def ods_cell(value, repeated=1):
    return (
        f'<table:table-cell office:value-type="string" table:number-columns-repeated='
        f'"{repeated}"><text:p>{value}</text:p></table:table-cell>'
    )


def ods_row(cells, repeated=1):
    return f'<table:table-row table:number-rows-repeated="{repeated}">{cells}</table:table-row>'


def hostile_ods(rows="", prolog=""):
    """An .ods written by hand as a forger would: `rows` (XML of table:table-rows after
    the header) in one sheet, `prolog` (a DTD, say) before the document."""
    import zipfile

    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        f'<office:spreadsheet><table:table table:name="填报">{ODS_HEADER_ROW}{rows}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return out.getvalue()


def scene(seed, size=(800, 600)):
    """A picture with a photo's spread of detail (noise at six scales, coarse ones
    strongest): one seed, one picture; different seeds, unrelated pictures."""
    import numpy as np

    width, height = size
    rng = np.random.default_rng(seed)
    total = np.zeros((height, width, 3))
    for octave, cells in enumerate((4, 8, 16, 32, 64, 128)):
        small = rng.random((max(2, height * cells // width), cells, 3))
        layer = Image.fromarray((small * 255).astype("uint8")).resize(size, Image.BICUBIC)
        total += np.asarray(layer, float) / 1.6**octave
    total = (total - total.min()) / (total.max() - total.min()) * 255
    return Image.fromarray(total.astype("uint8"))


def dms(degrees):
    whole = int(degrees)
    minutes = (degrees - whole) * 60
    return (float(whole), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))


def photo_bytes(seed=1, size=(800, 600), taken=None, position=None, image=None, quality=90):
    """A JPEG as a phone writes it: a scene (or `image`) with EXIF DateTimeOriginal
    (`taken`, a naive Beijing time, with its offset) and GPS (`position`, (latitude,
    longitude) in WGS-84 degrees); without them, no capture data at all."""
    image = image if image is not None else scene(seed, size)
    exif = Image.Exif()
    if taken is not None:
        exif[0x0110] = "PhoneModel"
        details = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"}
        exif[0x8769] = details
    if position is not None:
        latitude, longitude = position
        exif[0x8825] = {
            1: "N" if latitude >= 0 else "S",
            2: dms(abs(latitude)),
            3: "E" if longitude >= 0 else "W",
            4: dms(abs(longitude)),
        }
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


def reused_copy(data, trim=0.10, side="right", width=640, quality=70):
    """Another phone's copy of a photo: trimmed by `trim` on one side, resized and
    re-encoded, its metadata gone."""
    with Image.open(io.BytesIO(data)) as image:
        w, h = image.size
        cut = round((w if side in ("left", "right") else h) * trim)
        box = {
            "left": (cut, 0, w, h),
            "right": (0, 0, w - cut, h),
            "top": (0, cut, w, h),
            "bottom": (0, 0, w, h - cut),
        }[side]
        copy = image.crop(box)
        copy.thumbnail((width, width))
        out = io.BytesIO()
        copy.convert("RGB").save(out, format="JPEG", quality=quality)
        return out.getvalue()
