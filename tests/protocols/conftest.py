import pytest

from protocols.models import ResultSource
from tests.factories import (
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
)

KZ_PROTOCOL = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
               "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}


@pytest.fixture
def election():
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    return election


@pytest.fixture
def station():
    region = RegionFactory(code="ALA", name="Almaty")
    return StationFactory(commission=CommissionFactory(region=region, code="ALA-01"), code="101")


@pytest.fixture
def deployment(election, station):
    return DeploymentFactory(observer=ObserverFactory(), election=election, station=station)


@pytest.fixture
def kz_source():
    columns = {"voters": "L1", "received": "L2", "issued": "L3", "cast": "L4", "spoiled": "L5", "cancelled": "L6",
               "invalid": "L7", "party1": "L8.1", "party2": "L8.2", "party3": "L8.3", "against": "L9"}
    return ResultSource.objects.create(code="test-kz", name="Test CEC", region_column="region",
                                       commission_column="commission", station_column="station", line_columns=columns)


def official_csv(rows):
    header = "region,commission,station,voters,received,issued,cast,spoiled,cancelled,invalid,party1,party2,party3,against"
    lines = [header]
    for region, commission, station, figures in rows:
        values = [figures[code] for code in ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8.1", "L8.2", "L8.3", "L9")]
        lines.append(",".join([region, commission, station, *map(str, values)]))
    return ("\n".join(lines) + "\n").encode()
