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


class IncidentFactory(factory.django.DjangoModelFactory):
    """A reported incident at the deployment's station; the category is a shipped one by code."""

    class Meta:
        model = "incidents.Incident"

    client_id = factory.Faker("uuid4", cast_to=None)
    deployment = factory.SubFactory(DeploymentFactory)
    observer = factory.LazyAttribute(lambda incident: incident.deployment.observer)
    organisation = factory.LazyAttribute(lambda incident: incident.deployment.organisation)
    election = factory.LazyAttribute(lambda incident: incident.deployment.election)
    station = factory.LazyAttribute(lambda incident: incident.deployment.station)
    category = factory.LazyFunction(lambda: _incident_category("ballot-stuffing"))
    severity = factory.LazyAttribute(lambda incident: incident.category.default_severity)
    occurred_at = factory.LazyFunction(lambda: datetime.datetime(2027, 3, 21, 14, 30, tzinfo=datetime.UTC))
    description = "Ballots were stuffed into the box at 14:30 by a commission member."


def _incident_category(code):
    """A shipped incident category; reinstalled when a transactional test flushed them."""
    from incidents.models import IncidentCategory
    from incidents.services import install_shipped_categories

    category = IncidentCategory.objects.filter(code=code).first()
    if category is None:
        install_shipped_categories()
        category = IncidentCategory.objects.get(code=code)
    return category


# --- Evidence ------------------------------------------------------------------------------------


def photo_bytes(width=640, height=480, image_format="JPEG", exif=None, seed=0):
    """A real photo's bytes (noise, so each seed gives different bytes), optionally with EXIF."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width // 8, height // 8), rng.randbytes((width // 8) * (height // 8) * 3))
    image = image.resize((width, height))
    output = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(output, image_format, **options)
    return output.getvalue()


def video_bytes(tmp_path, *, container="mp4", seconds=1, size="320x240"):
    """A real video made by ffmpeg (skips the test when ffmpeg is missing)."""
    import shutil
    import subprocess

    import pytest

    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (.ci/run installs it)")
    target = tmp_path / f"clip-{container}-{seconds}.{container}"
    codec = ["-c:v", "libvpx", "-b:v", "200k"] if container == "webm" else ["-c:v", "mpeg4", "-q:v", "8"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10",
                    *codec, "-pix_fmt", "yuv420p", str(target)], check=True, capture_output=True)
    return target.read_bytes()


def evidence_file(*, uploaded_by=None, data=None, filename="protocol.jpg", filetype="image/jpeg", **metadata):
    """An EvidenceFile stored through the real upload service (one PATCH); returns it.

    An observer sends evidence only where they are deployed: an uploader who is not deployed at
    the `station` (in the `election`, when given) is deployed there first, in a fresh election
    when none is given.
    """
    import io
    import uuid

    from evidence import services as evidence_services

    uploaded_by = uploaded_by or ObserverFactory()
    station, election = metadata.get("station"), metadata.get("election")
    if station and uploaded_by.role == User.Role.OBSERVER:
        deployments = Deployment.objects.filter(observer=uploaded_by, station_id=station)
        if not (deployments.filter(election_id=election) if election else deployments).exists():
            DeploymentFactory(observer=uploaded_by, station=Station.objects.get(pk=station),
                              **({"election": Election.objects.get(pk=election)} if election else {}))
    data = photo_bytes(seed=uuid.uuid4().int % 10_000) if data is None else data
    metadata = {"filename": filename, "filetype": filetype, "client_id": str(uuid.uuid4()),
                **{key: str(value) for key, value in metadata.items()}}
    upload = evidence_services.create_upload(user=uploaded_by, length=len(data), metadata=metadata)
    upload = evidence_services.append_chunk(upload_id=upload.pk, user=uploaded_by, offset=0, stream=io.BytesIO(data),
                                            content_length=len(data))
    return upload.evidence
