"""The complaint's PDF carries the observer's name: each download is one entry of the access log
(#16 item 3), visible to the organisation's administrators."""

import uuid

import pytest

from incidents import services
from incidents.models import Incident
from observers.models import AccessLogEntry
from tests.factories import TEST_PASSWORD, IncidentFactory

pytestmark = pytest.mark.django_db


def test_each_complaint_pdf_download_is_one_export_entry(client, deployment, coordinator):
    incident = IncidentFactory(deployment=deployment, status=Incident.Status.ESCALATED, description="Stuffing.")
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(),
                                             incident_id=incident.pk, language="ru")
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    response = client.get(f"/incidents/complaints/{complaint.pk}/pdf/", REMOTE_ADDR="198.51.100.23")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    [entry] = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORTED)
    assert (entry.actor, entry.subject, entry.organisation_id) == (coordinator, deployment.observer,
                                                                  deployment.observer.organisation_id)
    assert entry.target == f"complaint {complaint.pk} PDF" and entry.client_address == "198.51.100.23"
