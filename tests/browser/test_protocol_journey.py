"""An observer copies the protocol and photographs its pages on their phone, in Chromium on a
390x844 screen: the photo goes through the real resumable upload client, in the form, without
leaving the page, so the figures typed so far stay where they are."""

import hashlib

import pytest

from evidence.models import EvidenceFile
from evidence.services import process_original
from protocols.models import ObserverCopy
from tests.browser.waiting import wait_until
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    photo_bytes,
)
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "en-GB", "extra_http_headers": {"Accept-Language": "en"}}


def test_observer_types_the_figures_photographs_the_protocol_in_place_and_sees_the_photo_with_the_copy(
        live_server, browser, artifacts_dir, tmp_path, settings):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    election = ElectionFactory(name="Mazhilis 2027", country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    station = StationFactory(commission=CommissionFactory(region=RegionFactory(name="Almaty")), code="412")
    observer = ObserverFactory(username="aigerim")
    deployment = DeploymentFactory(observer=observer, election=election, station=station)

    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Username").fill(observer.username)
    phone.get_by_label("Password").fill(TEST_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url("**/observe/me/")
    phone.get_by_role("link", name="Enter the results protocol").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/protocol/")

    for code, value in KZ_PROTOCOL.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    page_photo = tmp_path / "protocol-412-page-1.jpg"
    page_photo.write_bytes(photo_bytes(1600, 1200, seed=412))
    phone.get_by_label("Take or add photos of the protocol pages").set_input_files(str(page_photo))
    wait_until(phone, "document.querySelector('[data-evidence-progress] progress').value === 100",
               timeout=30_000)
    phone.locator("[data-evidence-progress] .status.done").wait_for(timeout=30_000)
    evidence = EvidenceFile.objects.get()
    assert evidence.original.sha256 == hashlib.sha256(page_photo.read_bytes()).hexdigest()
    assert (evidence.uploaded_by, evidence.station, evidence.election, evidence.purpose) == (
        observer, station, election, "protocol_photo")
    assert phone.locator(f"input[name=evidence][value='{evidence.pk}']").is_checked()
    assert phone.locator("input[data-line='L4']").input_value() == "890"  # nothing typed was lost
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "protocol-form-with-photo-390x844.png"), full_page=True)

    phone.get_by_role("button", name="Send the protocol").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/copies/")
    assert "Protocol sent (version 1)." in phone.content()
    copy = ObserverCopy.objects.get()
    assert copy.figures == KZ_PROTOCOL and list(copy.photos.all()) == [evidence]
    assert phone.get_by_text("protocol-412-page-1.jpg").is_visible()

    process_original(original_id=evidence.original_id)  # what the Celery worker does after the upload
    phone.reload()
    thumbnail = phone.get_by_role("img", name="Protocol photo: protocol-412-page-1.jpg")
    thumbnail.scroll_into_view_if_needed()
    assert thumbnail.evaluate(
        "image => image.complete ? image.naturalWidth : new Promise(resolve =>"
        " image.addEventListener('load', () => resolve(image.naturalWidth), {once: true}))") > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "protocol-copy-with-photo-390x844.png"), full_page=True)
    context.close()
