#!/usr/bin/env python3
"""A standalone webhook receiver that verifies Standard Webhooks signatures (https://www.standardwebhooks.com/).

It shares no code with minsheng (Python standard library only), so it checks the signatures the
way an integrator's own receiver would:

    WEBHOOK_SECRET=whsec_... python scripts/webhook_receiver.py --port 8765 --log deliveries.jsonl

Every POST is appended to the JSON-lines log, one object per delivery: ``id`` (``webhook-id``),
``timestamp``, ``valid`` (signature and timestamp checked), ``duplicate`` (an id seen before by
this log), ``type`` and ``body``. A delivery with a valid signature is answered 204, one without
401. ``GET /health`` answers 200 (for a caller waiting for the start). The secret comes from the
environment, never the command line (it would show in the process list).

Verification: the secret is ``whsec_<base64 key>``; the signed content is
``"<webhook-id>.<webhook-timestamp>.<raw body>"``; the ``webhook-signature`` header holds one or
more space-separated ``v1,<base64 HMAC-SHA256>``; the timestamp must be within five minutes.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

TOLERANCE_SECONDS = 300


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret."""
    if not secret.startswith("whsec_"):
        raise ValueError("the secret must look like whsec_<base64>")
    try:
        return base64.b64decode(secret[len("whsec_") :], validate=True)
    except binascii.Error as exc:
        raise ValueError(f"the secret is not base64: {exc}") from None


def signature_valid(key: bytes, msg_id: str, timestamp: str, body: bytes, header: str, now: float) -> bool:
    """Whether one of the header's ``v1,`` signatures matches and the timestamp is fresh."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > TOLERANCE_SECONDS or not msg_id:
        return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in header.split():
        version, _sep, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


class Receiver(HTTPServer):
    allow_reuse_address = True  # restarted on the same port at once (the "back" of down-and-back)

    def __init__(self, port: int, key: bytes, log: Path) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.key = key
        self.log = log
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        if log.exists():  # a restarted receiver remembers what it received before
            for line in log.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    self.seen.add(json.loads(line).get("id", ""))


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        msg_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        valid = signature_valid(
            self.server.key, msg_id, timestamp, body, self.headers.get("webhook-signature", ""), time.time()
        )
        try:
            kind = json.loads(body).get("type")
        except (ValueError, AttributeError):
            kind = None
        with self.server.lock:
            record: dict[str, Any] = {
                "id": msg_id,
                "timestamp": timestamp,
                "valid": valid,
                "duplicate": msg_id in self.server.seen,
                "type": kind,
                "path": self.path,
                "received_at": time.time(),
                "body": body.decode("utf-8", errors="replace"),
            }
            self.server.seen.add(msg_id)
            with self.server.log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
        self.send_response(204 if valid else 401)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True, help="JSON-lines file of the deliveries")
    args = parser.parse_args(argv)
    try:
        key = secret_key(os.environ.get("WEBHOOK_SECRET", ""))
    except ValueError as exc:
        sys.stderr.write(f"WEBHOOK_SECRET: {exc}\n")
        return 2
    server = Receiver(args.port, key, args.log)
    sys.stdout.write(f"listening on http://127.0.0.1:{server.server_address[1]}/\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
