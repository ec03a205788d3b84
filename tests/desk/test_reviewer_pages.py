"""The desk walk (#17) on the reviewer's pages: an explicit decision, the difference's sign said in
words, flags counted with the plural forms of each language and a control-sum flag called so."""

import io
import re
import uuid

import pytest
from django.urls import reverse

from protocols import services
from protocols.models import Discrepancy
from protocols.official_import import import_official_results
from tests.factories import TEST_PASSWORD, UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, deployment, election, kz_source, official_csv, station  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(client):
    user = UserFactory(role="reviewer")
    client.login(username=user.username, password=TEST_PASSWORD)
    return user


@pytest.fixture
def mismatch(election, deployment, kz_source):  # noqa: F811
    """The official result has 80 votes moved from party 2 to party 1 (the observer counted 500 / 300)."""
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL)
    services.check_stations(election_id=election.pk)
    return Discrepancy.objects.get(kind="mismatch")


def test_the_review_decision_is_an_explicit_choice(client, reviewer, mismatch):
    url = reverse("protocols:review-detail", args=[mismatch.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert re.findall(r'<input type="radio" name="decision" value="([^"]+)"', page) == [
        "confirm", "observer_error", "resolve"]
    assert " checked" not in page  # not "confirmed" until the reviewer says so
    refused = client.post(url, {"comment": "looked"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "This field is required." in refused.text
    mismatch.refresh_from_db()
    assert mismatch.status == "open" and not mismatch.decisions.exists()


def test_the_difference_is_observer_minus_official_and_the_page_says_so(client, reviewer, mismatch):
    page = client.get(reverse("protocols:review-detail", args=[mismatch.pk]), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Δ is “Observer&#x27;s copy” minus “Official”" in page
    rows = re.findall(r'<tr class="differs"><td>([^<]+)</td><td>[^<]*</td>\s*<td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td>\s*<td class="num">([^<]+)</td>', page)
    # Party 1: the observer counted 500, the official result says 580: 500 - 580 = -80.
    assert [(observer, official, delta) for _number, observer, official, delta in rows] == [
        ("500", "580", "-80"), ("300", "220", "+80")]
    ru = client.get(reverse("protocols:review-detail", args=[mismatch.pk]), HTTP_ACCEPT_LANGUAGE="ru").text
    assert "Δ — это «Копия наблюдателя» минус «Официально»: плюс означает" in ru


def _control_sum_flag(election, deployment, broken):  # noqa: F811
    return Discrepancy.objects.create(
        election=election, station=deployment.station, key=f"inconsistent:observer:{uuid.uuid4()}",
        kind="inconsistent", severity="major", severity_rank=2,
        detail=[{"relation": f"L{n} = L{n + 1}", "left": 1, "right": 2, "difference": 1} for n in range(broken)])


@pytest.mark.parametrize(("language", "count", "expected"), [
    ("en", 1, "1 control relation broken"), ("en", 2, "2 control relations broken"),
    ("ru", 1, "нарушено 1 контрольное соотношение"), ("ru", 2, "нарушено 2 контрольных соотношения"),
    ("ru", 5, "нарушено 5 контрольных соотношений"), ("kk", 2, "2 бақылау қатынасы бұзылған"),
])
def test_a_control_sum_flag_is_described_as_such_with_each_languages_plural(client, reviewer, election, deployment,  # noqa: F811
                                                                           language, count, expected):
    _control_sum_flag(election, deployment, count)
    queue = client.get(reverse("protocols:review"), HTTP_ACCEPT_LANGUAGE=language).text
    assert expected in queue
    assert "строк расходится" not in queue and "lines differ" not in queue  # no "0 lines differ"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "2 lines differ"), ("ru", "2 строки расходятся"), ("kk", "2 жол сәйкес келмейді")])
def test_differing_lines_are_counted_with_each_languages_plural(client, reviewer, mismatch, language, expected):
    queue = client.get(reverse("protocols:review"), HTTP_ACCEPT_LANGUAGE=language).text
    assert expected in queue
