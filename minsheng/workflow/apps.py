from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "minsheng.workflow"
    label = "workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from minsheng.core import freshness
        from minsheng.workflow.models import CalendarDay, CalendarYear

        # Every process reloads the holiday calendar after a change (deadlines.holiday_calendar).
        freshness.bump_on_change("calendar", [CalendarDay, CalendarYear])
