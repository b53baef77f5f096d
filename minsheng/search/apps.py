from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "minsheng.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
    # No signals: the services index explicitly (workflow.services.petition_register).
