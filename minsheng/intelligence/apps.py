from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "minsheng.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Intelligence"
