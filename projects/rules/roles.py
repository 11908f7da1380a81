"""The officials' roles and what each may do: the one place they are defined.

A role is a group of the same name. `sync_roles` runs after every `migrate`
(post_migrate), and after the test database is flushed, and makes each group's
permissions exactly these; so a fresh install, an upgraded one and a test database
have the same roles, and a change here reaches every install at its next `migrate`.
Which departments a reporter answers for is kept on the department
(`Department.members`), not here.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

REPORTER = "填报员"  # reports for the departments they belong to
REVIEWER = "审核员"  # reviews every department's reports
ADMINISTRATOR = "管理员"  # keeps plans, projects, targets, departments and accounts
MODERATOR = "留言审核员"  # decides what the public sent, approves the answers
CONGRESS_STAFF = "人大工作人员"  # records the deputies' ballot and year-end rating
DEPUTY = "人大代表"  # sends 代表意见 on a project, answered by its lead department

# make demo's accounts, one for each role (manage.py load_demo), are named demo-<who>;
# `check --deploy` refuses a database where one of them may sign in (projects/checks.py).
DEMO_ACCOUNT_PREFIX = "demo-"

# Money and procedure steps, entered by the responsible department and reviewed like
# figures (`review_progressreport`), with the documents attached to them.
MONEY = ["budget", "funding", "contract", "payment", "stepreport", "moneydocument"]

READ = [
    "projects.view_jurisdiction",
    "projects.view_plan",
    "projects.view_department",
    "projects.view_project",
    "projects.view_target",
    "projects.view_measure",
    "projects.view_milestone",
    "projects.view_progressreport",
    "projects.view_evidence",
    "projects.view_plannedvalue",
    "projects.view_planrule",
    "projects.view_candidate",
    "projects.view_candidatetarget",
    "projects.view_site",
    "projects.view_sitereport",
    "projects.view_notice",
    "projects.view_supervision",
    "projects.view_matter",
    *(f"projects.view_{model}" for model in MONEY),
]

PERMISSIONS = {
    REPORTER: [
        *READ,
        "projects.add_progressreport",
        "projects.change_progressreport",  # own departments' drafts and returned reports
        "projects.add_evidence",
        # their departments' targets' sites, and each site's stage changes (reviewed)
        "projects.add_site",
        "projects.change_site",
        "projects.add_sitereport",
        "projects.change_sitereport",
        # the published questions about the projects their departments lead, and answers
        "projects.view_publicinput",
        "projects.view_answer",
        "projects.add_answer",
        "projects.change_answer",
        # their departments' 挂牌督办: the response (整改情况), nothing else
        "projects.change_supervision",
        # their departments' practical matters (为群众办实事), reviewed like figures
        "projects.add_matter",
        "projects.change_matter",
        # their departments' money and procedure steps, each with its documents
        *(f"projects.{action}_{model}" for model in MONEY for action in ["add", "change"]),
    ],
    REVIEWER: [
        *READ,
        "projects.review_progressreport",
        "projects.view_all_departments",
        "projects.view_ledger",
        "projects.view_onlinerating",
        # the supervision office decides the objections to a 公示, opens 挂牌督办 and
        # closes or sends back each one, and reads the alerts sent
        "projects.decide_objection",
        "projects.add_supervision",
        "projects.change_supervision",
        "projects.close_supervision",
        "projects.view_alert",
        "projects.view_delivery",
        # the residents' surveys: the office alone creates one, imports its list of
        # households, draws the sample, prints the slips (with the codes) and closes it;
        # no other role, 管理员 included, opens any of it (projects/admin/surveys.py)
        "projects.view_survey",
        "projects.add_survey",
        "projects.change_survey",
    ],
    ADMINISTRATOR: [
        *READ,
        *(
            f"projects.{action}_{model}"
            for model in [
                "jurisdiction",
                "plan",
                "department",
                "project",
                "target",
                "measure",
                "milestone",
            ]
            for action in ["add", "change"]
        ),
        "projects.delete_measure",
        "projects.delete_milestone",
        "projects.add_site",
        "projects.change_site",
        "projects.view_onlinerating",
        "projects.add_plannedvalue",
        "projects.change_plannedvalue",
        "projects.delete_plannedvalue",
        "projects.add_planrule",  # a dated change of a plan's rule, never an edit of one
        # the candidates of a plan in 遴选, with their targets
        "projects.add_candidate",
        "projects.change_candidate",
        "projects.add_candidatetarget",
        "projects.change_candidatetarget",
        "projects.delete_candidatetarget",
        "projects.view_all_departments",
        "projects.view_ledger",
        # where each department's alerts go, and what became of them
        "projects.view_channel",
        "projects.add_channel",
        "projects.change_channel",
        "projects.view_alert",
        "projects.view_delivery",
        "projects.change_delivery",  # 重新发送 a delivery that gave up
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # an account's 任职: its jurisdiction and the levels below delegated to it
        "projects.view_assignment",
        "projects.add_assignment",
        "projects.change_assignment",
    ],
    CONGRESS_STAFF: [
        *READ,
        "projects.view_ballot",
        "projects.add_ballot",
        "projects.view_tally",
        "projects.add_tally",
        "projects.publish_ballot",
        "projects.view_rating",
        "projects.add_rating",
        "projects.change_rating",
    ],
    DEPUTY: ["projects.send_deputy_opinion"],
    MODERATOR: [
        "projects.view_plan",
        "projects.view_candidate",  # a proposal is adopted into a candidate
        "projects.view_project",
        "projects.view_site",  # a problem is raised at a site
        "projects.view_department",
        "projects.view_onlinerating",  # a rating's comment is moderated
        "projects.view_publicinput",
        "projects.change_publicinput",
        "projects.moderate_publicinput",
        "projects.view_answer",
    ],
}

NAMES = list(PERMISSIONS)


def permissions(codes):
    """The Permission rows for 'app_label.codename' strings."""
    pairs = [code.split(".") for code in codes]
    wanted = Q()
    for app_label, codename in pairs:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(wanted))
    if len(found) != len(set(codes)):
        have = {f"{p.content_type.app_label}.{p.codename}" for p in found}
        raise LookupError(f"unknown permissions: {sorted(set(codes) - have)}")
    return found


def sync_roles(**kwargs):
    """Create the role groups and set their permissions to exactly `PERMISSIONS`."""
    for name, codes in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions(codes))
