"""The desk walk (#17) in a browser at 1366x768: a coordinator deploys an observer found by typing,
a reviewer zooms into the protocol photo beside the figures, the coverage table fits the laptop,
the live feed keeps one item per open flag in the election's time zone; and the screenshots of the
accreditation decision, review detail and quick count (laptop and phone, Russian and Kazakh)."""

import io
import re
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from evidence.services import process_original
from observers import services as observer_services
from observers.models import Deployment
from protocols import services as protocol_services
from protocols.models import Discrepancy, ObserverCopyPhoto
from protocols.official_import import import_official_results
from tests.browser.test_observer_journey import log_in
from tests.browser.waiting import wait_until
from tests.dashboard.test_dashboard_pages import PROTOCOL, world  # noqa: F401 (the fixture)
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)
from tests.observers.conftest import photo
from tests.protocols.conftest import KZ_PROTOCOL, deployment, election, kz_source, official_csv, station  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _desk(browser, language="en", viewport=LAPTOP, **options):
    return browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": language}, **options)


def _signed_in(browser, live_server, user, language, viewport=LAPTOP):
    """A page signed in (the login page read in English), then shown in `language` (the language
    cookie, as the language buttons set it)."""
    context = _desk(browser, "en", viewport)
    page = context.new_page()
    log_in(page, live_server.url, user.username)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    return context, page


def test_coordinator_finds_the_observer_and_the_station_by_typing(live_server, browser):
    region = RegionFactory(name="Almaty")
    organisation = OrganisationFactory()
    organisation.regions.add(region)
    coordinator = CoordinatorFactory(organisation=organisation)
    observer = ObserverFactory(organisation=organisation, first_name="Aigerim", last_name="Sadykova")
    ObserverFactory(organisation=organisation, first_name="Dana", last_name="Omarova")
    school = StationFactory(commission=CommissionFactory(region=region), code="412", name="School No. 12",
                            address="Abay avenue 10")
    mazhilis = ElectionFactory(name="Mazhilis 2027")
    context = _desk(browser)
    page = context.new_page()
    log_in(page, live_server.url, coordinator.username)
    page.wait_for_url("**/dashboard/")  # a coordinator lands on their dashboard
    page.goto(f"{live_server.url}/observe/deployments/")
    page.get_by_text("Deploy an observer").click()
    page.locator("form.deploy-form").get_by_label("Election").select_option(label=str(mazhilis))
    who = page.get_by_role("combobox", name="Observer")
    who.press_sequentially("sady", delay=30)
    expect(page.locator("#observer-suggestions").get_by_role("option")).to_have_text([f"Aigerim Sadykova ({observer.username})"])
    who.press("ArrowDown")
    who.press("Enter")  # picked with the keyboard
    expect(who).to_have_value(f"Aigerim Sadykova ({observer.username})")
    where = page.get_by_role("combobox", name="Station")
    where.press_sequentially("abay", delay=30)
    page.get_by_role("option", name="412 · School No. 12 · Abay avenue 10 · Almaty").click()
    # The station is named, with its address, before anything is saved.
    expect(page.locator("#station-preview")).to_be_visible()
    expect(page.locator("#station-preview")).to_contain_text("School No. 12 · Abay avenue 10")
    assert not Deployment.objects.exists()
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.get_by_text("Observer deployed.")).to_be_visible()
    made = Deployment.objects.get()
    assert (made.observer, made.station, made.election) == (observer, school, mazhilis)
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    context.close()


@pytest.fixture
def photographed_flag(election, deployment, kz_source, settings, tmp_path):  # noqa: F811
    """A mismatch whose observer's copy carries a processed photo of the protocol (1600x1200)."""
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    moved = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", moved)])))
    evidence = evidence_file(uploaded_by=deployment.observer, data=photo_bytes(width=1600, height=1200, seed=7),
                             filename="page-1.jpg", station=deployment.station_id, election=deployment.election_id,
                             purpose="protocol_photo")
    process_original(original_id=evidence.original_id)
    copy, _created = protocol_services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                                   client_id=uuid.uuid4(), figures=KZ_PROTOCOL,
                                                   evidence_ids=[evidence.pk])
    assert ObserverCopyPhoto.objects.filter(copy=copy).exists()
    protocol_services.check_stations(election_id=election.pk)
    return Discrepancy.objects.get(kind="mismatch")


