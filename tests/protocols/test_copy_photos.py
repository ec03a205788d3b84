"""Photos of the protocol pages, attached to the observer's copy they prove."""

import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from evidence.services import process_original
from protocols import services
from protocols.models import Discrepancy, ObserverCopy, ObserverCopyPhoto
from protocols.official_import import import_official_results
from tests.factories import (
    TEST_PASSWORD,
    DeploymentFactory,
    ObserverFactory,
    StationFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_scratch_folder(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"


def protocol_photo(deployment, seed, **metadata):
    metadata = {"station": deployment.station_id, "election": deployment.election_id, "purpose": "protocol_photo",
                **metadata}
    return evidence_file(uploaded_by=deployment.observer, data=photo_bytes(seed=seed), filename=f"page-{seed}.jpg",
                         **metadata)


def api_for(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def submit(api, deployment, evidence_ids=None, client_id=None, figures=KZ_PROTOCOL):
    payload = {"client_id": str(client_id or uuid.uuid4()), "deployment": deployment.pk, "figures": figures}
    if evidence_ids is not None:
        payload["evidence_ids"] = evidence_ids
    return api.post("/api/protocol-copies/", payload, format="json")


def nothing_was_written():
    return not ObserverCopy.objects.exists() and not ObserverCopyPhoto.objects.exists()


def test_an_observer_attaches_their_photos_of_the_protocol_and_reads_them_back(deployment):
    first, second = protocol_photo(deployment, 1), protocol_photo(deployment, 2)
    process_original(original_id=first.original_id)
    api = api_for(deployment.observer)
    created = submit(api, deployment, [second.pk, first.pk])
    assert created.status_code == 201, created.json()
    photos = created.json()["photos"]
    assert [photo["id"] for photo in photos] == [first.pk, second.pk]
    assert photos[0]["sha256"] == first.original.sha256
    assert photos[0]["thumbnail_url"].endswith(reverse("evidence:file", args=[first.pk, "thumbnail"]))
    assert photos[1]["thumbnail_url"] is None  # its copies are not made yet
    assert set(photos[0]) == {"id", "sha256", "kind", "filename", "captured_at", "thumbnail_url"}
    listed = api.get("/api/protocol-copies/").json()["results"]
    assert [photo["id"] for photo in listed[0]["photos"]] == [first.pk, second.pk]


def test_someone_elses_photo_is_refused_and_nothing_is_written(deployment):
    colleague = DeploymentFactory(observer=ObserverFactory(organisation=deployment.observer.organisation),
                                  election=deployment.election, station=deployment.station)
    theirs = protocol_photo(colleague, 3)
    refused = submit(api_for(deployment.observer), deployment, [theirs.pk])
    assert refused.status_code == 400
    assert f"These files are not among your uploads: {theirs.pk}" in str(refused.json()["evidence"])
    assert nothing_was_written()


def test_a_photo_of_another_station_or_not_of_the_protocol_is_refused_whole(deployment):
    elsewhere = DeploymentFactory(observer=deployment.observer, election=deployment.election)
    own = protocol_photo(deployment, 4)
    other_station = protocol_photo(elsewhere, 5)
    of_the_count = protocol_photo(deployment, 6, purpose="count_media")
    placeless = evidence_file(uploaded_by=deployment.observer, data=photo_bytes(seed=7), purpose="protocol_photo")
    api = api_for(deployment.observer)
    for photo, message in ((other_station, "sent for another station or election"),
                           (of_the_count, "were not sent as “Photo of a protocol”"),
                           (placeless, "were not sent for station 101")):
        refused = submit(api, deployment, [own.pk, photo.pk])
        assert refused.status_code == 400 and message in str(refused.json()["evidence"])
    assert nothing_was_written()


def test_a_resent_copy_with_the_same_client_id_and_photos_is_stored_once(deployment):
    photo = protocol_photo(deployment, 8)
    api = api_for(deployment.observer)
    client_id = uuid.uuid4()
    assert submit(api, deployment, [photo.pk], client_id=client_id).status_code == 201
    again = submit(api, deployment, [photo.pk], client_id=client_id)
    assert again.status_code == 200 and [item["id"] for item in again.json()["photos"]] == [photo.pk]
    assert ObserverCopy.objects.count() == 1 and ObserverCopyPhoto.objects.count() == 1


def test_a_correction_keeps_the_photos_unless_it_sends_its_own_list(deployment):
    first, second = protocol_photo(deployment, 9), protocol_photo(deployment, 10)
    api = api_for(deployment.observer)
    submit(api, deployment, [first.pk])
    corrected = submit(api, deployment, figures={**KZ_PROTOCOL, "L7": 11, "L9": 9}).json()  # figures only
    assert corrected["version"] == 2 and [photo["id"] for photo in corrected["photos"]] == [first.pk]
    replaced = submit(api, deployment, [second.pk]).json()
    assert replaced["version"] == 3 and [photo["id"] for photo in replaced["photos"]] == [second.pk]
    none = submit(api, deployment, []).json()
    assert none["version"] == 4 and none["photos"] == []
    versions = ObserverCopy.objects.order_by("version")
    assert [[photo.pk for photo in copy.photos.all()] for copy in versions] == [[first.pk], [first.pk], [second.pk], []]


def test_the_form_attaches_the_ticked_photos_and_keeps_the_figures_when_one_is_refused(client, deployment):
    own = protocol_photo(deployment, 11)
    other_station = protocol_photo(DeploymentFactory(observer=deployment.observer, election=deployment.election), 12)
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    url = reverse("protocols:submit", args=[deployment.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "page-11.jpg" in page.text and "page-12.jpg" not in page.text  # only this station's photos are offered
    form = {**{code: str(value) for code, value in KZ_PROTOCOL.items()}, "client_id": str(uuid.uuid4())}
    refused = client.post(url, {**form, "evidence": [own.pk, other_station.pk]}, HTTP_ACCEPT_LANGUAGE="en")
    assert "sent for another station or election" in refused.text
    assert 'value="890"' in refused.text and nothing_was_written()  # the typed figures are still there
    sent = client.post(url, {**form, "evidence": [own.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Protocol sent (version 1)" in sent.text and "page-11.jpg" in sent.text
    assert list(ObserverCopy.objects.get().photos.all()) == [own]
    correction = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'value="{own.pk}" id="id_evidence_{own.pk}" checked' in correction.text  # ticked for the correction


@pytest.fixture
def flag(election, deployment, kz_source):
    photo = protocol_photo(deployment, 13)
    process_original(original_id=photo.original_id)
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL, evidence_ids=[photo.pk])
    services.check_stations(election_id=election.pk)
    flag = Discrepancy.objects.get(kind="mismatch")
    flag.photo = photo
    return flag


def test_the_review_page_shows_the_attached_photo_first_and_the_stations_other_photos_labelled(client, flag,
                                                                                              deployment):
    colleague = DeploymentFactory(observer=ObserverFactory(), election=deployment.election, station=deployment.station)
    unattached = protocol_photo(colleague, 14)
    process_original(original_id=unattached.original_id)
    client.force_login(UserFactory(role="reviewer"))
    page = client.get(reverse("protocols:review-detail", args=[flag.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    attached_url = reverse("evidence:file", args=[flag.photo.pk, "web"])
    other_url = reverse("evidence:file", args=[unattached.pk, "web"])
    assert "Observer&#x27;s copy: photos attached to version 1" in page
    assert page.index("photos attached to version 1") < page.index(attached_url) \
        < page.index("Other photos of this station's protocol") < page.index(other_url)
    assert flag.photo.original.sha256 in page


def test_the_discrepancy_api_shows_the_photos_of_the_copies_it_compares_in_a_fixed_number_of_queries(flag, kz_source):
    reviewer = UserFactory(role="reviewer")
    api = api_for(reviewer)
    with CaptureQueriesContext(connection) as one:
        listed = api.get("/api/discrepancies/").json()["results"]
    assert [(photo["copy"], photo["id"]) for photo in listed[0]["photos"]] == [(flag.observer_copy_id, flag.photo.pk)]
    assert listed[0]["photos"][0]["thumbnail_url"] is not None
    for code in ("102", "103"):  # two more flagged stations, each with a photographed copy
        more = DeploymentFactory(election=flag.election, station=StationFactory(
            commission=flag.station.commission, code=code))
        photo = protocol_photo(more, int(code))
        services.submit_copy(observer=more.observer, deployment_id=more.pk, client_id=uuid.uuid4(),
                             figures={**KZ_PROTOCOL, "L7": 11}, evidence_ids=[photo.pk])
    services.check_stations(election_id=flag.election_id)
    with CaptureQueriesContext(connection) as three:
        listed = api.get("/api/discrepancies/").json()["results"]
    assert sum(len(item["photos"]) for item in listed) >= 3 and len(listed) > 1
    assert len(three) == len(one)
