import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sms.models import Gateway, Subscription, hash_token
from tests.factories import DeploymentFactory, ObserverFactory
from tests.protocols.conftest import election, kz_source, station  # noqa: F401  (shared fixtures)

PHONE_TYPED = "8 (701) 123-45-67"
PHONE = "+77011234567"
SIGNING_KEY = "android-signing-key-0123"
GENERIC_TOKEN = "generic-provider-token-0123"
# One port per pytest-xdist worker ("gw0", "gw1", ...): two workers' stand-ins never share one.
SEND_PORT = 8731 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@pytest.fixture
def sms_deployment(election, station):  # noqa: F811
    observer = ObserverFactory(phone=PHONE_TYPED)
    Subscription.objects.create(observer=observer, opted_in=True, language="en")
    return DeploymentFactory(observer=observer, election=election, station=station)


@pytest.fixture
def android(sms_deployment):
    return Gateway.objects.create(
        name="Phone in the office", kind=Gateway.Kind.ANDROID, organisation=sms_deployment.organisation,
        signing_key=SIGNING_KEY, send_url=f"http://127.0.0.1:{SEND_PORT}/message", send_username="sms",
        send_password="gateway-password")


@pytest.fixture
def generic(sms_deployment):
    return Gateway.objects.create(
        name="Provider", kind=Gateway.Kind.GENERIC, organisation=sms_deployment.organisation,
        inbound_token_hash=hash_token(GENERIC_TOKEN), send_url=f"http://127.0.0.1:{SEND_PORT}/send")


def android_payload(text, sender=PHONE, received_at="2027-03-21T20:15:11.000+05:00", message_id="abc123"):
    return json.dumps({"deviceId": "ffffffffceb0b1db0000018e937c815b", "event": "sms:received",
                       "id": "Ey6ECgOkVVFjz3CL48B8C", "webhookId": "wh-1",
                       "payload": {"messageId": message_id, "message": text, "phoneNumber": sender, "simNumber": 1,
                                   "receivedAt": received_at}}).encode()


def post_android(client, gateway, body, key=SIGNING_KEY, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()
    return client.post(f"/sms/hook/{gateway.webhook_slug}/", data=body, content_type="application/json",
                       HTTP_X_SIGNATURE=signature, HTTP_X_TIMESTAMP=timestamp)


def post_generic(client, gateway, text, sender=PHONE, sid="SM0001", token=GENERIC_TOKEN):
    return client.post(f"/sms/hook/{gateway.webhook_slug}/", {"From": sender, "Body": text, "MessageSid": sid},
                       HTTP_X_GATEWAY_TOKEN=token)


class SendApi:
    """A real HTTP server standing in for the Android app's send API: records each request, and
    answers 500 to the first `failures` of them."""

    def __init__(self, failures=0):
        self.failures, self.requests = failures, []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                          "body": body})
                if len(stand_in.requests) <= stand_in.failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                answer = json.dumps({"id": "x", "state": "Pending", "recipients": []}).encode()
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", SEND_PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def json_bodies(self):
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def send_api():
    def start(failures=0):
        api = SendApi(failures)
        api.thread.start()
        started.append(api)
        return api

    started = []
    yield start
    for api in started:
        api.server.shutdown()
        api.server.server_close()
