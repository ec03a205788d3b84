"""On a phone (390x844): an observer fills the counting checklist and it arrives; the coordinator sees the share."""

import uuid

import pytest
from playwright.sync_api import expect

from checklists import services
from checklists.models import Submission
from incidents.models import Incident
from tests.browser.test_observer_journey import PHONE, log_in
from tests.checklists.conftest import counting  # noqa: F401 (the fixture)
from tests.factories import DeploymentFactory, ObserverFactory, StationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_observer_fills_the_counting_checklist_and_the_coordinator_sees_the_share(live_server, browser, counting,  # noqa: F811
                                                                                   artifacts_dir):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, live_server.url, counting["observer"].username)
    page.goto(f"{live_server.url}/observe/me/")
    page.get_by_role("link", name="Counting").click()
    page.wait_for_load_state()  # the form's script hides the conditional questions once loaded
    expect(page.get_by_role("group", name="Who refused?")).to_be_hidden()
    page.get_by_role("group", name="Were observers allowed to see the ballots?").get_by_label("No").check()
    refused = page.get_by_role("group", name="Who refused?")
    assert refused.is_visible()  # the conditional question appears once "No" is ticked
    refused.get_by_label("The chair").check()
    stuffing = page.get_by_label("Stuffing")
    stuffing.check()
    assert page.locator("label.choice", has=stuffing).bounding_box()["height"] >= 44
    page.get_by_label("Observers present").fill("2")
    button = page.get_by_role("button", name="Send the answers")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] <= 390
    page.screenshot(path=str(artifacts_dir / "checklist-phone.png"), full_page=True)
    button.click()
    page.wait_for_url(f"{live_server.url}/observe/me/")
    assert "Your answers to “Counting” arrived." in page.content()
    submission = Submission.objects.get()
    assert submission.payload == {"observers-allowed": "no", "who-refused": "chair", "problems": ["stuffing"],
                                  "observers-present": 2}
    assert Incident.objects.get().station == counting["station"]
    context.close()

    desk = browser.new_context(**PHONE)
    coordinator = desk.new_page()
    log_in(coordinator, live_server.url, counting["coordinator"].username)
    coordinator.goto(f"{live_server.url}/checklists/{counting['election'].slug}/statistics/")
    row = coordinator.locator("#figures-observers-allowed tr[data-answer='no']")
    assert row.locator("td.share").inner_text() == "100.0"
    assert "1 stations sent this checklist." in coordinator.locator("#reporting").inner_text()
    # A second station answers "yes": on the next look the share of "no" has moved to half.
    second = DeploymentFactory(observer=ObserverFactory(organisation=counting["coordinator"].organisation),
                               election=counting["election"],
                               station=StationFactory(commission=counting["station"].commission))
    services.submit_answers(observer=second.observer, client_id=uuid.uuid4(), deployment_id=second.pk,
                            version_id=counting["version"].pk, answers={"observers-allowed": "yes"})
    coordinator.reload()
    assert row.locator("td.share").inner_text() == "50.0"
    assert coordinator.locator("#figures-observers-allowed tr[data-answer='yes'] td.share").inner_text() == "50.0"
    desk.close()
