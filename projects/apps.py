from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "民生实事"

    def ready(self):
        from . import signals

        signals.connect()
