"""A complaint drafted from a flaky phone or a double-clicked page is drafted once: the client's
UUID makes a re-send answer the complaint already stored."""

import uuid

import pytest

from incidents.models import Complaint, Incident
from tests.factories import CoordinatorFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(deployment):
    return IncidentFactory(deployment=deployment, status=Incident.Status.VERIFIED)


def test_api_complaint_resent_is_drafted_once_201_then_200(client, coordinator, verified):
    client.force_login(coordinator)
    body = {"client_id": str(uuid.uuid4()), "incident": verified.pk, "language": "kk", "level": "territorial"}
    first = client.post("/api/complaints/", body, content_type="application/json")
    # Meanwhile another coordinator resolves the incident; the phone's retry arrives late.
    Incident.objects.filter(pk=verified.pk).update(status=Incident.Status.RESOLVED)
    second = client.post("/api/complaints/", body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert first.json()["client_id"] == body["client_id"]
    assert Complaint.objects.count() == 1


def test_complaint_form_submitted_twice_drafts_one_complaint(client, coordinator, verified):
    client.force_login(coordinator)
    page = client.get(f"/incidents/{verified.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    client_id = page.context["complaint_form"]["client_id"].value()
    assert f'value="{client_id}"' in page.content.decode()
    form = {"client_id": str(client_id), "language": "ru", "level": "precinct"}
    first = client.post(f"/incidents/{verified.pk}/complaint/", form, HTTP_ACCEPT_LANGUAGE="en")
    second = client.post(f"/incidents/{verified.pk}/complaint/", form, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    complaint = Complaint.objects.get()
    assert first.url == second.redirect_chain[-1][0] == f"/incidents/complaints/{complaint.pk}/"
    assert "This complaint was already drafted: here it is." in second.content.decode()
    assert client.get(f"/incidents/{verified.pk}/").context["complaint_form"]["client_id"].value() != client_id


def test_an_id_used_for_another_complaint_is_refused_and_nothing_is_written(client, coordinator, verified,
                                                                            organisation):
    client.force_login(coordinator)
    client_id = str(uuid.uuid4())
    client.post("/api/complaints/", {"client_id": client_id, "incident": verified.pk, "language": "ru"},
                content_type="application/json")
    other_language = client.post("/api/complaints/", {"client_id": client_id, "incident": verified.pk,
                                                      "language": "kk"}, content_type="application/json",
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert other_language.status_code == 400
    assert other_language.json() == {"client_id": ["This ID was already used for another complaint."]}
    colleague = CoordinatorFactory(organisation=organisation)
    client.force_login(colleague)
    reused = client.post("/api/complaints/", {"client_id": client_id, "incident": verified.pk, "language": "ru"},
                         content_type="application/json")
    assert reused.status_code == 400
    assert Complaint.objects.get().language == "ru" and Complaint.objects.count() == 1


def test_api_complaint_without_a_client_id_is_refused(client, coordinator, verified):
    client.force_login(coordinator)
    response = client.post("/api/complaints/", {"incident": verified.pk, "language": "ru"},
                           content_type="application/json")
    assert response.status_code == 400 and "client_id" in response.json()
    assert not Complaint.objects.exists()
