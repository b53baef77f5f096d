from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "minsheng.accountability"
    label = "accountability"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from minsheng.accountability import veto  # noqa: F401  (registers the system check)
