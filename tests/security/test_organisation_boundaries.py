"""Two NGOs observe in the same region: neither ever sees the other's observers.

The crossing is built from the URL configuration: every named URL that answers GET is asked by
each NGO's coordinator and reviewer, with its parameters filled with the election, the region,
the commission, the station and the IDs of every record of the *other* NGO (deployments,
check-ins, copies, flags, evidence, incidents, complaints, accreditations, uploads): a URL added
later is crossed too. No answer may carry the other NGO's observers' names, usernames, phone,
check-in position, figures, evidence, incident text or complaint; the other NGO's records
answer 404 (or 403) at their own API and file URLs.
"""

import csv
import datetime
import io
import itertools
import uuid
import zipfile

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from openpyxl import load_workbook

from incidents import services as incident_services
from incidents.models import Incident
from observers import services as observer_services
from observers.models import Accreditation, User
from protocols import services as protocol_services
from protocols.models import Discrepancy, ResultSource
from protocols.official_import import import_official_results
from tests.factories import (
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    evidence_file,
)

pytestmark = pytest.mark.django_db

KZ = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
      "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
COLUMNS = list(KZ)
# URLs that change state on GET, or are not pages of the project.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"logout", "set_language", "api-schema", "api-docs", "healthz"}


def _ngo(tag, region, station, far_station, election):
    """One NGO with its coordinator (of `region`), reviewer, and an observer at `station` who has
    checked in, sent a protocol, a photo, an incident and (by the coordinator) a complaint; the
    same observer also works at `far_station`, in a region this coordinator does not coordinate."""
    organisation = OrganisationFactory(name=f"NGO {tag}")
    organisation.regions.add(region)
    first, last = f"Firstname{tag}zq", f"Lastname{tag}zq"
    observer = ObserverFactory(organisation=organisation, username=f"watcher-{tag.lower()}-zq",
                               first_name=first, last_name=last, phone=f"+7700{len(tag)}99{ord(tag[0]):04d}")
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    latitude = "43.2" + str(ord(tag[0]) * 1000 + 123)[:4]
    observer_services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      latitude=latitude, longitude="76.890000", accuracy_m=5)
    figure = 900_000 + ord(tag[0]) * 101  # a figure only this NGO's copy holds
    copy, _ = protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                            figures={**KZ, "L8.3": figure})
    photo = evidence_file(uploaded_by=observer, station=station.pk, election=election.pk, purpose="protocol_photo",
                          filename=f"photo-{tag.lower()}-zq.jpg")
    far_deployment = DeploymentFactory(observer=observer, election=election, station=far_station)
    far = evidence_file(uploaded_by=observer, station=far_station.pk, election=election.pk,
                        purpose="incident_media", filename=f"far-{tag.lower()}-zq.jpg")
    incident = IncidentFactory(deployment=deployment, status=Incident.Status.ESCALATED,
                               description=f"Incident text of NGO {tag} zq")
    far_incident = IncidentFactory(deployment=far_deployment, description=f"Far incident of NGO {tag} zq")
    coordinator = CoordinatorFactory(organisation=organisation, username=f"coordinator-{tag.lower()}")
    coordinator.regions.add(region)
    reviewer = UserFactory(role=User.Role.REVIEWER, organisation=organisation, username=f"reviewer-{tag.lower()}")
    # The organisation gives its reviewer both regions to review, so the crossing reaches their work.
    for assigned in (region, far_station.commission.region):
        observer_services.assign_reviewer(actor=UserFactory(role=User.Role.ADMIN), reviewer_id=reviewer.pk,
                                          election_id=election.pk, region_id=assigned.pk)
    complaint, _ = incident_services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(),
                                                      incident_id=incident.pk, language="ru")
    incident_services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                                    filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC),
                                    filed_where=f"Filed at the commission by NGO {tag} zq")
    return {
        "organisation": organisation, "observer": observer, "coordinator": coordinator, "reviewer": reviewer,
        "deployment": deployment, "copy": copy, "photo": photo, "far_photo": far, "incident": incident,
        "far_incident": far_incident, "complaint": complaint,
        "markers": [first, last, observer.username, observer.phone, latitude, str(figure), photo.original.sha256,
                    f"photo-{tag.lower()}-zq",
                    f"far-{tag.lower()}-zq", f"Incident text of NGO {tag} zq", f"Far incident of NGO {tag} zq",
                    f"Filed at the commission by NGO {tag} zq"],
    }


