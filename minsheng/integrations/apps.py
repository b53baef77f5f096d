from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "minsheng.integrations"
    label = "integrations"
    verbose_name = "对外接口"
    default_auto_field = "django.db.models.BigAutoField"
