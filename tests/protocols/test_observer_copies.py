import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from protocols import services
from protocols.models import ObserverCopy
from tests.factories import TEST_PASSWORD, DeploymentFactory, ObserverFactory
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = pytest.mark.django_db


def test_a_correction_is_a_new_version_and_the_old_one_stays(deployment):
    first, _ = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                    client_id=uuid.uuid4(), figures=KZ_PROTOCOL)
    second, _ = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                     client_id=uuid.uuid4(), figures={**KZ_PROTOCOL, "L7": 11, "L9": 9})
    first.refresh_from_db()
    assert (first.version, first.is_latest, second.version, second.is_latest) == (1, False, 2, True)
    assert first.figures["L7"] == 10 and second.figures["L7"] == 11


def test_a_resent_copy_is_stored_once(deployment):
    client_id = uuid.uuid4()
    first, created = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                          client_id=client_id, figures=KZ_PROTOCOL)
    again, created_again = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                                client_id=client_id, figures=KZ_PROTOCOL)
    assert created and not created_again and first.pk == again.pk and ObserverCopy.objects.count() == 1


def test_the_same_protocol_resent_under_a_new_client_id_is_the_version_already_sent(deployment):
    """A phone whose acknowledgement was lost may send the same figures again with a fresh
    client_id (a draft restored on another page): the observer still has one version."""
    first, created = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                          client_id=uuid.uuid4(), figures=KZ_PROTOCOL, comment="Stamp smudged")
    again, created_again = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                                client_id=uuid.uuid4(), figures=dict(KZ_PROTOCOL),
                                                comment="Stamp smudged")
    assert created and not created_again and again.pk == first.pk and again.version == 1
    assert ObserverCopy.objects.count() == 1
    corrected, created_corrected = services.submit_copy(
        observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
        figures=KZ_PROTOCOL, comment="Stamp smudged; signatures of 9 members")
    assert created_corrected and corrected.version == 2  # a changed comment is a correction


def test_an_inconsistent_copy_is_accepted_with_warnings(deployment):
    copy, _ = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                   client_id=uuid.uuid4(), figures={**KZ_PROTOCOL, "L8.1": 600})
    assert [warning["relation"] for warning in copy.warnings] == ["L4 == L7 + sum(L8.*) + L9"]


def test_bad_figures_are_refused_with_clear_messages(deployment):
    for figures, message in (({"L99": 1}, "Unknown lines: L99"), ({"L1": -5}, "L1 must be a whole number"),
                             ({"L1": "many"}, "L1 must be a whole number"), ({}, "Fill in at least one line")):
        with pytest.raises(ValidationError, match=message):
            services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                 figures=figures)
    assert not ObserverCopy.objects.exists()


def test_revoked_observer_cannot_submit_a_protocol(deployment):
    deployment.observer.accreditation.status = "revoked"
    deployment.observer.accreditation.save()
    with pytest.raises(PermissionDenied):
        services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             figures=KZ_PROTOCOL)


def test_an_observer_cannot_submit_for_someone_elses_station(deployment):
    stranger = ObserverFactory()
    with pytest.raises(ValidationError, match="not deployed"):
        services.submit_copy(observer=stranger, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             figures=KZ_PROTOCOL)


def test_protocol_form_lists_every_line_and_every_party_and_sends(client, deployment):
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    url = reverse("protocols:submit", args=[deployment.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    for code in KZ_PROTOCOL:
        assert f'data-line="{code}"' in page.text
    assert "Party 1" in page.text and "protocol-relations" in page.text
    form = {code: str(value) for code, value in KZ_PROTOCOL.items()}
    response = client.post(url, {**form, "client_id": str(uuid.uuid4())}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Protocol sent (version 1)" in response.text
    assert ObserverCopy.objects.get().figures == KZ_PROTOCOL


def test_another_observer_cannot_open_my_protocol_form(client, deployment):
    other = DeploymentFactory(observer=ObserverFactory()).observer
    client.login(username=other.username, password=TEST_PASSWORD)
    assert client.get(reverse("protocols:submit", args=[deployment.pk])).status_code == 404
    assert client.get(reverse("protocols:copies", args=[deployment.pk])).status_code == 404
