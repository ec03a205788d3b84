"""Replies and messages out, through a real HTTP server standing in for the Android app."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from observers import services as observer_services
from observers.models import Accreditation
from protocols.models import ObserverCopy
from sms import outbound
from sms.models import OutboundMessage, Subscription
from tests.factories import CoordinatorFactory, DeploymentFactory, ObserverFactory
from tests.sms.conftest import PHONE, android_payload, post_android

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_retries(monkeypatch, settings):
    monkeypatch.setenv("SMS_RETRY_SECONDS", "1")  # read by the worker process at its start
    settings.SMS_RETRY_SECONDS = 1


@pytest.mark.worker
def test_the_reply_and_the_accreditation_sms_reach_the_gateway_retried_once_after_a_failure(
        fast_retries, celery_worker_process, android, sms_deployment, send_api, client):
    api = send_api(failures=1)
    post_android(client, android, android_payload("IN 101"))
    celery_worker_process.wait_for(lambda: OutboundMessage.objects.filter(status="sent").exists(),
                                   what="the reply to be sent after one failure")
    reply = OutboundMessage.objects.get()
    assert (reply.attempts, reply.last_error, reply.gateway_state) == (2, "HTTP 500", "Pending")
    first, second = api.json_bodies()
    assert first == second == {"id": str(reply.pk), "message": "Checked in at station 101.", "phoneNumbers": [PHONE],
                               "withDeliveryReport": True}
    assert api.requests[1]["path"] == "/message"
    assert api.requests[1]["auth"] == "Basic " + base64.b64encode(b"sms:gateway-password").decode()

    newcomer = ObserverFactory(organisation=sms_deployment.organisation, phone="+7 701 765 43 21",
                               accreditation="pending")
    Subscription.objects.create(observer=newcomer, opted_in=True, language="en")
    coordinator = CoordinatorFactory(organisation=sms_deployment.organisation)
    observer_services.decide_accreditation(accreditation_id=Accreditation.objects.get(observer=newcomer).pk,
                                           coordinator=coordinator, decision="approve")
    celery_worker_process.wait_for(lambda: len(api.requests) == 3, what="the accreditation SMS")
    decision = OutboundMessage.objects.get(kind="accreditation")
    celery_worker_process.wait_for(lambda: OutboundMessage.objects.get(pk=decision.pk).status == "sent",
                                   what="the accreditation SMS to be marked sent")
    assert api.json_bodies()[2]["phoneNumbers"] == ["+77017654321"]
    assert api.json_bodies()[2]["message"].startswith("Your accreditation is approved.")


def test_a_delivery_report_from_the_android_app_marks_the_message_delivered(android, sms_deployment, send_api,
                                                                           client):
    send_api()
    post_android(client, android, android_payload("IN 101"))
    reply = OutboundMessage.objects.get()
    assert outbound.send(message_id=reply.pk) is None
    body = json.dumps({"deviceId": "d", "event": "sms:delivered", "id": "e2", "webhookId": "w",
                       "payload": {"messageId": str(reply.pk), "phoneNumber": PHONE, "simNumber": 1,
                                   "deliveredAt": "2027-03-21T20:16:00.000+05:00"}}).encode()
    assert post_android(client, android, body).status_code == 200
    reply.refresh_from_db()
    assert reply.status == "delivered" and reply.delivered_at is not None


def test_a_gateway_that_keeps_failing_gives_up_and_says_why(android, sms_deployment, client, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    android.send_url = "http://127.0.0.1:8739/message"  # nothing listens there
    android.save()
    post_android(client, android, android_payload("IN 101"))
    reply = OutboundMessage.objects.get()
    assert outbound.send(message_id=reply.pk) == 1 * settings.SMS_RETRY_SECONDS
    OutboundMessage.objects.filter(pk=reply.pk).update(next_attempt_at=None)
    assert outbound.send(message_id=reply.pk) is None
    reply.refresh_from_db()
    assert reply.status == "failed" and reply.attempts == 2 and "refused" in reply.last_error.lower()


def test_a_throttled_gateway_sends_the_rest_next_minute(android, sms_deployment, send_api, client):
    api = send_api()
    android.sends_per_minute = 1
    android.save()
    post_android(client, android, android_payload("IN", received_at="1"))
    post_android(client, android, android_payload("OUT", received_at="2"))
    first, second = OutboundMessage.objects.order_by("created_at")
    assert outbound.send(message_id=first.pk) is None
    wait = outbound.send(message_id=second.pk)
    assert 0 < wait <= 61 and len(api.requests) == 1
    second.refresh_from_db()
    assert second.status == "queued" and second.next_attempt_at is not None


def test_reminders_go_once_to_opted_in_observers_without_a_protocol(android, sms_deployment, client):
    election = sms_deployment.election
    silent = DeploymentFactory(observer=ObserverFactory(organisation=sms_deployment.organisation,
                                                        phone="+77015550000"), election=election)
    DeploymentFactory(observer=ObserverFactory(organisation=sms_deployment.organisation, phone="+77015550001"),
                      election=election)  # did not opt in
    Subscription.objects.create(observer=silent.observer, opted_in=True, language="ru")
    post_android(client, android, android_payload("P 1 1500"))
    assert ObserverCopy.objects.filter(observer=sms_deployment.observer).exists()

    assert outbound.queue_protocol_reminders(election_id=election.pk) == 1
    assert outbound.queue_protocol_reminders(election_id=election.pk) == 0
    reminder = OutboundMessage.objects.get(kind="reminder")
    assert reminder.phone == "+77015550000" and silent.station.code in reminder.text


def test_the_sweep_finds_messages_whose_task_was_lost_and_those_due_for_a_retry(android, sms_deployment, client):
    post_android(client, android, android_payload("IN", received_at="1"))
    post_android(client, android, android_payload("OUT", received_at="2"))
    lost, retry = OutboundMessage.objects.order_by("created_at")
    assert outbound.due_messages() == []  # both just queued: their tasks are on the way
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    OutboundMessage.objects.filter(pk=lost.pk).update(created_at=long_ago)
    OutboundMessage.objects.filter(pk=retry.pk).update(next_attempt_at=long_ago, attempts=1)
    assert sorted(outbound.due_messages()) == sorted([lost.pk, retry.pk])


def test_reminders_are_due_in_the_hours_before_the_results_deadline(sms_deployment, settings):
    election = sms_deployment.election
    settings.SMS_REMINDER_LEAD_MINUTES = 180
    election.results_deadline = timezone.now() + datetime.timedelta(hours=5)
    election.save()
    assert outbound.elections_due_for_reminders() == []
    election.results_deadline = timezone.now() + datetime.timedelta(hours=2)
    election.save()
    assert outbound.elections_due_for_reminders() == [election.pk]
