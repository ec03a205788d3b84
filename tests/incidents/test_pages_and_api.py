import uuid

import pytest

from incidents.models import Incident
from tests.factories import (
    CoordinatorFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db
SECRET = "Ballots were stuffed into the box at 14:30 by a commission member."


def test_observer_reports_through_the_page_and_sees_it_in_my_reports(client, observer, deployment, categories):
    client.force_login(observer)
    page = client.get(f"/incidents/report/?deployment={deployment.pk}")
    assert page.status_code == 200
    response = client.post("/incidents/report/", {
        "client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["vote-buying"].pk,
        "occurred_at": "2027-03-21T10:15", "description": "Money handed out at the door.", "witnesses": ""})
    assert response.status_code == 302
    mine = client.get("/incidents/mine/").content.decode()
    assert "Подкуп избирателей" in mine and Incident.objects.get().observer == observer


def test_no_observer_sees_another_observers_reports(client, deployment, categories):
    incident = IncidentFactory(deployment=deployment, description=SECRET)
    other = ObserverFactory(organisation=deployment.organisation)
    client.force_login(other)
    assert SECRET not in client.get("/incidents/mine/").content.decode()
    assert client.get(f"/incidents/mine/{incident.pk}/").status_code == 404
    assert client.get(f"/incidents/{incident.pk}/").status_code == 403
    assert client.get("/api/incidents/").json()["results"] == []
    assert client.get(f"/api/incidents/{incident.pk}/").status_code == 404
    assert client.patch(f"/api/incidents/{incident.pk}/", {"description": "x"},
                        content_type="application/json").status_code == 404


def test_coordinator_of_another_organisation_sees_nothing(client, deployment, region):
    incident = IncidentFactory(deployment=deployment, description=SECRET, status=Incident.Status.VERIFIED)
    foreign = CoordinatorFactory(organisation=OrganisationFactory())
    foreign.organisation.regions.add(region)
    client.force_login(foreign)
    assert SECRET not in client.get("/incidents/").content.decode()
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404
    assert client.post(f"/incidents/{incident.pk}/status/", {"to": "escalated"}).status_code == 404
    assert client.get("/api/incidents/").json()["results"] == []
    assert client.post(f"/api/incidents/{incident.pk}/transition/", {"to": "escalated"},
                       content_type="application/json").status_code == 404
    assert client.post("/api/complaints/", {"client_id": str(uuid.uuid4()), "incident": incident.pk, "language": "ru"},
                       content_type="application/json").status_code == 400
    incident.refresh_from_db()
    assert incident.status == Incident.Status.VERIFIED


def test_coordinator_triage_list_is_filtered_and_newest_first(client, deployment, coordinator, categories):
    older = IncidentFactory(deployment=deployment, category=categories["vote-buying"])
    newer = IncidentFactory(deployment=deployment, category=categories["ballot-stuffing"])
    client.force_login(coordinator)
    listed = client.get("/api/incidents/").json()["results"]
    assert [item["id"] for item in listed] == [newer.pk, older.pk]
    page = client.get(f"/incidents/?category={categories['vote-buying'].pk}")
    assert list(page.context["page"].object_list) == [older]


def test_api_report_is_idempotent_201_then_200(client, observer, deployment, categories):
    client.force_login(observer)
    body = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "description": "Music too loud.", "latitude": "43.238900", "longitude": "76.889700"}
    first = client.post("/api/incidents/", body, content_type="application/json")
    second = client.post("/api/incidents/", body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and Incident.objects.count() == 1


def test_api_triage_refuses_an_illegal_transition(client, deployment, coordinator):
    incident = IncidentFactory(deployment=deployment)
    client.force_login(coordinator)
    refused = client.post(f"/api/incidents/{incident.pk}/transition/", {"to": "resolved"},
                          content_type="application/json")
    assert refused.status_code == 400
    accepted = client.post(f"/api/incidents/{incident.pk}/transition/", {"to": "verified", "comment": "Seen."},
                           content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "verified"
    complaint = client.post("/api/complaints/", {"client_id": str(uuid.uuid4()), "incident": incident.pk,
                                                 "language": "ru"},
                            content_type="application/json")
    assert complaint.status_code == 201
    pdf = client.get(f"/api/complaints/{complaint.json()['id']}/pdf/")
    assert pdf.content.startswith(b"%PDF")


def test_observer_cannot_use_triage_pages_or_the_register(client, deployment):
    client.force_login(deployment.observer)
    assert client.get("/incidents/").status_code == 403
    assert client.get("/incidents/complaints/").status_code == 403
    assert client.get("/incidents/complaints/export.csv").status_code == 403
    assert client.get("/api/complaints/").json()["results"] == []


def test_observer_without_deployment_is_told_so(client, categories):
    observer = ObserverFactory()
    client.force_login(observer)
    assert "not deployed" in client.get("/incidents/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
