"""The officials' side, one module per domain on one admin site (`base`: what they share)."""

from projects.admin import accounts, alerts, matters, money, sites, tracking, voice  # noqa: F401
