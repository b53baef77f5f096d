from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "minsheng.accountability"
    label = "accountability"
    default_auto_field = "django.db.models.BigAutoField"
