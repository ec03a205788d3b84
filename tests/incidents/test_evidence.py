"""Photos and videos attached to incidents, and the scans of complaints' answers, through the
evidence pipeline: only one's own uploads, kept in the history, seen only by who may see them."""

import csv
import hashlib
import io
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from evidence import services as evidence_services
from evidence.models import EvidenceFile
from incidents import complaint_document, services
from incidents.models import Incident, IncidentEvidence, IncidentRevision
from tests.evidence.conftest import TusClient
from tests.factories import (
    CoordinatorFactory,
    DeploymentFactory,
    ObserverFactory,
    OrganisationFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)

pytestmark = pytest.mark.django_db
FACTS = "The chair covered the camera with a coat at 20:05."


@pytest.fixture(autouse=True)
def own_media_folder(settings, tmp_path):
    """Stored originals and copies of each test in a folder of its own: the database is rolled back
    after a test, files are not, and the evidence tests check that a refused file leaves nothing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"


def incident_photo(observer, deployment=None, seed=0, **metadata):
    """A photo the observer sent for an incident (optionally naming the deployment's station)."""
    if deployment is not None:
        metadata.update(station=deployment.station_id, election=deployment.election_id)
    return evidence_file(uploaded_by=observer, data=photo_bytes(seed=seed), filename=f"incident-{seed}.jpg",
                         purpose="incident_media", **metadata)


def processed(evidence):
    """Make its copies now, as the Celery task would after commit."""
    evidence_services.process_original(original_id=evidence.original_id)
    return EvidenceFile.objects.select_related("original").get(pk=evidence.pk)


def report(observer, deployment, categories, **extra):
    values = {"client_id": uuid.uuid4(), "category_id": categories["ballot-stuffing"].pk, "description": FACTS,
              "deployment_id": deployment.pk}
    return services.report_incident(observer=observer, **{**values, **extra})


def logged_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- Attaching --------------------------------------------------------------------------------


def test_observer_attaches_their_own_photos_when_reporting(observer, deployment, categories):
    first, second = incident_photo(observer, deployment, seed=1), incident_photo(observer, seed=2)
    incident, created = report(observer, deployment, categories, evidence_ids=[second.pk, first.pk])
    assert created
    assert set(incident.evidence.all()) == {first, second}


@pytest.mark.parametrize("whose", ["another observer's", "unknown"])
def test_another_observers_file_or_an_unknown_id_is_refused_and_nothing_is_written(
        observer, deployment, categories, whose):
    mine = incident_photo(observer, deployment, seed=1)
    other = incident_photo(ObserverFactory(organisation=observer.organisation), seed=2).pk if \
        whose == "another observer's" else 999_999
    with pytest.raises(ValidationError) as refused:
        report(observer, deployment, categories, evidence_ids=[mine.pk, other])
    assert refused.value.message_dict == {"evidence": [f"These files are not among your uploads: {other}."]}
    assert not Incident.objects.exists() and not IncidentEvidence.objects.exists()


def test_a_file_sent_for_another_purpose_or_station_is_refused(observer, deployment, categories):
    protocol_photo = evidence_file(uploaded_by=observer, data=photo_bytes(seed=3), purpose="protocol_photo")
    with pytest.raises(ValidationError, match="were not sent as"):
        report(observer, deployment, categories, evidence_ids=[protocol_photo.pk])
    elsewhere = incident_photo(observer, DeploymentFactory(observer=observer), seed=4)
    with pytest.raises(ValidationError, match="another station or election"):
        report(observer, deployment, categories, evidence_ids=[elsewhere.pk])
    assert not Incident.objects.exists()


def test_api_refuses_another_observers_file_with_400_and_writes_nothing(observer, deployment, categories):
    other = incident_photo(ObserverFactory(organisation=observer.organisation), seed=5)
    body = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "description": FACTS, "evidence_ids": [other.pk]}
    response = logged_in(observer).post("/api/incidents/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"evidence": [f"These files are not among your uploads: {other.pk}."]}
    assert not Incident.objects.exists()


def test_resent_report_is_the_same_incident_with_the_same_attachments(observer, deployment, categories):
    photo = incident_photo(observer, deployment, seed=6)
    client = logged_in(observer)
    body = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
            "description": FACTS, "evidence_ids": [photo.pk]}
    first = client.post("/api/incidents/", body, content_type="application/json")
    second = client.post("/api/incidents/", body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert [item["id"] for item in second.json()["evidence"]] == [photo.pk]
    assert Incident.objects.count() == 1 and IncidentEvidence.objects.count() == 1


def test_author_changes_attachments_until_triage_and_the_revision_keeps_the_previous_list(
        observer, deployment, coordinator, categories):
    first, second = incident_photo(observer, deployment, seed=7), incident_photo(observer, deployment, seed=8)
    incident, _ = report(observer, deployment, categories, evidence_ids=[first.pk])
    services.edit_incident(observer=observer, incident_id=incident.pk, evidence_ids=[second.pk])
    assert list(incident.evidence.all()) == [second]
    assert IncidentRevision.objects.get(incident=incident).previous == {"evidence_ids": [first.pk]}
    services.edit_incident(observer=observer, incident_id=incident.pk, evidence_ids=[second.pk])  # no change
    assert IncidentRevision.objects.filter(incident=incident).count() == 1
    services.add_comment(coordinator=coordinator, incident_id=incident.pk, comment="Looking at it.")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.edit_incident(observer=observer, incident_id=incident.pk, evidence_ids=[first.pk, second.pk])
    assert list(incident.evidence.all()) == [second]


def test_api_shows_attached_evidence_and_edits_the_list(observer, deployment, categories):
    first = processed(incident_photo(observer, deployment, seed=9))
    second = incident_photo(observer, deployment, seed=10)
    client = logged_in(observer)
    created = client.post("/api/incidents/", {
        "client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["other"].pk,
        "description": FACTS, "evidence_ids": [first.pk]}, content_type="application/json").json()
    [shown] = created["evidence"]
    assert shown["id"] == first.pk and shown["sha256"] == first.original.sha256 and shown["kind"] == "photo"
    assert shown["thumbnail_url"].endswith(f"/evidence/files/{first.pk}/thumbnail/")
    assert "evidence_ids" not in created
    assert client.get(shown["thumbnail_url"]).status_code == 200
    edited = client.patch(f"/api/incidents/{created['id']}/", {"evidence_ids": [first.pk, second.pk]},
                          content_type="application/json")
    assert edited.status_code == 200
    assert [item["id"] for item in edited.json()["evidence"]] == [first.pk, second.pk]
    assert edited.json()["revisions"][0]["previous"] == {"evidence_ids": [first.pk]}
    refused = client.patch(f"/api/incidents/{created['id']}/", {"evidence_ids": [999_999]},
                           content_type="application/json")
    assert refused.status_code == 400 and "999999" in refused.json()["evidence"][0]


# --- Pages ------------------------------------------------------------------------------------


def test_report_page_offers_only_the_observers_own_files_and_attaches_the_picked_ones(
        observer, deployment, categories):
    mine = incident_photo(observer, deployment, seed=11)
    theirs = incident_photo(ObserverFactory(organisation=observer.organisation), seed=12)
    client = logged_in(observer)
    page = client.get(f"/incidents/report/?deployment={deployment.pk}").content.decode()
    assert f'value="{mine.pk}"' in page and "incident-11.jpg" in page
    assert "incident-12.jpg" not in page
    assert 'data-purpose="incident_media"' in page and "evidence-upload.js" in page
    form = {"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "category": categories["vote-buying"].pk,
            "occurred_at": "2027-03-21T10:15", "description": FACTS, "witnesses": ""}
    refused = client.post("/incidents/report/", {**form, "evidence": [mine.pk, theirs.pk]})
    assert refused.status_code == 200
    assert f"These files are not among your uploads: {theirs.pk}." in refused.content.decode()
    assert not Incident.objects.exists()
    assert client.post("/incidents/report/", {**form, "evidence": [mine.pk]}).status_code == 302
    assert list(Incident.objects.get().evidence.all()) == [mine]


def test_edit_page_changes_the_attached_files(observer, deployment, categories):
    first, second = incident_photo(observer, deployment, seed=13), incident_photo(observer, deployment, seed=14)
    incident, _ = report(observer, deployment, categories, evidence_ids=[first.pk])
    client = logged_in(observer)
    page = client.get(f"/incidents/mine/{incident.pk}/").content.decode()
    assert f'value="{first.pk}" id="id_evidence_{first.pk}" checked' in " ".join(page.split())
    response = client.post(f"/incidents/mine/{incident.pk}/", {
        "category": incident.category_id, "occurred_at": "2027-03-21T10:15", "description": FACTS,
        "witnesses": "", "evidence": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(incident.evidence.all()) == {first, second}


def test_no_observer_sees_another_observers_incident_evidence(observer, deployment, categories):
    photo = processed(incident_photo(observer, deployment, seed=15))
    incident, _ = report(observer, deployment, categories, evidence_ids=[photo.pk])
    stranger = logged_in(ObserverFactory(organisation=observer.organisation))
    for which in ("thumbnail", "web", "original"):
        assert stranger.get(f"/evidence/files/{photo.pk}/{which}/").status_code == 404
    assert stranger.get(f"/incidents/mine/{incident.pk}/").status_code == 404
    assert stranger.get(f"/api/incidents/{incident.pk}/").status_code == 404
    assert photo.original.sha256 not in stranger.get("/api/incidents/").content.decode()
    assert stranger.get("/api/evidence/files/").json()["results"] == []
    author = logged_in(observer)
    assert f"/evidence/files/{photo.pk}/thumbnail/" in author.get(f"/incidents/mine/{incident.pk}/").content.decode()
    assert author.get(f"/evidence/files/{photo.pk}/original/").status_code == 200


def test_coordinator_sees_thumbnails_and_web_copies_of_their_ngos_incident_but_not_originals(
        observer, deployment, coordinator, categories, region):
    photo = processed(incident_photo(observer, deployment, seed=16))
    incident, _ = report(observer, deployment, categories, evidence_ids=[photo.pk])
    client = logged_in(coordinator)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f"/evidence/files/{photo.pk}/thumbnail/" in page and f"/evidence/files/{photo.pk}/web/" in page
    assert f"/evidence/files/{photo.pk}/original/" not in page
    assert client.get(f"/evidence/files/{photo.pk}/web/").status_code == 200
    assert client.get(f"/evidence/files/{photo.pk}/thumbnail/").status_code == 200
    assert client.get(f"/evidence/files/{photo.pk}/original/").status_code == 403
    shown = client.get(f"/api/incidents/{incident.pk}/").json()["evidence"]
    assert [item["sha256"] for item in shown] == [photo.original.sha256]
    foreign = CoordinatorFactory(organisation=OrganisationFactory())
    foreign.organisation.regions.add(region)
    assert logged_in(foreign).get(f"/evidence/files/{photo.pk}/web/").status_code == 404


# --- Complaints -------------------------------------------------------------------------------


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_complaint_pdf_and_page_list_each_attached_file_with_its_full_sha256(
        observer, deployment, coordinator, categories, language):
    photos = [incident_photo(observer, deployment, seed=17), incident_photo(observer, deployment, seed=18)]
    incident, _ = report(observer, deployment, categories, evidence_ids=[item.pk for item in photos])
    for status in (Incident.Status.VERIFIED, Incident.Status.ESCALATED):
        services.change_status(coordinator=coordinator, incident_id=incident.pk, to=status)
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language=language)
    client = logged_in(coordinator)
    response = client.get(f"/incidents/complaints/{complaint.pk}/pdf/")
    text = pdf_text(response.content)
    page = client.get(f"/incidents/complaints/{complaint.pk}/").content.decode()
    for item in photos:
        assert len(item.original.sha256) == 64
        assert item.original.sha256 in text and item.original.sha256 in page
        assert item.filename in text
    assert ("фотография" if language == "ru" else "фотосурет") in text
    assert FACTS in text


def test_complaint_document_names_kind_and_capture_time():
    facts = complaint_document.ComplaintFacts(
        language="ru", addressed_to="УИК № 7", organisation="NGO", observer_name="Observer", station_code="7",
        station_address="Home", commission_name="TEC", occurred_at="01.01.2027 10:00", category="Other",
        description="Text.", evidence=[complaint_document.EvidenceItem(
            name="count.mp4", sha256="c" * 64, kind="video", captured_at="21.03.2027 20:05")])
    items = [text for kind, text in complaint_document.blocks(facts) if kind in ("item", "hash")]
    assert items == ["1. count.mp4 (видеозапись, снято 21.03.2027 20:05)", "SHA-256: " + "c" * 64]


@pytest.fixture
def filed_complaint(observer, deployment, coordinator, categories):
    incident, _ = report(observer, deployment, categories, evidence_ids=[incident_photo(observer, deployment, 19).pk])
    for status in (Incident.Status.VERIFIED, Incident.Status.ESCALATED):
        services.change_status(coordinator=coordinator, incident_id=incident.pk, to=status)
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language="ru")
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                           filed_at=incident.occurred_at, filed_where="Precinct commission 412")
    return complaint


