"""The S3 path end to end, against moto's S3-compatible server on 127.0.0.1 (what CI runs)."""

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from evidence import services
from evidence.models import EvidenceFile, Original
from tests.factories import photo_bytes, video_bytes

if os.environ.get("EVIDENCE_S3_TEST_REQUIRED"):  # CI (.ci/run): a missing moto is a failure, not a skip
    import boto3
    import moto  # noqa: F401
else:
    pytest.importorskip("moto", reason="moto[server] is not installed (pip install -r requirements-dev.txt)")
    boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.django_db
BUCKET = "evidence-test"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=output, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 (our own local server)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"moto server did not start: {Path(log).read_text()[-2000:]}")
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_server, settings):
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": s3_server, "region_name": "us-east-1", "access_key": "testing",
        "secret_key": "testing", "default_acl": None, "querystring_auth": True, "querystring_expire": 300,
        "file_overwrite": False}}}
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def verify():
    out = io.StringIO()
    try:
        call_command("verify_evidence", stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def test_resumable_upload_to_s3_copies_download_and_verification(s3_storage, tus_client, observer, tmp_path):
    data = photo_bytes(1200, 900, seed=21)
    created = tus_client.create(len(data), filename="protocol.jpg", filetype="image/jpeg")
    location = created["Location"]
    assert tus_client.patch(location, 0, data[:4000], drop_after=2500).status_code == 204  # a dropped connection
    offset = int(tus_client.head(location)["Upload-Offset"])
    assert offset == 2500
    response = tus_client.patch(location, offset, data[offset:])
    assert response.status_code == 204
    evidence = EvidenceFile.objects.get(pk=response["Evidence-Id"])
    stored = s3_storage.get_object(Bucket=BUCKET, Key=evidence.original.key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()

    video = video_bytes(tmp_path)
    assert tus_client.send(video, chunk=20_000, filename="count.mp4", filetype="video/mp4").status_code == 204

    for original in Original.objects.all():  # what the worker does, here on S3
        services.process_original(original_id=original.pk)
    assert set(Original.objects.values_list("processing", flat=True)) == {"done"}
    assert s3_storage.head_object(Bucket=BUCKET, Key=Original.objects.get(kind="video").web_key)

    # The uploader downloads the original through a short-lived signed URL.
    client = Client()
    client.force_login(observer)
    redirect = client.get(f"/evidence/files/{evidence.pk}/original/")
    assert redirect.status_code == 302 and "Signature" in redirect["Location"]
    with urllib.request.urlopen(redirect["Location"]) as signed:  # noqa: S310 (moto on 127.0.0.1)
        assert signed.read() == data

    ok, output = verify()
    assert ok, output
    tampered = bytearray(stored)
    tampered[3000] ^= 0x01
    s3_storage.put_object(Bucket=BUCKET, Key=evidence.original.key, Body=bytes(tampered))
    ok, output = verify()
    assert not ok and f"original {evidence.original.key} (evidence {evidence.pk}): ALTERED" in output
