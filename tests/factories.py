"""Factories for every model the tests build, in one place."""

import datetime

import factory

from elections.models import Commission, Contestant, Election, ProtocolTemplate, Region, Station
from elections.services import install_shipped_templates
from observers.models import Accreditation, Deployment, Organisation, User

TEST_PASSWORD = "a-long-test-password-42"


def shipped_template(country):
    """The shipped template of a country; reinstalled when a transactional test flushed it."""
    template = ProtocolTemplate.objects.filter(country=country).first()
    if template is None:
        install_shipped_templates(update=False)
        template = ProtocolTemplate.objects.get(country=country)
    return template


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    country = "KZ"
    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class CommissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commission

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"Territorial commission {n}")


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    commission = factory.SubFactory(CommissionFactory)
    code = factory.Sequence(lambda n: str(1000 + n))
    name = factory.Sequence(lambda n: f"School No. {n}")
    address = "Abay street 1"
    latitude = "43.240000"
    longitude = "76.890000"
    registered_voters = 1500


class ElectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Election

    name = factory.Sequence(lambda n: f"Election {n}")
    slug = factory.Sequence(lambda n: f"election-{n}")
    country = "KZ"
    date = datetime.date(2027, 3, 21)
    kind = Election.Kind.LIST_PR
    status = Election.Status.ONGOING
    template = factory.LazyAttribute(lambda election: shipped_template(election.country))


class ContestantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contestant

    election = factory.SubFactory(ElectionFactory)
    ballot_number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Party {n + 1}")
    kind = Contestant.Kind.PARTY


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Observer NGO {n}")
    slug = factory.Sequence(lambda n: f"ngo-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Arman"
    last_name = "Observer"
    role = User.Role.OBSERVER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class CoordinatorFactory(UserFactory):
    role = User.Role.COORDINATOR
    organisation = factory.SubFactory(OrganisationFactory)


class ObserverFactory(UserFactory):
    """An observer of an organisation, accredited unless told otherwise (`accreditation=...`)."""

    role = User.Role.OBSERVER
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def accreditation(self, create, extracted, **kwargs):
        if create and extracted != "none":
            Accreditation.objects.create(observer=self, organisation=self.organisation,
                                         status=extracted or Accreditation.Status.APPROVED)


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    observer = factory.SubFactory(ObserverFactory)
    organisation = factory.LazyAttribute(lambda deployment: deployment.observer.organisation)
    election = factory.SubFactory(ElectionFactory)
    station = factory.SubFactory(StationFactory)
