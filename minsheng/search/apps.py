from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "minsheng.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from minsheng.search import signals  # noqa: F401  (connects the index updater)
