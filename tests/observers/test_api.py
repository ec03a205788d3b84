"""Every observers endpoint, with its permission boundaries and its bad input."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from observers.models import Accreditation, ApiToken, CheckIn, Deployment
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
)
from tests.observers.conftest import photo

pytestmark = pytest.mark.django_db


def api_as(user=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def station(region):
    return StationFactory(commission=CommissionFactory(region=region), code="7")


@pytest.fixture
def deployment(coordinator, station):
    return DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)


def test_sign_up_api_creates_a_pending_observer(organisation):
    response = api_as().post("/api/signup/", {
        "invitation_code": "JOIN-US", "username": "dias", "password": TEST_PASSWORD, "first_name": "Dias",
        "phone": "+7 705 123 45 67", "document": photo()}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["accreditation_status"] == "pending"


def test_sign_up_api_answers_bad_input_with_clear_400s(organisation):
    client = api_as()
    missing = client.post("/api/signup/", {"username": "x"}, format="multipart")
    assert missing.status_code == 400 and "document" in missing.json() and "invitation_code" in missing.json()
    weak = client.post("/api/signup/", {"invitation_code": "JOIN-US", "username": "dias", "password": "123",
                                        "first_name": "Dias", "phone": "1", "document": photo()}, format="multipart")
    assert weak.status_code == 400 and "password" in weak.json()
    fake = SimpleUploadedFile("id.png", b"GIF89a........", content_type="image/png")
    bad_file = client.post("/api/signup/", {"invitation_code": "JOIN-US", "username": "dias", "password": TEST_PASSWORD,
                                            "first_name": "Dias", "phone": "+7 701 123 45 67", "document": fake}, format="multipart")
    assert bad_file.status_code == 400 and "document" in bad_file.json()


def test_token_auth_and_me():
    user = UserFactory(username="tokenuser")
    token = api_as().post("/api/auth/token/", {"username": "tokenuser", "password": TEST_PASSWORD}).json()["token"]
    assert ApiToken.objects.get(user=user).prefix == token[:6]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "tokenuser"
    assert APIClient().get("/api/me/").status_code in (401, 403)


def test_accreditation_decisions_through_the_api(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    client = api_as(coordinator)
    listing = client.get("/api/accreditations/", {"status": "pending"}).json()
    assert [item["observer"]["username"] for item in listing["results"]] == [observer.username]
    url = f"/api/accreditations/{observer.accreditation.pk}/decide/"
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    assert client.post(url, {"decision": "reject"}).json() == {"reason": ["Give the observer a reason."]}
    assert client.post(url, {"decision": "approve"}).json()["status"] == "approved"
    assert client.post(url, {"decision": "approve"}).status_code == 400  # already approved


def test_accreditation_boundaries(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    other_observer = ObserverFactory(organisation=coordinator.organisation)
    stranger = CoordinatorFactory(organisation=OrganisationFactory())
    reviewer = UserFactory(role="reviewer")
    url = f"/api/accreditations/{observer.accreditation.pk}/"
    assert api_as(stranger).get("/api/accreditations/").json()["count"] == 0
    assert api_as(stranger).get(url).status_code == 404
    assert api_as(stranger).post(url + "decide/", {"decision": "approve"}).status_code == 404
    assert api_as(reviewer).get("/api/accreditations/").json()["count"] == 0
    assert api_as(other_observer).get(url).status_code == 404
    assert api_as(observer).get(url).json()["status"] == "pending"
    assert api_as(observer).post(url + "decide/", {"decision": "approve"}).status_code == 403
    assert Accreditation.objects.get(pk=observer.accreditation.pk).status == "pending"


def test_observer_resubmits_a_document_after_rejection(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="rejected")
    response = api_as(observer).post("/api/accreditations/resubmit/", {"document": photo()}, format="multipart")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert response.json()["has_document"] is True
    assert api_as(coordinator).get(f"/api/accreditations/{observer.accreditation.pk}/document/").status_code == 200


def test_coordinator_creates_observers_and_sees_only_their_organisation(coordinator):
    created = api_as(coordinator).post("/api/observers/", {"username": "zarina", "password": TEST_PASSWORD,
                                                           "first_name": "Zarina", "phone": "+7 777 123 45 67"})
    assert created.status_code == 201 and created.json()["accreditation_status"] == "pending"
    ObserverFactory(organisation=OrganisationFactory(), username="foreign")
    names = [item["username"] for item in api_as(coordinator).get("/api/observers/").json()["results"]]
    assert names == ["zarina"]
    assert api_as(ObserverFactory()).post("/api/observers/", {"username": "x", "password": TEST_PASSWORD,
                                                              "first_name": "X", "phone": "1"}).status_code == 403


def test_deployments_api_create_list_and_boundaries(coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    election = ElectionFactory()
    created = api_as(coordinator).post("/api/deployments/", {"observer": observer.pk, "election": election.pk,
                                                             "station": station.pk, "in_random_sample": True})
    assert created.status_code == 201, created.content
    assert created.json()["station_code"] == "7" and created.json()["in_random_sample"] is True
    assert api_as(coordinator).post("/api/deployments/", {"election": election.pk,
                                                          "station": station.pk}).status_code == 400
    outside = api_as(coordinator).post("/api/deployments/", {"observer": observer.pk, "election": election.pk,
                                                             "station": StationFactory().pk})
    assert outside.status_code == 403
    assert api_as(observer).get("/api/deployments/").json()["count"] == 1
    assert api_as(ObserverFactory(organisation=coordinator.organisation)).get("/api/deployments/").json()["count"] == 0
    assert api_as(CoordinatorFactory()).get("/api/deployments/").json()["count"] == 0
    assert api_as(UserFactory(role="reviewer")).get("/api/deployments/").json()["count"] == 0


def test_deployment_csv_import_api(coordinator, station):
    ObserverFactory(organisation=coordinator.organisation, username="asel")
    election = ElectionFactory()
    region_code = station.commission.region.code
    good = SimpleUploadedFile("d.csv", f"username,region_code,station_code\nasel,{region_code},7\n".encode())
    response = api_as(coordinator).post("/api/deployments/import/", {"election": election.pk, "file": good},
                                        format="multipart")
    assert response.status_code == 201 and response.json() == {"created": 1, "already_deployed": 0}
    bad = SimpleUploadedFile("d.csv", b"username,station_code\nasel,7\n")
    response = api_as(coordinator).post("/api/deployments/import/", {"election": election.pk, "file": bad},
                                        format="multipart")
    assert response.status_code == 400 and "missing columns: region_code" in response.json()["non_field_errors"][0]


def test_observer_self_deploys_through_the_api_when_allowed(coordinator, station):
    coordinator.organisation.allow_self_deployment = True
    coordinator.organisation.save()
    observer = ObserverFactory(organisation=coordinator.organisation)
    election = ElectionFactory()
    response = api_as(observer).post("/api/deployments/", {"election": election.pk, "station": station.pk})
    assert response.status_code == 201 and Deployment.objects.get().assigned_by is None


def test_check_in_api_is_idempotent_and_scoped(deployment):
    observer = deployment.observer
    payload = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "kind": "in",
               "latitude": "43.240000", "longitude": "76.890000", "accuracy_m": 20}
    first = api_as(observer).post("/api/check-ins/", payload, format="json")
    again = api_as(observer).post("/api/check-ins/", payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and CheckIn.objects.count() == 1
    assert api_as(observer).get("/api/check-ins/").json()["count"] == 1
    assert api_as(ObserverFactory()).get("/api/check-ins/").json()["count"] == 0
    stolen = api_as(ObserverFactory()).post("/api/check-ins/", payload, format="json")
    assert stolen.status_code in (400, 403)


def test_check_in_api_refuses_bad_input_and_unaccredited_observers(deployment):
    observer = deployment.observer
    bad = api_as(observer).post("/api/check-ins/", {"client_id": "not-a-uuid", "deployment": deployment.pk,
                                                    "kind": "in", "latitude": "123"}, format="json")
    assert bad.status_code == 400 and {"client_id", "latitude"} <= set(bad.json())
    half = api_as(observer).post("/api/check-ins/", {"client_id": str(uuid.uuid4()), "deployment": deployment.pk,
                                                     "kind": "in", "latitude": "43.1"}, format="json")
    assert half.status_code == 400
    Accreditation.objects.filter(observer=observer).update(status="revoked")
    refused = api_as(observer).post("/api/check-ins/", {"client_id": str(uuid.uuid4()), "deployment": deployment.pk,
                                                        "kind": "in"}, format="json")
    assert refused.status_code == 403 and "accreditation" in refused.json()["detail"]
    assert not CheckIn.objects.exists()
