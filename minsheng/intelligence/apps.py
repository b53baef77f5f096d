from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "minsheng.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Intelligence"

    def ready(self) -> None:
        from minsheng.core import freshness
        from minsheng.intelligence.routing import REFERENCE_TABLES
        from minsheng.orgs.models import Category, Organ, Region, Responsibility

        # Every process rebuilds its routing world, gazetteer and category ids after a change.
        freshness.bump_on_change(REFERENCE_TABLES, [Organ, Responsibility, Region, Category])
