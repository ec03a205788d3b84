"""Gateway adapters: how each kind of gateway authenticates, posts what it received, and sends.

An adapter reads an HTTP request into plain `Incoming` / `StatusUpdate` records and sends one
outbound message; the services know nothing of any gateway's format.

- android: "SMS Gateway for Android" (github.com/capcom6/android-sms-gateway). Its webhook posts
  JSON {"event": "sms:received", "payload": {"messageId", "message", "phoneNumber", "simNumber",
  "receivedAt"}, "deviceId", "id", "webhookId"}, signed: X-Signature is the hex HMAC-SHA256, with
  the gateway's signing key, of the raw body followed by the X-Timestamp header (Unix seconds).
  The app's messageId is derived from the content and not unique, so duplicates are told by
  sender + text + receivedAt. Delivery reports arrive on the same webhook as sms:sent,
  sms:delivered and sms:failed with our own message ID. Sending: POST <send_url> (the app's
  /message, or the cloud's /3rdparty/v1/message) with basic auth and JSON {"id", "message",
  "phoneNumbers"}.
- generic: a commercial provider's form post: From, Body and a unique MessageSid (or MessageId /
  id), with concat-part / concat-total when it passes the parts of a long SMS, authenticated by a token in the X-Gateway-Token header or ?token= (compared with its
  SHA-256). Sending: a form POST of To, Body, MessageId to <send_url>, basic auth when set.
"""

import base64
import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .models import Gateway, hash_token

MAX_CLOCK_SKEW = 300  # seconds: an older signed request is a replay
SEND_TIMEOUT = 10


class Refused(Exception):
    """The request is not from this gateway (bad or missing signature or token)."""


class SendFailed(Exception):
    pass


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    gateway_message_id: str = ""
    unique_id: bool = False  # whether the gateway's ID alone identifies the message
    sent_at: datetime.datetime | None = None
    sent_at_text: str = ""  # as the gateway wrote it, part of the duplicate key
    part_number: int | None = None  # when the gateway says this is one part of a longer SMS
    part_total: int | None = None


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str
    state: str  # "sent", "delivered" or "failed"
    reason: str = ""


def _parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


class AndroidAdapter:
    def authenticate(self, gateway, request):
        signature = request.headers.get("X-Signature", "")
        timestamp = request.headers.get("X-Timestamp", "")
        if not gateway.signing_key or not signature or not timestamp.isdigit():
            raise Refused("missing signature")
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            raise Refused("stale timestamp")
        expected = hmac.new(gateway.signing_key.encode(), request.body + timestamp.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise Refused("bad signature")

    def read(self, request):
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return []
        if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
            return []
        event, payload = data.get("event"), data["payload"]
        if event == "sms:received":
            sender, text = payload.get("phoneNumber"), payload.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return []
            received = str(payload.get("receivedAt") or "")[:40]
            return [Incoming(sender=sender, text=text, gateway_message_id=str(payload.get("messageId") or "")[:100],
                             unique_id=False, sent_at=_parse_time(received), sent_at_text=received)]
        states = {"sms:sent": "sent", "sms:delivered": "delivered", "sms:failed": "failed"}
        if event in states and payload.get("messageId"):
            return [StatusUpdate(message_id=str(payload["messageId"])[:100], state=states[event],
                                 reason=str(payload.get("reason") or "")[:300])]
        return []

    def send(self, gateway, message):
        body = json.dumps({"id": str(message.pk), "message": message.text, "phoneNumbers": [message.phone],
                           "withDeliveryReport": True}).encode()
        return _post(gateway, body, "application/json")


class GenericAdapter:
    def authenticate(self, gateway, request):
        token = request.headers.get("X-Gateway-Token") or request.GET.get("token") or ""
        if not gateway.inbound_token_hash or not token:
            raise Refused("missing token")
        if not hmac.compare_digest(gateway.inbound_token_hash, hash_token(token)):
            raise Refused("bad token")

    def read(self, request):
        data = request.POST
        message_id = data.get("MessageSid") or data.get("MessageId") or data.get("id") or ""
        if data.get("MessageStatus") and message_id:
            state = {"sent": "sent", "delivered": "delivered", "failed": "failed",
                     "undelivered": "failed"}.get(data["MessageStatus"].lower())
            return [StatusUpdate(message_id=message_id[:100], state=state)] if state else []
        sender, text = data.get("From"), data.get("Body")
        if not sender or text is None:
            return []
        number, total = _multipart(data)
        return [Incoming(sender=sender, text=text, gateway_message_id=message_id[:100], unique_id=bool(message_id),
                         part_number=number, part_total=total)]

    def send(self, gateway, message):
        body = urllib.parse.urlencode({"To": message.phone, "Body": message.text, "MessageId": str(message.pk)})
        return _post(gateway, body.encode(), "application/x-www-form-urlencoded")


def _multipart(data):
    """A provider's multipart data (concat-part / concat-total, as Vonage posts them), when valid."""
    number, total = data.get("concat-part", ""), data.get("concat-total", "")
    if number.isdigit() and total.isdigit() and 1 <= int(number) <= int(total) <= 10:
        return int(number), int(total)
    return None, None


def _post(gateway, body, content_type):
    if not gateway.send_url:
        raise SendFailed("the gateway has no send address")
    request = urllib.request.Request(gateway.send_url, data=body, method="POST",  # noqa: S310 (an admin's URL)
                                     headers={"Content-Type": content_type})
    if gateway.send_username:
        credentials = base64.b64encode(f"{gateway.send_username}:{gateway.send_password}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            answer = response.read(10_000)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise SendFailed(str(error)[:300]) from None
    try:
        state = json.loads(answer).get("state", "")
    except (ValueError, AttributeError):
        state = ""
    return str(state)[:40]


ADAPTERS = {Gateway.Kind.ANDROID: AndroidAdapter(), Gateway.Kind.GENERIC: GenericAdapter()}


def adapter(gateway):
    return ADAPTERS[gateway.kind]
