"""The app's models, by domain: `plans` (plans, projects, targets, reports: the
tracking core), `cycle` (the candidates before the deputies' vote), `voice` (what the
public sends, and the answers), `sites` (点位, their stages, 码上评), `notice` (公示),
`supervision` (the reporting calendar, 挂牌督办), `alerts` (channels, alerts, the
public's follows) and `matters` (the register of 我为群众办实事). Lower floors never
import higher ones; everything is importable from `projects.models`."""

from .alerts import *  # noqa: F403
from .cycle import *  # noqa: F403
from .matters import *  # noqa: F403
from .notice import *  # noqa: F403
from .plans import *  # noqa: F403
from .sites import *  # noqa: F403
from .supervision import *  # noqa: F403
from .voice import *  # noqa: F403
