import pytest

from incidents.models import IncidentCategory
from incidents.services import install_shipped_categories
from tests.factories import (
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)


@pytest.fixture
def categories():
    install_shipped_categories()
    return {category.code: category for category in IncidentCategory.objects.all()}


@pytest.fixture
def region():
    return RegionFactory(code="ALA", name="Almaty")


@pytest.fixture
def organisation(region):
    organisation = OrganisationFactory(name="Fair Count")
    organisation.regions.add(region)
    return organisation


@pytest.fixture
def station(region):
    return StationFactory(commission=CommissionFactory(region=region, name="Almaly district commission"),
                          code="412", address="Abay avenue 10")


@pytest.fixture
def deployment(organisation, station):
    observer = ObserverFactory(organisation=organisation, first_name="Aigerim", last_name="Sadykova")
    return DeploymentFactory(observer=observer, election=ElectionFactory(), station=station)


@pytest.fixture
def observer(deployment):
    return deployment.observer


@pytest.fixture
def coordinator(organisation):
    return CoordinatorFactory(organisation=organisation, email="dana@fair.example")
