"""Signed webhooks, as plain functions (no Django): what we send and what a receiver checks.

Each POST carries
- `X-Observers-Timestamp`: seconds since the epoch when it was signed;
- `X-Observers-Signature`: `sha256=` and the hex HMAC-SHA256, with the endpoint's own secret,
  of the timestamp, a dot and the exact body bytes;
- `X-Observers-Delivery`: the notification's ID, the same on every retry (a receiver that saw it
  already drops the repeat).

A receiver recomputes the HMAC over what it received and refuses a timestamp older than
`TOLERANCE_SECONDS`, so a captured request cannot be replayed later.
"""

import hashlib
import hmac
import json
import secrets

TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Observers-Signature"
TIMESTAMP_HEADER = "X-Observers-Timestamp"
DELIVERY_HEADER = "X-Observers-Delivery"


def new_secret():
    return secrets.token_hex(32)


def body_of(payload):
    """The bytes signed and sent: compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret, timestamp, body):
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret, body, timestamp, delivery):
    return {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: str(int(timestamp)),
            SIGNATURE_HEADER: signature(secret, timestamp, body), DELIVERY_HEADER: str(delivery)}


def verify(*, secret, body, timestamp, signature_header, now, tolerance=TOLERANCE_SECONDS):
    """True when the signature is ours over these bytes and the timestamp is recent (a receiver's check)."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - moment) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, moment, body), signature_header or "")
