from django.apps import AppConfig


class AiassistConfig(AppConfig):
    name = "aiassist"
    verbose_name = "AI assistant"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the stale-source receivers
