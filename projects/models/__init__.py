"""The app's models, by domain: `plans` (plans, projects, targets, reports: the
tracking core) and `voice` (what the public sends, and the answers). Lower floors never
import higher ones; everything is importable from `projects.models`."""

from .plans import *  # noqa: F403
from .voice import *  # noqa: F403
