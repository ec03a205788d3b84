"""More of the observer's phone app with the server unreachable, in Chromium at 390x844: the "Send
photos and videos" page on the outbox, a large video hashed on the phone in chunks, a refused item
corrected from the outbox list (the server's reason in Russian), the commission summary queued
offline, what the phone keeps once the server has it, and "remove everything from this phone"."""

import hashlib
import shutil
import subprocess

import pytest

from evidence.models import EvidenceFile, EvidenceLogEntry, Upload
from protocols.models import CommissionProtocol, ObserverCopy
from tests.browser import test_offline_app as offline_app
from tests.browser.test_offline_app import PHONE, log_in, outbox_states, wait_until_kept_for_offline
from tests.browser.waiting import wait_until
from tests.factories import TEST_PASSWORD, photo_bytes
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

network = offline_app.network  # the switchable network, and an observer deployed at station 412
deployment = offline_app.deployment

RUSSIAN_PHONE = {**PHONE, "locale": "ru-RU", "extra_http_headers": {"Accept-Language": "ru"}}

# What the app keeps on the phone, store by store: the drafts, the outbox (with its items' fields and
# files), localStorage and sessionStorage.
PHONE_STORAGE = """() => new Promise(resolve => {
    const open = indexedDB.open("observer-app");
    open.onsuccess = () => {
      const transaction = open.result.transaction(["drafts", "outbox"]);
      const drafts = transaction.objectStore("drafts").getAll();
      const outbox = transaction.objectStore("outbox").getAll();
      transaction.oncomplete = () => {
        open.result.close();
        resolve({drafts: drafts.result.length,
                 outbox: outbox.result.map(item => ({state: item.state, kind: item.kind, label: item.label || "",
                                                      fields: !!item.fields, files: !!item.files})),
                 local: localStorage.length, session: sessionStorage.length});
      };
    };
  })"""

LEFT_ON_THE_PHONE = """async () => ({
    databases: (await indexedDB.databases()).map(database => database.name),
    caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    local: localStorage.length, session: sessionStorage.length})"""


def upload_page(deployment):
    return f"/evidence/upload/?station={deployment.station.pk}&election={deployment.election.pk}"


def wait_until_upload_page_kept(page, deployment):
    check = """async (path) => {
          const names = await caches.keys();
          const pages = names.find(name => name.startsWith("observer-pages-"));
          return !!pages && !!(await (await caches.open(pages)).match(path, {ignoreVary: true}));
        }"""
    for _attempt in range(100):
        if page.evaluate(check, upload_page(deployment)):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the service worker did not keep the upload page")


def sent_count(page):
    return page.evaluate("[...document.querySelectorAll('#outbox .outbox-state')].filter("
                         "s => s.textContent.startsWith('Received by the server at')).length")


def test_the_send_photos_and_videos_page_keeps_two_files_offline_and_both_arrive_once(
        network, deployment, browser, tmp_path, artifacts_dir):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)
    wait_until_upload_page_kept(phone, deployment)

    network.off()
    context.set_offline(True)
    accepted_before = network.accepted
    phone.get_by_role("link", name="Upload photos and videos").click()
    phone.get_by_role("heading", name="Send photos and videos").wait_for()
    files = [tmp_path / "ballot-box.jpg", tmp_path / "turnout-board.png"]
    files[0].write_bytes(photo_bytes(1200, 900, seed=31))
    files[1].write_bytes(photo_bytes(900, 700, image_format="PNG", seed=32))
    digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]
    phone.get_by_label("Photos or videos").set_input_files([str(path) for path in files])
    phone.locator("#evidence-progress .pending-file").nth(1).wait_for()
    for row, digest in zip(phone.locator("#evidence-progress .pending-file").all(), digests, strict=True):
        assert digest[:16] in row.inner_text()  # hashed on the phone when picked
    phone.get_by_role("button", name="Send", exact=True).click()
    phone.locator("#evidence-progress .queued-file").nth(1).wait_for()
    assert phone.locator("#evidence-progress .pending-file").count() == 0
    assert "No network" in phone.locator(".outbox-notice").inner_text()

    phone.reload()  # offline: the page and its queued files come from the phone
    phone.get_by_role("heading", name="Send photos and videos").wait_for()
    phone.locator("#outbox .outbox-item").nth(1).wait_for()
    assert outbox_states(phone) == ["Waiting for the network"] * 2
    assert sorted(phone.locator("#outbox .outbox-label").all_text_contents()) == ["ballot-box.jpg", "turnout-board.png"]
    assert phone.locator("#evidence-progress .queued-file .status").all_text_contents() == ["Waiting for the network"] * 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts_dir / "offline-upload-page-390x844.png"), full_page=True)
    assert network.accepted == accepted_before  # nothing reached the server
    assert not Upload.objects.exists() and not EvidenceFile.objects.exists()

    network.on()
    context.set_offline(False)
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].filter("
                      "s => s.textContent.startsWith('Received by the server at')).length === 2", timeout=60_000)
    phone.locator("#evidence-mine").get_by_text("turnout-board.png").wait_for(timeout=30_000)
    assert phone.locator("#evidence-progress .queued-file .status.done").count() == 2
    phone.reload()  # opened again: nothing is sent twice
    phone.locator("#outbox .outbox-item").nth(1).wait_for()
    phone.wait_for_timeout(1000)
    assert sorted(EvidenceFile.objects.values_list("original__sha256", flat=True)) == sorted(digests)
    assert set(EvidenceFile.objects.values_list("station", "election")) == {
        (deployment.station.pk, deployment.election.pk)}
    received = EvidenceLogEntry.objects.filter(action="received")
    assert sorted(entry.payload["device_sha256"] for entry in received) == sorted(digests)

    # Once the server has them, the files and the page's draft are gone from the phone: two lines remain.
    kept = phone.evaluate(PHONE_STORAGE)
    kept["outbox"].sort(key=lambda item: item["label"])
    assert kept == {"drafts": 0, "local": 0, "session": 0, "outbox": [
        {"state": "sent", "kind": "upload", "label": name, "fields": False, "files": False}
        for name in ("ballot-box.jpg", "turnout-board.png")]}, kept
    context.close()


