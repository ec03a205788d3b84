"""The Redis broker unreachable from the web server while observers submit protocols."""

import datetime
import io
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from protocols import services
from protocols.models import Discrepancy, ObserverCopy
from protocols.official_import import import_official_results
from tests.factories import CommissionFactory, ContestantFactory, DeploymentFactory, ElectionFactory, RegionFactory
from tests.faults.conftest import token_for
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.worker

STATIONS = 8


def _redis_url_through(proxy):
    parts = urlsplit(settings.REDIS_URL)
    return f"redis://127.0.0.1:{proxy.port}{parts.path}"


def test_submissions_succeed_while_the_broker_is_down_and_the_sweep_checks_them_after(
        gunicorn_server, celery_worker_process, proxy, kz_source):
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number)
    commission = CommissionFactory(region=RegionFactory(code="ALA"), code="ALA-01")
    deployments = [DeploymentFactory(election=election, station__commission=commission,
                                     station__code=str(101 + index)) for index in range(STATIONS + 1)]
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}  # every observer's copy will differ
    import_official_results(election=election, source=kz_source, file_name="official.csv", stream=io.BytesIO(
        official_csv([("ALA", "ALA-01", deployment.station.code, published) for deployment in deployments])))
    broker = proxy(urlsplit(settings.REDIS_URL).port or 6379)
    server = gunicorn_server(REDIS_URL=_redis_url_through(broker))

    def submit(deployment):
        return requests.post(f"{server.url}/api/protocol-copies/", timeout=30,
                             headers={"Authorization": f"Token {token_for(deployment.observer)}"},
                             json={"client_id": str(uuid.uuid4()), "deployment": deployment.pk, "figures": KZ_PROTOCOL})

    def flagged_stations():
        return set(Discrepancy.objects.filter(kind="mismatch").values_list("station_id", flat=True))

    # Through the proxy, the broker works: the first copy is checked by the worker.
    first, *others = deployments
    assert submit(first).status_code == 201
    celery_worker_process.wait_for(lambda: flagged_stations() == {first.station_id}, what="the first check")

    broker.cut()
    answers = [submit(deployment) for deployment in others]
    # Every write is stored and answered as stored: no 500 that would make the phone resend.
    assert [answer.status_code for answer in answers] == [201] * STATIONS, [answer.text[:200] for answer in answers]
    assert ObserverCopy.objects.filter(election=election).count() == STATIONS + 1
    assert server.log().count("broker unreachable: protocols.tasks.check_stations") == STATIONS
    assert flagged_stations() == {first.station_id}  # nothing reached the worker

    broker.restore()
    # The beat's sweep, once the grace for messages in flight has passed, sends the checks again.
    later = timezone.now() + services.SWEEP_GRACE + datetime.timedelta(seconds=1)
    sent = services.sweep(now=later)
    assert sorted(station_id for _election, station_id in sent["stations"]) == sorted(
        deployment.station_id for deployment in others)
    celery_worker_process.wait_for(lambda: flagged_stations() == {d.station_id for d in deployments},
                                   what="the sweep's checks")
    assert Discrepancy.objects.filter(kind="mismatch").count() == STATIONS + 1
