"""Eight corrections of one station's protocol sent at once, to gunicorn on PostgreSQL."""

import threading
import uuid

import pytest
import requests

from protocols.models import ObserverCopy
from tests.factories import ContestantFactory, DeploymentFactory, ElectionFactory
from tests.faults.conftest import token_for
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = pytest.mark.worker

CORRECTIONS = 8


def test_eight_simultaneous_corrections_are_eight_versions_in_order(gunicorn_server):
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number)
    deployment = DeploymentFactory(election=election)
    token = token_for(deployment.observer)
    server = gunicorn_server(workers=2, threads=4)
    client_ids = [str(uuid.uuid4()) for _ in range(CORRECTIONS)]
    start = threading.Barrier(CORRECTIONS)
    answers = {}

    def send(index):
        body = {"client_id": client_ids[index], "deployment": deployment.pk,
                "figures": {**KZ_PROTOCOL, "L7": index, "L9": 20 - index}}
        start.wait(timeout=30)
        answers[index] = requests.post(f"{server.url}/api/protocol-copies/", json=body, timeout=30,
                                       headers={"Authorization": f"Token {token}"})

    threads = [threading.Thread(target=send, args=(index,)) for index in range(CORRECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answer.status_code for answer in answers.values()) == [201] * CORRECTIONS, [
        answer.text[:300] for answer in answers.values() if answer.status_code != 201]
    copies = list(ObserverCopy.objects.filter(deployment=deployment).order_by("pk"))
    # Each stored once, numbered 1..8 in the order they were stored, only the last one latest.
    assert sorted(str(copy.client_id) for copy in copies) == sorted(client_ids)
    assert [copy.version for copy in copies] == list(range(1, CORRECTIONS + 1))
    assert [copy.is_latest for copy in copies] == [False] * (CORRECTIONS - 1) + [True]
    # Every correction kept its own figures, and each answer named the version it made.
    assert {copy.figures["L7"] for copy in copies} == set(range(CORRECTIONS))
    assert sorted(answer.json()["version"] for answer in answers.values()) == list(range(1, CORRECTIONS + 1))
