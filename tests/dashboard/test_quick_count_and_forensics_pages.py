import io
import random
import uuid

import pytest
from django.urls import reverse

from demo.results import station_protocol
from protocols import services as protocol_services
from protocols.models import ResultSource
from protocols.official_import import import_official_results
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CODES = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", *[f"L8.{n}" for n in range(1, 8)], "L9"]


@pytest.fixture
def published():
    """40 stations with honest generated protocols, 12 of them observed in the random sample."""
    region = RegionFactory(code="ALA")
    commission = CommissionFactory(region=region, code="ALA-1")
    stations = [StationFactory(commission=commission, code=str(n), registered_voters=1500) for n in range(40)]
    election = ElectionFactory(slug="demo-2027")
    for number in range(1, 8):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    source = ResultSource.objects.create(code="demo", name="demo", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in CODES})
    rng = random.Random(5)
    protocols = {station.code: station_protocol(1500, rng) for station in stations}
    lines = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{code}," + ",".join(str(protocol[line]) for line in CODES) for code, protocol in protocols.items()]
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(lines).encode()),
                            file_name="r.csv")
    observer = ObserverFactory()
    for station in stations[:12]:
        deployment = DeploymentFactory(observer=observer, election=election, station=station, in_random_sample=True)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=protocols[station.code])
    return election


def test_quick_count_estimates_each_party_and_compares_with_the_official_share(client, published):
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:quick-count", args=["demo-2027"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["sampled"] == 12 and page.context["population"] == 40
    rows = {row["name"]: row for row in page.context["rows"]}
    assert len(rows) == 7
    first = rows["Party 1"]
    assert 40 < first["estimate"] < 70 and first["margin"] > 0
    assert abs(first["estimate"] - first["official"]) <= first["margin"] and not first["outside"]


def test_forensics_page_reports_integer_percentages_digits_and_a_fingerprint(client, published):
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:forensics", args=["demo-2027"]), {"draws": 50}, HTTP_ACCEPT_LANGUAGE="en")
    summary = page.context["summary"]
    assert summary["integer"]["included_stations"] == 40
    assert 0 <= summary["last_digit"]["p_value"] <= 1
    assert "not proof of fraud" in page.text
    image = client.get(reverse("dashboard:fingerprint", args=["demo-2027"]))
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_observers_cannot_see_the_statistics(client, published):
    client.login(username=ObserverFactory().username, password=TEST_PASSWORD)
    assert client.get(reverse("dashboard:forensics", args=["demo-2027"])).status_code == 403
    assert client.get(reverse("dashboard:quick-count", args=["demo-2027"])).status_code == 403
