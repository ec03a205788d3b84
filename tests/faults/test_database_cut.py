"""PostgreSQL's connections cut (a restart, a fail-over) while observers submit protocols."""

import threading
import time
import uuid

import pytest
import requests
from django.db import connection

from protocols.models import ObserverCopy, StationCheck
from tests.factories import ContestantFactory, DeploymentFactory, ElectionFactory
from tests.faults.conftest import token_for
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

OBSERVERS = 4
VERSIONS = 6


def test_a_database_cut_answers_503_with_retry_after_and_the_resends_are_stored_once(gunicorn_server, proxy):
    if connection.vendor != "postgresql":
        pytest.skip("cuts a PostgreSQL connection")
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number)
    deployments = [DeploymentFactory(election=election) for _ in range(OBSERVERS)]
    database = proxy(int(connection.settings_dict["PORT"] or 5432))
    db = connection.settings_dict
    server = gunicorn_server(DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@127.0.0.1:{database.port}/{db['NAME']}",
                             CONN_MAX_AGE="60")
    tokens = {deployment.pk: token_for(deployment.observer) for deployment in deployments}
    # Each observer's outbox: its corrections in order, each with the ID the phone made.
    outboxes = {deployment.pk: [{"client_id": str(uuid.uuid4()), "deployment": deployment.pk,
                                 "figures": {**KZ_PROTOCOL, "L7": version, "L9": 20 - version}}
                                for version in range(VERSIONS)] for deployment in deployments}
    answers = []

    def post(body):
        answer = requests.post(f"{server.url}/api/protocol-copies/", json=body, timeout=30,
                               headers={"Authorization": f"Token {tokens[body['deployment']]}"})
        answers.append((answer.status_code, answer.headers.get("Retry-After"), answer.text[:300]))
        return answer

    def observer(deployment_id):
        for body in outboxes[deployment_id]:
            post(body)
            time.sleep(0.05)

    threads = [threading.Thread(target=observer, args=(pk,)) for pk in outboxes]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    database.cut()  # the restart: every connection dropped, new ones refused
    cut_answer = post(outboxes[deployments[0].pk][0])
    time.sleep(1)
    database.restore()
    for thread in threads:
        thread.join(timeout=60)

    # During the cut: a clear 503 with a retry hint, never a 500.
    assert cut_answer.status_code == 503 and cut_answer.headers["Retry-After"] == "10"
    assert cut_answer.json()["code"] == "database_unavailable"
    assert {status for status, _retry, _text in answers} <= {200, 201, 503}, answers
    assert all(retry == "10" for status, retry, _text in answers if status == 503)

    # The outboxes send everything again, in order, as a phone does until each is acknowledged.
    for bodies in outboxes.values():
        for body in bodies:
            for _attempt in range(10):
                if post(body).status_code in (200, 201):
                    break
                time.sleep(0.5)
    assert {status for status, _retry, _text in answers[-OBSERVERS * VERSIONS:]} <= {200, 201}

    # Stored once each, no half-written version: numbers contiguous, one latest, each with its mark.
    for deployment in deployments:
        copies = list(ObserverCopy.objects.filter(deployment=deployment).order_by("version"))
        assert sorted(str(copy.client_id) for copy in copies) == sorted(
            body["client_id"] for body in outboxes[deployment.pk])
        assert [copy.version for copy in copies] == list(range(1, VERSIONS + 1))
        assert [copy.is_latest for copy in copies].count(True) == 1 and copies[-1].is_latest
        assert StationCheck.objects.filter(election=election, station=deployment.station).exists()
    assert ObserverCopy.objects.filter(election=election).count() == OBSERVERS * VERSIONS