def test_a_video_larger_than_32_mb_is_hashed_on_the_phone_in_chunks_and_arrives_with_that_hash(
        network, deployment, browser, tmp_path):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    video = tmp_path / "count.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=640x360:rate=25,noise=alls=100:allf=t+u", "-t", "12", "-c:v", "mpeg4",
                    "-q:v", "1", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(video)], check=True)
    size = video.stat().st_size
    assert 34 * 2**20 < size < 60 * 2**20, size
    digest = hashlib.sha256(video.read_bytes()).hexdigest()

    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)
    wait_until_upload_page_kept(phone, deployment)
    network.off()
    context.set_offline(True)
    phone.goto(network.url + upload_page(deployment))
    assert not phone.evaluate("!!window.sha256")
    phone.get_by_label("What is it?").select_option("incident_media")
    phone.get_by_label("Photos or videos").set_input_files(str(video))
    phone.locator("#evidence-progress .pending-file").wait_for(timeout=60_000)
    # Larger than 32 MB: hashed in 8 MB chunks by the vendored js-sha256, itself served from the phone.
    assert phone.evaluate("!!window.sha256")
    assert digest[:16] in phone.locator("#evidence-progress .pending-file").inner_text()
    phone.get_by_role("button", name="Send", exact=True).click()
    phone.locator("#evidence-progress .queued-file").wait_for()

    network.on()
    context.set_offline(False)
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].some("
                      "s => s.textContent.startsWith('Received by the server at'))", timeout=180_000)
    evidence = EvidenceFile.objects.get()
    assert (evidence.original.sha256, evidence.original.size, evidence.purpose) == (digest, size, "incident_media")
    assert EvidenceLogEntry.objects.get(action="received").payload["device_sha256"] == digest
    context.close()


