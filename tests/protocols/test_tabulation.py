import io
import uuid

import pytest
from rest_framework.test import APIClient

from protocols import services
from protocols.models import Discrepancy
from protocols.official_import import import_official_results
from tests.factories import StationFactory, UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stations(election, station, kz_source, deployment):
    StationFactory(commission=station.commission, code="102")
    deployment.organisation.regions.add(station.commission.region)
    import_official_results(election=election, source=kz_source, file_name="official.csv", stream=io.BytesIO(
        official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "102", KZ_PROTOCOL)])))
    return station.commission


def summary_of(factor=2, **changes):
    return {**{code: value * factor for code, value in KZ_PROTOCOL.items()}, **changes}


def test_a_summary_that_adds_up_raises_nothing(election, deployment, two_stations):
    summary, _ = services.submit_commission_protocol(observer=deployment.observer, election_id=election.pk,
                                                     commission_id=two_stations.pk, client_id=uuid.uuid4(),
                                                     figures=summary_of())
    assert services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk) == 0


def test_votes_moved_at_tabulation_are_a_critical_flag(election, deployment, two_stations):
    summary, _ = services.submit_commission_protocol(
        observer=deployment.observer, election_id=election.pk, commission_id=two_stations.pk,
        client_id=uuid.uuid4(), figures=summary_of(**{"L8.1": 1100, "L8.2": 500}))
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    assert (flag.severity, flag.commission, flag.station) == ("critical", two_stations, None)
    assert flag.deltas == {"L8.1": [1000, 1100, 100], "L8.2": [600, 500, -100]}
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    assert Discrepancy.objects.filter(kind="tabulation").count() == 1


def test_a_confirmed_observer_copy_is_added_up_in_place_of_the_official_figures(election, deployment, two_stations):
    honest = {**KZ_PROTOCOL, "L8.1": 450, "L8.2": 350}  # the observer saw 50 votes moved
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=honest)
    services.check_stations(election_id=election.pk)
    mismatch = Discrepancy.objects.get(kind="mismatch")
    services.decide(discrepancy_id=mismatch.pk, reviewer=UserFactory(role="reviewer"), decision="confirm")
    services.submit_commission_protocol(observer=deployment.observer, election_id=election.pk,
                                        commission_id=two_stations.pk, client_id=uuid.uuid4(), figures=summary_of())
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    assert flag.detail == [{"basis": "confirmed"}]
    assert flag.deltas == {"L8.1": [950, 1000, 50], "L8.2": [650, 600, -50]}


def test_commission_protocol_api_is_idempotent_and_refuses_foreign_regions(election, deployment, two_stations):
    api = APIClient()
    api.force_authenticate(deployment.observer)
    payload = {"client_id": str(uuid.uuid4()), "election": election.pk, "commission": two_stations.pk,
               "figures": summary_of()}
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 201
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 200
    deployment.organisation.regions.clear()
    payload["client_id"] = str(uuid.uuid4())
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 403
