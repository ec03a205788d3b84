"""#18 on a phone (390x844) with the server unreachable: an observer fills the counting checklist
offline, it waits in the outbox (a reload included), arrives once when the network is back, and the
coordinator sees the share move on the checklist statistics page."""

import uuid

import pytest

from checklists import services
from checklists.models import Submission
from incidents.models import Incident
from tests.browser import test_offline_app as offline_app
from tests.browser.test_observer_journey import log_in as log_in_as_staff
from tests.browser.test_offline_app import PHONE, log_in, outbox_states
from tests.browser.waiting import wait_until
from tests.checklists import conftest as checklist_fixtures
from tests.factories import DeploymentFactory, ObserverFactory, StationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

network = offline_app.network  # the switchable network (the server really unreachable when off)
counting = checklist_fixtures.counting  # a counting checklist, its observer, station and coordinator


def shares(page):
    return {answer: page.locator(f"#figures-observers-allowed tr[data-answer='{answer}'] td.share").inner_text()
            for answer in ("yes", "no")}


def test_the_counting_checklist_filled_offline_arrives_once_and_moves_the_coordinators_share(
        network, counting, browser, live_server, artifacts_dir):
    # Another station of the same organisation already answered "yes".
    other = DeploymentFactory(observer=ObserverFactory(organisation=counting["coordinator"].organisation),
                              election=counting["election"], station=StationFactory(commission=counting["station"].commission))
    services.submit_answers(observer=other.observer, client_id=uuid.uuid4(), deployment_id=other.pk,
                            version_id=counting["version"].pk, answers={"observers-allowed": "yes"})
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    coordinator = desk.new_page()
    log_in_as_staff(coordinator, live_server.url, counting["coordinator"].username)
    statistics = f"{live_server.url}/checklists/{counting['election'].slug}/statistics/"
    coordinator.goto(statistics)
    assert shares(coordinator)["yes"] == "100.0" and shares(coordinator)["no"] in ("", "0.0")
    assert "1 stations sent this checklist." in coordinator.locator("#reporting").inner_text()

    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url, counting["observer"].username)
    answer_path = f"/checklists/answer/{counting['deployment'].pk}/{counting['checklist'].pk}/"
    # My station asks the service worker to keep the checklist's page for offline use.
    wait_until(phone, f"""caches.keys().then(names => names.find(n => n.startsWith("observer-pages-")))
        .then(name => name && caches.open(name)).then(cache => cache && cache.match("{answer_path}", {{ignoreVary: true}}))
        .then(found => !!found)""")

    network.off()
    context.set_offline(True)
    accepted_before = network.accepted
    phone.get_by_role("link", name="Counting").click()
    phone.wait_for_url(f"**{answer_path}")
    phone.get_by_role("group", name="Were observers allowed to see the ballots?").get_by_label("No").check()
    refused = phone.get_by_role("group", name="Who refused?")
    refused.wait_for()  # the conditional question appears offline too
    refused.get_by_label("The chair").check()
    phone.get_by_label("Stuffing").check()
    phone.get_by_label("Observers present").fill("2")
    phone.reload()  # the draft is on the phone: the answers and the conditional question come back
    phone.get_by_role("group", name="Who refused?").get_by_label("The chair").wait_for()
    assert phone.get_by_role("group", name="Who refused?").get_by_label("The chair").is_checked()
    assert phone.get_by_label("Observers present").input_value() == "2"
    phone.get_by_role("button", name="Send the answers").click()
    phone.wait_for_url("**/observe/me/")
    phone.reload()  # offline: My station and its outbox come from the phone
    phone.locator("#outbox .outbox-item").wait_for()
    assert phone.locator("#outbox .outbox-item strong").inner_text() == "Checklist"
    assert phone.locator("#outbox .outbox-label").inner_text() == "Counting"
    assert outbox_states(phone) == ["Waiting for the network"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "checklist-offline-outbox-390x844.png"), full_page=True)
    assert network.accepted == accepted_before  # nothing reached the server
    assert Submission.objects.count() == 1 and not Incident.objects.exists()

    network.on()
    context.set_offline(False)
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].some("
                      "s => s.textContent.startsWith('Received by the server at'))", timeout=60_000)
    phone.reload()  # opened again: nothing is sent twice
    phone.locator("#outbox .outbox-item").wait_for()
    phone.wait_for_timeout(1000)
    submission = Submission.objects.exclude(deployment=other).get()
    assert submission.payload == {"observers-allowed": "no", "who-refused": "chair", "problems": ["stuffing"],
                                  "observers-present": 2}
    assert Submission.objects.count() == 2
    assert Incident.objects.get().station == counting["station"]  # the critical answer, once
    drafts = phone.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("observer-app");
        open.onsuccess = () => {
          const request = open.result.transaction("drafts").objectStore("drafts").getAllKeys();
          request.onsuccess = () => { open.result.close(); resolve(request.result); };
        };
      })""")
    assert not [key for key in drafts if key.startswith("checklist:")], drafts  # gone once the server had it
    context.close()

    coordinator.reload()
    assert shares(coordinator) == {"yes": "50.0", "no": "50.0"}
    assert "2 stations sent this checklist." in coordinator.locator("#reporting").inner_text()
    desk.close()
