from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "minsheng.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
    # No signals: the services index explicitly (petitions.services.petition_register).