@pytest.fixture
def two_ngos():
    region, far_region = RegionFactory(code="ALA", name="Almaty"), RegionFactory(code="AST", name="Astana")
    commission = CommissionFactory(region=region, code="ALA-1")
    station = StationFactory(commission=commission, code="101")
    far_station = StationFactory(commission=CommissionFactory(region=far_region, code="AST-1"), code="301")
    election = ElectionFactory(slug="mazhilis-2027")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    source = ResultSource.objects.create(code="t", name="t", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in COLUMNS})
    rows = ["r,c,s," + ",".join(COLUMNS), "ALA,ALA-1,101," + ",".join(str(KZ[code]) for code in COLUMNS),
            "AST,AST-1,301," + ",".join(str(KZ[code]) for code in COLUMNS)]
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(rows).encode()),
                            file_name="official.csv")
    first = _ngo("A", region, station, far_station, election)
    second = _ngo("B", region, station, far_station, election)
    protocol_services.check_stations(election_id=election.pk)
    assert Discrepancy.objects.filter(observer_copy=first["copy"]).exists()  # flags name each NGO's copy
    assert Discrepancy.objects.filter(observer_copy=second["copy"]).exists()
    return {"election": election, "region": region, "far_region": far_region, "commission": commission,
            "station": station, "far_station": far_station, "A": first, "B": second}


def _named_patterns(patterns=None, namespace=""):
    """(reverse name, parameter names) of every named URL of the project."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.name not in SKIPPED_NAMES:
            yield f"{namespace}{pattern.name}", sorted(pattern.pattern.regex.groupindex)


def _other_ids(other):
    """Every record ID of the other NGO (whatever the URL's parameter means, each is tried)."""
    return sorted({other["deployment"].pk, other["copy"].pk, other["photo"].pk, other["far_photo"].pk,
                   other["incident"].pk, other["far_incident"].pk, other["complaint"].pk,
                   other["observer"].pk, Accreditation.objects.get(observer=other["observer"]).pk,
                   *Discrepancy.objects.filter(observer_copy=other["copy"]).values_list("pk", flat=True),
                   *other["deployment"].check_ins.values_list("pk", flat=True)})


def _values(world, other):
    ids = _other_ids(other)
    return {
        "slug": [world["election"].slug], "region_id": [world["region"].pk, world["far_region"].pk],
        "commission_id": [world["commission"].pk], "station_id": [world["station"].pk, world["far_station"].pk],
        "which": ["thumbnail", "web", "original"], "plot": ["fingerprint"],
        "file_format": ["csv", "xlsx", "geojson", "png"], "table": ["coverage", "results", "flags", "incidents",
                                                                    "stations"],
        "upload_id": [uuid.uuid4()], "format": ["json"],
    }, ids


def _urls(world, other):
    values, ids = _values(world, other)
    for name, parameters in _named_patterns():
        if "format" in parameters:
            continue  # DRF's ".json" twin of a URL crossed without it
        choices = [values.get(parameter, ids) for parameter in parameters]
        for combination in itertools.product(*choices):
            try:
                yield name, reverse(name, kwargs=dict(zip(parameters, combination, strict=True)))
            except NoReverseMatch:
                continue


def _text(response):
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    kind = response.get("Content-Type", "")
    if "zip" in kind:
        archive = zipfile.ZipFile(io.BytesIO(body))
        return "\n".join(archive.namelist()) + "\n".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            if name.endswith((".json", ".txt", ".csv")))
    if "spreadsheetml" in kind:
        sheet = load_workbook(io.BytesIO(body)).active
        return "\n".join(",".join(str(cell) for cell in row) for row in sheet.values)
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize(("me", "them"), [("A", "B"), ("B", "A")])
@pytest.mark.parametrize("role", ["coordinator", "reviewer"])
def test_no_page_api_feed_map_export_or_file_shows_the_other_ngos_observers(client, two_ngos, me, them, role):
    ours, theirs = two_ngos[me], two_ngos[them]
    client.force_login(ours[role])
    leaks, answered, asked = [], 0, 0
    for name, url in _urls(two_ngos, theirs):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        asked += 1
        if response.status_code != 200:
            continue
        answered += 1
        text = _text(response)
        found = [marker for marker in theirs["markers"] if marker in text]
        if found:
            leaks.append((name, url, found))
    assert asked > 200 and answered > 40, (asked, answered)
    assert leaks == []
    print(f"{role} of NGO {me}: {asked} GETs, {answered} answered 200, no leak")


