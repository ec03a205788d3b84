"""A coordinator's message to observers goes out by SMS to those who opted in, through the outbound path."""

import uuid

import pytest

from checklists import services as checklist_services
from sms import outbound
from sms.models import OutboundMessage, Subscription
from tests.factories import CoordinatorFactory, DeploymentFactory, ObserverFactory, StationFactory
from tests.sms.conftest import PHONE

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_a_coordinator_message_to_a_region_reaches_the_gateway_for_the_opted_in_observer_only(
        celery_worker_process, android, sms_deployment, send_api):
    api = send_api()
    organisation, election = sms_deployment.organisation, sms_deployment.election
    region = sms_deployment.station.commission.region
    coordinator = CoordinatorFactory(organisation=organisation)
    organisation.regions.add(region)
    silent = DeploymentFactory(observer=ObserverFactory(organisation=organisation, phone="+77015550001"),
                               election=election, station=StationFactory(commission=sms_deployment.station.commission))
    elsewhere = DeploymentFactory(observer=ObserverFactory(organisation=organisation, phone="+77015550002"),
                                  election=election)  # opted in, another region: not in the audience
    Subscription.objects.create(observer=elsewhere.observer, opted_in=True, language="ru")
    Subscription.objects.create(observer=silent.observer, opted_in=False, language="ru")

    message, created = checklist_services.send_message(
        coordinator=coordinator, client_id=uuid.uuid4(), election_id=election.pk, audience="region",
        region_id=region.pk, body="Counting starts at 20:00: stay at your station.")

    assert created
    celery_worker_process.wait_for(lambda: OutboundMessage.objects.filter(status="sent").exists(),
                                   what="the coordinator's SMS to be sent")
    sms = OutboundMessage.objects.get()
    assert (sms.kind, sms.phone, sms.observer_id) == ("coordinator", PHONE, sms_deployment.observer_id)
    assert [body["phoneNumbers"] for body in api.json_bodies()] == [[PHONE]]
    assert api.json_bodies()[0]["message"] == "Counting starts at 20:00: stay at your station."
    # The signal coming again (a re-run) queues nothing more.
    assert outbound.queue_coordinator_message(message=message, recipient_ids=[sms_deployment.observer_id]) == 0
    assert OutboundMessage.objects.count() == 1
