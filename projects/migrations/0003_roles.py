"""The three roles of the reporting workflow, so that a fresh install has them.

填报员 reports for their own departments, 审核员 reviews every department's reports,
管理员 keeps plans, projects, targets, departments and accounts. Which departments a
reporter answers for is set on the department (Department.members).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = [
    "projects.view_plan",
    "projects.view_department",
    "projects.view_project",
    "projects.view_target",
    "projects.view_measure",
    "projects.view_milestone",
    "projects.view_progressreport",
    "projects.view_evidence",
]

ROLES = {
    "填报员": READ
    + [
        "projects.add_progressreport",
        "projects.change_progressreport",  # own departments' drafts and returned reports
        "projects.add_evidence",
    ],
    "审核员": READ
    + [
        "projects.review_progressreport",
        "projects.view_all_departments",
        "projects.view_ledger",
        "projects.change_milestone",  # marks a dated step done
    ],
    "管理员": READ
    + [
        f"projects.{action}_{model}"
        for model in ["plan", "department", "project", "target", "measure", "milestone"]
        for action in ["add", "change"]
    ]
    + [
        "projects.delete_measure",
        "projects.delete_milestone",
        "projects.view_all_departments",
        "projects.view_ledger",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_review_workflow_evidence_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
