"""Hostile uploads get a clear 4xx: a NUL or control character in the file name, and an observer
over their quota of unfinished uploads (count or announced bytes)."""

import pytest

from evidence.models import Upload
from tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filename", ["photo\x00.jpg", "photo\r\n.jpg", "a" * 300 + ".jpg"])
def test_a_control_character_or_overlong_file_name_is_refused_not_a_server_error(tus_client, filename):
    response = tus_client.create(1000, filename=filename, filetype="image/jpeg")
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()
    assert not Upload.objects.exists()


def test_an_observer_may_not_open_more_uploads_than_the_quota(tus_client, settings):
    assert settings.EVIDENCE_MAX_OPEN_UPLOADS == 10
    for _ in range(10):
        assert tus_client.create(1000, filename="photo.jpg", filetype="image/jpeg").status_code == 201
    refused = tus_client.create(1000, filename="photo.jpg", filetype="image/jpeg")
    assert refused.status_code == 413
    assert "You have 10 unfinished uploads" in refused.content.decode()
    assert Upload.objects.count() == 10


def test_an_observer_may_not_announce_more_bytes_than_the_quota(tus_client):
    two_gib = 2 * 1024 * 1024 * 1024
    for _ in range(2):
        assert tus_client.create(two_gib, filename="count.mp4", filetype="video/mp4").status_code == 201
    refused = tus_client.create(1000, filename="photo.jpg", filetype="image/jpeg")
    assert refused.status_code == 413 and "would exceed 4096 MB" in refused.content.decode()


def test_a_finished_upload_gives_its_room_back(tus_client, settings):
    settings.EVIDENCE_MAX_OPEN_UPLOADS = 1
    assert tus_client.send(photo_bytes(seed=8), filename="a.jpg", filetype="image/jpeg").status_code == 204
    assert tus_client.send(photo_bytes(seed=9), filename="b.jpg", filetype="image/jpeg").status_code == 204
