"""An observer sends a photo from their phone and sees it in "My uploads", recorded for the
station and election the page was opened for."""

import hashlib

import pytest

from evidence.models import EvidenceFile
from tests.browser.waiting import wait_until
from tests.factories import TEST_PASSWORD, DeploymentFactory, ObserverFactory, photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_observer_uploads_a_photo_for_their_station_and_election_and_sees_it_listed(live_server, phone, artifacts_dir, tmp_path):
    observer = ObserverFactory(username="aigerim")
    deployment = DeploymentFactory(observer=observer, station__code="412")
    station, election = deployment.station, deployment.election
    photo = tmp_path / "protocol-412.jpg"
    data = photo_bytes(2400, 1800, seed=42)
    photo.write_bytes(data)

    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("input[name=username]", observer.username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/evidence/upload/?station={station.pk}&election={election.pk}&purpose=protocol_photo")
    assert election.name in phone.locator("main").inner_text()
    assert phone.locator("#evidence-purpose").input_value() == "protocol_photo"
    phone.set_input_files("#evidence-files", str(photo))
    phone.locator("#evidence-upload button[type=submit]").click()

    progress = phone.locator("#evidence-progress progress")
    progress.wait_for()
    assert phone.locator("#evidence-progress").get_attribute("aria-live") == "polite"
    wait_until(phone, "document.querySelector('#evidence-progress progress').value === 100", timeout=30_000)
    phone.locator("#evidence-mine").get_by_text("protocol-412.jpg").wait_for(timeout=30_000)
    assert "100%" in phone.locator("#evidence-progress .status").inner_text()
    phone.screenshot(path=str(artifacts_dir / "evidence-upload-phone.png"), full_page=True)

    evidence = EvidenceFile.objects.get()
    assert evidence.uploaded_by == observer and evidence.station == station and evidence.purpose == "protocol_photo"
    assert evidence.election == election
    assert evidence.original.sha256 == hashlib.sha256(data).hexdigest()