def _scale(frame):
    return float(frame.get_attribute("data-scale"))


def test_reviewer_lands_on_the_queue_and_zooms_into_the_photo_beside_the_figures(live_server, browser,
                                                                                 photographed_flag):
    reviewer = UserFactory(role="reviewer")
    context = _desk(browser)
    page = context.new_page()
    log_in(page, live_server.url, reviewer.username)
    page.wait_for_url("**" + reverse("protocols:review"))  # a reviewer lands on the review queue
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    page.goto(live_server.url + reverse("protocols:review-detail", args=[photographed_flag.pk]))
    frame = page.locator(".zoom-frame").first
    image = frame.locator("img")
    wait_until(page, "document.querySelector('.zoom-frame img').complete")
    box = frame.bounding_box()
    assert box["width"] >= 600 and box["height"] >= 400  # was 278x209 beside the figures
    # The figures stay beside the photo, on the same screen.
    figures = page.locator("table.comparison").bounding_box()
    assert figures["x"] >= box["x"] + box["width"] and figures["y"] < LAPTOP["height"]
    assert _scale(frame) == 1
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    assert _scale(frame) == 2.25
    frame.focus()
    before = image.evaluate("element => element.style.transform")
    frame.press("ArrowLeft")
    frame.press("ArrowUp")
    after = image.evaluate("element => element.style.transform")
    assert before != after and "scale(2.25)" in after
    frame.press("+")
    assert _scale(frame) == pytest.approx(3.38, abs=0.01)
    frame.press("0")
    assert _scale(frame) == 1
    # The mouse wheel zooms too, and a drag moves the photo.
    frame.hover()
    page.mouse.wheel(0, -200)
    wait_until(page, "document.querySelector('.zoom-frame').dataset.scale === '1.5'")
    centre = frame.bounding_box()
    page.mouse.move(centre["x"] + 300, centre["y"] + 200)
    page.mouse.down()
    page.mouse.move(centre["x"] + 200, centre["y"] + 150, steps=4)
    page.mouse.up()
    assert image.evaluate("element => element.style.transform") != "translate(0px, 0px) scale(1.5)"
    expect(page.locator("#difference-sign")).to_contain_text("Δ is “Observer's copy” minus “Official”")
    # Nothing chosen for the reviewer: the radio buttons start empty.
    assert page.locator("input[name=decision]:checked").count() == 0
    context.close()


def test_the_coverage_table_fits_a_laptop_with_its_incident_columns_visible(live_server, browser, world):  # noqa: F811
    for language in ("ru", "kk"):
        context, page = _signed_in(browser, live_server, world["coordinator"], language)
        page.goto(f"{live_server.url}/dashboard/mazhilis-2027/")
        table = page.locator("table.coverage")
        expect(table).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        scroller = page.locator("table.coverage").locator("xpath=..")
        assert scroller.evaluate("element => element.scrollWidth <= element.clientWidth"), language
        last = page.locator("table.coverage thead tr:nth-child(2) th").last.bounding_box()
        assert last["x"] + last["width"] <= LAPTOP["width"]  # the last incident column, on screen
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"coverage-{language}-1366x768.png"))
        context.close()


