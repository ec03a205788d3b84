"""Resource abuse by text: a 30 MB "description" is refused with a clear message and stores
nothing, on the API and the page alike; API lists are paginated with a cap."""

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

THIRTY_MB = "A" * (30 * 1024 * 1024)


def logged_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_30_mb_incident_description_is_refused_with_a_clear_message(observer, deployment, categories):
    body = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "description": THIRTY_MB}
    response = logged_in(observer).post("/api/incidents/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["description"] == ["Ensure this field has no more than 10000 characters."]
    assert not Incident.objects.exists()


def test_overlong_witnesses_on_the_report_page_are_refused(observer, deployment, categories):
    response = logged_in(observer).post("/incidents/report/", {
        "deployment": deployment.pk, "category": categories["other"].pk, "client_id": str(uuid.uuid4()),
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "The urn was not sealed.",
        "witnesses": "W" * 2001})
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.content.decode()
    assert not Incident.objects.exists()


def test_a_coordinator_comment_is_bounded_on_the_api(coordinator, deployment, region):
    coordinator.regions.add(region)
    incident = IncidentFactory(deployment=deployment)
    response = logged_in(coordinator).post(f"/api/incidents/{incident.pk}/comment/", {"comment": "c" * 2001},
                                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["comment"] == ["Ensure this field has no more than 2000 characters."]
    assert not incident.events.filter(comment__startswith="ccc").exists()


def test_api_lists_are_paginated_with_a_cap(observer, deployment):
    for _ in range(120):
        IncidentFactory(deployment=deployment)
    client = logged_in(observer)
    default = client.get("/api/incidents/").json()
    assert default["count"] == 120 and len(default["results"]) == 50 and default["next"]
    huge = client.get("/api/incidents/", {"page_size": 100_000}).json()
    assert len(huge["results"]) == 100
    assert len(client.get("/api/incidents/", {"page_size": 10}).json()["results"]) == 10
