"""A coordinator on election night: dashboard, drill-down, export, map (desktop and phone)."""

import io
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from openpyxl import load_workbook

from tests.browser.test_observer_journey import log_in
from tests.browser.waiting import wait_until
from tests.dashboard.test_dashboard_pages import world  # noqa: F401 (the fixture)
from tests.dashboard.test_quick_count_and_forensics_pages import published  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _flag_second_station(world):  # noqa: F811 (the fixture value, passed in)
    import uuid

    from elections.models import Station
    from protocols import services
    from tests.factories import DeploymentFactory, ObserverFactory

    station = Station.objects.get(commission=world["commission"], code="2")
    observer = ObserverFactory(organisation=world["coordinator"].organisation)  # our NGO's: ours to see
    deployment = DeploymentFactory(observer=observer, election=world["election"], station=station)
    figures = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
               "L8.1": 450, "L8.2": 350, "L8.3": 70, "L9": 10}
    services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(), figures=figures)
    services.check_stations(election_id=world["election"].pk, station_ids=[station.pk])


def _raise_a_burst_of_flags(world, count):  # noqa: F811 (the fixture value, passed in)
    """What a national import does between two polls: many flags at once."""
    from protocols.models import Discrepancy

    Discrepancy.objects.bulk_create([
        Discrepancy(election=world["election"], station=world["observed"], key=f"burst:{number}", kind="mismatch",
                    severity="critical", severity_rank=3) for number in range(count)])


def _report_incident(world):  # noqa: F811 (the fixture value, passed in)
    from incidents.models import Severity
    from tests.factories import DeploymentFactory, IncidentFactory, ObserverFactory

    observer = ObserverFactory(organisation=world["coordinator"].organisation)
    deployment = DeploymentFactory(observer=observer, election=world["election"], station=world["observed"])
    IncidentFactory(deployment=deployment, severity=Severity.HIGH)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_coordinator_drills_down_downloads_and_sees_the_map(live_server, browser, artifacts_dir, world,  # noqa: F811
                                                            viewport):
    context = browser.new_context(viewport=viewport, accept_downloads=True,
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    log_in(page, live_server.url, world["coordinator"].username)
    page.clock.install()
    page.goto(f"{live_server.url}/dashboard/mazhilis-2027/")
    assert page.get_by_role("heading", level=1).inner_text() == "Coverage"
    page.wait_for_selector("#live-feed li")
    assert page.locator("#live-feed li").count() == 1

    # A second station is flagged while the page is open: it appears without a reload.
    _flag_second_station(world)
    page.clock.fast_forward(16_000)
    wait_until(page, "document.querySelectorAll('#live-feed li').length === 2")
    assert page.title().startswith("(1) ")

    # An observer of the coordinator's NGO reports an incident: it appears too, and the title counts it.
    _report_incident(world)
    page.clock.fast_forward(16_000)
    wait_until(page, "document.querySelectorAll('#live-feed li[data-type=incident]').length === 1")
    assert page.title().startswith("(2) ")
    assert "Incident · High" in page.locator("#live-feed li[data-type=incident]").inner_text()

    # An import raises 120 flags at once, more than one answer of the feed holds: the page asks
    # again at once until none is left, shows every one and counts every one in the title.
    _raise_a_burst_of_flags(world, 120)
    page.clock.fast_forward(16_000)
    wait_until(page, "document.querySelectorAll('#live-feed li').length === 3 + 120")
    assert page.title().startswith("(122) ")

    name = viewport["width"]
    # Nothing makes the page wider than the screen (wide tables scroll inside their own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(artifacts_dir / f"dashboard-{name}.png"), full_page=True)
    page.get_by_role("link", name="Almaty", exact=True).click()
    page.get_by_role("link", name="Almaty TEC 1").click()
    page.get_by_role("link", name="1", exact=True).click()
    assert "Observer's copy differs from the official result" in page.content()

    page.goto(f"{live_server.url}/dashboard/mazhilis-2027/results/")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename == "mazhilis-2027-results.xlsx"
    # Playwright stores the download under a name without an extension: openpyxl reads the bytes.
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).active
    assert [cell.value for cell in sheet[1]] == ["Election", "Contestant", "Official", "Observers",
                                                 "Official, same stations"]
    # AMANAT in the coordinator's region (Almaty): official 540 + 500; both stations are observed
    # by now, their observers counted 500 + 450.
    assert [cell.value for cell in sheet[2]][1:] == ["AMANAT", 1040, 950, 1040]

    page.goto(f"{live_server.url}/dashboard/mazhilis-2027/map/")
    wait_until(page, "document.getElementById('map-count').textContent === '2'")
    assert page.locator(".leaflet-interactive").count() >= 1
    page.screenshot(path=str(artifacts_dir / f"map-{name}.png"))

    # The session ends while the map is open: the next view says so instead of failing silently.
    Session.objects.all().delete()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_text("The map could not load its stations").wait_for()
    assert errors == []
    context.close()


def test_reviewer_points_at_the_fingerprint_and_reads_the_cell(live_server, browser, artifacts_dir,
                                                               published):  # noqa: F811
    """The turnout/share heat map is drawn in the page from its JSON, and tells the figures of the
    cell under the pointer; the static plots for a report are a click away."""
    from tests.factories import UserFactory

    reviewer = UserFactory(role="reviewer")
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/dashboard/demo-2027/forensics/")
    canvas = page.locator("#fingerprint")
    canvas.wait_for(state="visible")
    # The cell with the most stations: point at its centre and read it back.
    data = page.evaluate("fetch(document.getElementById('fingerprint').dataset.url).then(r => r.json())")
    turnout, share = max(((t, s) for t in range(100) for s in range(100)), key=lambda cell: data["counts"][cell[0]][cell[1]])
    box = canvas.bounding_box()
    scale = box["width"] / 500  # the canvas is drawn at 500 x 500 and shown at the page's width
    x = box["x"] + (36 + (turnout + 0.5) * (500 - 52) / 100) * scale
    y = box["y"] + (6 + (100 - share - 0.5) * (500 - 34) / 100) * scale
    page.mouse.move(x, y)
    hover = page.locator("#fingerprint-hover")
    expected = f"Turnout {turnout}–{turnout + 1}%, leader’s share {share}–{share + 1}%: {data['counts'][turnout][share]} stations"
    assert hover.inner_text() == expected
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(artifacts_dir / "forensics-1280.png"), full_page=True)
    context.close()
