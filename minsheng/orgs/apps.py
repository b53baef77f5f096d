from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "minsheng.orgs"
    label = "orgs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from minsheng.orgs import signals  # noqa: F401  (connects the token revocation receivers)
