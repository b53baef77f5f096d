from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from minsheng.core.errors import InvalidInput
from minsheng.documents.models import DocumentTemplate, IssuedDocument


class DocumentTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    """A template that does not compile is refused on the form: saved, it would break every later
    document of its kind (document_blocks raises only when rendering)."""

    class Meta:
        model = DocumentTemplate
        fields = ("kind", "title", "body")

    def clean_body(self) -> str:
        from minsheng.documents.services import template_check

        body = str(self.cleaned_data.get("body") or "")
        try:
            template_check(body)
        except InvalidInput as exc:
            raise ValidationError(exc.message) from None
        return body


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("kind", "title", "updated_at")
    readonly_fields = ("updated_at",)
    form = DocumentTemplateForm

    def save_model(self, request: HttpRequest, obj: DocumentTemplate, form: Any, change: bool) -> None:
        from minsheng.documents.services import template_save

        template_save(obj, actor=request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a kind without its template falls back to the default wording unseen


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
