"""A finished upload asks a worker for its copies once it is stored, through the real broker."""

import pytest

from evidence.models import EvidenceFile, Original
from tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


def test_a_finished_upload_sends_its_processing_once_stored(tus_client, sent_tasks,
                                                            django_capture_on_commit_callbacks):
    data = photo_bytes(seed=41)
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_client.send(data, filename="count.jpg", filetype="image/jpeg")
    assert response.status_code == 204
    original = EvidenceFile.objects.get().original
    assert sent_tasks() == [("evidence.tasks.process_original", [original.pk])]


def test_the_same_photo_sent_again_is_not_processed_twice(tus_client, sent_tasks, django_capture_on_commit_callbacks):
    data = photo_bytes(seed=42)
    with django_capture_on_commit_callbacks(execute=True):
        tus_client.send(data, filename="count.jpg", filetype="image/jpeg")
    assert len(sent_tasks()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tus_client.send(data, filename="again.jpg", filetype="image/jpeg").status_code == 204
    assert Original.objects.count() == 1  # stored once, processed once
    assert sent_tasks() == []
