"""Hostile text stays text: a station code, names, an incident's text and category made of markup
are shown as written on every page that shows them (the map's popup and the live feeds
included), no script runs, and every page carries an enforced Content-Security-Policy that the
pages themselves never break."""

import datetime
import io
import uuid

import pytest

from incidents import services as incident_services
from incidents.models import Incident, IncidentCategory
from observers import services as observer_services
from observers.models import User
from protocols import services as protocol_services
from protocols.models import Discrepancy, ResultSource
from protocols.official_import import import_official_results
from tests.browser.test_observer_journey import log_in
from tests.browser.waiting import wait_until
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
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHORT = "<img src=x onerror=window.__xss=1>"  # fits a station's code (40 characters)
LONG = SHORT + "<script>window.__xss=2</script><svg onload=window.__xss=3>\"'><b>bold</b>"
KZ = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
      "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
# Recorded before any page script runs: a script that ran, and every CSP violation a page causes.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sourceFile || ""));
});
"""


@pytest.fixture
def hostile():
    region = RegionFactory(code="ALA", name="Region " + SHORT)
    organisation = OrganisationFactory(name="NGO " + SHORT)
    organisation.regions.add(region)
    commission = CommissionFactory(region=region, code="ALA-1", name="Commission " + SHORT)
    station = StationFactory(commission=commission, code=SHORT, name="School " + SHORT, address=LONG,
                             latitude="43.240000", longitude="76.890000")
    election = ElectionFactory(slug="mazhilis-2027", name="Election " + SHORT, public_transparency=True)
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number} {SHORT}")
    columns = list(KZ)
    source = ResultSource.objects.create(code="t", name="t", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in columns})
    published = {**KZ, "L8.1": 540, "L8.2": 260}
    import_official_results(election=election, source=source, file_name="official.csv", stream=io.BytesIO(
        ("r,c,s," + ",".join(columns) + "\n" + f'ALA,ALA-1,"{SHORT}",' + ",".join(str(published[code])
                                                                                 for code in columns)).encode()))
    observer = ObserverFactory(organisation=organisation, first_name="Aigerim " + SHORT, last_name=SHORT,
                               username="observer-x")
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    observer_services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      latitude="43.240100", longitude="76.890100", accuracy_m=5)
    protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                  figures=KZ, comment=LONG)
    protocol_services.check_stations(election_id=election.pk)
    category = IncidentCategory.objects.create(code="hostile", name_kk="Category " + SHORT,
                                               name_ru="Category " + SHORT, name_en="Category " + SHORT,
                                               default_severity="high")
    incident = IncidentFactory(deployment=deployment, category=category, severity="high", description=LONG,
                               status=Incident.Status.ESCALATED)
    coordinator = CoordinatorFactory(organisation=organisation, username="coordinator-x",
                                     first_name="Dana " + SHORT)
    coordinator.regions.add(region)
    complaint, _ = incident_services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(),
                                                      incident_id=incident.pk, language="ru")
    incident_services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                                    filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC),
                                    filed_where=LONG)
    reviewer = UserFactory(role=User.Role.REVIEWER, username="reviewer-x")
    admin = UserFactory(role=User.Role.ADMIN, username="admin-x", is_staff=True, is_superuser=True)
    return {"election": election, "station": station, "region": region, "commission": commission,
            "incident": incident, "complaint": complaint, "deployment": deployment,
            "flag": Discrepancy.objects.filter(station=station).first(),
            "users": {"observer": observer, "coordinator": coordinator, "reviewer": reviewer, "admin": admin}}


def _pages(world):
    slug, station = world["election"].slug, world["station"].pk
    return {
        "coordinator": [
            f"/dashboard/{slug}/", f"/dashboard/{slug}/regions/{world['region'].pk}/",
            f"/dashboard/{slug}/commissions/{world['commission'].pk}/", f"/dashboard/{slug}/stations/{station}/",
            f"/dashboard/{slug}/results/", f"/dashboard/{slug}/map/", "/incidents/",
            f"/incidents/{world['incident'].pk}/", "/incidents/complaints/",
            f"/incidents/complaints/{world['complaint'].pk}/", "/observe/accreditations/", "/observe/deployments/",
            f"/elections/{slug}/", "/dashboard/",
        ],
        "observer": ["/observe/me/", "/incidents/mine/", f"/incidents/mine/{world['incident'].pk}/",
                     "/incidents/report/", f"/protocols/deployments/{world['deployment'].pk}/copies/",
                     f"/protocols/deployments/{world['deployment'].pk}/protocol/", "/evidence/upload/"],
        "reviewer": ["/protocols/review/", f"/protocols/review/{world['flag'].pk}/", f"/dashboard/{slug}/"],
        "admin": ["/admin/", "/admin/elections/station/", f"/admin/elections/station/{station}/change/",
                  "/admin/incidents/incident/", "/api/docs/"],
        None: [f"/transparency/{slug}/", f"/transparency/{slug}/stations/{station}/"],
    }


def _visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response


def test_hostile_text_never_runs_and_every_page_carries_the_csp(live_server, browser, artifacts_dir, hostile):
    problems, visited = [], 0
    for role, urls in _pages(hostile).items():
        context = browser.new_context(extra_http_headers={"Accept-Language": "en"})
        context.add_init_script(WATCH)
        page = context.new_page()
        if role:
            log_in(page, live_server.url, hostile["users"][role].username)
        for url in urls:
            response = _visit(page, live_server.url + url)
            visited += 1
            if response.status != 200:
                problems.append((role, url, "status", response.status))
                continue
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy or "default-src 'self'" not in policy:
                problems.append((role, url, "no enforced CSP", policy))
            if url.endswith("/map/"):  # the popup of the one station, opened by a click on it
                wait_until(page, "document.getElementById('map-count').textContent === '1'", timeout=15_000)
                page.wait_for_timeout(500)  # the fit to the one station's bounds: it is then at the centre
                page.locator("#station-map").click()  # markers are drawn on a canvas: a click where it is
                popup = page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
                if SHORT not in popup.inner_text():
                    problems.append((role, url, "popup does not show the code as text", popup.inner_text()))
            if page.evaluate("window.__xss") is not None:
                problems.append((role, url, "script ran", page.evaluate("window.__xss")))
            violations = [v for v in page.evaluate("window.__violations") if "tile.openstreetmap" not in v]
            if violations:
                problems.append((role, url, "CSP violations", violations))
        if role == "coordinator":  # the feed lists the flag and the incident by station code, as text
            _visit(page, f"{live_server.url}/dashboard/{hostile['election'].slug}/")
            page.wait_for_selector("#live-feed li", timeout=10_000)
            if SHORT not in page.locator("#live-feed").inner_text():
                problems.append((role, "live feed", "station code not shown as text"))
            page.screenshot(path=str(artifacts_dir / "hostile-text-dashboard.png"), full_page=True)
        context.close()
    assert problems == []
    assert visited >= 30
