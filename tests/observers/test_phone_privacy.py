"""Nothing personal in what a phone keeps in plain sight (#16 item 5, the server's side): the pages'
titles (the browser's tabs, history and the app switcher), their URLs and the links in them (the
history, the service worker's cache keys, a proxy's logs), and the redirects. The pages are
found by following every link from the first page, as a person would."""

import uuid
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
from django.urls import reverse

from observers import services
from tests.factories import TEST_PASSWORD, DeploymentFactory, ElectionFactory, ObserverFactory, StationFactory

pytestmark = pytest.mark.django_db

MAX_PAGES = 60


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.urls, self.links, self._in_title = "", [], [], False

    def handle_starttag(self, tag, attrs):
        self._in_title = self._in_title or tag == "title"
        for name, value in attrs:
            if name in ("href", "src", "action", "data-url", "formaction") and value:
                self.urls.append(value)
            if tag == "a" and name == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def crawl(client, start):
    """{url: (title, [urls in the page])} of every same-site page reachable by GET from `start`,
    plus the redirects met on the way ({url: Location})."""
    pages, redirects, waiting = {}, {}, [start]
    while waiting and len(pages) < MAX_PAGES:
        url = waiting.pop(0)
        if url in pages or url in redirects:
            continue
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code in (301, 302):
            redirects[url] = response["Location"]
            waiting.append(response["Location"])
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            pages[url] = (None, [])  # a download, the manifest: no title to show
            continue
        page = Page()
        page.feed(response.content.decode())
        pages[url] = (page.title, page.urls)
        for link in page.links:
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/") or link.startswith("//"):
                continue
            if parts.path.startswith(("/static/", "/accounts/logout", "/admin/", "/api/", "/i18n/")):
                continue
            waiting.append(link.split("#")[0])
    return pages, redirects


def personal(observer):
    digits = observer.phone.lstrip("+")
    return [observer.username, observer.first_name, observer.last_name, observer.phone, digits, digits[-7:]]


def leaks(text, words):
    text = unquote(text).lower()
    return [word for word in words if word.lower() in text]


@pytest.fixture
def observer(organisation):
    observer = ObserverFactory(organisation=organisation, username="zhanar.unique", first_name="Zhanarname",
                               last_name="Tulegenova", phone="+77017778899")
    election = ElectionFactory(status="ongoing")
    deployment = DeploymentFactory(observer=observer, election=election, station=StationFactory())
    services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             latitude=43.2, longitude=76.9)
    return observer


def test_an_observers_pages_keep_no_name_username_or_phone_in_titles_urls_or_redirects(client, observer):
    client.login(username=observer.username, password=TEST_PASSWORD)
    pages, redirects = crawl(client, reverse("observers:start"))
    assert reverse("observers:home") in pages and len(pages) >= 5, sorted(pages)
    words = personal(observer)
    for url, (title, links) in pages.items():
        assert not leaks(url, words), url
        assert title is None or (title.strip() and not leaks(title, words)), (url, title)
        for link in links:
            assert not leaks(link, words), (url, link)
    for url, location in redirects.items():
        assert not leaks(location, words), (url, location)


def test_a_coordinators_pages_name_observers_in_the_page_never_in_titles_or_urls(client, observer, coordinator):
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    pages, _redirects = crawl(client, reverse("observers:accreditations") + "?status=approved")
    accreditation = reverse("observers:accreditation", args=[observer.accreditation.pk])
    assert accreditation in pages, sorted(pages)
    words = [observer.username, observer.first_name, observer.last_name, observer.phone]
    for url, (title, links) in pages.items():
        assert not leaks(url, words) and not leaks(title or "", words), (url, title)
        # tel: links carry the number on purpose (the coordinator calls the observer): not a URL
        # a browser keeps in its history or a cache keeps as a key.
        for link in links:
            if not link.startswith("tel:"):
                assert not leaks(link, words), (url, link)
