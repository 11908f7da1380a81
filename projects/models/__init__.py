"""The app's models, by domain: `fields` (bounds and the value field every model shares),
`jurisdictions` (the tree of governments: 市, 县区, 乡镇街道), `review` (the review machine
every reviewed thing shares), `plan_rules` (a plan's dated rules), `plans` (plans,
departments), `tracking` (projects, targets and their derived figures), `reports`
(progress reports and evidence), `cycle` (the candidates before the deputies' vote),
`voice` (what the public sends, and the answers), `sites` (点位, their stages, 码上评),
`notice` (公示), `supervision` (the reporting calendar, 挂牌督办), `alerts` (channels, alerts,
the public's follows), `matters` (the register of 我为群众办实事) and `money` (budgets, funds,
contracts, payments, procedure steps and the rules that watch them), over them all
`photos` (the checks on a photo made on upload) and `surveys` (residents surveyed by
random sample). Lower floors never import higher ones (import-linter holds it,
pyproject.toml); everything is importable from `projects.models`."""

from projects.models.alerts import *  # noqa: F403
from projects.models.cycle import *  # noqa: F403
from projects.models.fields import *  # noqa: F403
from projects.models.jurisdictions import *  # noqa: F403
from projects.models.matters import *  # noqa: F403
from projects.models.money import *  # noqa: F403
from projects.models.notice import *  # noqa: F403
from projects.models.photos import *  # noqa: F403
from projects.models.plan_rules import *  # noqa: F403
from projects.models.plans import *  # noqa: F403
from projects.models.reports import *  # noqa: F403
from projects.models.review import *  # noqa: F403
from projects.models.sites import *  # noqa: F403
from projects.models.supervision import *  # noqa: F403
from projects.models.surveys import *  # noqa: F403
from projects.models.tracking import *  # noqa: F403
from projects.models.voice import *  # noqa: F403
