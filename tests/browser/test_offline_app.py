"""The observer's phone app when the network is gone, in Chromium at 390x844: what is typed and
photographed is kept on the phone, shown in the outbox, and arrives exactly once when the network is
back, photos with the SHA-256 the phone computed. Offline means the server is unreachable: the
browser talks to it through a proxy that is switched off (tests/browser/switchable_network.py)."""

import hashlib
import os

import pytest

from evidence.models import EvidenceFile, EvidenceLogEntry, Upload
from incidents.models import Incident
from observers.models import CheckIn
from protocols.models import ObserverCopy
from tests.browser.switchable_network import SwitchableNetwork
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
         "locale": "en-GB", "extra_http_headers": {"Accept-Language": "en"},
         "permissions": ["geolocation"], "geolocation": {"latitude": 43.2389, "longitude": 76.8897}}
CATEGORY = "Observer not shown ballots or voter lists during the count"


@pytest.fixture
def network(live_server):
    target = int(live_server.url.rsplit(":", 1)[1])
    # This suite's range (OFFLINE_TEST_PORTS="first-last" gives another); a port still held elsewhere is skipped.
    first, last = (int(end) for end in os.environ.get("OFFLINE_TEST_PORTS", "8151-8198").split("-"))
    for port in range(first, last + 1):
        proxy = SwitchableNetwork(target, port=port)
        try:
            proxy.on()
        except OSError:
            continue
        break
    else:
        raise AssertionError(f"no free port for the switchable network in {first}-{last}")
    yield proxy
    proxy.off()


