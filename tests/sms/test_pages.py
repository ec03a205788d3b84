"""Coordinators' SMS pages: each observer's messages in their organisation only, reprocessing,
the simulator; observers' choice to receive SMS."""

import pytest

from observers.models import CheckIn
from sms.models import InboundMessage, Subscription
from tests.factories import TEST_PASSWORD, CoordinatorFactory, DeploymentFactory, ObserverFactory, StationFactory
from tests.sms.conftest import PHONE, android_payload, post_android

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_coordinator_sees_their_observers_messages_malformed_included_and_no_other_organisations(
        android, sms_deployment, client):
    post_android(client, android, android_payload("IN 101"))
    post_android(client, android, android_payload("P 101 1 15O0"))
    elsewhere = CoordinatorFactory()
    coordinator = CoordinatorFactory(organisation=sms_deployment.organisation)

    page = login(client, coordinator).get("/sms/messages/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "IN 101" in text and "P 101 1 15O0" in text and "is not a whole number" in text
    client.logout()
    assert "IN 101" not in login(client, elsewhere).get("/sms/messages/").content.decode()


def test_a_message_from_a_number_fixed_afterwards_is_recorded_when_processed_again(android, sms_deployment, client):
    observer = sms_deployment.observer
    observer.phone = "+77019999999"  # the coordinator typed a wrong number at sign-up
    observer.save()
    post_android(client, android, android_payload("IN 101"))
    message = InboundMessage.objects.get()
    assert message.status == "quarantined" and not CheckIn.objects.exists()

    observer.phone = PHONE
    observer.save()
    coordinator = CoordinatorFactory(organisation=sms_deployment.organisation)
    response = login(client, coordinator).post(f"/sms/messages/{message.pk}/reprocess/", follow=True)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "processed" and message.observer == observer
    assert CheckIn.objects.get().deployment == sms_deployment
    client.post(f"/sms/messages/{message.pk}/reprocess/")
    assert CheckIn.objects.count() == 1


def test_a_coordinator_of_another_organisation_cannot_reprocess(android, sms_deployment, client):
    post_android(client, android, android_payload("IN 101"))
    message = InboundMessage.objects.get()
    assert login(client, CoordinatorFactory()).post(f"/sms/messages/{message.pk}/reprocess/").status_code == 404


def test_the_simulator_shows_the_reading_and_the_reply_and_keeps_nothing(sms_deployment, client):
    coordinator = CoordinatorFactory(organisation=sms_deployment.organisation)
    response = login(client, coordinator).post("/sms/simulator/", {"phone": "87011234567", "text": "in 101"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Checked in at station 101." in text and "check_in #" in text
    assert not InboundMessage.objects.exists() and not CheckIn.objects.exists()

    other = login(client, CoordinatorFactory()).post("/sms/simulator/", {"phone": PHONE, "text": "IN"})
    assert "No observer of your organisation has this phone." in other.content.decode()


def test_an_observer_chooses_to_receive_sms_in_kazakh(client):
    observer = ObserverFactory(phone=PHONE)
    page = login(client, observer).get("/sms/me/")
    assert page.status_code == 200
    client.post("/sms/me/", {"opted_in": "on", "language": "kk"})
    assert Subscription.objects.filter(observer=observer, opted_in=True, language="kk").exists()
    assert client.get("/sms/messages/").status_code == 403


def test_a_coordinator_reads_one_observers_messages(android, sms_deployment, client):
    post_android(client, android, android_payload("IN 101"))
    post_android(client, android, android_payload("IN 101", sender="+77770000000"))
    coordinator = CoordinatorFactory(organisation=sms_deployment.organisation)
    page = login(client, coordinator).get("/sms/messages/", {"observer": sms_deployment.observer_id}).content.decode()
    assert PHONE in page and "+77770000000" not in page
    quarantine = client.get("/sms/messages/", {"status": "quarantined"}).content.decode()
    assert "+77770000000" in quarantine and f"?observer={sms_deployment.observer_id}" not in quarantine


def test_a_message_for_a_station_deployed_afterwards_is_recorded_when_processed_again(android, sms_deployment,
                                                                                      client):
    post_android(client, android, android_payload("IN 999"))
    message = InboundMessage.objects.get()
    assert message.status == "refused"
    DeploymentFactory(observer=sms_deployment.observer, election=sms_deployment.election,
                      station=StationFactory(code="999"))
    login(client, CoordinatorFactory(organisation=sms_deployment.organisation)).post(
        f"/sms/messages/{message.pk}/reprocess/")
    message.refresh_from_db()
    assert message.status == "processed" and CheckIn.objects.get().deployment.station.code == "999"
    assert message.replies.order_by("created_at").last().text == "Checked in at station 999."
