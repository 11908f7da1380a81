from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "民生实事"

    def ready(self):
        from . import checks, roles, signals  # noqa: F401 - checks registers itself

        signals.connect()
        # After this app's permissions exist (auth's post_migrate handler runs first).
        post_migrate.connect(roles.sync_roles, sender=self, dispatch_uid="sync-roles")
