"""An incident with a photo, from the observer's phone to a complaint PDF, in Chromium on a
phone-sized screen: the photo goes through the real resumable upload client with its progress bar;
and the coordinator's triage list, which shows a new incident without a reload."""

import hashlib
import io
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from evidence.models import EvidenceFile
from incidents import services
from incidents.models import Incident, IncidentCategory
from tests.browser.waiting import wait_until
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    photo_bytes,
)
from tests.two_factor import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "en-GB", "extra_http_headers": {"Accept-Language": "en"}}
FACTS = "The chair refused to show the ballots to observers during the count."


def log_in(page, base_url, username):
    log_in_in_browser(page, base_url, username, TEST_PASSWORD)  # staff give their app's code too


def test_observer_reports_with_a_photo_coordinator_escalates_and_the_complaint_pdf_has_its_hash(
        live_server, browser, artifacts_dir, tmp_path, celery_worker_process):
    region = RegionFactory(name="Almaty")
    organisation = OrganisationFactory(name="Fair Count")
    organisation.regions.add(region)
    station = StationFactory(commission=CommissionFactory(region=region), code="412", address="Abay avenue 10")
    observer = ObserverFactory(organisation=organisation, username="aigerim", first_name="Aigerim",
                               last_name="Sadykova")
    deployment = DeploymentFactory(observer=observer, election=ElectionFactory(), station=station)
    coordinator = CoordinatorFactory(organisation=organisation, username="dana")

    observer_context = browser.new_context(**PHONE)
    phone = observer_context.new_page()
    log_in(phone, live_server.url, observer.username)
    phone.wait_for_url("**/observe/me/")
    phone.goto(f"{live_server.url}/incidents/report/?deployment={deployment.pk}")
    phone.get_by_label("Category").select_option(label="Observer not shown ballots or voter lists during the count")
    phone.get_by_label("What happened").fill(FACTS)
    photo = tmp_path / "ballots-hidden.jpg"
    photo.write_bytes(photo_bytes(1200, 900, seed=2027))
    sha256 = hashlib.sha256(photo.read_bytes()).hexdigest()
    phone.get_by_label("Take or add photos and videos").set_input_files(str(photo))
    progress = phone.locator("[data-evidence-progress] progress")
    progress.wait_for()
    wait_until(phone, "document.querySelector('[data-evidence-progress] progress').value === 100",
               timeout=30_000)
    phone.locator("[data-evidence-progress] .status.done").wait_for(timeout=30_000)
    evidence = EvidenceFile.objects.get()
    assert evidence.original.sha256 == sha256 and evidence.purpose == "incident_media"
    assert evidence.uploaded_by == observer and evidence.station == station
    assert phone.locator(f"input[name=evidence][value='{evidence.pk}']").is_checked()
    phone.screenshot(path=str(artifacts_dir / "incident-report-with-photo-390x844.png"), full_page=True)
    phone.get_by_role("button", name="Send the report").click()
    phone.wait_for_url("**/incidents/mine/")
    assert "Report sent." in phone.content() and "New" in phone.content()
    assert list(Incident.objects.get().evidence.all()) == [evidence]
    celery_worker_process.wait_for(lambda: EvidenceFile.objects.get().original.thumbnail_key != "",
                                   what="the photo's copies")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "incident-my-reports-390x844.png"))

    desk_context = browser.new_context(**PHONE)
    desk = desk_context.new_page()
    log_in(desk, live_server.url, coordinator.username)
    desk.goto(live_server.url + "/incidents/")
    desk.get_by_role("link", name="Observer not shown ballots").click()
    assert FACTS in desk.content()
    assert desk.get_by_text("ballots-hidden.jpg").is_visible()
    thumbnail = desk.locator(".evidence-gallery img")
    thumbnail.scroll_into_view_if_needed()
    wait_until(desk, "document.querySelector('.evidence-gallery img').naturalWidth > 0")
    desk.screenshot(path=str(artifacts_dir / "incident-detail-with-photo-390x844.png"), full_page=True)
    for status in ("Verified", "Escalated"):
        desk.get_by_label("New status").select_option(label=status)
        desk.get_by_role("button", name="Change the status").click()
        desk.wait_for_selector("text=Status changed.")
    assert Incident.objects.get().status == Incident.Status.ESCALATED
    desk.get_by_label("Language of the complaint").select_option("ru")
    desk.get_by_role("button", name="Draft the complaint").click()
    desk.wait_for_selector("text=Complaint drafted")
    assert FACTS in desk.content()
    with desk.expect_download() as download_info:
        desk.get_by_role("link", name="Download the PDF").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")
    assert FACTS in text and "412" in text and "Aigerim Sadykova" in text
    assert sha256 in text.replace(" ", "") and "ballots-hidden.jpg" in text
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    desk.screenshot(path=str(artifacts_dir / "incident-complaint-390x844.png"), full_page=True)
    observer_context.close()
    desk_context.close()


def test_a_new_incident_appears_in_the_open_triage_list_without_a_reload(live_server, browser, artifacts_dir):
    services.install_shipped_categories()  # a transactional test before may have flushed them
    region = RegionFactory(name="Almaty")
    organisation = OrganisationFactory(name="Fair Count")
    organisation.regions.add(region)
    station = StationFactory(commission=CommissionFactory(region=region), code="412")
    observer = ObserverFactory(organisation=organisation)
    deployment = DeploymentFactory(observer=observer, election=ElectionFactory(), station=station)
    coordinator = CoordinatorFactory(organisation=organisation, username="dana")
    other_ngo = OrganisationFactory(name="Another NGO")
    other_ngo.regions.add(region)
    outsider = ObserverFactory(organisation=other_ngo)
    outsider_deployment = DeploymentFactory(observer=outsider, election=deployment.election, station=station)

    def report(who, where, category, description):
        return services.report_incident(observer=who, client_id=uuid.uuid4(), deployment_id=where.pk,
                                        category_id=IncidentCategory.objects.get(code=category).pk,
                                        description=description)[0]

    report(observer, deployment, "vote-buying", "Money handed out at the door.")
    context = browser.new_context(**PHONE)
    desk = context.new_page()
    log_in(desk, live_server.url, coordinator.username)
    desk.clock.install()
    desk.goto(live_server.url + "/incidents/")
    cards = desk.locator("#triage-list > li")
    assert cards.count() == 1 and desk.title() == "Incidents"
    desk.evaluate("window.openedOnce = true")  # gone if the page reloads

    fresh = report(observer, deployment, "ballot-stuffing", "A stack of ballots went into the box.")
    report(outsider, outsider_deployment, "multiple-voting", "Another NGO's report.")
    desk.clock.fast_forward(16_000)
    wait_until(desk, "document.querySelectorAll('#triage-list > li').length === 2")
    assert desk.evaluate("window.openedOnce") is True
    assert desk.title() == "(1) Incidents"
    newest = cards.first
    assert "Ballot stuffing" in newest.inner_text() and "Station 412, Almaty" in newest.inner_text()
    assert "Multiple voting" not in desk.locator("#triage-list").inner_text()
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    desk.screenshot(path=str(artifacts_dir / "incident-triage-live-390x844.png"), full_page=True)

    desk.clock.fast_forward(16_000)  # nothing new: nothing added twice, the count stays
    desk.wait_for_timeout(500)
    assert cards.count() == 2 and desk.title() == "(1) Incidents"
    newest.click()
    desk.wait_for_url(f"**/incidents/{fresh.pk}/")
    assert "A stack of ballots went into the box." in desk.content()
    context.close()