def test_a_refused_protocol_shows_the_servers_reason_in_russian_and_is_corrected_from_the_outbox(
        network, deployment, browser):
    context = browser.new_context(**RUSSIAN_PHONE)
    phone = context.new_page()
    phone.goto(network.url + "/accounts/login/")
    phone.locator("input[name=username]").fill("aigerim")
    phone.locator("input[name=password]").fill(TEST_PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/observe/me/")
    assert phone.locator("html").get_attribute("lang") == "ru"
    wait_until_kept_for_offline(phone, deployment)

    network.off()
    context.set_offline(True)
    phone.goto(f"{network.url}/protocols/deployments/{deployment.pk}/protocol/")
    for code, value in KZ_PROTOCOL.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    phone.locator("input[data-line='L1']").fill("99999999999")  # more than any protocol can hold
    phone.locator("form.protocol button[type=submit]").click()
    phone.wait_for_url("**/observe/me/")
    phone.locator("#outbox .outbox-item").wait_for()
    assert outbox_states(phone) == ["Ждёт связи"]

    network.on()
    context.set_offline(False)
    refused = phone.locator("#outbox .outbox-item.state-refused")
    refused.wait_for(timeout=60_000)
    reason = refused.locator(".outbox-state").inner_text()
    assert reason.startswith("Отклонено:") and "Ensure" not in reason, reason
    assert any("а" <= letter <= "я" for letter in reason.removeprefix("Отклонено:")), reason  # the server's words, in Russian
    assert not ObserverCopy.objects.exists()

    refused.get_by_role("link", name="Исправить и отправить снова").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/protocol/#outbox-*")
    notice = phone.locator(".outbox-notice.error")
    notice.wait_for()
    assert reason.removeprefix("Отклонено:").strip() in notice.inner_text()
    assert phone.locator("input[data-line='L1']").input_value() == "99999999999"
    assert phone.locator("input[data-line='L4']").input_value() == str(KZ_PROTOCOL["L4"])
    phone.locator("input[data-line='L1']").fill(str(KZ_PROTOCOL["L1"]))
    phone.locator("form.protocol button[type=submit]").click()
    phone.wait_for_url(f"**/protocols/deployments/{deployment.pk}/copies/")  # sent: the observer's copies
    phone.goto(network.url + "/observe/me/")
    phone.locator("#outbox .outbox-item.state-sent").wait_for(timeout=30_000)
    # The corrected item replaced the refused one (same client ID): one line, one copy stored.
    assert outbox_states(phone)[0].startswith("Получено сервером") and len(outbox_states(phone)) == 1
    copy = ObserverCopy.objects.get()
    assert copy.figures == KZ_PROTOCOL and copy.version == 1
    context.close()


def test_the_commission_summary_typed_offline_arrives_once_when_the_network_returns(network, deployment, browser):
    deployment.observer.organisation.regions.add(deployment.station.commission.region)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)
    summary_path = f"/protocols/deployments/{deployment.pk}/commission-summary/"
    wait_until(phone, f"""caches.keys().then(names => names.find(n => n.startsWith("observer-pages-")))
        .then(name => name && caches.open(name)).then(cache => cache && cache.match("{summary_path}", {{ignoreVary: true}}))
        .then(found => !!found)""")

    network.off()
    context.set_offline(True)
    accepted_before = network.accepted
    phone.get_by_role("link", name="Enter the territorial commission's summary protocol").click()
    summary = {code: value * 10 for code, value in KZ_PROTOCOL.items()}
    for code, value in summary.items():
        phone.locator(f"input[data-line='{code}']").fill(str(value))
    phone.get_by_role("button", name="Send the summary protocol").click()
    phone.wait_for_url("**/observe/me/")
    phone.reload()
    phone.locator("#outbox .outbox-item").wait_for()
    assert phone.locator("#outbox .outbox-item strong").inner_text() == "Commission summary protocol"
    assert outbox_states(phone) == ["Waiting for the network"]
    assert network.accepted == accepted_before and not CommissionProtocol.objects.exists()

    network.on()
    context.set_offline(False)
    wait_until(phone, "[...document.querySelectorAll('#outbox .outbox-state')].some("
                      "s => s.textContent.startsWith('Received by the server at'))", timeout=60_000)
    phone.reload()
    phone.locator("#outbox .outbox-item").wait_for()
    phone.wait_for_timeout(1000)
    stored = CommissionProtocol.objects.get()
    assert (stored.figures, stored.version, stored.commission) == (summary, 1, deployment.station.commission)
    assert phone.evaluate(PHONE_STORAGE)["drafts"] == 0
    context.close()


def test_remove_everything_from_this_phone_leaves_no_database_cache_storage_worker_or_session(
        network, deployment, browser, tmp_path):
    """With a draft, a queued check-in with its page kept and a photo waiting in the outbox, offline."""
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(phone, network.url)
    wait_until_kept_for_offline(phone, deployment)
    wait_until_upload_page_kept(phone, deployment)
    network.off()
    context.set_offline(True)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Check in at this station").click()
    phone.get_by_role("link", name="Enter the results protocol").click()
    phone.locator("input[data-line='L1']").fill(str(KZ_PROTOCOL["L1"]))  # a draft, never sent
    phone.goto(network.url + upload_page(deployment))
    photo = tmp_path / "queue.jpg"
    photo.write_bytes(photo_bytes(800, 600, seed=5))
    phone.get_by_label("Photos or videos").set_input_files(str(photo))
    phone.locator("#evidence-progress .pending-file").wait_for()
    phone.get_by_role("button", name="Send", exact=True).click()
    phone.locator("#evidence-progress .queued-file").wait_for()
    phone.goto(network.url + "/observe/me/")
    phone.locator("#outbox .outbox-item").nth(1).wait_for()
    phone.evaluate("sessionStorage.setItem('outbox-flash', '[]'); localStorage.setItem('tus::fingerprint', '{}')")
    before = phone.evaluate(PHONE_STORAGE)
    assert before["drafts"] >= 1 and len(before["outbox"]) == 2 and before["local"] == 1
    assert phone.evaluate(LEFT_ON_THE_PHONE)["caches"]

    wipe = phone.get_by_role("button", name="Remove everything from this phone")
    assert wipe.is_visible() and wipe.bounding_box()["width"] <= 390
    phone.once("dialog", lambda dialog: dialog.accept())
    wipe.click()
    phone.get_by_text("Everything this app kept on this phone was removed. No network: you are still logged in").wait_for()
    # Only the note that the server must still end the session stays (nothing personal in it).
    assert phone.evaluate(LEFT_ON_THE_PHONE) == {"databases": [], "caches": [], "workers": 0, "local": 1,
                                                  "session": 0}
    assert phone.evaluate("localStorage.getItem('forget-pending')") == "1"
    assert phone.locator("#outbox").is_hidden()

    # Back online, the next page opened ends the session: the phone is no longer logged in.
    network.on()
    context.set_offline(False)
    phone.goto(network.url + "/")
    phone.get_by_text("and you are logged out").wait_for()
    assert not [cookie for cookie in context.cookies() if cookie["name"] == "sessionid"]
    assert phone.evaluate("localStorage.getItem('forget-pending')") is None
    phone.goto(network.url + "/observe/me/")
    assert "/accounts/login/" in phone.url
    context.close()
