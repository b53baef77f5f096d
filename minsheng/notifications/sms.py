"""SMS adapter. The console backend (development) logs instead of sending; a deployment plugs
its gateway in through MINSHENG_SMS_BACKEND (a class with ``send(phone, text) -> None``, or
``send(phone, text, *, key)``: then the outbox passes a key unique to the message, which a gateway
uses as its client message id to accept a message once even when a worker killed between the
hand-over and its bookkeeping hands it over again); the settings refuse the console and journal
backends in production."""

from __future__ import annotations

import fcntl
import inspect
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minsheng.sms")

sent_messages: list[tuple[str, str]] = []  # for tests and the development console


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def redact_digits(text: str) -> str:
    """The text with every run of 4+ digits starred (codes, passwords, phone numbers)."""
    return re.sub(r"\d{4,}", lambda m: "*" * len(m.group()), text)


DEV_INBOX_KEEP = 200


def dev_inbox_path() -> Path:
    """The development SMS inbox: a JSON-lines file under the var directory, shared by the web
    server and the worker (``make run`` runs both), read by the /dev/sms/ page."""
    return Path(settings.VAR_DIR) / "dev-sms.jsonl"


def dev_inbox_enabled() -> bool:
    """Only while DEBUG is on, with the console backend, outside tests."""
    return (
        bool(settings.DEBUG)
        and str(settings.SMS_BACKEND).endswith("ConsoleSmsBackend")
        and not getattr(settings, "TESTING", False)
    )


def dev_inbox(limit: int = 50) -> list[dict[str, Any]]:
    """The latest messages of the development inbox, newest first ([] when disabled or empty)."""
    path = dev_inbox_path()
    if not dev_inbox_enabled() or not path.exists():
        return []
    rows: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows[::-1]


def _dev_inbox_append(phone: str, text: str) -> None:
    """Append one line (appends are atomic enough for two development processes); trim now and
    then to the last DEV_INBOX_KEEP messages."""
    from django.utils import timezone

    path = dev_inbox_path()
    row = {"at": timezone.localtime().isoformat(timespec="seconds"), "to": phone, "text": text}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        if path.stat().st_size > 400 * DEV_INBOX_KEEP:
            lines = path.read_text(encoding="utf-8").splitlines()[-DEV_INBOX_KEEP:]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError:
        logger.warning("could not write the development SMS inbox %s", path)


class ConsoleSmsBackend:
    """Development only (settings refuse it in production). It logs the text in full only while
    DEBUG is on, so that a developer can read a one-time code; otherwise digits are starred.
    With DEBUG on it also keeps the text in the development inbox (/dev/sms/)."""

    def send(self, phone: str, text: str) -> None:
        sent_messages.append((phone, text))
        del sent_messages[:-200]
        shown = text if settings.DEBUG else redact_digits(text)
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], shown)
        if dev_inbox_enabled():
            _dev_inbox_append(phone, text)


class JournalSmsBackend:
    """Development and the crash drill (``minsheng bench-crash``): a stand-in gateway that keeps
    every message it accepts in ``MINSHENG_SMS_JOURNAL`` (JSON lines, flushed to disk before it
    returns) and accepts a key once, as a real gateway's client message id does. Every hand-over,
    accepted or not, is also counted in the ``.offers`` file beside it."""

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        path = Path(settings.MINSHENG_SMS_JOURNAL or Path(settings.VAR_DIR) / "sms-journal.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+", encoding="utf-8") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)  # released when the file is closed (or the process dies)
            with Path(str(path) + ".offers").open("a", encoding="utf-8") as offers:
                offers.write(json.dumps({"key": key, "pid": os.getpid()}) + "\n")
            journal.seek(0)
            if key and any(json.loads(line).get("key") == key for line in journal if line.strip()):
                return  # accepted before: a repeated hand-over is not a second message
            journal.seek(0, os.SEEK_END)
            journal.write(json.dumps({"key": key, "to": phone, "text": text}, ensure_ascii=False) + "\n")
            journal.flush()
            os.fsync(journal.fileno())


def send_sms(backend: SmsBackend, phone: str, text: str, key: str) -> None:
    """Hand one message to the backend, with its key when the backend takes one."""
    send: Any = backend.send
    if "key" in inspect.signature(send).parameters:
        send(phone, text, key=key)
    else:
        send(phone, text)


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(str(settings.SMS_BACKEND))()
    return backend
