"""The evidence package a lawyer hands over: originals, manifest, checksums anyone can re-verify."""

import hashlib
import io
import json
import zipfile

import pytest
from django.test import Client

from evidence import chain
from evidence.models import EvidenceLogEntry
from tests.factories import ObserverFactory, StationFactory, UserFactory, evidence_file, photo_bytes

pytestmark = pytest.mark.django_db


def test_station_package_holds_the_originals_and_a_manifest_that_reverifies(db):
    station = StationFactory(code="412")
    first = evidence_file(data=photo_bytes(seed=1), station=station.pk, purpose="protocol_photo")
    second = evidence_file(data=photo_bytes(seed=2), station=station.pk, purpose="count_media")
    evidence_file(data=photo_bytes(seed=3), station=StationFactory().pk)  # another station's
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(role="reviewer"))
    response = client.get(f"/evidence/stations/{station.pk}/package/")
    assert response.status_code == 200
    assert 'filename="evidence-station-412.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert {item["evidence_id"] for item in manifest["files"]} == {first.pk, second.pk}
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(item["path"])).hexdigest() == item["sha256"]
    for line in archive.read("SHA256SUMS").decode().splitlines():  # what `sha256sum -c` does
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    entries = manifest["chain"]["entries"]
    assert {entry["evidence_id"] for entry in entries} == {first.pk, second.pk}
    for entry in entries:  # each entry's hash can be recomputed from the manifest alone
        fields = {key: entry[key] for key in entry if key != "entry_hash"}
        assert chain.entry_hash(**fields) == entry["entry_hash"]
    summary = archive.read("SUMMARY.txt").decode()
    assert "Evidence for polling station 412" in summary and "sha256sum -c SHA256SUMS" in summary
    package_entry = EvidenceLogEntry.objects.get(action="package")
    assert sorted(package_entry.payload["evidence_ids"]) == sorted([first.pk, second.pk])


def test_package_hash_is_logged(db):
    from evidence import services

    evidence = evidence_file(data=photo_bytes(seed=4))
    package = services.build_package([evidence], "Incident 7", ["Ballot stuffing at 10:40"])
    data = package.read()
    assert EvidenceLogEntry.objects.get(action="package").payload["sha256"] == hashlib.sha256(data).hexdigest()
    assert "Ballot stuffing at 10:40" in zipfile.ZipFile(io.BytesIO(data)).read("SUMMARY.txt").decode()


def test_observers_and_coordinators_cannot_build_packages(db):
    station = StationFactory()
    observer = ObserverFactory()
    evidence_file(uploaded_by=observer, data=photo_bytes(seed=5), station=station.pk)
    client = Client()
    client.force_login(observer)
    assert client.get(f"/evidence/stations/{station.pk}/package/").status_code == 403
