"""#12: reviewers see what their organisation assigns them. A coordinator (or an administrator)
gives a reviewer of the organisation a region or a station of an election; the one flag selector
(protocols.selectors.discrepancies_for, with observers.scope.assigned_review) keeps the queue, its
API, the dashboard's feed, station page and export, and the photos to that work. An unassigned
reviewer has an empty queue that says why."""

import csv
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from observers import services as observer_services
from observers.models import ReviewAssignment, User
from protocols import services
from protocols.models import Discrepancy
from protocols.official_import import import_official_results
from tests.factories import (
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    evidence_file,
)
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def ngo(election, station, kz_source):
    """One organisation with observers at two stations of Almaty and one of Astana, each station's
    copy differing from the official result (one flag each), a coordinator of both regions and a
    reviewer of the organisation."""
    almaty = station.commission.region
    astana = RegionFactory(code="AST", name="Astana")
    second = StationFactory(commission=station.commission, code="102")
    far = StationFactory(commission=CommissionFactory(region=astana, code="AST-01"), code="301")
    organisation = OrganisationFactory()
    organisation.regions.add(almaty, astana)
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv", stream=io.BytesIO(
        official_csv([("ALA", "ALA-01", "101", published), ("ALA", "ALA-01", "102", published),
                      ("AST", "AST-01", "301", published)])))
    photos = {}
    for place in (station, second, far):
        deployment = DeploymentFactory(observer=ObserverFactory(organisation=organisation), election=election,
                                       station=place, organisation=organisation)
        services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             figures=KZ_PROTOCOL)
        photos[place.code] = evidence_file(uploaded_by=deployment.observer, station=place.pk, election=election.pk,
                                           purpose="protocol_photo", filename=f"photo-{place.code}.jpg")
    services.check_stations(election_id=election.pk)
    coordinator = CoordinatorFactory(organisation=organisation)
    coordinator.regions.add(almaty, astana)
    reviewer = UserFactory(role=User.Role.REVIEWER, organisation=organisation)
    flags = {code: Discrepancy.objects.get(kind="mismatch", station__code=code) for code in ("101", "102", "301")}
    return {"organisation": organisation, "coordinator": coordinator, "reviewer": reviewer, "flags": flags,
            "almaty": almaty, "astana": astana, "stations": {"101": station, "102": second, "301": far},
            "photos": photos, "election": election}


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def reached_flags(user, election):
    """The flag IDs the reviewer reaches on every surface: queue page, API list, dashboard feed,
    flag export, and the station pages."""
    client = signed_in(user)
    queue = client.get(reverse("protocols:review"), {"status": ""})
    from_queue = {item.pk for item in queue.context["page"].object_list}
    from_api = {item["id"] for item in api(user).get("/api/discrepancies/", {"page_size": 100}).json()["results"]}
    feed = client.get(reverse("dashboard:feed", args=[election.slug])).json()["items"]
    from_feed = {item["id"] for item in feed if item["type"] == "flag"}
    export = client.get(reverse("dashboard:export", args=[election.slug, "flags", "csv"]))
    header, *rows = csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    station = header.index("Station")
    from_export = {row[station] for row in rows}
    return from_queue, from_api, from_feed, from_export


def test_an_unassigned_reviewer_of_an_organisation_has_an_empty_queue_that_says_why(ngo):
    reviewer, election = ngo["reviewer"], ngo["election"]
    queue = signed_in(reviewer).get(reverse("protocols:review"))
    assert "has not assigned you any region or station to review yet" in queue.text
    assert reached_flags(reviewer, election) == (set(), set(), set(), set())
    for flag in ngo["flags"].values():
        assert signed_in(reviewer).get(reverse("protocols:review-detail", args=[flag.pk])).status_code == 404
        assert api(reviewer).get(f"/api/discrepancies/{flag.pk}/").status_code == 404
    assert api(reviewer).get("/api/evidence/files/").json()["count"] == 0


def test_a_coordinator_assigns_a_region_on_the_page_and_the_reviewer_sees_only_its_work(ngo):
    reviewer, election, flags = ngo["reviewer"], ngo["election"], ngo["flags"]
    page = signed_in(ngo["coordinator"]).get(reverse("observers:review-assignments"))
    assert page.status_code == 200 and reviewer.username in page.text
    response = signed_in(ngo["coordinator"]).post(reverse("observers:review-assignments"), {
        "reviewer": reviewer.pk, "election": election.pk, "region": ngo["almaty"].pk, "station_code": ""})
    assert response.status_code == 302
    assignment = ReviewAssignment.objects.get()
    assert (assignment.region, assignment.station, assignment.assigned_by) == (ngo["almaty"], None, ngo["coordinator"])
    almaty = {flags["101"].pk, flags["102"].pk}
    queue, from_api, feed, export = reached_flags(reviewer, election)
    assert queue == from_api == feed == almaty
    assert export == {"101", "102"}
    assert signed_in(reviewer).get(reverse("protocols:review-detail", args=[flags["301"].pk])).status_code == 404
    assert signed_in(reviewer).get(reverse("protocols:review-detail", args=[flags["101"].pk])).status_code == 200
    files = {item["id"] for item in api(reviewer).get("/api/evidence/files/").json()["results"]}
    assert files == {ngo["photos"]["101"].pk, ngo["photos"]["102"].pk}
    listed = signed_in(ngo["coordinator"]).get(reverse("observers:review-assignments"))
    assert "Region Almaty" in listed.text


