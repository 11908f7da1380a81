"""The app's models, by domain: `plans` (plans, projects, targets, reports: the
tracking core). Lower floors never import higher ones; everything is importable from
`projects.models`."""

from .plans import *  # noqa: F403
