"""Who may file evidence for which station: an observer only where they are deployed."""


import pytest
from django.test import Client

from evidence import services
from evidence.models import EvidenceFile, Upload
from tests.evidence.conftest import TusClient
from tests.factories import CoordinatorFactory, DeploymentFactory, ElectionFactory, StationFactory, photo_bytes

pytestmark = pytest.mark.django_db


def nothing_was_written():
    return not Upload.objects.exists() and not EvidenceFile.objects.exists() and not services.stored_chunk_keys()


def test_an_observer_cannot_upload_for_a_station_where_they_are_not_deployed(tus_client, observer):
    DeploymentFactory(observer=observer)  # deployed, but elsewhere
    elsewhere = StationFactory(code="777")
    refused = tus_client.create(1000, filename="p.jpg", filetype="image/jpeg", station=elsewhere.pk,
                                purpose="protocol_photo")
    assert refused.status_code == 403
    assert "You are not deployed at station 777" in refused.content.decode()
    refused = tus_client.create(1000, filename="v.jpg", filetype="image/jpeg", station=elsewhere.pk,
                                purpose="incident_media")
    assert refused.status_code == 403
    assert nothing_was_written()


def test_an_observer_deployed_in_another_election_cannot_upload_for_this_one(tus_client, observer):
    deployment = DeploymentFactory(observer=observer)
    other_election = ElectionFactory()
    refused = tus_client.create(1000, filename="p.jpg", filetype="image/jpeg", station=deployment.station_id,
                                election=other_election.pk, purpose="protocol_photo")
    assert refused.status_code == 403 and "in this election" in refused.content.decode()
    refused = tus_client.create(1000, filename="p.jpg", filetype="image/jpeg", election=other_election.pk,
                                purpose="protocol_photo")
    assert refused.status_code == 403 and "not deployed in this election" in refused.content.decode()
    assert nothing_was_written()


def test_an_observer_uploads_for_their_own_station_and_election(tus_client, observer):
    deployment = DeploymentFactory(observer=observer)
    data = photo_bytes(seed=31)
    sent = tus_client.send(data, filename="p.jpg", filetype="image/jpeg", station=deployment.station_id,
                           election=deployment.election_id, purpose="protocol_photo")
    assert sent.status_code == 204
    evidence = EvidenceFile.objects.get(pk=sent["Evidence-Id"])
    assert (evidence.station, evidence.election) == (deployment.station, deployment.election)


def test_an_unknown_station_is_a_bad_request(tus_client, observer):
    refused = tus_client.create(1000, filename="p.jpg", filetype="image/jpeg", station=987654,
                                purpose="protocol_photo")
    assert refused.status_code == 400 and "Unknown station" in refused.content.decode()
    assert nothing_was_written()


def test_a_coordinator_uploads_only_answers_to_complaints(db):
    client = Client()
    client.force_login(CoordinatorFactory())
    coordinator = TusClient(client)
    refused = coordinator.create(1000, filename="p.jpg", filetype="image/jpeg", station=StationFactory().pk,
                                 purpose="protocol_photo")
    assert refused.status_code == 403
    assert nothing_was_written()
    assert coordinator.create(1000, filename="answer.jpg", filetype="image/jpeg",
                              purpose="complaint_answer").status_code == 201


def test_the_upload_page_says_why_it_refuses_a_station_without_deployment(tus_client, observer):
    elsewhere = StationFactory(code="778")
    page = tus_client.client.get(f"/evidence/upload/?station={elsewhere.pk}&purpose=protocol_photo",
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "You are not deployed at station 778" in page.text and 'id="evidence-upload"' not in page.text

