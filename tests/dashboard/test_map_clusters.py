"""The map at national scale: clusters from the server, light whatever the zoom, colours true."""

import json
import random

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from dashboard import mapgrid, selectors
from elections.models import Station
from tests.dashboard.test_dashboard_pages import world  # noqa: F401 (a fixture)
from tests.factories import TEST_PASSWORD, CommissionFactory, ElectionFactory, RegionFactory, UserFactory

KAZAKHSTAN = "46.0,40.0,88.0,56.0"


@given(west=st.floats(-180, 179), width=st.floats(0.0001, 360), south=st.floats(-90, 89),
       height=st.floats(0.0001, 180), zoom=st.integers(0, 18))
def test_any_view_is_cut_in_at_most_max_cells(west, width, south, height, zoom):
    view = mapgrid.View(west, south, min(180.0, west + width), min(90.0, south + height), zoom)
    if view.west >= view.east or view.south >= view.north:
        return
    assert mapgrid.cells_in(view, mapgrid.cell_degrees(view)) <= mapgrid.MAX_CELLS


@pytest.mark.parametrize("bbox, zoom", [("", "5"), ("1,2,3", "5"), ("a,b,c,d", "5"), ("10,10,5,20", "5"),
                                         ("1,2,3,4", "19"), ("1,2,3,4", "x"), ("nan,1,2,3", "4")])
def test_a_view_that_is_not_one_is_refused(bbox, zoom):
    with pytest.raises(mapgrid.GridError):
        mapgrid.parse_view(bbox, zoom)


@pytest.fixture
def national(db):
    """3,000 stations over Kazakhstan, of every state, and an administrator."""
    election = ElectionFactory(slug="national-2027")
    commission = CommissionFactory(region=RegionFactory(code="KZ-ALL"))
    generator = random.Random(5)
    Station.objects.bulk_create([Station(commission=commission, code=f"S{index}", name=f"School {index}",
                                         latitude=round(generator.uniform(41, 55), 6),
                                         longitude=round(generator.uniform(47, 87), 6), registered_voters=1000)
                                 for index in range(3000)])
    return election, UserFactory(role="admin", is_staff=True, is_superuser=True)


def _clusters(client, slug, bbox, zoom):
    response = client.get(reverse("dashboard:map-clusters", args=[slug]), {"bbox": bbox, "zoom": zoom})
    return response


@pytest.mark.django_db
def test_the_national_view_is_clusters_that_add_up_to_every_station(client, national):
    election, admin = national
    client.force_login(admin)
    response = _clusters(client, election.slug, KAZAKHSTAN, 5)
    assert response.status_code == 200
    data = response.json()
    assert data["stations"] == 3000 and sum(cluster[2] for cluster in data["clusters"]) == 3000
    assert len(data["clusters"]) < 100 and len(response.content) < 10_000
    assert data["counts"] == [0, 0, 0, 0, 3000]  # no observer anywhere yet


@pytest.mark.django_db
@pytest.mark.parametrize("zoom", [0, 4, 8, 12, 18])
def test_a_phone_receives_at_most_100_kb_whatever_area_and_zoom_it_asks(client, national, zoom):
    election, admin = national
    client.force_login(admin)
    response = _clusters(client, election.slug, "-180,-90,180,90", zoom)
    assert response.status_code == 200 and len(response.content) <= 100_000
    assert len(response.json()["clusters"]) <= mapgrid.MAX_CELLS
    assert response.json()["stations"] == 3000


@pytest.mark.django_db
def test_cluster_colours_and_the_legend_are_true_at_every_zoom(client, world):  # noqa: F811
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    truth = sorted(selectors.STATION_STATES[row[4]] for row in selectors.station_map_rows(
        world["election"], selectors.visible_region_ids(world["coordinator"], world["election"])))
    assert truth == ["flagged", "none"]  # the coordinator's two stations; Astana's is out of scope
    for zoom in (3, 8, 18):
        data = _clusters(client, "mazhilis-2027", "70,40,80,50", zoom).json()
        in_clusters = sorted(state for cluster in data["clusters"]
                             for state, count in zip(data["states"], cluster[3], strict=True) for _ in range(count))
        assert in_clusters == truth
        assert dict(zip(data["states"], data["counts"], strict=True))["flagged"] == 1
    # Both stations stand at one spot (the factory's): even at zoom 18 they are one cluster of two.
    assert [cluster[2] for cluster in data["clusters"]] == [2]


@pytest.mark.django_db
def test_a_station_alone_in_its_cell_is_sent_as_itself_and_outside_the_view_nothing(client, world):  # noqa: F811
    Station.objects.filter(code="2").update(latitude=43.5, longitude=77.5)
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    data = _clusters(client, "mazhilis-2027", "70,40,80,50", 12).json()
    singles = sorted((cluster[5], cluster[4]) for cluster in data["clusters"])
    assert singles == sorted((station.code, station.pk) for station in Station.objects.filter(code__in=["1", "2"]))
    assert _clusters(client, "mazhilis-2027", "0,0,10,10", 12).json()["clusters"] == []
    bad = _clusters(client, "mazhilis-2027", "0,0,10", 12)
    assert bad.status_code == 400 and json.loads(bad.content)["code"] == "invalid_view"
