"""Phone numbers as the throttles and one-time codes key them (by blind index, never in clear)."""

from __future__ import annotations

from minsheng.core.crypto import blind_index


def phone_key(phone: str) -> str:
    return blind_index(normalise_phone(phone)) or "none"


def normalise_phone(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def valid_mobile(phone: str) -> bool:
    """A mainland mobile number: 11 digits starting with 1[3-9]."""
    digits = normalise_phone(phone)
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
