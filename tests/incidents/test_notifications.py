import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from incidents import services
from incidents.models import Notification, NotificationSetting
from incidents.tasks import notify_urgent_incident
from tests.factories import CoordinatorFactory, IncidentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(settings):
    """A real HTTP server on 127.0.0.1 that records the JSON bodies posted to it (plain http, as
    allowed under DEBUG only)."""
    settings.DEBUG = True
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def flaky_webhook(settings):
    """A real HTTP server that answers the first POST with 500 (a chat tool down for a moment)
    and every later one with 204; it records every body and the status it answered."""
    settings.DEBUG = True
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = 500 if not received else 204
            received.append((status, body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_urgent_incident_is_sent_once_by_email_and_webhook_even_if_the_task_runs_twice(
        deployment, coordinator, categories, webhook, email_backend):
    url, received = webhook
    NotificationSetting.objects.create(organisation=deployment.organisation, webhook_url=url)
    CoordinatorFactory(organisation=OrganisationFactory(), email="other-ngo@example.org")
    incident = IncidentFactory(deployment=deployment, category=categories["observer-threatened"],
                               description="The observer was pushed out of the station.")
    notify_urgent_incident.apply(args=[incident.pk])
    notify_urgent_incident.apply(args=[incident.pk])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@fair.example"]
    assert "412" in mail.outbox[0].subject
    assert len(received) == 1
    assert received[0]["incident"] == incident.pk and received[0]["station"] == "412"
    assert "pushed out" in received[0]["text"]
    assert set(Notification.objects.filter(incident=incident).values_list("channel", flat=True)) == {"email", "webhook"}


def test_reporting_an_urgent_incident_enqueues_the_notification_on_commit(
        observer, deployment, categories, django_capture_on_commit_callbacks, sent_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        urgent, _ = services.report_incident(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                             category_id=categories["observer-denied-access"].pk,
                                             description="Removed from the station by the chair.")
        services.report_incident(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                 category_id=categories["vote-buying"].pk, description="Money at the door.")
        assert sent_tasks() == []  # nothing before the commit
    assert sent_tasks() == [("incidents.tasks.notify_urgent_incident", [urgent.pk])]


def test_an_ordinary_incident_notifies_no_one(deployment, coordinator, categories, email_backend):
    incident = IncidentFactory(deployment=deployment, category=categories["vote-buying"])
    assert services.send_urgent_notifications(incident_id=incident.pk) == []
    assert mail.outbox == []


def test_a_webhook_that_fails_is_retried_and_then_sent_once_and_the_email_not_again(
        deployment, coordinator, categories, flaky_webhook, email_backend):
    url, received = flaky_webhook
    NotificationSetting.objects.create(organisation=deployment.organisation, webhook_url=url)
    incident = IncidentFactory(deployment=deployment, category=categories["observer-denied-access"],
                               description="The chair removed the observer.")
    # As a worker runs it: the HTTP error is retried (autoretry_for OSError); eagerly, at once.
    result = notify_urgent_incident.apply(args=[incident.pk], throw=False)
    assert result.successful() and result.get() == ["webhook"]
    assert [status for status, _ in received] == [500, 204]
    assert received[1][1]["incident"] == incident.pk and "removed the observer" in received[1][1]["text"]
    assert len(mail.outbox) == 1
    webhook = Notification.objects.get(incident=incident, channel="webhook")
    assert webhook.sent_at is not None and webhook.detail == "HTTP 204"
    notify_urgent_incident.apply(args=[incident.pk])  # a late duplicate of the task
    assert len(received) == 2 and len(mail.outbox) == 1


def test_a_webhook_that_failed_is_sent_by_the_next_run_alone(deployment, coordinator, categories, flaky_webhook,
                                                             email_backend):
    """As a worker runs it: the run that meets the failure ends in error with the e-mail already
    sent; the next run (the task's retry, or the sweep) sends only the webhook."""
    url, received = flaky_webhook
    NotificationSetting.objects.create(organisation=deployment.organisation, webhook_url=url)
    incident = IncidentFactory(deployment=deployment, category=categories["observer-threatened"])
    with pytest.raises(OSError):
        services.send_urgent_notifications(incident_id=incident.pk)
    assert len(mail.outbox) == 1
    assert Notification.objects.get(incident=incident, channel="webhook").sent_at is None
    assert services.send_urgent_notifications(incident_id=incident.pk) == ["webhook"]
    assert services.send_urgent_notifications(incident_id=incident.pk) == []
    assert [status for status, _ in received] == [500, 204] and len(mail.outbox) == 1
