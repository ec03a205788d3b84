"""A report's GPS position: out of range is refused with words the observer understands, and
nothing is stored (it used to reach the database's check and answer 500)."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from incidents import services
from incidents.models import Incident

pytestmark = pytest.mark.django_db

LATITUDE_ERROR = "The position is not valid: the latitude must be between -90 and 90 degrees."
LONGITUDE_ERROR = "The position is not valid: the longitude must be between -180 and 180 degrees."


def page_post(deployment, categories, **position):
    return {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "occurred_at": "2027-03-21T10:15", "description": "Music too loud.", "witnesses": "", **position}


@pytest.mark.parametrize(("position", "message"), [
    ({"latitude": "91", "longitude": "76.8897"}, LATITUDE_ERROR),
    ({"latitude": "-1000.5", "longitude": "76.8897"}, LATITUDE_ERROR),
    ({"latitude": "43.2389", "longitude": "180.000001"}, LONGITUDE_ERROR),
])
def test_report_page_refuses_a_position_out_of_range_and_says_why(client, observer, deployment, categories,
                                                                  position, message):
    client.force_login(observer)
    response = client.post("/incidents/report/", page_post(deployment, categories, **position),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Music too loud." in response.content.decode()  # what the observer typed is still in the form
    assert not Incident.objects.exists()


def test_report_page_accepts_the_edges_of_the_range(client, observer, deployment, categories):
    client.force_login(observer)
    response = client.post("/incidents/report/", page_post(deployment, categories, latitude="-90",
                                                           longitude="180"))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.latitude, incident.longitude) == (Decimal("-90"), Decimal("180"))


@pytest.mark.parametrize(("position", "field", "message"), [
    ({"latitude": "90.5", "longitude": "76.8897"}, "latitude", LATITUDE_ERROR),
    ({"latitude": "1000", "longitude": "76.8897"}, "latitude", LATITUDE_ERROR),
    ({"latitude": "43.2389", "longitude": "-181"}, "longitude", LONGITUDE_ERROR),
])
def test_api_refuses_a_position_out_of_range_and_says_why(client, observer, deployment, categories, position,
                                                          field, message):
    client.force_login(observer)
    body = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "description": "Music too loud.", **position}
    response = client.post("/api/incidents/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Incident.objects.exists()


def test_service_refuses_a_position_out_of_range_whoever_calls_it(observer, deployment, categories):
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.report_incident(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                 category_id=categories["other"].pk, description="Music too loud.",
                                 latitude=Decimal("43.2"), longitude=Decimal("200"))
    with translation.override("en"):
        assert refused.value.message_dict == {"longitude": [LONGITUDE_ERROR]}
    assert not Incident.objects.exists()
