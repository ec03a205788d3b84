"""Files are judged by their bytes: every class of bad file is refused and leaves nothing behind."""

import hashlib
import io
import struct
import zipfile

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from evidence import content, services
from evidence.models import EvidenceFile, EvidenceLogEntry, Original, Upload
from tests.factories import photo_bytes, video_bytes

pytestmark = pytest.mark.django_db


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def jpeg_with_comment(jpeg, payload, marker=0xFE):
    """The JPEG with `payload` in a segment of its own (a comment by default) right after its SOI:
    still a JPEG every viewer shows, and an archive or a page to whatever reads the payload."""
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def test_a_phone_photo_with_exif_passes_the_segment_check(tmp_path):
    image = Image.new("RGB", (320, 240), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Samsung", "SM-A155F"  # Make, Model
    path = tmp_path / "phone.jpg"
    image.save(path, "JPEG", exif=exif, comment=b"Taken at station 123")
    found = content.inspect(path, max_pixels=50_000_000, filename="phone.jpg", media_type="image/jpeg")
    assert found.format.code == "jpeg"


def png_bomb():
    """A tiny PNG that claims 20,000 x 20,000 pixels (400 MP) and would take gigabytes to decode."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    return buffer.getvalue()


def heic_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "HEIF")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def own_media_folder(settings, tmp_path):
    """"Nothing left behind" is judged in a storage only this test writes to."""
    settings.MEDIA_ROOT = tmp_path / "media"


def assert_nothing_left(location, tus_client):
    assert not Upload.objects.exists()
    assert not Original.objects.exists() and not EvidenceFile.objects.exists()
    assert not EvidenceLogEntry.objects.exists()
    assert not services.stored_chunk_keys()
    assert not default_storage.exists("evidence") or not default_storage.listdir("evidence")[0]
    assert tus_client.head(location).status_code == 404


BAD_FILES = {
    "truncated JPEG": (lambda tmp: photo_bytes(seed=1)[:-3000], "photo.jpg", "image/jpeg", "incomplete"),
    "JPEG with a ZIP appended (polyglot)": (lambda tmp: photo_bytes(seed=2) + zip_bytes(), "photo.jpg", "image/jpeg",
                                            "extra data"),
    "JPEG with a ZIP in its comment segment (polyglot)": (lambda tmp: jpeg_with_comment(photo_bytes(seed=4), zip_bytes()),
                                                          "photo.jpg", "image/jpeg", "extra data"),
    "JPEG with a script in its EXIF segment (polyglot)": (
        lambda tmp: jpeg_with_comment(photo_bytes(seed=5), b"Exif\x00\x00<script>alert(1)</script>", marker=0xE1),
        "photo.jpg", "image/jpeg", "extra data"),
    "PNG named and typed as a JPEG (mislabelled)": (lambda tmp: photo_bytes(image_format="PNG"), "photo.jpg",
                                                    "image/jpeg", "does not match its content"),
    "JPEG with its scan damaged (corrupt)": (
        lambda tmp: (lambda d: d[:600] + b"\xff\xd9\x00\x00" * 50 + d[800:])(photo_bytes(seed=3)), "photo.jpg",
        "image/jpeg", "damaged"),
    "decompression bomb": (lambda tmp: png_bomb(), "photo.png", "image/png", "too many pixels"),
    "HTML page renamed .jpg": (lambda tmp: b"<html><script>alert(1)</script></html>" * 10, "photo.jpg", "image/jpeg",
                               "not an accepted photo"),
    "ZIP renamed .mp4": (lambda tmp: zip_bytes(), "count.mp4", "video/mp4", "not an accepted"),
    "truncated MP4": (lambda tmp: video_bytes(tmp)[:-5000], "count.mp4", "video/mp4", "incomplete"),
    "MP4 with a ZIP appended (polyglot)": (lambda tmp: video_bytes(tmp) + zip_bytes(), "count.mp4", "video/mp4",
                                           "extra data"),
    "MP4 container holding no video": (
        lambda tmp: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + struct.pack(">I4s", 16, b"moov") + b"\x00" * 8,
        "count.mp4", "video/mp4", "damaged"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message_and_leaves_nothing_behind(tus_client, tmp_path, case):
    make, filename, filetype, message = BAD_FILES[case]
    data = make(tmp_path)
    created = tus_client.create(len(data), filename=filename, filetype=filetype)
    assert created.status_code == 201
    location = created["Location"]
    response = tus_client.patch(location, 0, data)
    assert response.status_code in (400, 413, 415)
    assert message in response.content.decode()
    assert_nothing_left(location, tus_client)


def test_wrong_kind_of_file_is_refused_after_its_first_chunk(tus_client):
    """A 30 MB archive is stopped after its first bytes, not after the observer paid for 30 MB."""
    data = zip_bytes()
    location = tus_client.create(30 * 1024 * 1024, filename="count.mp4", filetype="video/mp4")["Location"]
    response = tus_client.patch(location, 0, data)
    assert response.status_code == 415
    assert_nothing_left(location, tus_client)


def test_unsupported_declared_type_is_refused_at_creation(tus_client):
    response = tus_client.create(1000, filename="notes.pdf", filetype="application/pdf")
    assert response.status_code == 415
    assert not Upload.objects.exists()


@pytest.mark.parametrize("image_format,filename,filetype", [
    ("JPEG", "a.jpg", "image/jpeg"), ("PNG", "a.png", "image/png"), ("WEBP", "a.webp", "image/webp"),
    ("JPEG", "IMG_0001.JPG", ""),
])
def test_accepted_photo_formats_are_stored(tus_client, image_format, filename, filetype):
    data = photo_bytes(image_format=image_format, seed=hash(filename) % 100)
    assert tus_client.send(data, filename=filename, filetype=filetype).status_code == 204
    original = Original.objects.get()
    assert original.format_code == image_format.lower() and original.sha256 == hashlib.sha256(data).hexdigest()
    assert (original.width, original.height) == (640, 480)


def test_iphone_heic_photo_is_stored(tus_client):
    data = heic_bytes()
    assert tus_client.send(data, filename="IMG_0002.HEIC", filetype="image/heic").status_code == 204
    assert Original.objects.get().format_code == "heic"


@pytest.mark.parametrize("container,filetype,expected", [
    ("mp4", "video/mp4", "mp4"), ("webm", "video/webm", "webm"), ("mov", "video/quicktime", "mov"),
])
def test_accepted_video_formats_are_stored(tus_client, tmp_path, container, filetype, expected):
    data = video_bytes(tmp_path, container=container)
    assert tus_client.send(data, filename=f"count.{container}", filetype=filetype).status_code == 204
    assert Original.objects.get().format_code == expected


def test_a_multi_picture_jpeg_from_a_phone_is_not_taken_for_a_polyglot(tmp_path):
    """Phones append a second JPEG after the first image's end: the file still ends with EOI."""
    path = tmp_path / "mpo.jpg"
    path.write_bytes(photo_bytes(seed=1) + photo_bytes(160, 120, seed=2))
    assert content.inspect(path, max_pixels=10**8, filename="mpo.jpg").format.code == "jpeg"


def test_videos_are_accepted_on_their_container_when_ffprobe_is_missing(tmp_path, monkeypatch):
    data = video_bytes(tmp_path)
    path = tmp_path / "count.mp4"
    path.write_bytes(data)
    monkeypatch.setenv("PATH", str(tmp_path))  # a server without ffmpeg
    inspection = content.inspect(path, max_pixels=10**8, filename="count.mp4")
    assert inspection.format.code == "mp4" and inspection.video_readable is None
