from django.contrib import admin

from minsheng.documents.models import DocumentTemplate, IssuedDocument


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "title", "updated_at")
    readonly_fields = ("updated_at",)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "petition", "issued_at", "downloads")
    list_filter = ("kind",)
    search_fields = ("number", "petition__tracking_code")
    readonly_fields = ("petition", "kind", "source", "number", "title", "context", "issued_at", "issued_by")

    def has_add_permission(self, request: object) -> bool:
        return False

    # Issued documents are case records: viewable, never changed or deleted here.
    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
