"""Sessions encrypted at rest.

A session holds what a citizen typed before it became a petition — the portal's contact step
(name, phone, ID number, address) and a reception booking's — and Django's database sessions store
their data only signed and compressed: anyone reading the table or a backup could decode it without
a key. This serializer encrypts the whole session under the project's data keys
(minsheng.core.crypto, MINSHENG_DATA_KEY), like every personal field. A session written before it
was configured cannot be read and counts as empty (the user signs in again)."""

from __future__ import annotations

import json
from typing import Any

from minsheng.core.crypto import decrypt_bytes, encrypt_bytes


class EncryptedJSONSerializer:
    """``SESSION_SERIALIZER``: JSON, then encrypted (Fernet, MultiFernet over the configured keys)."""

    def dumps(self, obj: Any) -> bytes:
        return encrypt_bytes(json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    def loads(self, data: bytes) -> Any:
        return json.loads(decrypt_bytes(data).decode("utf-8"))