@pytest.fixture
def deployment(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    election = ElectionFactory(name="Mazhilis 2027", country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    station = StationFactory(commission=CommissionFactory(region=RegionFactory(name="Almaty")), code="412")
    return DeploymentFactory(observer=ObserverFactory(username="aigerim"), election=election, station=station)


def log_in(page, url, username="aigerim"):
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/observe/me/")


def wait_until_kept_for_offline(page, deployment):
    """My station asks the service worker to keep the observer's forms; wait until it has."""
    paths = [f"/protocols/deployments/{deployment.pk}/protocol/", f"/incidents/report/?deployment={deployment.pk}",
             "/observe/me/"]
    check = """async (paths) => {
          const names = await caches.keys();
          const pages = names.find(name => name.startsWith("observer-pages-"));
          const statics = names.find(name => name.startsWith("observer-static-"));
          if (!pages || !statics) return false;
          const cache = await caches.open(pages);
          for (const path of paths) { if (!(await cache.match(path, {ignoreVary: true}))) return false; }
          return (await (await caches.open(statics)).keys()).some(request => request.url.includes("tus.min.js"));
        }"""
    for _attempt in range(150):
        if page.evaluate(check, paths):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the service worker did not keep the observer's pages")


def outbox_states(page):
    return page.locator("#outbox .outbox-item .outbox-state").all_text_contents()


def test_offline_check_in_protocol_with_two_photos_and_incident_arrive_once_when_the_network_returns(
        network, deployment, browser, tmp_path, artifacts_dir):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)

    network.off()
    context.set_offline(True)
    accepted_before = network.accepted
    with phone.expect_navigation():  # queued, and back on My station (from the phone)
        phone.get_by_role("button", name="Check in at this station").click()
    phone.locator("#outbox .outbox-item").wait_for()

    phone.get_by_role("link", name="Enter the results protocol").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/protocol/")
    for code, value in KZ_PROTOCOL.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    # The control relations are checked on the phone, from the page kept offline, in words.
    phone.locator("input[data-line='L9']").fill("15")
    warning = phone.locator("#relation-warnings > li")
    warning.first.wait_for()
    words = warning.first.inner_text()
    assert "(890 ≠ 895)" in words and words.count("\n") >= 5  # one line per protocol line involved
    assert phone.locator("label[for='" + phone.locator("input[data-line='L4']").get_attribute("id") + "']"
                         ).inner_text().strip() in words
    assert phone.locator("input[data-line='L4']").get_attribute("aria-invalid") == "true"
    phone.locator("input[data-line='L9']").fill("10")
    assert phone.locator("section.warnings").is_hidden() and not phone.locator("input.relation-broken").count()
    photos = []
    for page_number in (1, 2):
        path = tmp_path / f"protocol-page-{page_number}.jpg"
        path.write_bytes(photo_bytes(1200, 900, seed=400 + page_number))
        photos.append(path)
    phone.get_by_label("Take or add photos of the protocol pages").set_input_files([str(path) for path in photos])
    phone.locator(".pending-file").nth(1).wait_for()
    assert hashlib.sha256(photos[0].read_bytes()).hexdigest()[:16] in phone.locator(".pending-file").first.inner_text()
    phone.get_by_role("button", name="Send the protocol").click()
    phone.wait_for_url("**/observe/me/")

    phone.get_by_role("link", name="Report an incident").click()
    phone.get_by_label("Category").select_option(label=CATEGORY)
    phone.get_by_label("What happened").fill("The chair hid the ballots during the count.")
    incident_photo = tmp_path / "ballots-hidden.jpg"
    incident_photo.write_bytes(photo_bytes(1000, 750, seed=2027))
    phone.get_by_label("Take or add photos and videos").set_input_files(str(incident_photo))
    phone.locator(".pending-file").wait_for()
    phone.get_by_role("button", name="Send the report").click()
    phone.wait_for_url("**/observe/me/")

    phone.reload()  # offline: the app and its outbox come from the phone
    phone.get_by_role("heading", name="My station").wait_for()
    phone.locator("#outbox .outbox-item").nth(2).wait_for()
    assert outbox_states(phone) == ["Waiting for the network"] * 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "offline-outbox-390x844.png"), full_page=True)
    assert network.accepted == accepted_before  # nothing reached the server
    assert (CheckIn.objects.count(), ObserverCopy.objects.count(), Incident.objects.count(),
            EvidenceFile.objects.count()) == (0, 0, 0, 0)

    network.on()
    context.set_offline(False)
    wait_until(phone,
        "[...document.querySelectorAll('#outbox .outbox-state')].filter("
        "s => s.textContent.startsWith('Received by the server at')).length === 3", timeout=60_000)
    phone.reload()  # opened again: nothing is sent twice
    phone.locator("#outbox .outbox-item").nth(2).wait_for()
    assert (CheckIn.objects.count(), ObserverCopy.objects.count(), Incident.objects.count(),
            EvidenceFile.objects.count()) == (1, 1, 1, 3)
    copy = ObserverCopy.objects.get()
    assert copy.figures == KZ_PROTOCOL and copy.version == 1
    assert sorted(photo.original.sha256 for photo in copy.photos.all()) == sorted(
        hashlib.sha256(path.read_bytes()).hexdigest() for path in photos)
    incident = Incident.objects.get()
    assert [item.original.sha256 for item in incident.evidence.all()] == [
        hashlib.sha256(incident_photo.read_bytes()).hexdigest()]
    logged = EvidenceLogEntry.objects.filter(action="received")
    assert all(entry.payload["device_sha256"] == entry.payload["sha256"] for entry in logged) and len(logged) == 3

    # The data the server has is gone from the phone; "remove everything" clears the rest.
    assert phone.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("observer-app");
        open.onsuccess = () => {
          const request = open.result.transaction("outbox").objectStore("outbox").getAll();
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result.length === 3 && request.result.every(item => !item.fields && !item.files));
          };
        };
      })""")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Remove everything from this phone").click()
    phone.get_by_text("Everything this app kept on this phone was removed, and you are logged out.").wait_for()
    left = phone.evaluate("""async () => ({
        databases: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
        workers: (await navigator.serviceWorker.getRegistrations()).length,
        local: localStorage.length, session: sessionStorage.length})""")
    assert left == {"databases": 0, "caches": 0, "workers": 0, "local": 0, "session": 0}, left
    assert not [cookie for cookie in context.cookies() if cookie["name"] == "sessionid"]  # logged out too
    context.close()


def test_a_photo_upload_cut_midway_resumes_from_the_servers_offset_after_the_page_is_closed(
        network, deployment, browser, tmp_path):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)
    network.off()
    context.set_offline(True)
    phone.get_by_role("link", name="Enter the results protocol").click()
    for code, value in KZ_PROTOCOL.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    photo = tmp_path / "protocol-full.png"
    photo.write_bytes(photo_bytes(2400, 1800, image_format="PNG", seed=9))
    size = len(photo.read_bytes())
    assert size > 1_500_000
    phone.get_by_label("Take or add photos of the protocol pages").set_input_files(str(photo))
    phone.locator(".pending-file").wait_for()
    phone.get_by_role("button", name="Send the protocol").click()
    phone.wait_for_url("**/observe/me/")
    phone.close()

    network.on(cut_after=700_000)  # the network comes back, and is lost again in the middle of the photo
    context.set_offline(False)
    phone = context.new_page()
    phone.goto(network.url + "/observe/me/")
    deadline_offset = None
    for _attempt in range(100):
        upload = Upload.objects.first()
        if network.listener is None and upload is not None:
            deadline_offset = upload.offset
            break
        phone.wait_for_timeout(200)
    assert deadline_offset is not None and 0 < deadline_offset < size, (
        network.bytes_up, network.accepted, Upload.objects.count(), outbox_states(phone), phone.url)
    assert not EvidenceFile.objects.exists() and not ObserverCopy.objects.exists()
    phone.close()  # closed with the photo half sent

    network.on()
    phone = context.new_page()
    phone.goto(network.url + "/observe/me/")
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].some("
                            "s => s.textContent.startsWith('Received by the server at'))", timeout=60_000)
    assert network.bytes_up < size - deadline_offset + 200_000  # resumed, not sent again from the start
    copy = ObserverCopy.objects.get()
    assert [item.original.sha256 for item in copy.photos.all()] == [hashlib.sha256(photo.read_bytes()).hexdigest()]
    context.close()


def test_a_draft_survives_a_language_switch_and_a_refusal_and_an_expired_session_keeps_the_queue(
        network, deployment, browser):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    phone.goto(f"{network.url}/protocols/deployments/{deployment.pk}/protocol/")
    for code, value in KZ_PROTOCOL.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    phone.locator("input[data-line='L1']").fill("99999999999")  # more than any protocol can hold
    phone.get_by_role("button", name="Русский").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/protocol/")
    phone.locator(".outbox-notice").wait_for()
    assert phone.locator("html").get_attribute("lang") == "ru"
    assert phone.locator("input[data-line='L4']").input_value() == "890"
    assert phone.locator("input[data-line='L1']").input_value() == "99999999999"

    phone.locator("form.protocol button[type=submit]").click()
    alert = phone.locator(".outbox-notice.error")
    alert.wait_for()
    assert "99999999999" not in alert.inner_text() and alert.inner_text().strip()
    assert not ObserverCopy.objects.exists()
    phone.reload()
    assert phone.locator("input[data-line='L4']").input_value() == "890"  # still on the phone

    phone.locator("input[data-line='L1']").fill("1500")
    context.clear_cookies()  # the session ended (expired, or logged out elsewhere)
    phone.locator("form.protocol button[type=submit]").click()
    phone.locator(".outbox-notice.error").wait_for()
    assert not ObserverCopy.objects.exists()
    phone.goto(network.url + "/observe/me/")  # login page (the session is gone): the outbox asks to log in
    phone.locator("input[name=username]").wait_for()
    phone.locator("#outbox .outbox-item.state-login").wait_for()
    phone.locator("input[name=username]").fill("aigerim")
    phone.locator("input[name=password]").fill(TEST_PASSWORD)
    phone.locator("main form button[type=submit]").click()
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].some("
                            "s => s.textContent.trim().length && !s.closest('.state-login'))", timeout=30_000)
    phone.locator("#outbox .outbox-item.state-sent").wait_for(timeout=30_000)
    copy = ObserverCopy.objects.get()
    assert copy.figures == KZ_PROTOCOL
    context.close()


def test_a_refused_sign_up_keeps_what_was_typed_and_the_document_photo_but_never_the_password(
        live_server, browser, tmp_path):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(live_server.url + "/observe/signup/")
    document = tmp_path / "accreditation.jpg"
    document.write_bytes(photo_bytes(800, 600, seed=77))
    phone.get_by_label("Invitation code of your organisation").fill("NO-SUCH-CODE")
    phone.get_by_label("First name").fill("Aigerim")
    phone.get_by_label("Phone").fill("+77011234567")
    phone.get_by_label("Username").fill("aigerim-new")
    phone.get_by_label("Password").fill("a long secret passphrase")
    phone.get_by_label("Photo of your accreditation document").set_input_files(str(document))
    phone.wait_for_timeout(500)  # the draft is written as the fields change
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    phone.locator(".outbox-notice").wait_for()  # the draft came back after the refusal
    assert phone.get_by_label("First name").input_value() == "Aigerim"
    assert phone.get_by_label("Password").input_value() == ""
    assert phone.evaluate("document.querySelector('input[type=file]').files[0].name") == "accreditation.jpg"
    assert phone.evaluate("document.querySelector('input[type=file]').files[0].size") == len(document.read_bytes())
    stored = phone.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("observer-app");
        open.onsuccess = () => {
          const request = open.result.transaction("drafts").objectStore("drafts").getAll();
          request.onsuccess = () => { open.result.close(); resolve(JSON.stringify(request.result.map(d => d.fields))); };
        };
      })""")
    assert "Aigerim" in stored and "a long secret passphrase" not in stored
    context.close()
