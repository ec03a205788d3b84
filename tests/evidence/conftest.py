"""A tus client over Django's test client, and a network that drops mid-request."""

import base64
import hashlib
import uuid

import pytest
from django.test import Client

from evidence import tus
from tests.factories import ObserverFactory


class DroppingBody:
    """A request body whose connection dies after `drop_after` bytes (what a phone in a lift does)."""

    def __init__(self, data, drop_after):
        self.data = data[:drop_after]
        self.position = 0

    def read(self, size=-1):
        if self.position >= len(self.data):
            raise ConnectionResetError("connection reset by peer")
        size = len(self.data) - self.position if size is None or size < 0 else size
        block = self.data[self.position:self.position + size]
        self.position += len(block)
        return block

    def readline(self, *args):
        return self.read(*args)


class TusClient:
    def __init__(self, client):
        self.client = client
        self.headers = {"HTTP_TUS_RESUMABLE": tus.VERSION, "HTTP_ACCEPT_LANGUAGE": "en"}

    def create(self, length, **metadata):
        metadata.setdefault("client_id", str(uuid.uuid4()))
        return self.client.post("/api/evidence/uploads/", HTTP_UPLOAD_LENGTH=str(length),
                                HTTP_UPLOAD_METADATA=tus.encode_metadata(metadata), **self.headers)

    def head(self, location):
        return self.client.head(location, **self.headers)

    def patch(self, location, offset, data, checksum=None, drop_after=None):
        extra = dict(self.headers, HTTP_UPLOAD_OFFSET=str(offset))
        if checksum == "auto":
            checksum = "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()
        if checksum:
            extra["HTTP_UPLOAD_CHECKSUM"] = checksum
        if drop_after is not None:
            extra["wsgi.input"] = DroppingBody(data, drop_after)
            extra["CONTENT_LENGTH"] = str(len(data))
        return self.client.generic("PATCH", location, data, content_type=tus.OFFSET_CONTENT_TYPE, **extra)

    def delete(self, location):
        return self.client.delete(location, **self.headers)

    def send(self, data, chunk=None, **metadata):
        """Create and send a whole file; returns the last response."""
        created = self.create(len(data), **metadata)
        assert created.status_code == 201, created.content
        location = created["Location"]
        chunk = chunk or len(data)
        response = created
        for offset in range(0, len(data), chunk):
            response = self.patch(location, offset, data[offset:offset + chunk])
            if response.status_code != 204:
                return response
        return response


@pytest.fixture
def observer(db):
    return ObserverFactory()


@pytest.fixture
def tus_client(observer):
    client = Client()
    client.force_login(observer)
    return TusClient(client)


@pytest.fixture(autouse=True)
def own_scratch_folder(settings, tmp_path):
    """Each test sees only its own unfinished uploads (their chunks, in the media storage)."""
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    settings.EVIDENCE_UPLOAD_CHUNKS = f"uploads-{tmp_path.name}"
