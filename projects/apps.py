from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "民生实事"
    default = True  # this module holds AxesConfig too

    def ready(self):
        from projects import checks, signals  # noqa: F401 - checks registers itself
        from projects.rules import roles
        from projects.web import logins

        signals.connect()
        logins.connect()
        # After this app's permissions exist (auth's post_migrate handler runs first).
        post_migrate.connect(roles.sync_roles, sender=self, dispatch_uid="sync-roles")


class AxesConfig(AxesAppConfig):
    """django-axes (the login lockout) under a Chinese name in the admin index; its
    models' names come from locale_thirdparty/."""

    verbose_name = "登录保护"
    default = False
