"""SMS adapter. The console backend (development) logs instead of sending; a deployment plugs
its gateway in through MINSHENG_SMS_BACKEND (a class with ``send(phone, text) -> None``)."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minsheng.sms")

sent_messages: list[tuple[str, str]] = []  # for tests and the development console


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        sent_messages.append((phone, text))
        del sent_messages[:-200]
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(str(settings.SMS_BACKEND))()
    return backend