def upload_scan(coordinator, seed=20):
    """The coordinator sends the scan through the real tus endpoint, as the page's client does."""
    data = photo_bytes(seed=seed)
    tus = TusClient(logged_in(coordinator))
    response = tus.send(data, filename="answer.jpg", filetype="image/jpeg", purpose="complaint_answer")
    assert response.status_code == 204, response.content
    return EvidenceFile.objects.get(pk=response["Evidence-Id"]), hashlib.sha256(data).hexdigest()


def test_coordinator_attaches_the_scan_of_the_answer_and_the_register_shows_it(filed_complaint, coordinator):
    scan, sha256 = upload_scan(coordinator)
    assert scan.uploaded_by == coordinator and scan.purpose == "complaint_answer"
    client = logged_in(coordinator)
    page = client.get(f"/incidents/complaints/{filed_complaint.pk}/").content.decode()
    assert f'value="{scan.pk}"' in page and 'data-purpose="complaint_answer"' in page
    response = client.post(f"/incidents/complaints/{filed_complaint.pk}/", {
        "answered_on": "2027-03-25", "answer_text": "No violation found.", "answer_scan": scan.pk})
    assert response.status_code == 302
    filed_complaint.refresh_from_db()
    assert filed_complaint.answer_scan == scan
    assert sha256 in client.get(f"/incidents/complaints/{filed_complaint.pk}/").content.decode()
    assert "scan of the answer attached" in client.get("/incidents/complaints/").content.decode()
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/incidents/complaints/export.csv",
                                                             HTTP_ACCEPT_LANGUAGE="en")
                                                  .streaming_content).decode("utf-8-sig"))))
    assert rows[0]["SHA-256 of the answer's scan"] == sha256
    assert client.get(f"/api/complaints/{filed_complaint.pk}/").json()["answer_scan"] == scan.pk


