"""The admin's upload of an official results file, through the Django admin."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from protocols.models import OfficialVersion, ResultImport
from tests.factories import TEST_PASSWORD, CoordinatorFactory, UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db
URL = reverse("admin:protocols_resultsource_import")


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=TEST_PASSWORD)
    return client


def upload(client, election, source, name, data, **extra):
    return client.post(URL, {"election": election.pk, "source": source.pk, "file": SimpleUploadedFile(name, data),
                             **extra}, HTTP_ACCEPT_LANGUAGE="en")


def test_an_admin_imports_a_zipped_results_file_from_the_source_list(admin_client, election, station, kz_source):
    listing = admin_client.get(reverse("admin:protocols_resultsource_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert URL in listing.text and "Import a results file" in listing.text
    page = admin_client.get(URL, {"source": kz_source.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'name="file"' in page.text and 'name="create_stations"' in page.text

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("results.csv", official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL),
                                                     ("ALA", "ALA-01", "102", KZ_PROTOCOL)]))
    done = upload(admin_client, election, kz_source, "results.zip", archive.getvalue(), create_stations="on")
    assert done.status_code == 302 and done["Location"] == reverse("admin:protocols_resultimport_changelist")
    result_import = ResultImport.objects.get()
    assert (result_import.rows, result_import.versions_added, result_import.stations_created) == (2, 2, 1)
    assert OfficialVersion.objects.filter(election=election, station=station).get().figures == KZ_PROTOCOL
    shown = admin_client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "2 rows read: 2 new versions, 0 unchanged, 1 stations created." in shown.text


def test_a_refused_file_is_shown_with_its_problems_by_line_and_nothing_is_written(admin_client, election, station,
                                                                                   kz_source):
    bad = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]) + b"\nALA,ALA-01,103,1,2,three,4,5,6,7,8,9,10,11\n"
    page = upload(admin_client, election, kz_source, "results.csv", bad)
    assert page.status_code == 200
    assert "1 problem; nothing was imported." in page.text
    assert page.context["problems"] == [(4, "L3 (issued) must be a whole number, not “three”")]
    assert "<td>4</td>" in page.text
    unknown = upload(admin_client, election, kz_source, "results.csv",
                     official_csv([("AST", "AST-09", "900", KZ_PROTOCOL)]))
    assert [line for line, _message in unknown.context["problems"]] == [2]
    not_zip = upload(admin_client, election, kz_source, "results.zip", b"not a zip")
    assert not_zip.context["problems"] == [(1, "This is not a zip file.")]
    assert not ResultImport.objects.exists() and not OfficialVersion.objects.exists()


def test_a_missing_file_or_election_is_a_form_error(admin_client, kz_source):
    page = admin_client.post(URL, {"source": kz_source.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and set(page.context["form"].errors) == {"file", "election"}
    assert not ResultImport.objects.exists()


def test_only_administrators_may_import(client, election, kz_source):
    staff_coordinator = CoordinatorFactory(is_staff=True)
    client.login(username=staff_coordinator.username, password=TEST_PASSWORD)
    assert client.get(URL).status_code == 403
    assert upload(client, election, kz_source, "results.csv",
                  official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)])).status_code == 403
    assert not ResultImport.objects.exists()
