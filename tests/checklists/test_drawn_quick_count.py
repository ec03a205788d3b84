"""The quick count reads the sample drawn from a seed: stratified estimates, reports per region, withheld below the minimum."""

import uuid

import numpy as np
import pytest
from django.urls import reverse

from checklists import services
from checklists.estimators import stratified_ratio
from checklists.models import SampledStation
from elections.models import Station
from protocols import services as protocol_services
from tests.dashboard.test_quick_count_and_forensics_pages import PROTOCOLS, published  # noqa: F401 (the fixture)
from tests.factories import TEST_PASSWORD, CoordinatorFactory, DeploymentFactory, ObserverFactory, UserFactory

pytestmark = pytest.mark.django_db


def _quick_count(client):
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)
    return client.get(reverse("dashboard:quick-count", args=["demo-2027"]), HTTP_ACCEPT_LANGUAGE="en")


def test_a_drawn_sample_with_too_few_reports_withholds_the_estimates(client, published):  # noqa: F811
    services.draw_sample(user=CoordinatorFactory(), election_id=published.pk, size=20, seed=3)
    page = _quick_count(client)
    assert page.context["withheld"] and "rows" not in page.context
    assert "Estimates are withheld until 30 sampled stations reported" in page.content.decode()
    (stratum,) = page.context["strata"]
    assert stratum["sampled"] == 20 and stratum["reported"] == page.context["sampled"] < 20


def test_a_drawn_sample_that_reported_gives_the_stratified_estimate_of_its_stations(client, published):  # noqa: F811
    observer = ObserverFactory()
    stations = Station.objects.filter(commission__code="ALA-1").order_by("id")
    for station in stations:
        if station.code in {str(n) for n in range(12)}:
            continue
        deployment = DeploymentFactory(observer=observer, election=published, station=station)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=PROTOCOLS[int(station.code)])
    services.draw_sample(user=CoordinatorFactory(), election_id=published.pk, size=34, seed=11)
    page = _quick_count(client)
    assert not page.context["withheld"] and page.context["sampled"] == 34
    rows = {row["name"]: row for row in page.context["rows"]}
    # The same estimate by hand from the drawn stations' protocols: one stratum of 40, 34 drawn.
    drawn = Station.objects.filter(pk__in=SampledStation.objects.values("station_id")).values_list("code", flat=True)
    protocols = [PROTOCOLS[int(code)] for code in drawn]
    votes = np.array([protocol["L8.1"] for protocol in protocols], dtype=float)
    valid = np.array([sum(protocol[f"L8.{n}"] for n in range(1, 8)) for protocol in protocols], dtype=float)
    expected = stratified_ratio(votes, valid, np.zeros(34, dtype=np.int64), [40])
    assert rows["Party 1"]["estimate"] == pytest.approx(100 * expected.share)
    assert rows["Party 1"]["margin"] == pytest.approx(100 * expected.margin) and expected.margin > 0
    assert "larger of the linearised and the stratified jackknife variance" in page.content.decode()
