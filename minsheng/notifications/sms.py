"""SMS adapter. The console backend (development) logs instead of sending; a deployment plugs
its gateway in through MINSHENG_SMS_BACKEND (a class with ``send(phone, text) -> None``); the
settings refuse the console backend in production."""

from __future__ import annotations

import logging
import re
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minsheng.sms")

sent_messages: list[tuple[str, str]] = []  # for tests and the development console


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def redact_digits(text: str) -> str:
    """The text with every run of 4+ digits starred (codes, passwords, phone numbers)."""
    return re.sub(r"\d{4,}", lambda m: "*" * len(m.group()), text)


class ConsoleSmsBackend:
    """Development only (settings refuse it in production). It logs the text in full only while
    DEBUG is on, so that a developer can read a one-time code; otherwise digits are starred."""

    def send(self, phone: str, text: str) -> None:
        sent_messages.append((phone, text))
        del sent_messages[:-200]
        shown = text if settings.DEBUG else redact_digits(text)
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], shown)


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(str(settings.SMS_BACKEND))()
    return backend
