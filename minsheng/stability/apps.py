from django.apps import AppConfig


class StabilityConfig(AppConfig):
    name = "minsheng.stability"
    label = "stability"
    default_auto_field = "django.db.models.BigAutoField"
