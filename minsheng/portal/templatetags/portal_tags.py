"""Template helpers of the citizen portal."""

from __future__ import annotations

from typing import Any

from django import template

from minsheng.portal.queries import RATING_LABELS, state_label
from minsheng.portal.queries import date_words as _date_words

register = template.Library()


@register.filter
def date_words(value: Any) -> str:
    """A date in words: '2025年12月1日' or '1 December 2025'."""
    return _date_words(value)


@register.filter
def widget_type(bound_field: Any) -> str:
    """'radio', 'checkbox', 'select', 'textarea', 'file' or the input type."""
    from django.forms import FileInput

    widget = bound_field.field.widget
    if isinstance(widget, FileInput):
        return "file"
    name = type(widget).__name__
    if name == "RadioSelect":
        return "radio"
    if name == "CheckboxInput":
        return "checkbox"
    if name == "Select":
        return "select"
    if name == "Textarea":
        return "textarea"
    if name in ("ClearableFileInput", "FileInput"):
        return "file"
    return str(getattr(widget, "input_type", "text"))


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def state_words(state: str) -> str:
    """The petition's state in plain words for the petitioner."""
    return state_label(state)


@register.filter
def rating_words(value: str) -> str:
    return str(RATING_LABELS.get(value, value))
