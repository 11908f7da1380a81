"""The cost of each hostile upload an outside probe made, read the way the product
reads it now ("after") and the way it read them before issue 10 ("before": openpyxl's
read-only rows padded to the declared dimension, the whole CSV, images decoded whole
up to 60 MP). Each file is read in a fresh process: its time, and its peak memory
above what the process held before reading (Django loaded, the file's bytes in hand).

    python scripts/bench_uploads.py            # the table (make bench runs it)
    python scripts/bench_uploads.py one NAME MODE PATH
"""

import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 120  # a "before" that takes longer is stopped and shown as such
CSV_ROWS = "指标编号,新累计值,截至日期\n" + "1,2,2021-06-30\n" * 100_000


def files():
    """name: (kind, builder) for each hostile file."""
    from tests.files import big_png, hostile_ods, hostile_xlsx, ods_cell, ods_row

    last_cell = '<row r="6000"><c r="XFD6000"><v>1</v></c></row>'
    million = ("<row><c><v>1</v></c></row>" for _ in range(1_000_000))
    return {
        "xlsx declaring A1:XFD6000, one cell": (
            "table", lambda: hostile_xlsx([last_cell], dimension="A1:XFD6000")),
        "xlsx of 1,000,000 rows": (
            "table", lambda: hostile_xlsx(million, dimension="A1:C1000001")),
        "xlsx of 10,000,000 shared strings": (
            "table", lambda: hostile_xlsx(shared_strings=10_000_000)),
        "csv of 100,000 rows": ("table", CSV_ROWS.encode),
        "ods repeating one cell 90,000 × 1,000 times": (
            "table", lambda: hostile_ods(ods_row(ods_cell("x", 1000), 90_000))),
        "ods of 5,000 rows (the cap)": (
            "table", lambda: hostile_ods(ods_row(ods_cell("1") * 3) * 5000)),
        "png of 7745 × 7745 pixels": ("image", lambda: big_png(7745, 7745, 2)),
        "png of 4000 × 4000 RGBA (the most an upload may decode)": (
            "image", lambda: big_png(4000, 4000, 6)),
        "jpeg of 48 megapixels (a phone's full size)": ("image", big_jpeg),
    }  # fmt: skip


def big_jpeg():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8000, 6000), (120, 140, 90)).save(out, "JPEG", quality=80)
    return out.getvalue()


def read_before(kind, data):
    """The readers as they were: every row padded to the declared dimension, every CSV
    row; an image decoded whole, transposed, shrunk."""
    if kind == "table":
        if data.startswith(b"PK"):
            from openpyxl import load_workbook

            if "content.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist():
                return "refused (.ods was not read before issue 11)"
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
            workbook.close()
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        return f"{len(rows)} rows read"
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > 60_000_000:
            return "refused"
        image = ImageOps.exif_transpose(image)
        image.thumbnail((1600, 1600))
    return "accepted"


def read_after(kind, data):
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile

    from projects.exchange.spreadsheets import Budget, read_table
    from projects.exchange.uploads import check_upload

    try:
        if kind == "table":
            budget = Budget.for_imports()
            try:
                read_table(ContentFile(data, name="f"), 2 * 1024 * 1024, budget)
            finally:
                read = f"{budget.rows} rows, {budget.cells} cells read"
            return f"read ({read})"
        check_upload(ContentFile(data, name="f"))
        return "accepted"
    except ValidationError as error:
        return f"refused: {error.messages[0][:28]}… ({read if kind == 'table' else 'not decoded'})"


def one(name, mode, path):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
    django.setup()
    kind, _ = files()[name]
    data = Path(path).read_bytes()
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcome = (read_before if mode == "before" else read_after)(kind, data)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "mb": (peak - floor) / 1024, "outcome": outcome,
                      "size": len(data)}))  # fmt: skip


def main():
    sys.path.insert(0, str(ROOT))
    lines = [
        "hostile uploads, each read in a fresh process: time, and peak memory above the"
        " process before reading (Django loaded, the file's bytes in hand)",
        "",
        "| file | size | before | after | after: outcome |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    smoke = os.environ.get("BENCH_SMOKE") == "1"  # CI: only what the product does now
    modes = os.environ.get("BENCH_UPLOADS", "after" if smoke else "before,after").split(",")
    folder = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    for name, (_kind, build) in files().items():
        path = folder / "upload"
        path.write_bytes(build())  # here, so the measuring process starts without it
        cells = {}
        for mode in modes:
            try:
                result = subprocess.run(  # noqa: S603 - this script
                    [sys.executable, __file__, "one", name, mode, str(path)],
                    cwd=ROOT, capture_output=True, text=True, timeout=SECONDS, check=True,
                )  # fmt: skip
                cells[mode] = json.loads(result.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                cells[mode] = {"seconds": SECONDS, "mb": float("nan"), "outcome": "stopped",
                               "size": 0}  # fmt: skip
            except subprocess.CalledProcessError as error:
                sys.exit(error.stderr[-2000:])
        size = max(c["size"] for c in cells.values()) / 1024
        shown = {
            mode: f"{c['seconds']:.2f} s, {c['mb']:.0f} MB"
            if c["outcome"] != "stopped" else f"> {SECONDS} s (stopped)"
            for mode, c in cells.items()
        }  # fmt: skip
        lines.append(
            f"| {name} | {size:.0f} KB | {shown.get('before', '—')} | {shown.get('after', '—')}"
            f" | {cells.get('after', {}).get('outcome', '—')} |"
        )
    shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "one":
        sys.path.insert(0, str(ROOT))
        one(*sys.argv[2:5])
    else:
        main()
