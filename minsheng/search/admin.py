from django.contrib import admin

from minsheng.search.models import SavedFilter


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "created_at")
    search_fields = ("name", "user__username")
