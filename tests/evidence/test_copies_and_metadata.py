"""What an observer's photo says (EXIF), and the clean copies shown in pages instead of it."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import ExifTags, Image

from evidence import services
from evidence.models import EvidenceLogEntry, Original
from tests.factories import ObserverFactory, evidence_file, photo_bytes, video_bytes

pytestmark = pytest.mark.django_db


def phone_exif(orientation=6):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "Galaxy A52"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2027:03:21 20:15:42"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 14.0, 20.4)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (76.0, 53.0, 24.0)
    return exif


def stored_bytes(key):
    with default_storage.open(key, "rb") as stream:
        return stream.read()


def test_photo_metadata_is_read_and_copies_are_upright_with_no_exif(db):
    data = photo_bytes(2000, 1000, exif=phone_exif(orientation=6))  # landscape sensor, phone held upright
    evidence = evidence_file(data=data)
    services.process_original(original_id=evidence.original_id)
    original = Original.objects.get()
    assert original.processing == Original.Processing.DONE
    assert timezone.localtime(original.captured_at).strftime("%Y-%m-%d %H:%M:%S") == "2027-03-21 20:15:42"
    assert original.device == "Samsung Galaxy A52"
    assert float(original.latitude) == pytest.approx(43.2390, abs=1e-4)
    assert float(original.longitude) == pytest.approx(76.89, abs=1e-4)
    assert (original.width, original.height) == (1000, 2000)
    for key, longest in ((original.thumbnail_key, 320), (original.web_key, 1600)):
        with Image.open(io.BytesIO(stored_bytes(key))) as copy:
            assert copy.size == (longest // 2, longest)  # portrait, as the observer saw it
            assert not copy.getexif() and "exif" not in copy.info and "xmp" not in copy.info
    assert stored_bytes(original.key) == data  # the original is kept byte for byte
    entry = EvidenceLogEntry.objects.get(action="derivative")
    assert set(entry.payload["copies"]) == {"thumbnail", "web"}


def test_processing_twice_changes_nothing(db):
    evidence = evidence_file(data=photo_bytes(seed=2))
    services.process_original(original_id=evidence.original_id)
    services.process_original(original_id=evidence.original_id)
    assert EvidenceLogEntry.objects.filter(action="derivative").count() == 1


def test_video_duration_resolution_and_poster_frame(db, tmp_path):
    data = video_bytes(tmp_path, seconds=2, size="320x240")
    evidence = evidence_file(data=data, filename="count.mp4", filetype="video/mp4")
    services.process_original(original_id=evidence.original_id)
    original = Original.objects.get()
    assert original.processing == Original.Processing.DONE
    assert original.duration == pytest.approx(2.0, abs=0.2)
    assert (original.width, original.height) == (320, 240)
    with Image.open(io.BytesIO(stored_bytes(original.web_key))) as poster:
        assert poster.format == "JPEG" and poster.size == (320, 240)


def test_video_is_marked_not_processed_where_ffmpeg_is_missing(db, tmp_path, monkeypatch):
    data = video_bytes(tmp_path)
    evidence = evidence_file(data=data, filename="count.mp4", filetype="video/mp4")
    monkeypatch.setenv("PATH", str(tmp_path))  # a server without ffmpeg
    services.process_original(original_id=evidence.original_id)
    original = Original.objects.get()
    assert original.processing == Original.Processing.NOT_PROCESSED
    assert original.get_processing_display() == "Not processed (ffmpeg is not installed)"
    assert not original.web_key


def test_originals_go_to_the_uploader_and_reviewers_copies_to_the_coordinator(db):
    from tests.factories import CoordinatorFactory, UserFactory

    observer = ObserverFactory()
    evidence = evidence_file(uploaded_by=observer, data=photo_bytes(seed=3))
    services.process_original(original_id=evidence.original_id)
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    reviewer = UserFactory(role="reviewer")
    stranger = ObserverFactory()

    def get(user, which):
        client = Client()
        client.force_login(user)
        return client.get(f"/evidence/files/{evidence.pk}/{which}/")

    assert b"".join(get(observer, "original").streaming_content) == stored_bytes(evidence.original.key)
    assert get(reviewer, "original").status_code == 200
    assert get(coordinator, "original").status_code == 403
    assert get(coordinator, "web").status_code == 200
    assert get(coordinator, "thumbnail").status_code == 200
    assert get(stranger, "thumbnail").status_code == 404
    other_coordinator = CoordinatorFactory()
    assert get(other_coordinator, "web").status_code == 404


def test_evidence_api_lists_what_each_user_may_see(db):
    from tests.factories import CoordinatorFactory

    observer = ObserverFactory()
    evidence = evidence_file(uploaded_by=observer, data=photo_bytes(seed=4))
    evidence_file(data=photo_bytes(seed=5))  # another organisation's
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    client = Client()
    client.force_login(coordinator)
    rows = client.get("/api/evidence/files/").json()["results"]
    assert [row["id"] for row in rows] == [evidence.pk]
    assert rows[0]["original_url"] is None and rows[0]["sha256"] == evidence.original.sha256
    client.force_login(observer)
    assert client.get("/api/evidence/files/").json()["results"][0]["original_url"].endswith("/original/")


def test_higher_apps_resolve_only_evidence_the_user_may_see(db):
    from django.core.exceptions import ValidationError

    observer = ObserverFactory()
    own = evidence_file(uploaded_by=observer, data=photo_bytes(seed=6))
    other = evidence_file(data=photo_bytes(seed=7))
    assert services.evidence_for([own.pk], observer) == [own]
    with pytest.raises(ValidationError) as refused:
        services.evidence_for([own.pk, other.pk, 999_999], observer)
    assert f"Unknown evidence: {other.pk}, 999999." in str(refused.value)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_copies_are_made_by_a_real_worker_after_the_upload(celery_worker_process):
    evidence = evidence_file(data=photo_bytes(seed=8))
    celery_worker_process.wait_for(
        lambda: Original.objects.get(pk=evidence.original_id).processing == Original.Processing.DONE,
        what="the worker to make the copies")
    assert default_storage.exists(Original.objects.get().thumbnail_key)


def test_sweep_finds_originals_whose_message_was_lost(db):
    import datetime

    from django.utils import timezone

    evidence = evidence_file(data=photo_bytes(seed=9))
    assert services.pending_originals() == []
    Original.objects.filter(pk=evidence.original_id).update(created_at=timezone.now() - datetime.timedelta(minutes=6))
    assert services.pending_originals() == [evidence.original_id]
