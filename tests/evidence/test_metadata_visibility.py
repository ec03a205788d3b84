"""Where a photo was taken and with which phone (read from the original's EXIF) reaches only
those who may see the original; a coordinator learns the check-in's distance band at most."""

import uuid

import pytest
from django.test import Client

from evidence import services
from observers.models import CheckIn, Deployment, User
from tests.evidence.test_copies_and_metadata import phone_exif
from tests.factories import (
    CoordinatorFactory,
    DeploymentFactory,
    ObserverFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)

pytestmark = pytest.mark.django_db

LEAKS = ("Samsung", "Galaxy", "43.239", "76.89")


def test_the_evidence_api_gives_device_and_position_only_with_the_original():
    observer = ObserverFactory()
    deployment = DeploymentFactory(observer=observer)
    CheckIn.objects.create(client_id=uuid.uuid4(), deployment=deployment, kind=CheckIn.Kind.CHECK_IN,
                           latitude="43.243000", longitude="76.892000", distance_m=340)
    evidence = evidence_file(uploaded_by=observer, data=photo_bytes(1200, 900, exif=phone_exif()),
                             station=deployment.station_id, election=deployment.election_id)
    services.process_original(original_id=evidence.original_id)
    assert Deployment.objects.filter(observer=observer).count() == 1
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    coordinator.regions.add(deployment.station.commission.region)
    reviewer = UserFactory(role=User.Role.REVIEWER)
    client = Client()

    client.force_login(coordinator)
    for url in ("/api/evidence/files/", f"/api/evidence/files/{evidence.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for leak in LEAKS:
            assert leak not in body, (url, leak)
    row = client.get(f"/api/evidence/files/{evidence.pk}/").json()
    assert row["original_url"] is None
    assert (row["device"], row["latitude"], row["longitude"]) == (None, None, None)
    assert row["check_in_distance"] == "100-500 m"

    for who in (reviewer, observer):
        client.force_login(who)
        row = client.get(f"/api/evidence/files/{evidence.pk}/").json()
        assert row["original_url"].endswith("/original/")
        assert row["device"] == "Samsung Galaxy A52"
        assert float(row["latitude"]) == pytest.approx(43.2390, abs=1e-4)
        assert float(row["longitude"]) == pytest.approx(76.89, abs=1e-4)
        assert row["check_in_distance"] == "100-500 m"
