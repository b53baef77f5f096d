from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "minsheng.petitions"
    label = "petitions"
    default_auto_field = "django.db.models.BigAutoField"
