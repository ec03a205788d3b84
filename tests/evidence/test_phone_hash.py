"""The hash chain starts on the phone: the app sends the SHA-256 it computed when the photo was
taken, the server refuses bytes that differ and logs the phone's hash and capture time."""

import hashlib

import pytest

from evidence.models import EvidenceFile, EvidenceLogEntry, Upload
from tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


def test_a_photo_whose_bytes_match_the_phones_hash_is_stored_with_that_hash_and_capture_time_in_the_log(tus_client):
    data = photo_bytes(seed=21)
    phone_hash = hashlib.sha256(data).hexdigest()
    created = tus_client.create(len(data), filename="count.jpg", filetype="image/jpeg", sha256=phone_hash.upper(),
                                captured_at="2027-03-19T20:14:05.120Z")
    response = tus_client.patch(created["Location"], 0, data)
    assert response.status_code == 204
    evidence = EvidenceFile.objects.get(pk=response["Evidence-Id"])
    entry = EvidenceLogEntry.objects.get(evidence=evidence, action="received")
    assert entry.payload["device_sha256"] == phone_hash == evidence.original.sha256
    assert entry.payload["device_captured_at"].startswith("2027-03-19T20:14:05.120")


def test_bytes_that_differ_from_the_phones_hash_are_refused_and_nothing_is_stored(tus_client):
    data = photo_bytes(seed=22)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01
    created = tus_client.create(len(data), filename="count.jpg", filetype="image/jpeg",
                                sha256=hashlib.sha256(data).hexdigest())
    response = tus_client.patch(created["Location"], 0, bytes(tampered))
    assert response.status_code == 460
    assert "not the one your phone sealed" in response.content.decode()
    assert not EvidenceFile.objects.exists() and not Upload.objects.exists()


@pytest.mark.parametrize("field,value,message", [("sha256", "abc", "64 hexadecimal"),
                                                 ("captured_at", "yesterday", "ISO 8601")])
def test_a_malformed_phone_hash_or_time_is_refused_at_creation(tus_client, field, value, message):
    response = tus_client.create(1000, filename="count.jpg", filetype="image/jpeg", **{field: value})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Upload.objects.exists()
