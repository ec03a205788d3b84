"""Crossing the API's boundaries by ID: someone else's records answer 404 and show nothing;
writes a role may not make answer 403 and write nothing."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from observers import services
from observers.models import CheckIn, Deployment, User
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)
from tests.observers.conftest import photo

pytestmark = pytest.mark.django_db


def api_as(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def station(region):
    return StationFactory(commission=CommissionFactory(region=region), code="7")


@pytest.fixture
def theirs(coordinator, station):
    """An observer of the coordinator's organisation with a deployment, a check-in and a document."""
    observer = services.sign_up(invitation_code="JOIN-US", username="secret-observer", password=TEST_PASSWORD,
                                first_name="Gulnara", last_name="Hidden", phone="+7 700 111 22 33", document=photo())
    services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                  decision="approve")
    deployment = DeploymentFactory(observer=observer, station=station)
    check_in, _created = services.record_check_in(observer=observer, deployment_id=deployment.pk,
                                                  client_id=uuid.uuid4(), latitude="43.240000",
                                                  longitude="76.890000")
    return observer, deployment, check_in


def outsiders(coordinator):
    """Everyone who must not see the observer's records: a colleague observer, another NGO's
    coordinator and observer, a reviewer."""
    return [ObserverFactory(organisation=coordinator.organisation), CoordinatorFactory(organisation=OrganisationFactory()),
            ObserverFactory(), UserFactory(role="reviewer")]


def test_other_users_records_by_id_answer_404_with_no_data(coordinator, theirs):
    observer, deployment, check_in = theirs
    urls = [f"/api/observers/{observer.pk}/", f"/api/deployments/{deployment.pk}/", f"/api/check-ins/{check_in.pk}/",
            f"/api/accreditations/{observer.accreditation.pk}/"]
    for user in outsiders(coordinator):
        for url in urls:
            response = api_as(user).get(url)
            assert response.status_code == 404, (user.role, url)
            assert b"secret-observer" not in response.content and b"700 111" not in response.content
            assert b"43.24" not in response.content
    # The boundary is not everyone's: the observer and their coordinator read the same URLs.
    for user in (observer, coordinator):
        assert all(api_as(user).get(url).status_code == 200 for url in urls)


def test_another_organisations_accreditation_document_answers_404_without_the_image(coordinator, theirs):
    observer, _deployment, _check_in = theirs
    stranger = CoordinatorFactory(organisation=OrganisationFactory())
    stranger.regions.add(RegionFactory())
    url = f"/api/accreditations/{observer.accreditation.pk}/document/"
    for user in (stranger, UserFactory(role="reviewer"), ObserverFactory(organisation=coordinator.organisation)):
        response = api_as(user).get(url)
        assert response.status_code == 404
        assert b"\xff\xd8" not in b"".join(getattr(response, "streaming_content", [response.content]))
    assert api_as(coordinator).get(url).status_code == 200


def test_an_observer_cannot_import_deployments(coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation, username="asel")
    csv_file = SimpleUploadedFile("d.csv", f"username,region_code,station_code\nasel,{station.commission.region.code},7\n"
                                  .encode())
    response = api_as(observer).post("/api/deployments/import/", {"election": ElectionFactory().pk, "file": csv_file},
                                     format="multipart")
    assert response.status_code == 403
    assert not Deployment.objects.exists()
    # Even a malformed request is refused as a 403, before it is read.
    assert api_as(observer).post("/api/deployments/import/", {}, format="multipart").status_code == 403


def test_self_deployment_through_the_api_is_refused_when_the_organisation_assigns_stations(coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    response = api_as(observer).post("/api/deployments/", {"election": ElectionFactory().pk, "station": station.pk})
    assert response.status_code == 403 and "ask your coordinator" in response.json()["detail"]
    assert not Deployment.objects.exists()


def test_a_pending_observer_cannot_self_deploy_through_the_api(coordinator, station):
    coordinator.organisation.allow_self_deployment = True
    coordinator.organisation.save()
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    response = api_as(observer).post("/api/deployments/", {"election": ElectionFactory().pk, "station": station.pk})
    assert response.status_code == 403
    assert not Deployment.objects.exists()


def test_a_reviewer_cannot_deploy_anyone(coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    reviewer = UserFactory(role="reviewer")
    election = ElectionFactory()
    for body in ({}, {"election": election.pk, "station": station.pk},
                 {"observer": observer.pk, "election": election.pk, "station": station.pk}):
        assert api_as(reviewer).post("/api/deployments/", body).status_code == 403
    assert not Deployment.objects.exists()


def test_only_accredited_observers_are_deployed(client, coordinator, station):
    election = ElectionFactory()
    for status in ("pending", "rejected", "revoked"):
        waiting = ObserverFactory(organisation=coordinator.organisation, accreditation=status, username=status)
        response = api_as(coordinator).post("/api/deployments/", {"observer": waiting.pk, "election": election.pk,
                                                                  "station": station.pk})
        assert response.status_code == 400
        assert response.json() == {"observer": ["This observer is not accredited: approve their accreditation first."]}
    csv_text = f"username,region_code,station_code\npending,{station.commission.region.code},7\n"
    with pytest.raises(ValidationError) as refused:
        services.deploy_from_csv(coordinator=coordinator, election_id=election.pk, csv_text=csv_text)
    assert refused.value.messages == ["line 2: observer “pending” is not accredited"]
    assert not Deployment.objects.exists()


def test_a_region_filter_that_is_not_one_of_the_coordinators_regions_is_refused_politely(client, coordinator, theirs):
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    url = reverse("observers:deployments")
    for value in ("abc", "1.5", "١", str(RegionFactory().pk)):
        response = client.get(url, {"region": value}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and "Choose one of your regions." in response.text
    region = theirs[1].station.commission.region_id
    response = client.get(url, {"region": region}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Gulnara Hidden" in response.text and "Choose one of your regions." not in response.text


def test_check_in_ids_of_other_observers_are_not_listed(coordinator, theirs):
    _observer, deployment, _check_in = theirs
    stranger = ObserverFactory()
    assert api_as(stranger).get("/api/check-ins/", {"deployment": deployment.pk}).json()["count"] == 0
    assert CheckIn.objects.count() == 1


def test_a_reviewer_reads_a_check_ins_distance_band_not_its_position():
    """The check-in API gives the position only to those who may know who the observer is."""
    organisation = OrganisationFactory()
    region = RegionFactory()
    organisation.regions.add(region)
    station = StationFactory(commission=CommissionFactory(region=region), latitude="43.238900", longitude="76.889700")
    observer = ObserverFactory(organisation=organisation)
    deployment = DeploymentFactory(observer=observer, station=station)
    services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      latitude="43.240100", longitude="76.889700", accuracy_m=8)
    reviewer = UserFactory(role=User.Role.REVIEWER, organisation=organisation)
    coordinator = CoordinatorFactory(organisation=organisation)
    coordinator.regions.add(region)
    seen = {}
    for name, viewer in (("observer", observer), ("coordinator", coordinator), ("reviewer", reviewer)):
        results = api_as(viewer).get("/api/check-ins/").json()["results"]
        assert len(results) == 1, (name, results)
        seen[name] = results[0]
    for name in ("observer", "coordinator"):
        assert seen[name]["latitude"] == "43.240100" and seen[name]["accuracy_m"] == 8
    assert seen["reviewer"]["distance_band"] == "100-500 m"
    for field in ("latitude", "longitude", "accuracy_m", "distance_m", "device_time"):
        assert seen["reviewer"][field] is None, field
