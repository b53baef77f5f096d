from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "minsheng.reception"
    label = "reception"
    default_auto_field = "django.db.models.BigAutoField"
