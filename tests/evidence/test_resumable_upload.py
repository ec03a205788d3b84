"""Resumable uploads (tus 1.0): what an observer on a bad mobile network relies on."""

import hashlib
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from evidence import services
from evidence.models import EvidenceFile, EvidenceLogEntry, Original, Upload
from evidence.services import uploads
from observers.models import Accreditation
from tests.factories import DeploymentFactory, ObserverFactory, photo_bytes, video_bytes

pytestmark = pytest.mark.django_db


def stored_sha256(evidence):
    with default_storage.open(evidence.original.key, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def test_upload_interrupted_at_several_offsets_resumes_and_stores_the_exact_bytes(tus_client, observer):
    data = photo_bytes(1600, 1200, seed=7)
    station = DeploymentFactory(observer=observer).station
    created = tus_client.create(len(data), filename="count.jpg", filetype="image/jpeg", station=station.pk,
                                purpose="protocol_photo")
    assert created.status_code == 201
    location = created["Location"]
    offset = 0
    # The connection dies after 1 byte, after 1000, in the middle of a 1 MB block, and so on.
    for drop_after in (1, 999, 70_001, 150_000):
        response = tus_client.patch(location, offset, data[offset:], drop_after=drop_after)
        assert response.status_code == 204
        head = tus_client.head(location)
        assert head.status_code == 200
        assert int(head["Upload-Offset"]) == offset + drop_after  # every byte that arrived was kept
        offset = int(head["Upload-Offset"])
    response = tus_client.patch(location, offset, data[offset:])
    assert response.status_code == 204
    assert int(response["Upload-Offset"]) == len(data)
    evidence = EvidenceFile.objects.get(pk=response["Evidence-Id"])
    assert evidence.original.sha256 == hashlib.sha256(data).hexdigest()
    assert stored_sha256(evidence) == hashlib.sha256(data).hexdigest()
    assert evidence.station == station and evidence.purpose == "protocol_photo" and evidence.filename == "count.jpg"
    assert not services.stored_chunk_keys()  # the chunks are cleaned up


def test_video_sent_in_chunks_with_checksums_is_stored(tus_client, tmp_path):
    data = video_bytes(tmp_path, seconds=2)
    response = tus_client.create(len(data), filename="count.mp4", filetype="video/mp4")
    location = response["Location"]
    for offset in range(0, len(data), 10_000):
        response = tus_client.patch(location, offset, data[offset:offset + 10_000], checksum="auto")
        assert response.status_code == 204
    original = Original.objects.get()
    assert original.kind == "video" and original.sha256 == hashlib.sha256(data).hexdigest()


def test_chunk_with_a_wrong_checksum_is_refused_with_460_and_discarded(tus_client):
    data = photo_bytes(seed=3)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    assert tus_client.patch(location, 0, data[:5000], checksum="auto").status_code == 204
    corrupted = bytearray(data[5000:9000])
    corrupted[10] ^= 0xFF
    good_checksum = "sha256 " + __import__("base64").b64encode(hashlib.sha256(data[5000:9000]).digest()).decode()
    response = tus_client.patch(location, 5000, bytes(corrupted), checksum=good_checksum)
    assert response.status_code == 460
    assert tus_client.head(location)["Upload-Offset"] == "5000"
    # A dropped chunk that promised a checksum cannot be verified: nothing of it is kept.
    assert tus_client.patch(location, 5000, data[5000:], checksum="auto", drop_after=100).status_code == 204
    assert tus_client.head(location)["Upload-Offset"] == "5000"
    assert tus_client.patch(location, 5000, data[5000:], checksum="auto").status_code == 204
    assert Original.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_patch_at_a_stale_offset_gets_409_and_changes_nothing(tus_client):
    data = photo_bytes(seed=4)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    assert tus_client.patch(location, 0, data[:3000]).status_code == 204
    response = tus_client.patch(location, 0, data[:3000])  # the same chunk again (a retry)
    assert response.status_code == 409
    assert tus_client.head(location)["Upload-Offset"] == "3000"


def test_two_writers_on_one_upload_never_interleave(tus_client):
    """While one request holds the upload (here: its claim taken, as another web machine's request
    in the middle of a chunk would), a second one is told 423; once released, it goes on."""
    data = photo_bytes(seed=5)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    upload = uploads._claim(Upload.objects.get(), 0)
    assert tus_client.patch(location, 0, data).status_code == 423
    assert tus_client.head(location)["Upload-Offset"] == "0"
    uploads._release(upload)
    assert tus_client.patch(location, 0, data).status_code == 204


def test_options_advertise_the_protocol_and_the_size_limit(tus_client, settings):
    response = tus_client.client.options("/api/evidence/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) >= {"creation", "termination", "checksum"}
    assert response["Tus-Checksum-Algorithm"] == "sha256"
    assert int(response["Tus-Max-Size"]) == settings.EVIDENCE_MAX_VIDEO_BYTES


def test_too_large_files_are_refused_before_any_byte_is_sent(tus_client, settings):
    settings.EVIDENCE_MAX_PHOTO_BYTES = 1000
    response = tus_client.create(5000, filename="big.jpg", filetype="image/jpeg")
    assert response.status_code == 413
    assert "at most" in response.content.decode()
    assert not Upload.objects.exists()


def test_a_photo_declared_as_nothing_is_held_to_the_photo_limit_once_its_bytes_are_seen(tus_client, settings):
    settings.EVIDENCE_MAX_PHOTO_BYTES = 1000
    data = photo_bytes(seed=1)
    location = tus_client.create(len(data))["Location"]
    assert tus_client.patch(location, 0, data[:200]).status_code == 413
    assert not Upload.objects.exists() and not services.stored_chunk_keys()


def test_termination_removes_the_unfinished_upload(tus_client):
    data = photo_bytes(seed=6)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    tus_client.patch(location, 0, data[:1000])
    assert tus_client.delete(location).status_code == 204
    assert tus_client.head(location).status_code == 404
    assert not services.stored_chunk_keys()


def test_stored_evidence_cannot_be_terminated(tus_client):
    data = photo_bytes(seed=6)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    tus_client.patch(location, 0, data)
    assert tus_client.delete(location).status_code == 403
    assert EvidenceFile.objects.count() == 1


def test_the_same_file_sent_twice_is_stored_once(tus_client, observer):
    data = photo_bytes(seed=8)
    assert tus_client.send(data, filename="a.jpg", filetype="image/jpeg").status_code == 204
    assert tus_client.send(data, filename="a-again.jpg", filetype="image/jpeg").status_code == 204
    other = Client()
    other.force_login(ObserverFactory())
    from tests.evidence.conftest import TusClient

    assert TusClient(other).send(data, filename="shared.jpg", filetype="image/jpeg").status_code == 204
    assert Original.objects.count() == 1
    assert EvidenceFile.objects.filter(uploaded_by=observer).count() == 1  # same uploader, same place: one file
    assert EvidenceFile.objects.count() == 2  # another observer's submission of the same bytes
    sha = hashlib.sha256(data).hexdigest()
    stored = [name for name in default_storage.listdir(f"evidence/{sha[:2]}/{sha[2:4]}")[1]]
    assert stored == [sha]


def test_a_retried_creation_with_the_same_client_id_is_the_same_upload(tus_client):
    first = tus_client.create(1234, filename="a.jpg", filetype="image/jpeg", client_id="7c2b7c0e-5d7e-4a57-9f61-2f7e1c6d9a11")
    again = tus_client.create(1234, filename="a.jpg", filetype="image/jpeg", client_id="7c2b7c0e-5d7e-4a57-9f61-2f7e1c6d9a11")
    assert first["Location"] == again["Location"]
    assert Upload.objects.count() == 1


def test_observer_without_accreditation_cannot_upload(db):
    observer = ObserverFactory(accreditation=Accreditation.Status.REVOKED)
    client = Client()
    client.force_login(observer)
    from tests.evidence.conftest import TusClient

    response = TusClient(client).create(100, filename="a.jpg", filetype="image/jpeg")
    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_requests_without_the_tus_version_are_refused(tus_client):
    response = tus_client.client.post("/api/evidence/uploads/", HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 412


def test_abandoned_uploads_are_cleaned_up_by_the_sweep(tus_client, settings):
    data = photo_bytes(seed=9)
    location = tus_client.create(len(data), filename="a.jpg", filetype="image/jpeg")["Location"]
    tus_client.patch(location, 0, data[:1000])
    finished = tus_client.send(photo_bytes(seed=10), filename="b.jpg", filetype="image/jpeg")
    assert finished.status_code == 204
    import datetime

    from django.utils import timezone

    assert services.clean_abandoned_uploads() == 0  # fresh: kept
    later = timezone.now() + datetime.timedelta(hours=settings.EVIDENCE_UPLOAD_EXPIRY_HOURS, minutes=1)
    assert services.clean_abandoned_uploads(now=later) == 2
    assert tus_client.head(location).status_code == 404
    assert not services.stored_chunk_keys()
    assert EvidenceFile.objects.count() == 1  # evidence is never swept


def test_a_large_chunk_is_read_in_blocks_never_whole(observer):
    """The service reads the body in small blocks (64 KB), whatever chunk size the client picked."""
    data = photo_bytes(3000, 2400, seed=11)
    assert len(data) > 10 * services.RECEIVE_BLOCK
    reads = []

    class RecordingBody(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    upload = services.create_upload(user=observer, length=len(data), metadata={"filename": "a.jpg",
                                                                               "filetype": "image/jpeg"})
    services.append_chunk(upload_id=upload.pk, user=observer, offset=0, stream=RecordingBody(data),
                          content_length=len(data))
    assert max(reads) == services.RECEIVE_BLOCK
    assert EvidenceLogEntry.objects.filter(action="received").count() == 1
    assert os.path.getsize(default_storage.path(Original.objects.get().key)) == len(data)


def test_the_storage_moves_each_byte_as_few_times_as_the_upload_needs(tus_client, observer, monkeypatch):
    """The last chunk goes from the request into the assembled file and the format is sniffed from
    the chunk in hand: a photo sent in one chunk writes only its original; in two chunks, the
    first is written and read back once (2x its size through the storage, not 3.5x)."""
    storage = default_storage._wrapped if hasattr(default_storage, "_wrapped") else default_storage
    moved = {"written": 0, "read": 0}
    save, open_ = type(storage)._save, type(storage)._open

    def counted_save(self, name, content):
        moved["written"] += content.size
        return save(self, name, content)

    def counted_open(self, name, mode="rb"):
        handle = open_(self, name, mode)
        moved["read"] += handle.size
        return handle

    monkeypatch.setattr(type(storage), "_save", counted_save)
    monkeypatch.setattr(type(storage), "_open", counted_open)
    station = DeploymentFactory(observer=observer).station
    for seed, parts in ((1, 1), (2, 2)):
        moved.update(written=0, read=0)
        data = photo_bytes(400, 300, seed=seed)
        location = tus_client.create(len(data), filename="p.jpg", filetype="image/jpeg", station=station.pk,
                                     purpose="protocol_photo")["Location"]
        half = len(data) // 2 if parts == 2 else 0
        if half:
            assert tus_client.patch(location, 0, data[:half]).status_code == 204
            assert int(tus_client.head(location)["Upload-Offset"]) == half
        response = tus_client.patch(location, half, data[half:])
        assert response.status_code == 204 and int(response["Upload-Offset"]) == len(data)
        assert (moved["written"], moved["read"]) == (len(data) + half, half)
        evidence = EvidenceFile.objects.get(pk=response["Evidence-Id"])
        assert stored_sha256(evidence) == hashlib.sha256(data).hexdigest()
        assert Upload.objects.get(evidence=evidence).offset == len(data)
        assert not services.stored_chunk_keys()
