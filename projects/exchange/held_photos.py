"""A resident's photo held while a refused form is put right.

A browser cannot fill a file input again, so a form refused for any reason (a missing
tick, a wrong sum, a phone number in the text) would drop the photo it carried. A photo
that passed its checks (uploads.check_photo: decoded, re-encoded, metadata gone) is
held instead, for HELD_SECONDS, in one slot per browser and form: its storage name is a
keyed hash of the browser's key and the form's address, so a second refusal replaces
it, and no other browser can name it. Held photos are written through the storage API
and served by no view, not even to their writer (the form names the file and its size);
they count toward nothing until the form is sent and the item stores its own copy.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from projects.exchange.uploads import CheckedFile, human_size
from projects.rules import clock, photos

FOLDER = "held"
# Long enough to put a form right, short enough that a photo does not linger.
HELD_SECONDS = 30 * 60
# The file name as sent is shown back to its writer only, cut to what a form line holds.
NAME_MAX = 80


@dataclass
class HeldPhoto:
    filename: str
    content_type: str
    size: int
    sha256: str
    held_at: float

    @property
    def size_label(self):
        return human_size(max(self.size, 1024))  # never "0 KB"

    @property
    def until(self):
        """When it is gone, for the form to say."""
        return datetime.fromtimestamp(self.held_at + HELD_SECONDS, tz=UTC)


class Slot:
    """Where one browser's photo for one form is held."""

    def __init__(self, browser, form):
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"held-photo:{browser}:{form}".encode(), hashlib.sha256
        )
        self.name = f"{FOLDER}/{digest.hexdigest()[:40]}"

    def hold(self, checked, filename, limit):
        """Keep a checked photo here in place of any earlier one; False if it is over
        `limit` (the form's own) and so not kept."""
        self.release()
        if checked.size > limit:
            return False
        checked.content.seek(0)
        body = checked.content.read()
        checked.content.seek(0)
        header = {
            "filename": (filename or "")[:NAME_MAX],
            "content_type": checked.content_type,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "held_at": clock.seconds(),
        }
        saved = default_storage.save(self.name, ContentFile(pack(header, body)))
        if saved != self.name:  # the same browser, a moment earlier, in another request
            default_storage.delete(saved)
        return True

    def held(self):
        """The photo held here (HeldPhoto), or None; an expired one is removed."""
        header, _ = self._read(body=False)
        return HeldPhoto(**header) if header else None

    def checked(self):
        """The held photo as uploads.check_photo returns one, or None: its fingerprints
        taken again from the stored copy (they match the upload's within a bit or two)."""
        header, body = self._read(body=True)
        if header is None:
            return None
        return CheckedFile(
            "image",
            header["content_type"],
            ContentFile(body),
            len(body),
            header["sha256"],
            prints=photos.fingerprints_of(body),
        )

    def release(self):
        default_storage.delete(self.name)

    def _read(self, body):
        try:
            with default_storage.open(self.name, "rb") as file:
                header = json.loads(file.readline())
                content = file.read() if body else b""
        except (FileNotFoundError, ValueError):
            return None, None
        if expired(header):
            self.release()
            return None, None
        return header, content


def pack(header, body):
    """One file per held photo: a line of JSON (json.dumps escapes newlines), then the
    image, so that a photo and what is said of it are written and removed together."""
    return json.dumps(header).encode() + b"\n" + body


def expired(header):
    return clock.seconds() - header.get("held_at", 0) > HELD_SECONDS


def sweep():
    """Remove every held photo past HELD_SECONDS (and any unreadable file); the count."""
    try:
        _, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            with default_storage.open(path, "rb") as file:
                gone = expired(json.loads(file.readline()))
        except (FileNotFoundError, ValueError):
            gone = True
        if gone:
            default_storage.delete(path)
            removed += 1
    return removed
