"""Everything the public receives as data, written to a folder, byte for byte: the API's
document and every page of every list, the sites' GeoJSON, every CSV (the reports, each
plan's targets and practical matters) and each plan's live data package.

Built in a fresh SQLite database from `load_demo` at a fixed moment, with ids and file
keys drawn from a seeded generator, so two runs of one code write the same bytes. A
refactoring that must not change what the public receives is checked by running this on
the code before and after and comparing the folders:

    git worktree add /tmp/before <commit>
    (cd /tmp/before && $OLDPWD/.venv/bin/python $OLDPWD/scripts/public_surface.py /tmp/a)
    .venv/bin/python scripts/public_surface.py /tmp/b
    diff -r /tmp/a /tmp/b && echo identical

It imports nothing of projects/ itself (only URLs and the management command), so one
script serves both trees: the tree is whichever the working directory holds.
"""

import json
import os
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.getcwd())
work = Path(tempfile.mkdtemp(prefix="surface-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="yicheng.settings",
    DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
    MEDIA_ROOT=str(work / "media"),
    CACHE_URL="locmem://",
    SECRET_KEY="public-surface-comparison",  # noqa: S106 - a throwaway database
    DEBUG="1",  # no collected static files needed
)

import django  # noqa: E402
import time_machine  # noqa: E402

MOMENT = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # noon in Shanghai
seeded = random.Random(2021)  # noqa: S311 - the same ids in both runs, on purpose
uuid.uuid4 = lambda: uuid.UUID(int=seeded.getrandbits(128), version=4)


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(MOMENT, tick=False):
        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        client = Client(HTTP_HOST="127.0.0.1")

        def save(url, name):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            (out / name).write_bytes(body)
            return body

        document = json.loads(save("/api/v1/openapi.json", "openapi.json"))
        for path in document["paths"]:
            name = path.strip("/").replace("/", "_")
            if path.endswith(".geojson"):
                save(f"{path}", name)
                continue
            number = 1
            while True:
                body = save(f"{path}?page_size=500&page={number}", f"{name}-{number}.json")
                if json.loads(body)["next"] is None:
                    break
                number += 1
        save("/data/reports.csv", "reports.csv")
        plans = json.loads(client.get("/api/v1/plans/?page_size=500").content)["results"]
        for plan in plans:
            year = plan["year"]
            save(f"/plans/{year}/targets/?export=csv", f"targets-{year}.csv")
            save(f"/plans/{year}/matters/?export=csv", f"matters-{year}.csv")
            package = json.loads(save(f"/data/{year}/datapackage.json", f"{year}-datapackage.json"))
            for resource in package["resources"]:
                save(f"/data/{year}/{resource['path']}", f"{year}-{resource['path']}")
            save(f"/data/{year}/{package['name']}.zip", f"{year}-package.zip")
    print(f"{len(list(out.iterdir()))} files in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
