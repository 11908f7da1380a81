"""Once created the roles; they are now kept by `projects.rules.roles.sync_roles`, which runs
after every migrate. Kept, empty, so that the migration history stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_review_workflow_evidence_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
