"""Messages to observers: who receives them, My station shows them, read receipts, e-mail copy, the signal."""

import uuid

import pytest
from django.core import mail

from checklists import services
from checklists.models import MessageRecipient
from checklists.signals import message_sent
from observers.models import CheckIn
from tests.factories import DeploymentFactory, ObserverFactory, StationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_messages_the_observers_who_have_not_checked_in_and_sees_who_read_it(client, counting):
    coordinator, election = counting["coordinator"], counting["election"]
    checked_in = ObserverFactory(organisation=coordinator.organisation, email="in@example.org")
    deployment = DeploymentFactory(observer=checked_in, election=election,
                                   station=StationFactory(commission=counting["station"].commission))
    CheckIn.objects.create(client_id=uuid.uuid4(), deployment=deployment, kind=CheckIn.Kind.CHECK_IN)
    counting["observer"].email = "late@example.org"
    counting["observer"].save()
    stranger = DeploymentFactory(election=election, station=counting["station"])  # another organisation
    received = []
    message_sent.connect(lambda **kwargs: received.append(kwargs["recipient_ids"]), weak=False,
                         dispatch_uid="test-messages")
    try:
        message, created = services.send_message(
            coordinator=coordinator, client_id=uuid.uuid4(), election_id=election.pk,
            audience="not_checked_in", body="Please check in now.", email_copy=True)
        again, created_again = services.send_message(
            coordinator=coordinator, client_id=message.client_id, election_id=election.pk,
            audience="not_checked_in", body="Please check in now.")
    finally:
        message_sent.disconnect(dispatch_uid="test-messages")
    assert created and not created_again and again == message
    assert list(MessageRecipient.objects.values_list("observer_id", flat=True)) == [counting["observer"].pk]
    assert received == [[counting["observer"].pk]]
    assert [email.to for email in mail.outbox] == [["late@example.org"]]
    assert stranger.observer_id not in received[0]

    client.force_login(counting["observer"])
    home = client.get("/observe/me/", headers={"Accept-Language": "en"}).content.decode()
    assert "Please check in now." in home and "Mark as read" in home
    client.post(f"/checklists/messages/{message.pk}/read/")
    assert "Mark as read" not in client.get("/observe/me/", headers={"Accept-Language": "en"}).content.decode()

    client.force_login(coordinator)
    sent = client.get(f"/checklists/{election.slug}/messages/", headers={"Accept-Language": "en"}).content.decode()
    assert "read by 1 of 1" in sent
    readers = client.get(f"/checklists/{election.slug}/messages/{message.pk}/", headers={"Accept-Language": "en"})
    assert f"{counting['observer'].get_full_name()} —" in readers.content.decode()


def test_an_empty_message_or_another_region_is_refused(counting):
    with pytest.raises(services.ValidationError):
        services.send_message(coordinator=counting["coordinator"], client_id=uuid.uuid4(),
                              election_id=counting["election"].pk, audience="all", body="  ")
    with pytest.raises(services.ValidationError):
        services.send_message(coordinator=counting["coordinator"], client_id=uuid.uuid4(),
                              election_id=counting["election"].pk, audience="region", region_id=10**9, body="Hi")
    assert not MessageRecipient.objects.exists()
