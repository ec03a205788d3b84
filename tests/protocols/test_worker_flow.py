"""With a real worker: an observer's differing copy becomes a flag a reviewer confirms."""

import io
import uuid

import pytest
from rest_framework.test import APIClient

from protocols.models import Discrepancy
from protocols.official_import import import_official_results
from tests.factories import UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.worker


def test_submission_to_discrepancy_to_confirmation(celery_worker_process, election, deployment, kz_source):
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}  # 80 votes moved to the first party
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    observer = APIClient()
    observer.force_authenticate(deployment.observer)
    response = observer.post("/api/protocol-copies/", {"client_id": str(uuid.uuid4()), "deployment": deployment.pk,
                                                       "figures": KZ_PROTOCOL}, format="json")
    assert response.status_code == 201, response.content

    celery_worker_process.wait_for(lambda: Discrepancy.objects.filter(kind="mismatch").exists(),
                                   what="the worker's cross-check")
    flag = Discrepancy.objects.get(kind="mismatch")
    assert flag.severity == "critical"
    assert flag.deltas == {"L8.1": [500, 580, 80], "L8.2": [300, 220, -80]}

    reviewer = APIClient()
    reviewer.force_authenticate(UserFactory(role="reviewer"))
    queue = reviewer.get("/api/discrepancies/", {"status": "open"}).json()
    assert [item["id"] for item in queue["results"]] == [flag.pk]
    decided = reviewer.post(f"/api/discrepancies/{flag.pk}/decide/", {"decision": "confirm",
                                                                      "comment": "Photo shows 500 and 300"})
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert decided.json()["decisions"][0]["comment"] == "Photo shows 500 and 300"


def test_missing_flags_appear_on_their_own_once_the_deadline_passes(celery_worker_process, election, deployment):
    """Nothing new arrives after the deadline: the beat's sweep, through the broker, is what raises
    the flags; a check-in after that check is picked up by the next sweep."""
    from django.utils import timezone

    from observers import services as observer_services
    from protocols.tasks import sweep_changed_stations
    from tests.factories import DeploymentFactory, ObserverFactory

    observer_services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk,
                                      client_id=uuid.uuid4())
    election.results_deadline = timezone.now()
    election.save()

    sweep_changed_stations.delay()
    celery_worker_process.wait_for(lambda: Discrepancy.objects.filter(kind="missing_copy").exists(),
                                   what="the sweep's full check after the deadline")
    assert sorted(Discrepancy.objects.values_list("kind", "key")) == [
        ("missing_copy", f"missing_copy:{deployment.observer_id}"), ("missing_official", "missing_official")]

    late = DeploymentFactory(observer=ObserverFactory(), election=election, station=deployment.station)
    observer_services.record_check_in(observer=late.observer, deployment_id=late.pk, client_id=uuid.uuid4())
    sweep_changed_stations.delay()
    celery_worker_process.wait_for(
        lambda: Discrepancy.objects.filter(key=f"missing_copy:{late.observer_id}").exists(),
        what="the sweep to pick up the late check-in")
    assert Discrepancy.objects.count() == 3
