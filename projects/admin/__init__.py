"""The officials' side, one module per domain on one admin site (`base`: what they share)."""

from projects.admin import (  # noqa: F401
    accounts,
    alerts,
    matters,
    money,
    sites,
    surveys,
    tracking,
    voice,
)
