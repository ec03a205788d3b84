import csv
import io
import uuid
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from protocols import services
from protocols.models import Decision, Discrepancy
from protocols.official_import import import_official_results
from tests.factories import TEST_PASSWORD, CoordinatorFactory, ObserverFactory, UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(election, deployment, kz_source):
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL)
    services.check_stations(election_id=election.pk)
    return Discrepancy.objects.get(kind="mismatch")


def test_reviewer_sees_the_queue_the_differing_lines_and_decides(client, flag):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    queue = client.get(reverse("protocols:review"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Critical" in queue.text and reverse("protocols:review-detail", args=[flag.pk]) in queue.text
    detail = client.get(reverse("protocols:review-detail", args=[flag.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert detail.text.count('class="differs"') == 2 and "+80" in detail.text and "-80" in detail.text
    response = client.post(reverse("protocols:review-detail", args=[flag.pk]), {"decision": "observer_error"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Say why, for the record." in response.text
    client.post(reverse("protocols:review-detail", args=[flag.pk]), {"decision": "confirm", "comment": "Photo agrees"})
    flag.refresh_from_db()
    assert flag.status == "confirmed" and flag.decisions.get().reviewer == reviewer


def test_a_double_click_on_the_decision_records_one_decision(client, flag):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    url = reverse("protocols:review-detail", args=[flag.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    client_id = page.context["form"]["client_id"].value()
    assert f'value="{client_id}"' in page.text
    sent = {"decision": "confirm", "comment": "Photo agrees", "client_id": str(client_id)}
    first = client.post(url, sent, HTTP_ACCEPT_LANGUAGE="en")
    again = client.post(url, sent, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == again.status_code == 302
    assert Decision.objects.filter(discrepancy=flag).count() == 1
    other = client.post(url, {**sent, "decision": "resolve"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This form was already sent" in other.text and Decision.objects.count() == 1


def test_a_withdrawn_flag_cannot_be_decided_and_nothing_is_written(client, flag, deployment):
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=flag.official_version.figures)  # the observer corrects their typo
    services.check_stations(election_id=flag.election_id)
    flag.refresh_from_db()
    assert flag.status == "withdrawn"
    reviewer = UserFactory(role="reviewer")
    with pytest.raises(ValidationError, match="A flag that is “No longer applies” cannot become “Confirmed”"):
        services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    page = client.post(reverse("protocols:review-detail", args=[flag.pk]),
                       {"decision": "resolve", "comment": "x", "client_id": str(uuid.uuid4())}, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot become “Resolved”" in page.text
    flag.refresh_from_db()
    assert flag.status == "withdrawn" and not Decision.objects.exists()


def test_the_same_decision_twice_is_refused_unless_it_is_the_same_request_sent_again(flag):
    api = APIClient()
    api.force_authenticate(UserFactory(role="reviewer"))
    url = f"/api/discrepancies/{flag.pk}/decide/"
    request = {"decision": "confirm", "client_id": str(uuid.uuid4())}
    assert api.post(url, request).status_code == 200
    resent = api.post(url, request)
    assert resent.status_code == 200 and len(resent.json()["decisions"]) == 1
    twice = api.post(url, {"decision": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")
    assert twice.status_code == 400 and "already “Confirmed”" in str(twice.json())
    assert Decision.objects.count() == 1


def test_a_reviewer_may_revisit_a_decision_with_a_reason_and_resolved_is_final(flag):
    reviewer = UserFactory(role="reviewer")
    services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm")
    with pytest.raises(ValidationError, match="Say why"):
        services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="observer_error")
    services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="observer_error", comment="Photo shows 580")
    services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="resolve", comment="CEC corrected it")
    with pytest.raises(ValidationError, match="A flag that is “Resolved” cannot become “Confirmed”"):
        services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm", comment="again")
    assert list(flag.decisions.values_list("status", flat=True)) == ["confirmed", "observer_error", "resolved"]


def test_confirmed_discrepancies_export_as_csv(client, flag):
    reviewer = UserFactory(role="reviewer")
    services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    response = client.get(reverse("protocols:export"), HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["Station"], row["Line"], row["Difference"]) for row in rows] == [
        ("101", "L8.1", "80"), ("101", "L8.2", "-80")]
    # The election by its name (not "1"), the status in words, the time in the election's zone.
    assert {row["Election"] for row in rows} == {flag.election.name}
    assert {row["Status"] for row in rows} == {"Confirmed"}
    assert {row["Flagged at (Asia/Almaty)"] for row in rows} == {
        flag.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Almaty")).strftime("%Y-%m-%d %H:%M")}


def test_observers_and_foreign_coordinators_cannot_review(client, flag, deployment):
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    assert client.get(reverse("protocols:review")).status_code == 403
    assert client.get(reverse("protocols:review-detail", args=[flag.pk])).status_code == 403
    api = APIClient()
    api.force_authenticate(deployment.observer)
    assert api.get("/api/discrepancies/").json()["count"] == 0
    assert api.post(f"/api/discrepancies/{flag.pk}/decide/", {"decision": "confirm"}).status_code == 404
    stranger = CoordinatorFactory()
    api.force_authenticate(stranger)
    assert api.get("/api/discrepancies/").json()["count"] == 0


def test_coordinator_of_the_region_sees_the_flag_but_cannot_decide(flag, station):
    coordinator = CoordinatorFactory(organisation=flag.observer_copy.deployment.organisation)
    coordinator.regions.add(station.commission.region)
    api = APIClient()
    api.force_authenticate(coordinator)
    assert api.get("/api/discrepancies/").json()["count"] == 1
    assert api.post(f"/api/discrepancies/{flag.pk}/decide/", {"decision": "confirm"}).status_code == 403
    other_ngo = CoordinatorFactory()  # same region, another organisation: the flag is about our observer's copy
    other_ngo.regions.add(station.commission.region)
    api.force_authenticate(other_ngo)
    assert api.get("/api/discrepancies/").json()["count"] == 0
    assert api.get(f"/api/discrepancies/{flag.pk}/").status_code == 404


def test_protocol_copies_api_scopes_and_validates(deployment):
    api = APIClient()
    api.force_authenticate(deployment.observer)
    bad = api.post("/api/protocol-copies/", {"client_id": "x", "deployment": deployment.pk, "figures": {"L1": -1}},
                   format="json")
    assert bad.status_code == 400 and {"client_id", "figures"} <= set(bad.json())
    payload = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "figures": KZ_PROTOCOL}
    assert api.post("/api/protocol-copies/", payload, format="json").status_code == 201
    assert api.post("/api/protocol-copies/", payload, format="json").status_code == 200
    assert api.get("/api/protocol-copies/").json()["count"] == 1
    api.force_authenticate(ObserverFactory())
    assert api.get("/api/protocol-copies/").json()["count"] == 0


def test_official_results_api_reads_and_imports_for_admins_only(election, station, kz_source):
    data = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)])
    api = APIClient()
    api.force_authenticate(UserFactory(role="coordinator"))
    upload = {"election": election.slug, "source": "test-kz", "file": io.BytesIO(data)}
    assert api.post("/api/official-results/import/", upload, format="multipart").status_code == 403
    api.force_authenticate(UserFactory(role="admin", is_staff=True, is_superuser=True))
    upload["file"] = io.BytesIO(data)
    created = api.post("/api/official-results/import/", upload, format="multipart")
    assert created.status_code == 201 and created.json()["versions_added"] == 1
    bad = api.post("/api/official-results/import/", {"election": election.slug, "source": "test-kz",
                                                     "file": io.BytesIO(b"region,commission\nA,B\n")},
                   format="multipart")
    assert bad.status_code == 400 and bad.json()["errors"][0]["line"] == 1
    listing = api.get("/api/official-results/", {"election": election.pk}).json()
    assert listing["count"] == 1 and listing["results"][0]["figures"] == KZ_PROTOCOL


def test_the_reviewer_sees_the_observers_protocol_photo_beside_the_figures(client, flag, deployment, settings,
                                                                          tmp_path):
    """The photo travels through the evidence pipeline (tus upload, content check, hash, web copy)."""
    from django.test import Client
    from PIL import Image

    from evidence.models import EvidenceFile
    from evidence.services import process_original
    from tests.evidence.conftest import TusClient

    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1600), (240, 240, 230)).save(buffer, "JPEG")
    phone = Client()
    phone.force_login(deployment.observer)
    sent = TusClient(phone).send(buffer.getvalue(), filename="protocol.jpg", filetype="image/jpeg",
                                 station=str(deployment.station_id), election=str(deployment.election_id),
                                 purpose="protocol_photo")
    assert sent.status_code == 204, sent.content
    photo = EvidenceFile.objects.get(uploaded_by=deployment.observer)
    process_original(original_id=photo.original_id)

    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    detail = client.get(reverse("protocols:review-detail", args=[flag.pk]), HTTP_ACCEPT_LANGUAGE="en")
    web_url = reverse("evidence:file", args=[photo.pk, "web"])
    assert web_url in detail.text and photo.original.sha256 in detail.text
    image = client.get(web_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
