"""Real-looking gateway payloads in, the same records as the web pages and the API out."""

import io
import logging
import uuid

import pytest
from rest_framework.test import APIClient

from incidents.models import Incident
from observers.models import Accreditation, CheckIn
from protocols import services as protocol_services
from protocols.models import Discrepancy, ObserverCopy
from protocols.official_import import import_official_results
from sms import services
from sms.gateways import Incoming
from sms.models import InboundMessage, OutboundMessage, Subscription
from tests.factories import DeploymentFactory, ObserverFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv
from tests.sms.conftest import GENERIC_TOKEN, PHONE, android_payload, post_android, post_generic

pytestmark = pytest.mark.django_db

SMS_PROTOCOL = "P 101 1 1500 2 1200 3 900 4 890 5 3 6 297 7 10 8.1 500 8.2 300 8.3 70 9 10"


def test_a_protocol_by_sms_raises_the_same_discrepancy_as_the_web_form(android, sms_deployment, kz_source,
                                                                       django_capture_on_commit_callbacks):
    election, station = sms_deployment.election, sms_deployment.station
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    typed = DeploymentFactory(election=election, station=station)
    api = APIClient()
    api.force_authenticate(typed.observer)
    assert api.post("/api/protocol-copies/", {"client_id": str(uuid.uuid4()), "deployment": typed.pk,
                                              "figures": KZ_PROTOCOL}, format="json").status_code == 201

    response = post_android(api, android, android_payload(SMS_PROTOCOL))

    assert response.status_code == 200
    sms_copy = ObserverCopy.objects.get(observer=sms_deployment.observer)
    assert sms_copy.figures == KZ_PROTOCOL
    protocol_services.check_stations(election_id=election.pk, station_ids=[station.pk])
    flags = {flag.observer_copy.observer_id: flag for flag in Discrepancy.objects.filter(kind="mismatch")}
    by_sms, by_form = flags[sms_deployment.observer_id], flags[typed.observer_id]
    assert (by_sms.severity, by_sms.deltas) == (by_form.severity, by_form.deltas) == (
        "critical", {"L8.1": [500, 580, 80], "L8.2": [300, 220, -80]})
    reply = OutboundMessage.objects.get(in_reply_to__observer=sms_deployment.observer)
    assert reply.phone == PHONE and reply.status == "queued"
    assert reply.text.startswith("Protocol of station 101 received (version 1): 1=1500 2=1200")


def test_a_protocol_breaking_a_control_relation_is_stored_and_the_reply_warns(android, sms_deployment, client):
    post_android(client, android, android_payload("p 1:1500 2:1200 3:900 4:890 5:3 6:290"))
    copy = ObserverCopy.objects.get()
    assert copy.warnings[0]["relation"] == "L2 == L3 + L5 + L6"
    reply = OutboundMessage.objects.get().text
    assert "Check: Ballots received = issued + spoiled + cancelled" in reply


def test_a_malformed_message_gets_a_reply_naming_the_problem(android, sms_deployment, client):
    post_android(client, android, android_payload("P 101 1 15O0 2 1200"))

    message = InboundMessage.objects.get()
    assert message.status == "malformed" and message.parse["error"] == "bad_figure"
    assert not ObserverCopy.objects.exists()
    assert OutboundMessage.objects.get().text.startswith("Line 1: “15O0” is not a whole number.")


def test_a_line_the_protocol_does_not_have_is_named(android, sms_deployment, client):
    post_android(client, android, android_payload("P 1 1500 42 7"))
    assert OutboundMessage.objects.get().text.startswith("The protocol has no line 42.")
    assert not ObserverCopy.objects.exists()


def test_a_resent_message_creates_nothing(android, sms_deployment, client):
    body = android_payload("IN 101")
    first, second = post_android(client, android, body), post_android(client, android, body)

    assert first.status_code == second.status_code == 200
    assert InboundMessage.objects.count() == 1
    assert CheckIn.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert OutboundMessage.objects.get().text == "Checked in at station 101."


def test_the_same_text_received_again_later_is_a_new_message(android, sms_deployment, client):
    post_android(client, android, android_payload("IN", received_at="2027-03-21T08:00:00.000+05:00"))
    post_android(client, android, android_payload("IN", received_at="2027-03-21T09:00:00.000+05:00"))
    assert InboundMessage.objects.count() == 2 and CheckIn.objects.count() == 2


def test_an_unknown_number_gets_nothing_back(android, sms_deployment, client):
    known = post_android(client, android, android_payload("IN 101"))
    unknown = post_android(client, android, android_payload("IN 101", sender="+77770000000"))

    assert unknown.status_code == 200 and unknown.content == known.content
    quarantined = InboundMessage.objects.get(sender="+77770000000")
    assert (quarantined.status, quarantined.parse, quarantined.observer, quarantined.reply) == (
        "quarantined", {}, None, "")
    assert OutboundMessage.objects.filter(phone="+77770000000").count() == 0
    assert CheckIn.objects.count() == 1


def test_an_unaccredited_observer_gets_nothing_back(android, sms_deployment, client):
    Accreditation.objects.filter(observer=sms_deployment.observer).update(status="pending")
    post_android(client, android, android_payload("IN 101"))
    assert InboundMessage.objects.get().status == "quarantined"
    assert not OutboundMessage.objects.exists() and not CheckIn.objects.exists()