def test_an_answer_scan_must_be_the_coordinators_own_upload(filed_complaint, coordinator, observer, deployment):
    observers_photo = incident_photo(observer, deployment, seed=21)
    colleague = CoordinatorFactory(organisation=coordinator.organisation)
    colleagues_scan, _ = upload_scan(colleague, seed=22)
    client = logged_in(coordinator)
    for foreign in (observers_photo.pk, colleagues_scan.pk, 999_999):
        response = client.post(f"/api/complaints/{filed_complaint.pk}/answer/",
                               {"answered_on": "2027-03-25", "answer_scan": foreign}, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"evidence": [f"These files are not among your uploads: {foreign}."]}
    filed_complaint.refresh_from_db()
    assert filed_complaint.answered_on is None and filed_complaint.answer_scan is None
    own_photo, _ = upload_scan(coordinator, seed=23)
    ok = client.post(f"/api/complaints/{filed_complaint.pk}/answer/",
                     {"answered_on": "2027-03-25", "answer_scan": own_photo.pk}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["answer_scan"] == own_photo.pk


def test_coordinators_upload_only_answer_scans(coordinator):
    tus = TusClient(logged_in(coordinator))
    assert tus.create(100, filename="x.jpg", filetype="image/jpeg", purpose="incident_media").status_code == 403
    assert tus.create(100, filename="x.jpg", filetype="image/jpeg", purpose="complaint_answer").status_code == 201
    page = logged_in(coordinator).get("/evidence/upload/?purpose=complaint_answer").content.decode()
    assert 'id="evidence-upload"' in page and 'value="incident_media"' not in page


# --- The incident's evidence package ----------------------------------------------------------


def test_incident_package_holds_the_attached_files_and_the_answer_scan(filed_complaint, coordinator, observer):
    scan, scan_sha256 = upload_scan(coordinator)
    services.record_answer(coordinator=coordinator, complaint_id=filed_complaint.pk, answered_on="2027-03-25",
                           answer_text="", answer_scan_id=scan.pk)
    incident = filed_complaint.incident
    incident_photo(observer, seed=24)  # the observer's, but not attached: not in the package
    attached = list(incident.evidence.all())
    response = logged_in(UserFactory(role="reviewer")).get(f"/incidents/{incident.pk}/package/")
    assert response.status_code == 200
    assert f'filename="evidence-incident-{incident.pk}.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sums = dict(reversed(line.split("  ")) for line in archive.read("SHA256SUMS").decode().splitlines())
    expected = {item.original.sha256 for item in attached} | {scan_sha256}
    assert {digest for name, digest in sums.items() if name.startswith("originals/")} == expected
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    summary = archive.read("SUMMARY.txt").decode()
    assert f"Evidence for incident {incident.pk}" in summary and FACTS in summary


def test_observers_and_coordinators_cannot_build_an_incident_package(filed_complaint, coordinator, observer):
    incident = filed_complaint.incident
    assert logged_in(coordinator).get(f"/incidents/{incident.pk}/package/").status_code == 403
    assert logged_in(observer).get(f"/incidents/{incident.pk}/package/").status_code == 403
    assert logged_in(UserFactory(role="reviewer")).get("/incidents/999999/package/").status_code == 404


def test_api_list_reads_attached_evidence_in_a_fixed_number_of_queries(
        observer, deployment, categories):
    client = logged_in(observer)

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/incidents/").status_code == 200
        return len(captured.captured_queries)

    report(observer, deployment, categories, evidence_ids=[incident_photo(observer, deployment, seed=30).pk])
    one = queries_for_list()
    for seed in (31, 32, 33):
        report(observer, deployment, categories, evidence_ids=[incident_photo(observer, deployment, seed=seed).pk])
    listed = client.get("/api/incidents/").json()["results"]
    assert [len(item["evidence"]) for item in listed] == [1, 1, 1, 1]
    assert queries_for_list() == one
