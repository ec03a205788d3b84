"""Urgent-incident notifications that arrive: after commit, signed, retried, swept, pseudonymous."""

import datetime
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.celery import app as celery_app
from incidents import services, webhooks
from incidents.models import IncidentCategory, Notification, NotificationSetting
from observers import pseudonyms
from tests.factories import (
    CommissionFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)
from tests.faults.conftest import run_database_params

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


@pytest.fixture
def deployment(transactional_db):
    services.install_shipped_categories()
    region = RegionFactory(code="ALA", name="Almaty")
    organisation = OrganisationFactory(name="Fair Count")
    organisation.regions.add(region)
    observer = ObserverFactory(organisation=organisation, first_name="Aigerim", last_name="Sadykova",
                               username="aigerim.s", phone="+77011234567")
    station = StationFactory(commission=CommissionFactory(region=region), code="412")
    return DeploymentFactory(observer=observer, election=ElectionFactory(), station=station)


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on 127.0.0.1 that answers its first POST with 503 and later ones with
    204. While handling each POST it looks, from its own database session, at what the sender
    holds: whether the incident is committed and whether the notification row is locked."""
    settings.DEBUG = True  # plain http to a local receiver is allowed under DEBUG only
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            payload = json.loads(body)
            with psycopg.connect(**run_database_params(), autocommit=True) as db, db.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM incidents_incident WHERE id = %s", [payload["incident"]])
                committed = cursor.fetchone()[0] == 1
                try:
                    cursor.execute("SELECT 1 FROM incidents_notification WHERE incident_id = %s FOR UPDATE NOWAIT",
                                   [payload["incident"]])
                    locked = False
                except psycopg.errors.LockNotAvailable:
                    locked = True
            status = 503 if not received else 204
            received.append({"status": status, "body": body, "payload": payload, "headers": dict(self.headers),
                             "committed": committed, "locked": locked, "at": time.time()})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def _report_urgent(deployment):
    incident, _created = services.report_incident(
        observer=deployment.observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
        category_id=IncidentCategory.objects.get(code="observer-threatened").pk,
        description="Two men told the observer to leave the station.")
    return incident


def test_a_webhook_that_fails_once_arrives_signed_after_commit_without_the_observers_name(
        deployment, receiver, celery_worker_process):
    url, received = receiver
    setting = NotificationSetting.objects.create(organisation=deployment.organisation, webhook_url=url,
                                                 email_enabled=False)
    incident = _report_urgent(deployment)

    # the receiver has the post before the worker, once answered, records it sent: wait for both
    celery_worker_process.wait_for(lambda: len(received) == 2 and _recorded_sent(incident), timeout=40,
                                   what="the retried webhook")
    first, second = received
    assert [first["status"], second["status"]] == [503, 204]
    # Sent after the report committed, with no lock held on the notification while sending.
    assert all(post["committed"] and not post["locked"] for post in received)
    # Retried with back-off, as one delivery: the same ID for the receiver to drop a repeat.
    assert second["at"] > first["at"]
    assert first["headers"][webhooks.DELIVERY_HEADER] == second["headers"][webhooks.DELIVERY_HEADER]
    # Signed with this endpoint's secret over the exact bytes, with a fresh timestamp.
    for post in received:
        assert webhooks.verify(secret=setting.webhook_secret, body=post["body"], now=time.time(),
                               timestamp=post["headers"][webhooks.TIMESTAMP_HEADER],
                               signature_header=post["headers"][webhooks.SIGNATURE_HEADER])
        assert not webhooks.verify(secret=webhooks.new_secret(), body=post["body"], now=time.time(),
                                   timestamp=post["headers"][webhooks.TIMESTAMP_HEADER],
                                   signature_header=post["headers"][webhooks.SIGNATURE_HEADER])
    # What the receiver needs, and no name, username or phone of the observer.
    payload, text = second["payload"], second["body"].decode()
    assert payload["incident"] == incident.pk and payload["station"] == "412"
    assert "leave the station" in payload["text"]
    deployment.observer.refresh_from_db()
    assert payload["observer_ref"] == pseudonyms.pseudonym_code(deployment.observer) != ""
    for secret in ("Aigerim", "Sadykova", "aigerim.s", "7011234567"):
        assert secret not in text
    notification = Notification.objects.get(incident=incident, channel="webhook")
    assert notification.sent_at is not None and notification.attempts == 2 and notification.detail == "HTTP 204"
    assert notification.last_error == ""


def _recorded_sent(incident):
    return Notification.objects.filter(incident=incident, sent_at__isnull=False).exists()


def test_an_urgent_notification_whose_message_was_lost_is_sent_by_the_sweep(
        deployment, receiver, prefork_worker):
    url, received = receiver
    NotificationSetting.objects.create(organisation=deployment.organisation, webhook_url=url, email_enabled=False)
    incident = _report_urgent(deployment)
    # The message is lost (the broker restarted without persistence): the unsent row remains.
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    assert Notification.objects.filter(incident=incident, sent_at__isnull=True).count() == 1
    # Within the grace the sweep leaves it to its queued message; after it, sends it again.
    assert services.sweep_unsent_notifications() == []
    later = timezone.now() + services.NOTIFICATION_SWEEP_GRACE + datetime.timedelta(seconds=1)
    assert services.sweep_unsent_notifications(now=later) == [incident.pk]

    worker = prefork_worker(DEBUG="1")  # the local receiver speaks plain http
    worker.wait_for(lambda: len(received) == 2 and _recorded_sent(incident), timeout=40,
                    what="the swept notification, retried once")
    assert Notification.objects.get(incident=incident).sent_at is not None
    assert services.unsent_notifications_due(now=later + datetime.timedelta(hours=2)) == []


def test_outside_debug_a_plain_http_webhook_is_refused_and_nothing_is_posted(deployment, receiver, settings):
    url, received = receiver
    settings.DEBUG = False
    setting = NotificationSetting(organisation=deployment.organisation, webhook_url=url, email_enabled=False)
    with pytest.raises(ValidationError) as refused:
        setting.full_clean()
    assert "https://" in str(refused.value)
    setting.save()
    incident = _report_urgent(deployment)
    with pytest.raises(ValidationError):
        services.send_urgent_notifications(incident_id=incident.pk)
    notification = Notification.objects.get(incident=incident, channel="webhook")
    assert received == [] and notification.sent_at is None and "https://" in notification.last_error
    # Failed attempts wait longer each time before the sweep tries again: 60 s, then 120 s.
    tried = notification.last_attempt_at
    assert services.unsent_notifications_due(now=tried + datetime.timedelta(seconds=30)) == []
    assert services.unsent_notifications_due(now=tried + datetime.timedelta(seconds=61)) == [incident.pk]
    with pytest.raises(ValidationError):
        services.send_urgent_notifications(incident_id=incident.pk)
    notification.refresh_from_db()
    assert notification.attempts == 2
    tried = notification.last_attempt_at
    assert services.unsent_notifications_due(now=tried + datetime.timedelta(seconds=61)) == []
    assert services.unsent_notifications_due(now=tried + datetime.timedelta(seconds=121)) == [incident.pk]
