from django.apps import AppConfig


class AiassistConfig(AppConfig):
    name = "aiassist"
    verbose_name = "AI assistant"