def test_a_bad_signature_or_an_old_timestamp_is_refused_and_logged(android, sms_deployment, client, caplog):
    body = android_payload("IN 101")
    with caplog.at_level(logging.WARNING, logger="sms.views"):
        forged = post_android(client, android, body, key="guessed")
        replayed = post_android(client, android, body, timestamp=1_700_000_000)
        unsigned = client.post(f"/sms/hook/{android.webhook_slug}/", data=body, content_type="application/json")
        nowhere = client.post("/sms/hook/no-such-gateway/", {})
    assert [forged.status_code, replayed.status_code, unsigned.status_code, nowhere.status_code] == [403, 403, 403, 404]
    assert "bad signature" in caplog.text and "stale timestamp" in caplog.text
    assert not InboundMessage.objects.exists()


def test_a_generic_provider_posts_form_fields_and_its_message_id_makes_resends_harmless(generic, sms_deployment,
                                                                                        client):
    Incident.objects.all().delete()
    first = post_generic(client, generic, "i 101 2 Observers were not let in at 07:50")
    again = post_generic(client, generic, "i 101 2 Observers were not let in at 07:50")
    other = post_generic(client, generic, "IN", sid="SM0002")

    assert first.status_code == again.status_code == other.status_code == 200
    incident = Incident.objects.get()
    assert incident.description == "Observers were not let in at 07:50"
    assert incident.category.position == 2 and incident.station == sms_deployment.station
    assert InboundMessage.objects.count() == 2 and CheckIn.objects.count() == 1
    assert post_generic(client, generic, "IN", sid="SM0003", token="wrong").status_code == 403


def test_a_long_protocol_in_two_marked_parts_is_recorded_once_both_arrive(generic, sms_deployment, client):
    post_generic(client, generic, "2/2 7 10 8.1 500 8.2 300 8.3 70 9 10", sid="SM1")
    assert not ObserverCopy.objects.exists()
    post_generic(client, generic, "1/2 P 101 1 1500 2 1200 3 900 4 890 5 3 6 297", sid="SM2")

    assert ObserverCopy.objects.get().figures == KZ_PROTOCOL
    assert sorted(InboundMessage.objects.values_list("status", flat=True)) == ["part", "part", "processed"]


def test_without_a_station_the_only_deployment_is_used_and_with_two_the_reply_asks(android, sms_deployment, client):
    post_android(client, android, android_payload("IN", received_at="1"))
    assert CheckIn.objects.get().deployment == sms_deployment
    DeploymentFactory(observer=sms_deployment.observer, election=sms_deployment.election, station__code="1009")
    post_android(client, android, android_payload("IN", received_at="2"))
    # in the numbers' order, though codes are text ("1009" sorts before "101" as text)
    assert OutboundMessage.objects.order_by("created_at").last().text.startswith(
        "You are deployed at 101, 1009: ")
    assert CheckIn.objects.count() == 1


def test_an_observer_deployed_elsewhere_is_told_so(android, sms_deployment, client):
    post_android(client, android, android_payload("IN 999"))
    message = InboundMessage.objects.get()
    assert message.status == "refused" and not CheckIn.objects.exists()
    assert OutboundMessage.objects.get().text == "You are not deployed at station 999."


def test_another_observer_with_the_same_number_typed_differently_is_not_confused(android, sms_deployment, client):
    ObserverFactory(phone="+7 702 123 45 67")
    post_android(client, android, android_payload("IN 101"))
    assert CheckIn.objects.get().deployment.observer == sms_deployment.observer


def test_the_reply_is_in_the_observers_language(android, sms_deployment, client):
    Subscription.objects.filter(observer=sms_deployment.observer).update(language="kk")
    post_android(client, android, android_payload("IN 101"))
    post_android(client, android, android_payload("P 101 1 15O0"))
    checked_in, malformed = OutboundMessage.objects.order_by("created_at").values_list("text", flat=True)
    assert checked_in == "101 учаскесіне келу белгіленді."
    assert malformed.startswith("1-жол: «15O0» бүтін сан емес. Пішімдер:")


def test_a_long_protocol_in_parts_given_by_the_providers_multipart_data_is_joined_exactly(generic, sms_deployment,
                                                                                          client):
    first, second = SMS_PROTOCOL[:40], SMS_PROTOCOL[40:]  # cut inside a figure, as a provider cuts at 153 characters
    for number, (sid, text) in ((2, ("SMa", second)), (1, ("SMb", first))):
        client.post(f"/sms/hook/{generic.webhook_slug}/", {"From": PHONE, "Body": text, "MessageSid": sid,
                                                            "concat-ref": "7", "concat-part": str(number),
                                                            "concat-total": "2"}, HTTP_X_GATEWAY_TOKEN=GENERIC_TOKEN)
    assert ObserverCopy.objects.get().figures == KZ_PROTOCOL


def test_an_observer_revoked_before_their_message_is_read_gets_nothing_back(android, sms_deployment):
    message, = services.ingest(gateway=android, messages=[Incoming(sender=PHONE, text="IN 101")])
    Accreditation.objects.filter(observer=sms_deployment.observer).update(status="revoked")
    services.process(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.observer, message.parse) == ("quarantined", None, {})
    assert not OutboundMessage.objects.exists() and not CheckIn.objects.exists()
