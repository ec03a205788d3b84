"""The observer's walk of #17, in Chromium on a 390x844 phone, in Russian and Kazakh: what only a
browser shows. Every tap target measured, nothing spilling sideways at 360 px, joining with a code
as the first action, leaving the station asked twice, the same figures sent again through the
page, Kazakh times in the outbox, upload errors in the observer's words; and screenshots of My
station and the protocol form in var/screenshots/."""

import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from observers import services as observer_services
from observers.models import Accreditation, CheckIn
from protocols import services as protocol_services
from protocols.models import ObserverCopy
from tests.browser.waiting import wait_until
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    evidence_file,
    photo_bytes,
)
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TAP = 44  # px: the smallest target a thumb hits reliably (WCAG 2.5.5, Apple's and Material's guides)


def phone_context(browser, language, **extra):
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale={"ru": "ru-RU", "kk": "kk-KZ"}[language],
                               extra_http_headers={"Accept-Language": language}, **extra)


def log_in(page, base_url, username):
    page.goto(base_url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/observe/me/")


# Every control a thumb may tap on the page, with its size: a checkbox or a radio counts with its
# label (tapping the label ticks it); what is hidden (closed, [hidden], type=hidden) is not there.
MEASURE = """() => {
  const small = [];
  for (const element of document.querySelectorAll("a, button, input, select, summary, textarea")) {
    if (element.type === "hidden" || element.classList.contains("skip")) continue;
    if (!element.getClientRects().length || getComputedStyle(element).visibility === "hidden") continue;
    let box = element.getBoundingClientRect();
    let { left, top, right, bottom } = box;
    if ((element.type === "checkbox" || element.type === "radio") && element.labels) {
      for (const label of element.labels) {
        const other = label.getBoundingClientRect();
        left = Math.min(left, other.left); top = Math.min(top, other.top);
        right = Math.max(right, other.right); bottom = Math.max(bottom, other.bottom);
      }
    }
    const width = right - left, height = bottom - top;
    if (width < 43.5 || height < 43.5) {
      small.push(`${element.tagName.toLowerCase()}${element.className ? "." + element.className : ""} `
        + `"${(element.textContent || element.name || element.value || "").trim().slice(0, 40)}" `
        + `${Math.round(width)}x${Math.round(height)}`);
    }
  }
  return small;
}"""


def open_everything(page):
    """Closed <details> hide their controls: open them, so those are measured too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(details => { details.open = true; })")


def check_page(page, url, what):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    open_everything(page)
    small = page.evaluate(MEASURE)
    page.set_viewport_size({"width": 360, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth")
    return [f"{what}: {item}" for item in small] + ([f"{what}: {overflow} px wide at 360"] if overflow > 360 else [])


@pytest.fixture
def world(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    region = RegionFactory(name="Алматы")
    organisation = OrganisationFactory(name="Адал санақ", invitation_code="K7QM-PRTX-W34Z", allow_self_deployment=True)
    organisation.regions.add(region)
    election = ElectionFactory(name="Мәжіліс 2027", country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Партия {number}")
    station = StationFactory(commission=CommissionFactory(region=region), code="412", name="Мектеп № 12",
                             address="Абай даңғылы 10", latitude="43.238949", longitude="76.889709")
    observer = ObserverFactory(username="aigerim", first_name="Айгерим", last_name="Садыкова",
                               organisation=organisation)
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    return {"organisation": organisation, "election": election, "station": station, "observer": observer,
            "deployment": deployment}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_tap_target_on_observer_pages_is_44px_and_nothing_spills_sideways_at_360(
        live_server, browser, world, language):
    deployment, observer, station = world["deployment"], world["observer"], world["station"]
    observer_services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4())
    for figures in (KZ_PROTOCOL, {**KZ_PROTOCOL, "L7": 11, "L9": 9}):
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=figures)
    evidence_file(uploaded_by=observer, station=station.pk, election=world["election"].pk, purpose="protocol_photo")
    incident = IncidentFactory(deployment=deployment)
    pending = ObserverFactory(username="dana", organisation=world["organisation"],
                              accreditation=Accreditation.Status.PENDING)

    failures = []
    anonymous = phone_context(browser, language)
    page = anonymous.new_page()
    for url, what in (("/", "home"), (reverse("observers:sign-up"), "sign-up"), ("/accounts/login/", "login")):
        failures += check_page(page, live_server.url + url, what)
    anonymous.close()

    waiting = phone_context(browser, language)
    page = waiting.new_page()
    log_in(page, live_server.url, pending.username)
    failures += check_page(page, live_server.url + reverse("observers:home"), "My station (pending)")
    waiting.close()

    context = phone_context(browser, language)
    page = context.new_page()
    log_in(page, live_server.url, observer.username)
    pages = (
        (reverse("observers:home"), "My station"),
        (reverse("protocols:submit", args=[deployment.pk]), "protocol form"),
        (reverse("protocols:copies", args=[deployment.pk]), "versions sent"),
        (reverse("protocols:submit-summary", args=[deployment.pk]), "summary protocol form"),
        (reverse("evidence:upload") + f"?station={station.pk}&election={deployment.election_id}", "upload"),
        (reverse("incidents:report") + f"?deployment={deployment.pk}", "incident form"),
        (reverse("incidents:mine"), "my incidents"),
        (reverse("incidents:edit", args=[incident.pk]), "an incident sent"),
        (reverse("observers:self-deploy"), "choose a station"),
        (reverse("sms:subscription"), "SMS"),
    )
    for url, what in pages:
        failures += check_page(page, live_server.url + url, what)
    context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_joining_with_a_code_is_the_first_thing_the_home_offers(live_server, browser, world, language, tmp_path):
    document = tmp_path / "document.jpg"
    document.write_bytes(photo_bytes(800, 600, seed=7))
    context = phone_context(browser, language)
    page = context.new_page()
    page.goto(live_server.url + "/")
    code = page.locator("#join-code")
    # Above the fold of a phone, and before "Log in" in the page's order.
    assert code.bounding_box()["y"] + code.bounding_box()["height"] < 844
    controls = page.locator("main a, main input:not([type=hidden]), main button").evaluate_all(
        "elements => elements.map(element => element.id || element.getAttribute('href'))")
    assert controls.index("join-code") < controls.index(reverse("login"))
    code.fill("  k7qm-prtx-w34z ")  # as a code read aloud is typed: lower case, spaces around
    page.locator("form.join button").click()
    page.wait_for_url("**/observe/signup/**")
    expect(page.locator("#id_invitation_code")).to_have_value("k7qm-prtx-w34z")
    page.locator("#id_first_name").fill("Дана")
    page.locator("#id_phone").fill("+7 701 555 44 33")
    page.locator("#id_email").fill("dana@example.org")
    page.locator("#id_username").fill("dana")
    page.locator("#id_password").fill(TEST_PASSWORD)
    # The document input lets the phone offer the gallery as well as the camera.
    assert page.locator("#id_document").get_attribute("capture") is None
    page.locator("#id_document").set_input_files(str(document))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/observe/me/")
    next_steps = page.locator("ol.next")
    expect(next_steps).to_contain_text({"ru": "по электронной почте (dana@example.org)",
                                        "kk": "электрондық поштаға (dana@example.org)"}[language])
    assert Accreditation.objects.get(observer__username="dana").organisation == world["organisation"]
    context.close()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_leaving_the_station_is_confirmed_and_the_wording_fits_any_observer(live_server, browser, world, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    deployment = world["deployment"]
    context = phone_context(browser, language, geolocation={"latitude": 43.2391, "longitude": 76.8899},
                            permissions=["geolocation"])
    page = context.new_page()
    log_in(page, live_server.url, world["observer"].username)
    page.locator("form.check-in button").click()
    wait_until(page, "document.querySelector('.checkin-state') !== null", timeout=30_000)
    expect(page.locator(".checkin-state")).to_contain_text({"ru": "Вы на участке", "kk": "Сіз учаскедесіз"}[language])
    assert not re.search(r"Прибыл|Ушёл|Ушел", page.locator("main").inner_text())
    # The time the outbox shows is day first, on 24 hours, in Kazakh as in Russian.
    outbox = page.locator(".outbox-item.state-sent")
    expect(outbox).to_contain_text(re.compile(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}"))
    assert not re.search(r"Т\.[ЖҚ]\.|[AP]M", outbox.inner_text())
    page.screenshot(path=str(SCREENSHOTS / f"observer-my-station-{language}-390x844.png"), full_page=True)

    # A second tap where "check in" was asks first; nothing is recorded until the observer says yes.
    leave = page.locator("details.check-out > summary")
    expect(leave).to_have_text({"ru": "Отметить уход", "kk": "Кетуді белгілеу"}[language])
    confirm = page.locator("details.check-out form.check-in button")
    expect(confirm).to_be_hidden()
    leave.click()
    expect(confirm).to_be_visible()
    assert CheckIn.objects.filter(deployment=deployment, kind="out").count() == 0
    confirm.click()
    wait_until(page, "document.querySelector('details.check-out') === null", timeout=30_000)
    assert CheckIn.objects.filter(deployment=deployment, kind="out").count() == 1
    expect(page.locator(".checkin-state")).to_contain_text({"ru": "Отметка об уходе", "kk": "Кету"}[language])
    context.close()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_same_figures_sent_again_through_the_form_make_no_new_version(live_server, browser, world, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    deployment = world["deployment"]
    context = phone_context(browser, language)
    page = context.new_page()
    log_in(page, live_server.url, world["observer"].username)
    page.goto(live_server.url + reverse("protocols:submit", args=[deployment.pk]))
    for code, value in KZ_PROTOCOL.items():
        page.locator(f"input[data-line='{code}']").fill(str(value))
    page.screenshot(path=str(SCREENSHOTS / f"observer-protocol-form-{language}-390x844.png"), full_page=True)
    page.locator("form.protocol button[type=submit]").click()
    expect(page.locator(".messages li").first).to_contain_text(
        {"ru": "Протокол отправлен", "kk": "Хаттама"}[language], timeout=30_000)
    assert ObserverCopy.objects.filter(deployment=deployment).count() == 1
    # The form again, prefilled with what was sent; sent again unchanged (a second tap, a doubt).
    page.goto(live_server.url + reverse("protocols:submit", args=[deployment.pk]))
    page.locator("form.protocol button[type=submit]").click()
    expect(page.locator(".messages li").first).to_contain_text(
        {"ru": "Эти цифры вы уже отправляли (версия 1)", "kk": "Бұл сандарды сіз бұрын жібергенсіз"}[language],
        timeout=30_000)
    assert ObserverCopy.objects.filter(deployment=deployment).count() == 1
    context.close()


def test_an_upload_error_says_what_happened_in_the_observers_language(live_server, browser, world, tmp_path):
    deployment = world["deployment"]
    context = phone_context(browser, "ru")
    page = context.new_page()
    log_in(page, live_server.url, world["observer"].username)
    page.goto(live_server.url + reverse("evidence:upload")
              + f"?station={deployment.station_id}&election={deployment.election_id}")
    # The page sends through the outbox: each file's row says why it was refused.
    # A proxy in front of the server refuses the file with a bare 413 and no text.
    page.route("**/api/evidence/uploads/", lambda route: route.fulfill(status=413, body=""))
    big = tmp_path / "count.jpg"
    big.write_bytes(photo_bytes(640, 480, seed=3))
    page.locator("#evidence-files").set_input_files(str(big))
    page.locator("#evidence-upload button[type=submit]").click()
    status = page.locator("#evidence-progress .status.failed").first
    expect(status).to_have_text("Не отправлено: count.jpg: Этот файл слишком большой: он не отправлен. Отправьте "
                                "более короткое видео или фото меньшего размера.", timeout=30_000)
    page.unroute("**/api/evidence/uploads/")
    # The server itself refuses a file that is no photo or video: its own reason, in Russian.
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    page.locator("#evidence-files").set_input_files(str(text))
    page.locator("#evidence-upload button[type=submit]").click()
    refused = page.locator("#evidence-progress .status.failed").nth(1)
    expect(refused).to_contain_text("Сервер не принял этот файл:", timeout=30_000)
    for shown in (status.inner_text(), refused.inner_text()):
        assert "tus:" not in shown and "ProgressEvent" not in shown
    context.close()
