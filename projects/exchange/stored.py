"""Uploaded files, only ever through Django's storage API (`default_storage`, set by
settings.STORAGES): a folder on one machine, an object store shared by several app
servers. Nothing here builds a path, so what works on one store works on the others."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def names(folder=""):
    """Every stored file's name under `folder` (all of them by default), sorted, with
    '/' between the parts; none when the folder is missing."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # a folder on disk or in memory that nothing made yet
        return []
    prefix = f"{folder}/" if folder else ""
    found = [prefix + name for name in files]
    for inner in folders:
        found += names(prefix + inner)
    return sorted(found)


def read(name):
    with default_storage.open(name, "rb") as file:
        return file.read()


def write(name, data):
    """Store `data` under exactly `name`, replacing what was there (a storage's `save`
    would pick another name instead)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # only when another process wrote the same name in between
        raise FileExistsError(name)
