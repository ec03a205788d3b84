"""axe-core (tests/browser/vendor/axe-core, 4.14) finds no violation on any page an observer meets
(phone, 390x844) nor on the coordinator's coverage and map pages (laptop, 1366x768), in Russian and
Kazakh. The pages keep their Content-Security-Policy: axe's text reaches them through the DevTools
protocol (`page.evaluate`), not as a script the policy would have to allow."""

from pathlib import Path

import pytest

from tests.browser import every_page
from tests.browser.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, headings in order, ...).
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
ZOOM = {"ru": ("Приблизить", "Отдалить"), "kk": ("Жақындату", "Алыстату")}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def violations(page):
    """axe's violations on the page as it is now, one readable line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    assert page.evaluate("axe.version").startswith("4.")
    found = page.evaluate("options => axe.run(document, options).then(result => result.violations.map("
                          "v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': '"
                          " + n.failureSummary)})))", RULES)
    return [f"{item['id']} ({item['help']}): {'; '.join(item['nodes'])}" for item in found]


def open_as(browser, live_server, who, world, language):
    # No service worker: the outbox's send must meet the aborting route below, not a worker's fetch.
    context = browser.new_context(**(LAPTOP if who == "coordinator" else PHONE), locale=language,
                                  service_workers="block",
                                  extra_http_headers={"Accept-Language": language})
    if who:
        user = world["present"] if who == "present" else world[who]
        context.add_cookies([{"name": "sessionid", "value": every_page.session_cookie(user),
                              "url": live_server.url}])
    return context


@pytest.fixture
def world(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    return every_page.build()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_axe_violation_on_any_observer_or_coordinator_page(live_server, browser, world, language,
                                                              artifacts_dir):
    found = {}
    contexts = {}
    try:
        for name, who, path in every_page.pages(world):
            if who not in contexts:
                contexts[who] = open_as(browser, live_server, who, world, language)
            page = contexts[who].new_page()
            page.goto(live_server.url + path, wait_until="load")
            assert page.locator("html").get_attribute("lang") == language, name
            assert "/accounts/login/" not in page.url or who is None, f"{name}: the session was refused"
            if name == "map":
                wait_until(page, "document.querySelectorAll('.leaflet-marker-icon').length > 0")
                # Leaflet's zoom buttons speak the page's language, not English.
                assert (page.locator(".leaflet-control-zoom-in").get_attribute("aria-label"),
                        page.locator(".leaflet-control-zoom-out").get_attribute("aria-label")) == ZOOM[language]
            found[name] = violations(page)
            page.close()

        # The outbox as the observer sees it when a send did not get through: the check-in is
        # kept (waiting) and listed on My station.
        page = contexts["observer"].new_page()
        page.route("**/*", lambda route: route.abort("internetdisconnected")
                   if route.request.method == "POST" else route.continue_())
        page.goto(live_server.url + "/observe/me/", wait_until="load")
        with page.expect_navigation():  # kept in the outbox, the app goes back to My station
            page.locator("form.check-in button").click()
        page.locator("#outbox .outbox-item").first.wait_for()
        found["outbox"] = violations(page)
        page.screenshot(path=str(artifacts_dir / f"outbox-waiting-{language}-390x844.png"), full_page=True)
    finally:
        for context in contexts.values():
            context.close()
    assert set(found) == {name for name, _who, _path in every_page.pages(world)} | {"outbox"}
    assert {name: lines for name, lines in found.items() if lines} == {}
