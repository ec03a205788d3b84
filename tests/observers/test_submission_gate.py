"""Only an accredited observer submits: a pending or revoked observer is refused by the protocol
and incident pages and the API, nothing is written; what a revoked observer sent before stays."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import Incident
from incidents.services import report_incident
from observers import services
from observers.models import CheckIn
from protocols.models import ObserverCopy
from protocols.services import submit_copy
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    StationFactory,
    _incident_category,
)
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = pytest.mark.django_db

NOT_APPROVED = "Your accreditation is not approved"


@pytest.fixture
def deployment(coordinator, region):
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number)
    station = StationFactory(commission=CommissionFactory(region=region))
    return DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), election=election,
                             station=station)


def set_status(deployment, status):
    deployment.observer.accreditation.status = status
    deployment.observer.accreditation.save()
    return deployment.observer


def api_as(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("status", ["pending", "revoked"])
def test_unaccredited_observer_cannot_send_a_protocol_through_the_page(client, deployment, status):
    observer = set_status(deployment, status)
    client.login(username=observer.username, password=TEST_PASSWORD)
    form = {code: str(value) for code, value in KZ_PROTOCOL.items()}
    response = client.post(reverse("protocols:submit", args=[deployment.pk]),
                           {**form, "client_id": str(uuid.uuid4())}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert NOT_APPROVED in response.text and "Protocol sent" not in response.text
    assert not ObserverCopy.objects.exists()


@pytest.mark.parametrize("status", ["pending", "revoked"])
def test_unaccredited_observer_cannot_send_a_protocol_through_the_api(deployment, status):
    observer = set_status(deployment, status)
    response = api_as(observer).post("/api/protocol-copies/", {
        "client_id": str(uuid.uuid4()), "deployment": deployment.pk, "figures": KZ_PROTOCOL}, format="json")
    assert response.status_code == 403 and NOT_APPROVED in response.json()["detail"]
    assert not ObserverCopy.objects.exists()


@pytest.mark.parametrize("status", ["pending", "revoked"])
def test_unaccredited_observer_cannot_report_an_incident_through_the_page(client, deployment, status):
    observer = set_status(deployment, status)
    client.login(username=observer.username, password=TEST_PASSWORD)
    response = client.post(reverse("incidents:report"), {
        "client_id": str(uuid.uuid4()), "deployment": deployment.pk,
        "category": _incident_category("vote-buying").pk, "occurred_at": "2027-03-21T10:15",
        "description": "Money handed out at the door.", "witnesses": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert NOT_APPROVED in response.text and "Report sent" not in response.text
    assert not Incident.objects.exists()


@pytest.mark.parametrize("status", ["pending", "revoked"])
def test_unaccredited_observer_cannot_report_an_incident_through_the_api(deployment, status):
    observer = set_status(deployment, status)
    response = api_as(observer).post("/api/incidents/", {
        "client_id": str(uuid.uuid4()), "deployment": deployment.pk,
        "category": _incident_category("vote-buying").pk, "description": "Money handed out."}, format="json")
    assert response.status_code == 403 and NOT_APPROVED in response.json()["detail"]
    assert not Incident.objects.exists()


def test_a_revoked_observers_earlier_records_survive(deployment, coordinator):
    observer = deployment.observer
    services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4())
    copy, _created = submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                 figures=KZ_PROTOCOL)
    incident, _created = report_incident(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                         category_id=_incident_category("vote-buying").pk,
                                         description="Money handed out at the door.")
    services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                  decision="revoke", reason="Left the mission")

    assert CheckIn.objects.filter(deployment=deployment).count() == 1
    assert ObserverCopy.objects.get().figures == KZ_PROTOCOL
    assert Incident.objects.get().description == "Money handed out at the door."
    assert deployment.__class__.objects.filter(pk=deployment.pk).exists()
    # Their coordinator still reads what they sent.
    client = api_as(coordinator)
    assert [item["id"] for item in client.get("/api/protocol-copies/").json()["results"]] == [copy.pk]
    assert [item["id"] for item in client.get("/api/incidents/").json()["results"]] == [incident.pk]
    assert client.get("/api/check-ins/").json()["count"] == 1
