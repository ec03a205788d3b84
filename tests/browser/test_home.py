"""The home page in a real Chromium on a phone: readable, translated, reachable."""

import pytest

from tests.factories import ElectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_visitor_switches_language_and_opens_an_election(live_server, phone, artifacts_dir):
    election = ElectionFactory(name="Mazhilis election 2027")
    phone.goto(live_server.url + "/")
    phone.get_by_role("button", name="English").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Every polling station, watched and counted"
    # Nothing spills sideways on a 390 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Қазақ").click()
    assert phone.locator("html").get_attribute("lang") == "kk"
    phone.get_by_role("link", name=election.name).click()
    phone.wait_for_url(f"**/elections/{election.slug}/")
    assert phone.get_by_role("heading", level=1).inner_text() == election.name
    phone.screenshot(path=str(artifacts_dir / "home-election-390x844.png"), full_page=True)