def test_a_station_assignment_gives_that_station_only_and_removing_it_empties_the_queue(ngo):
    reviewer, election, flags = ngo["reviewer"], ngo["election"], ngo["flags"]
    client = signed_in(ngo["coordinator"])
    client.post(reverse("observers:review-assignments"), {
        "reviewer": reviewer.pk, "election": election.pk, "region": ngo["astana"].pk, "station_code": "301"})
    assignment = ReviewAssignment.objects.get()
    assert assignment.station == ngo["stations"]["301"] and assignment.region is None
    queue, from_api, feed, _export = reached_flags(reviewer, election)
    assert queue == from_api == feed == {flags["301"].pk}
    client.post(reverse("observers:remove-review-assignment", args=[assignment.pk]))
    assert not ReviewAssignment.objects.exists()
    assert reached_flags(reviewer, election) == (set(), set(), set(), set())


def test_an_assignment_of_another_election_gives_nothing_in_this_one(ngo, election):
    other = ElectionFactory(country=election.country)
    observer_services.assign_reviewer(actor=ngo["coordinator"], reviewer_id=ngo["reviewer"].pk,
                                      election_id=other.pk, region_id=ngo["almaty"].pk)
    assert reached_flags(ngo["reviewer"], election) == (set(), set(), set(), set())


def test_only_the_organisations_coordinator_in_their_regions_may_assign(ngo):
    reviewer, election = ngo["reviewer"], ngo["election"]
    stranger = CoordinatorFactory(organisation=OrganisationFactory())
    stranger.regions.add(ngo["almaty"])
    with pytest.raises(ValidationError):
        observer_services.assign_reviewer(actor=stranger, reviewer_id=reviewer.pk, election_id=election.pk,
                                          region_id=ngo["almaty"].pk)
    assert reviewer.username not in signed_in(stranger).get(reverse("observers:review-assignments")).text
    local = CoordinatorFactory(organisation=ngo["organisation"])
    local.regions.add(ngo["almaty"])
    with pytest.raises(PermissionDenied):
        observer_services.assign_reviewer(actor=local, reviewer_id=reviewer.pk, election_id=election.pk,
                                          region_id=ngo["astana"].pk)
    with pytest.raises(PermissionDenied):
        observer_services.assign_reviewer(actor=reviewer, reviewer_id=reviewer.pk, election_id=election.pk,
                                          region_id=ngo["almaty"].pk)
    assert signed_in(reviewer).get(reverse("observers:review-assignments")).status_code == 403
    assert signed_in(ObserverFactory()).get(reverse("observers:review-assignments")).status_code == 403
    assert not ReviewAssignment.objects.exists()


def test_an_administrator_assigns_in_the_admin_and_the_platforms_own_reviewers_still_see_all(ngo):
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    response = signed_in(admin).post(reverse("admin:observers_reviewassignment_add"), {
        "reviewer": ngo["reviewer"].pk, "election": ngo["election"].pk, "region": ngo["astana"].pk, "station": ""})
    assert response.status_code == 302, response.content
    assignment = ReviewAssignment.objects.get()
    assert assignment.organisation == ngo["organisation"] and assignment.assigned_by == admin
    assert reached_flags(ngo["reviewer"], ngo["election"])[1] == {ngo["flags"]["301"].pk}
    platform_reviewer = UserFactory(role=User.Role.REVIEWER)
    assert reached_flags(platform_reviewer, ngo["election"])[1] == {flag.pk for flag in ngo["flags"].values()}


def test_the_dashboards_counts_of_flags_are_the_reviewers_assigned_work_only(ngo):
    """The coverage table (page and export), a commission's stations and the map count the flags
    an assigned reviewer was given, not the organisation's others."""
    reviewer, election = ngo["reviewer"], ngo["election"]
    observer_services.assign_reviewer(actor=ngo["coordinator"], reviewer_id=reviewer.pk, election_id=election.pk,
                                      station_id=ngo["stations"]["102"].pk)
    for place in ngo["stations"].values():  # on the map
        place.latitude, place.longitude = "43.238900", "76.889700"
        place.save()
    client = signed_in(reviewer)
    coverage = client.get(reverse("dashboard:coverage", args=[election.slug]))
    flags_by_region = {row["group"].pk: row["figures"]["open_flags"] for row in coverage.context["rows"]}
    assert flags_by_region == {ngo["almaty"].pk: 1, ngo["astana"].pk: 0}
    export = client.get(reverse("dashboard:export", args=[election.slug, "coverage", "csv"]))
    header, *rows = csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    column = header.index("Open flags")
    assert sorted(int(row[column]) for row in rows) == [0, 1]
    commission = client.get(reverse("dashboard:commission", args=[election.slug, ngo["stations"]["101"].commission_id]))
    assert {station.code: station.open_flags for station in commission.context["stations"]} == {"101": 0, "102": 1}
    points = client.get(reverse("dashboard:map-points", args=[election.slug])).json()
    states = dict(enumerate(points["states"]))
    flagged = {code for _pk, code, _lat, _lon, state in points["points"] if states[state] == "flagged"}
    assert flagged == {"102"}
    # The coordinator, who coordinates both regions, still counts every flag of the organisation.
    coordinator = signed_in(ngo["coordinator"]).get(reverse("dashboard:coverage", args=[election.slug]))
    assert {row["group"].pk: row["figures"]["open_flags"] for row in coordinator.context["rows"]} == {
        ngo["almaty"].pk: 2, ngo["astana"].pk: 1}