@pytest.mark.parametrize(("me", "them"), [("A", "B"), ("B", "A")])
@pytest.mark.parametrize("role", ["coordinator", "reviewer"])
def test_the_other_ngos_records_answer_not_found_at_their_own_urls(client, two_ngos, me, them, role):
    ours, theirs = two_ngos[me], two_ngos[them]
    client.force_login(ours[role])
    flag = Discrepancy.objects.filter(observer_copy=theirs["copy"]).first()
    urls = [reverse("deployment-detail", args=[theirs["deployment"].pk]),
            reverse("check-in-detail", args=[theirs["deployment"].check_ins.get().pk]),
            reverse("protocol-copy-detail", args=[theirs["copy"].pk]),
            reverse("discrepancy-detail", args=[flag.pk]),
            reverse("evidence-file-detail", args=[theirs["photo"].pk]),
            reverse("incident-detail", args=[theirs["incident"].pk]),
            reverse("complaint-detail", args=[theirs["complaint"].pk]),
            reverse("observer-detail", args=[theirs["observer"].pk]),
            reverse("evidence:file", args=[theirs["photo"].pk, "original"]),
            reverse("evidence:file", args=[theirs["photo"].pk, "thumbnail"]),
            reverse("protocols:review-detail", args=[flag.pk]),
            reverse("protocols:copies", args=[theirs["deployment"].pk]),
            reverse("incidents:detail", args=[theirs["incident"].pk]),
            reverse("incidents:complaint", args=[theirs["complaint"].pk])]
    answers = {url: client.get(url).status_code for url in urls}
    assert {url: status for url, status in answers.items() if status not in (403, 404)} == {}


def test_a_coordinator_sees_their_own_observers_files_and_incidents_only_in_their_regions(client, two_ngos):
    ours = two_ngos["A"]
    client.force_login(ours["coordinator"])
    assert client.get(reverse("evidence-file-detail", args=[ours["photo"].pk])).status_code == 200
    assert client.get(reverse("evidence-file-detail", args=[ours["far_photo"].pk])).status_code == 404
    files = client.get(reverse("evidence-file-list")).json()
    ids = {item["id"] for item in (files["results"] if isinstance(files, dict) else files)}
    assert ours["photo"].pk in ids and ours["far_photo"].pk not in ids
    assert client.get(reverse("incident-detail", args=[ours["far_incident"].pk])).status_code == 404


def test_the_station_page_counts_only_our_observers(client, two_ngos):
    ours, theirs = two_ngos["A"], two_ngos["B"]
    client.force_login(ours["coordinator"])
    page = client.get(reverse("dashboard:station", args=[two_ngos["election"].slug, two_ngos["station"].pk]),
                      HTTP_ACCEPT_LANGUAGE="en").text
    # Our coordinator meets our observer by name; theirs appears in no form at all.
    assert ours["observer"].get_full_name() in page
    assert theirs["observer"].get_full_name() not in page and theirs["observer"].username not in page
    assert theirs["observer"].pseudonym not in page
    coverage = client.get(reverse("dashboard:export", args=[two_ngos["election"].slug, "coverage", "csv"]),
                          HTTP_ACCEPT_LANGUAGE="en")
    rows = {row["Region"]: row for row in csv.DictReader(io.StringIO(coverage.getvalue().decode("utf-8-sig")))}
    assert rows["Almaty"]["Observers deployed"] == "1" and rows["Almaty"]["Checked in"] == "1"  # one station, ours


def test_the_live_feed_carries_only_flags_about_our_observers_or_official_data(client, two_ngos):
    ours, theirs = two_ngos["A"], two_ngos["B"]
    client.force_login(ours["coordinator"])
    items = client.get(reverse("dashboard:feed", args=[two_ngos["election"].slug])).json()["items"]
    flag_ids = {item["id"] for item in items if item["type"] == "flag"}
    assert flag_ids & set(Discrepancy.objects.filter(observer_copy=ours["copy"]).values_list("pk", flat=True))
    assert not flag_ids & set(Discrepancy.objects.filter(observer_copy=theirs["copy"]).values_list("pk", flat=True))
