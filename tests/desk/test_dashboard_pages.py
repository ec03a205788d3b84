"""The desk walk (#17) on the dashboard: the quick count withholds its estimate and its warning below
the minimum of reports, the live feed has one item per open flag, numbers in the page's locale."""

import io
import re
import uuid

import pytest
from django.urls import reverse

from elections.models import Station
from observers.models import Deployment
from protocols import services as protocol_services
from protocols.models import ResultSource
from protocols.official_import import import_official_results
from tests.dashboard.test_dashboard_pages import PROTOCOL, world  # noqa: F401 (the fixture)
from tests.dashboard.test_quick_count_and_forensics_pages import CODES, PROTOCOLS, published  # noqa: F401
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


@pytest.fixture
def two_early_reports():
    """40 stations with official results, 10 of them in the random sample, of which only 2 have
    reported so far, both with parties 1 and 2 swapped against the official figures."""
    region = RegionFactory(code="ALA", name="Almaty")
    commission = CommissionFactory(region=region, code="ALA-1")
    stations = [StationFactory(commission=commission, code=str(n), registered_voters=1500) for n in range(40)]
    election = ElectionFactory(slug="early-2027")
    for number in range(1, 8):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    source = ResultSource.objects.create(code="early", name="early", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in CODES})
    lines = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{n}," + ",".join(str(PROTOCOLS[n][line]) for line in CODES) for n in range(40)]
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(lines).encode()),
                            file_name="r.csv")
    observer = ObserverFactory()
    for number, station in enumerate(stations[:10]):
        deployment = DeploymentFactory(observer=observer, election=election, station=station, in_random_sample=True)
        if number < 2:
            swapped = {**PROTOCOLS[number], "L8.1": PROTOCOLS[number]["L8.2"], "L8.2": PROTOCOLS[number]["L8.1"]}
            protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                          figures=swapped)
    return election


def _as_reviewer(client):
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)


def test_two_early_reports_show_the_count_received_and_neither_estimate_nor_warning(client, two_early_reports):
    _as_reviewer(client)
    page = client.get(reverse("dashboard:quick-count", args=["early-2027"]), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Protocols received from 2 of 10 sampled stations (40 stations in all)." in page
    assert "Estimates are withheld until 30 sampled stations reported, at least 2 in each region." in page
    assert '<th scope="row">Almaty</th><td class="num">2</td><td class="num">10</td>' in page  # per region
    assert "outside the margin" not in page and 'id="outside-warning"' not in page
    assert "Estimate, %" not in page  # no table of estimates at all
    ru = client.get(reverse("dashboard:quick-count", args=["early-2027"]), HTTP_ACCEPT_LANGUAGE="ru").text
    assert "Протоколы получены с 2 из 10 участков выборки (всего участков: 40)." in ru


def test_enough_reports_give_the_estimate(client, published):  # noqa: F811
    observer = ObserverFactory()
    for station in Station.objects.filter(commission__code="ALA-1").order_by("id")[12:32]:
        deployment = DeploymentFactory(observer=observer, election=published, station=station, in_random_sample=True)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=PROTOCOLS[int(station.code)])
    _as_reviewer(client)
    page = client.get(reverse("dashboard:quick-count", args=["demo-2027"]), HTTP_ACCEPT_LANGUAGE="en")
    assert not page.context["withheld"] and "Protocols received from 32 of 32 sampled stations" in page.text
    assert len(page.context["rows"]) == 8
    # The estimates in Kazakh: a decimal comma, as in Russian (Django has no Kazakh formats of its own).
    for language in ("kk", "ru"):
        table = client.get(reverse("dashboard:quick-count", args=["demo-2027"]),
                           HTTP_ACCEPT_LANGUAGE=language).text.split("<tbody>")[-1].split("</tbody>")[0]
        assert re.search(r'<td class="num">\d+,\d\d</td>', table) and not re.search(r"\d\.\d\d<", table)


def _new_version(world, figures):  # noqa: F811
    deployment = Deployment.objects.get(station=world["observed"])
    protocol_services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                  figures=figures)
    protocol_services.check_stations(election_id=world["election"].pk)


def test_the_feed_has_one_item_per_open_flag_across_protocol_versions(client, world):  # noqa: F811
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    url = reverse("dashboard:feed", args=["mazhilis-2027"])
    first = client.get(url).json()
    (flag,) = [item for item in first["items"] if item["type"] == "flag"]
    for moved in (1, 2):  # two corrections, each still differing from the official result
        _new_version(world, {**PROTOCOL, "L8.1": 500 + moved, "L8.2": 300 - moved})
    again = client.get(url).json()  # a page opened now: the newest open flags
    flags = [item for item in again["items"] if item["type"] == "flag"]
    assert len(flags) == 1 and flags[0]["id"] != flag["id"] and flags[0]["subject"] == flag["subject"]
    polled = client.get(url, {"after_flag": flag["id"], "after_incident": 0}).json()
    assert [item["subject"] for item in polled["items"] if item["type"] == "flag"] == [flag["subject"]]


@pytest.mark.parametrize(("language", "ten"), [("ru", "10,00"), ("kk", "10,00"), ("en", "10.00")])
def test_forensic_shares_use_the_pages_decimal_separator(client, published, language, ten):  # noqa: F811
    _as_reviewer(client)
    page = client.get(reverse("dashboard:forensics", args=["demo-2027"]), HTTP_ACCEPT_LANGUAGE=language).text
    table = page.split('id="digit-shares"')[1].split("</table>")[0]
    assert f'<td class="num">{ten}</td>' in table
    wrong = "10.00" if ten == "10,00" else "10,00"
    assert wrong not in table
