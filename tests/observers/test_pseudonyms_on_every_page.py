"""Who an observer is stays with their own organisation's coordinators and administrators.

The crossing of tests/security/test_organisation_boundaries.py, asked this time by the observer's
*own* organisation's reviewer with the IDs of that organisation's records: every page, API
endpoint, feed, map, export and file URL that answers shows the observer's pseudonym at most,
never their first or last name, username or phone. The station's evidence package, the file meant
for sharing with a commission or a court, names nobody either, whoever downloads it.
"""

import pytest
from django.urls import reverse

from observers import pseudonyms
from observers.models import User
from tests.factories import UserFactory
from tests.security.test_organisation_boundaries import _text, _urls, two_ngos  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _identity(ngo):
    observer = ngo["observer"]
    return [observer.first_name, observer.last_name, observer.username, observer.phone]


def test_a_reviewer_meets_their_own_organisations_observers_by_pseudonym_only(client, two_ngos):  # noqa: F811
    # NGO A's side only: B's is the same code with other IDs (the other-NGO crossing does both).
    ngo = two_ngos["A"]
    client.force_login(ngo["reviewer"])
    label = pseudonyms.pseudonym(ngo["observer"])
    leaks, pseudonym_shown, answered = [], [], 0
    for name, url in _urls(two_ngos, ngo):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200:
            continue
        answered += 1
        text = _text(response)
        found = [marker for marker in _identity(ngo) if marker in text]
        if found:
            leaks.append((name, url, found))
        if ngo["observer"].pseudonym in text:
            pseudonym_shown.append(name)
    assert answered > 40, answered
    assert leaks == []
    # The reviewer does meet the observer's work: by pseudonym, on the pages about it.
    assert pseudonym_shown, f"no page showed {label}"


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_the_station_evidence_package_names_no_observer(client, two_ngos, role):  # noqa: F811
    """The administrator, who may see names, still downloads a package that carries pseudonyms only."""
    ngo = two_ngos["A"]
    client.force_login(UserFactory(role=User.Role.ADMIN) if role == "admin" else ngo[role])
    response = client.get(reverse("evidence:station-package", args=[two_ngos["station"].pk]))
    assert response.status_code == 200, response.status_code
    text = _text(response)  # the archive's file names and every text file inside it
    for observer in (two_ngos["A"]["observer"], two_ngos["B"]["observer"]):
        for marker in (observer.first_name, observer.last_name, observer.username, observer.phone):
            assert marker not in text, (marker, role)
    assert ngo["observer"].pseudonym in text
