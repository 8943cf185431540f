from django.apps import AppConfig


class RetrievalConfig(AppConfig):
    name = "aiassist.retrieval"
    label = "retrieval"
    verbose_name = "Retrieval"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401 - keeps the index current as posts change
