"""One resumable upload whose chunks alternate between two web servers (two machines behind a
load balancer), with one database and one S3 storage, and one of the servers restarted midway."""

import hashlib
import uuid
from urllib.parse import urljoin

import pytest
import requests

from evidence import tus
from evidence.models import EvidenceFile, Upload, UploadChunk
from tests.factories import DeploymentFactory, ObserverFactory, photo_bytes
from tests.faults.conftest import S3_BUCKET, stop, token_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

CHUNK = 40 * 1024


def test_chunks_alternating_between_two_servers_store_the_exact_file(gunicorn_server, s3_server):
    s3_env, s3 = s3_server
    observer = ObserverFactory()
    station = DeploymentFactory(observer=observer).station
    data = photo_bytes(1600, 1200, seed=21)
    assert len(data) > 8 * CHUNK
    first, second = gunicorn_server(workers=1, threads=2, **s3_env), gunicorn_server(workers=1, threads=2, **s3_env)
    headers = {"Authorization": f"Token {token_for(observer)}", "Tus-Resumable": tus.VERSION}

    created = requests.post(f"{first.url}/api/evidence/uploads/", timeout=30, headers={
        **headers, "Upload-Length": str(len(data)), "Upload-Metadata": tus.encode_metadata({
            "filename": "protocol.jpg", "filetype": "image/jpeg", "client_id": str(uuid.uuid4()),
            "station": station.pk, "purpose": "protocol_photo"})})
    assert created.status_code == 201, created.text
    path = urljoin(first.url, created.headers["Location"])[len(first.url):]

    def offset_at(server):
        answer = requests.head(server.url + path, headers=headers, timeout=30)
        assert answer.status_code == 200
        return int(answer.headers["Upload-Offset"])

    def send_chunk(server, offset):
        answer = requests.patch(server.url + path, data=data[offset:offset + CHUNK], timeout=30, headers={
            **headers, "Upload-Offset": str(offset), "Content-Type": tus.OFFSET_CONTENT_TYPE})
        assert answer.status_code == 204, answer.text
        return answer

    servers, offset, turn = [first, second], 0, 0
    half = len(data) // 2
    while offset < len(data):
        server = servers[turn % 2]
        # Each chunk goes to the other server; it learns where to go on from the shared state alone.
        assert offset_at(server) == offset
        answer = send_chunk(server, offset)
        offset = int(answer.headers["Upload-Offset"])
        turn += 1
        if servers[0] is first and offset >= half:
            # The first server restarts (a deploy, a crash): the upload goes on, from the other and
            # from the restarted one, with nothing lost.
            stop(first.process)
            servers[0] = gunicorn_server(workers=1, threads=2, **s3_env)
            assert offset_at(servers[0]) == offset

    assert turn >= 9
    evidence = EvidenceFile.objects.get(pk=answer.headers["Evidence-Id"])
    stored = s3.get_object(Bucket=S3_BUCKET, Key=evidence.original.key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest() == evidence.original.sha256
    assert evidence.station == station and evidence.purpose == "protocol_photo"
    # Nothing of the upload is left in the storage but the evidence itself (and its copies later).
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]
    assert keys == [evidence.original.key]
    assert Upload.objects.get().state == "complete" and not UploadChunk.objects.exists()