def test_the_live_feed_keeps_one_item_per_open_flag_in_the_elections_time_zone(live_server, browser, world):  # noqa: F811
    # The browser sits in New York; the election (and every page) keeps Almaty's time.
    context = _desk(browser, timezone_id="America/New_York")
    page = context.new_page()
    log_in(page, live_server.url, world["coordinator"].username)
    page.clock.install()
    page.goto(f"{live_server.url}/dashboard/mazhilis-2027/")
    page.wait_for_selector("#live-feed li")
    observed = Deployment.objects.get(station=world["observed"])
    for moved in (1, 2):  # two corrections, each still differing from the official result
        protocol_services.submit_copy(observer=observed.observer, deployment_id=observed.pk,
                                      client_id=uuid.uuid4(), figures={**PROTOCOL, "L8.1": 500 + moved,
                                                                       "L8.2": 300 - moved})
        protocol_services.check_stations(election_id=world["election"].pk)
        page.clock.fast_forward(16_000)
        newest = Discrepancy.objects.filter(status="open").latest("id")
        wait_until(page, f"document.querySelector('#live-feed li[data-id=\"{newest.pk}\"]') !== null")
    assert page.locator("#live-feed li").count() == 1  # station 1 once, not three times
    assert page.title() == page.evaluate("document.title")  # the title counts no replaced flag...
    assert not page.title().startswith("(")  # ...as a new one
    shown = page.locator("#live-feed li time").inner_text()
    almaty = newest.created_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert shown == almaty.strftime("%H:%M:%S")
    new_york = newest.created_at.astimezone(ZoneInfo("America/New_York"))
    assert almaty.hour != new_york.hour
    context.close()


def _pending_accreditation(organisation):
    observer = observer_services.sign_up(invitation_code=organisation.invitation_code, username=f"obs{uuid.uuid4().hex[:6]}",
                                         password=TEST_PASSWORD, first_name="Айгерим", last_name="Садыкова",
                                         phone="+7 701 555 44 33", document=photo(size=(640, 480)))
    return observer.accreditation


def test_screenshots_of_the_decision_review_and_quick_count_pages(live_server, browser, photographed_flag):
    region = RegionFactory(name="Алматы")
    organisation = OrganisationFactory(invitation_code="FAIR-2027")
    organisation.regions.add(region)
    coordinator = CoordinatorFactory(organisation=organisation)
    accreditation = _pending_accreditation(organisation)
    reviewer = UserFactory(role="reviewer")
    # The flagged station is in the random sample: the quick count has 1 report of 1, below the minimum.
    Deployment.objects.filter(pk=photographed_flag.observer_copy.deployment_id).update(in_random_sample=True)
    quick_count = f"/dashboard/{photographed_flag.election.slug}/quick-count/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.time() - 1
    taken = []
    for language in ("ru", "kk"):
        for name, viewport in (("1366x768", LAPTOP), ("390x844", PHONE)):
            width = viewport["width"]
            desk, page = _signed_in(browser, live_server, coordinator, language, viewport)
            page.goto(f"{live_server.url}/observe/accreditations/{accreditation.pk}/")
            expect(page.locator("input[name=decision]")).to_have_count(2)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            taken.append(SCREENSHOTS / f"accreditation-decision-{language}-{name}.png")
            page.screenshot(path=str(taken[-1]), full_page=True)
            desk.close()

            desk, page = _signed_in(browser, live_server, reviewer, language, viewport)
            page.goto(live_server.url + reverse("protocols:review-detail", args=[photographed_flag.pk]))
            wait_until(page, "document.querySelector('.zoom-frame img').complete")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            taken.append(SCREENSHOTS / f"review-detail-{language}-{name}.png")
            page.screenshot(path=str(taken[-1]), full_page=True)
            page.goto(live_server.url + quick_count)
            expect(page.locator("#withheld")).to_be_visible()  # 1 report: below the minimum
            assert re.search(r"\b1\b", page.locator("#received").inner_text())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            taken.append(SCREENSHOTS / f"quick-count-{language}-{name}.png")
            page.screenshot(path=str(taken[-1]), full_page=True)
            desk.close()
    assert len(taken) == 12 and all(path.stat().st_size > 10_000 for path in taken)
    assert all(path.stat().st_mtime >= started for path in taken)  # written by this run
