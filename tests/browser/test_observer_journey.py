"""The observer's front door, end to end in Chromium on a phone-sized screen."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from observers.models import CheckIn
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    ElectionFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)
from tests.two_factor import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "en-GB"}


def log_in(page, base_url, username):
    log_in_in_browser(page, base_url, username, TEST_PASSWORD)  # staff give their app's code too


def test_sign_up_approval_deployment_and_check_in(live_server, browser, artifacts_dir, tmp_path):
    region = RegionFactory(name="Almaty")
    organisation = OrganisationFactory(name="Fair Count", invitation_code="FAIR-2027")
    organisation.regions.add(region)
    station = StationFactory(commission=CommissionFactory(region=region), code="412", name="School No. 12",
                             address="Abay avenue 10", latitude="43.238949", longitude="76.889709")
    election = ElectionFactory(name="Mazhilis 2027")
    coordinator = CoordinatorFactory(organisation=organisation, username="dana")
    document = tmp_path / "accreditation.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, "JPEG")
    document.write_bytes(buffer.getvalue())

    # The observer signs up on their phone, with GPS allowed, standing at the station.
    observer_context = browser.new_context(**PHONE, geolocation={"latitude": 43.2391, "longitude": 76.8899},
                                           permissions=["geolocation"], extra_http_headers={"Accept-Language": "en"})
    phone = observer_context.new_page()
    phone.goto(live_server.url + "/observe/signup/?code=FAIR-2027")
    phone.get_by_label("First name").fill("Aigerim")
    phone.get_by_label("Last name").fill("Sadykova")
    phone.get_by_label("Phone").fill("+7 701 555 44 33")
    phone.get_by_label("Username").fill("aigerim")
    phone.get_by_label("Password").fill(TEST_PASSWORD)
    phone.get_by_label("Photo of your accreditation document").set_input_files(str(document))
    phone.get_by_role("button", name="Sign up").click()
    phone.wait_for_url("**/observe/me/")
    assert "Waiting for a coordinator" in phone.content()

    # The coordinator approves the accreditation after looking at the document...
    coordinator_context = browser.new_context(**PHONE, extra_http_headers={"Accept-Language": "en"})
    desk = coordinator_context.new_page()
    log_in(desk, live_server.url, coordinator.username)
    desk.wait_for_url("**/dashboard/")
    desk.get_by_role("link", name="Coordination").click()
    desk.get_by_role("link", name="Aigerim Sadykova").click()
    document_image = desk.get_by_role("img", name="Accreditation document")
    # The page may render before the image arrives: wait for the image itself, then measure it.
    assert document_image.evaluate(
        "image => image.complete ? image.naturalWidth : new Promise(resolve =>"
        " image.addEventListener('load', () => resolve(image.naturalWidth), {once: true}))") == 640
    desk.get_by_label("Approve").check()
    desk.get_by_role("button", name="Record the decision").click()
    assert "Decision recorded." in desk.content()

    # ...and deploys the observer to the station, from the link the decision offers.
    desk.get_by_role("link", name="Deploy this observer to a station").click()
    desk.locator("form.deploy-form").get_by_label("Election").select_option(label=str(election))
    desk.get_by_role("combobox", name="Station").fill("412")
    desk.get_by_role("option", name="412 · School No. 12 · Abay avenue 10 · Almaty").click()
    desk.get_by_role("button", name="Deploy", exact=True).click()
    assert "Observer deployed." in desk.content()

    # The observer sees their station, checks in (with GPS), and sees it recorded.
    phone.reload()
    assert phone.get_by_role("heading", name="Polling station 412").is_visible()
    assert "Abay avenue 10" in phone.content()
    phone.get_by_role("button", name="Check in at this station").click()
    phone.wait_for_selector("text=Checked in.")
    check_in = CheckIn.objects.get(deployment__station=station)
    assert check_in.latitude is not None and check_in.distance_m < 100 and not check_in.far_from_station
    # Leaving is asked twice: "Check out" opens a confirmation, it records nothing by itself.
    assert phone.locator("details.check-out > summary").inner_text() == "Check out"
    assert not phone.get_by_role("button", name="Yes, record my departure").is_visible()
    # The card says what was sent from this station so far: nothing yet but the check-in.
    sent = phone.get_by_label("What you sent")
    for nothing_yet in ("No protocol sent yet.", "No photo or video uploaded yet.", "No incident reported."):
        assert sent.get_by_text(nothing_yet).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "observer-home-390x844.png"))

    # The narrowest common phone: "My station" and the protocol form still fit without sideways scrolling.
    phone.set_viewport_size({"width": 360, "height": 740})
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.goto(live_server.url + reverse("protocols:submit", args=[check_in.deployment_id]))
    assert phone.get_by_role("button", name="Send the protocol").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts_dir / "protocol-form-360x740.png"), full_page=True)
    observer_context.close()
    coordinator_context.close()
