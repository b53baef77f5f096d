"""Encryption at rest for petitioners' personal data (PIPL Art. 51; REGULATIONS.md R-155).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under MINSHENG_DATA_KEY; several
comma-separated keys allow rotation (the first encrypts, all decrypt). Lookups by equality use a
keyed blind index (HMAC-SHA256 of the normalised value), never the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _fernet_key(raw: str) -> bytes:
    """Accept a proper Fernet key, or derive one from any secret string (development keys)."""
    data = raw.encode()
    try:
        if len(base64.urlsafe_b64decode(data)) == 32:
            return data
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest())


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.DATA_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured MINSHENG_DATA_KEY") from exc


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt file contents (attachments) under the same keys as the personal fields."""
    return cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return cipher().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("file contents cannot be decrypted with the configured MINSHENG_DATA_KEY") from exc


def is_encrypted_bytes(data: bytes) -> bool:
    """Whether ``data`` is a token of the configured keys (for migrating plain files in place)."""
    try:
        cipher().decrypt(data)
    except InvalidToken:
        return False
    return True


def blind_index(value: str) -> str:
    """Keyed hash for equality lookups (same phone / same ID number) without storing plaintext."""
    normalised = "".join(value.split()).upper()
    if not normalised:
        return ""
    key = hashlib.sha256(("blind-index:" + settings.DATA_ENCRYPTION_KEYS[0]).encode()).digest()
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give plaintext. Not searchable: pair with a blind index."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_address(address: str) -> str:
    if not address:
        return ""
    keep = min(6, max(2, len(address) // 3))
    return address[:keep] + "****"
