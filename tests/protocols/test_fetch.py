"""The periodic fetch of a published results file, against a real HTTP server on 127.0.0.1."""

import http.server
import io
import threading
import zipfile

import pytest

from protocols.models import OfficialVersion
from protocols.official_import import fetch_and_import
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


class Publisher(http.server.BaseHTTPRequestHandler):
    body = b""
    etag = '"v1"'
    requests = []

    def do_GET(self):
        Publisher.requests.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == Publisher.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", Publisher.etag)
        self.send_header("Content-Length", str(len(Publisher.body)))
        self.end_headers()
        self.wfile.write(Publisher.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def publisher():
    server = http.server.HTTPServer(("127.0.0.1", 0), Publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/results.csv"
    server.shutdown()


def test_fetch_imports_new_files_and_skips_unchanged_ones(publisher, election, station, kz_source):
    kz_source.url, kz_source.election, kz_source.fetch_automatically = publisher, election, True
    kz_source.save()
    Publisher.body, Publisher.etag, Publisher.requests = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]), '"v1"', []
    assert fetch_and_import(source=kz_source).versions_added == 1
    assert fetch_and_import(source=kz_source) is None  # 304: nothing read, nothing written
    Publisher.body = official_csv([("ALA", "ALA-01", "101", {**KZ_PROTOCOL, "L7": 11, "L9": 9})])
    Publisher.etag = '"v2"'
    assert fetch_and_import(source=kz_source).versions_added == 1
    assert Publisher.requests == [None, '"v1"', '"v1"']
    assert OfficialVersion.objects.filter(station=station).count() == 2
    kz_source.refresh_from_db()
    assert kz_source.etag == '"v2"' and kz_source.fetched_at is not None


def test_a_zipped_publication_at_a_url_is_fetched_and_imported(publisher, election, station, kz_source):
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("results.csv", official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]))
    kz_source.url, kz_source.election = publisher.replace("results.csv", "results.zip?v=2"), election
    kz_source.save()
    Publisher.body, Publisher.etag, Publisher.requests = body.getvalue(), '"zip"', []
    assert fetch_and_import(source=kz_source).versions_added == 1
    assert OfficialVersion.objects.get(station=station).figures["L7"] == KZ_PROTOCOL["L7"]
