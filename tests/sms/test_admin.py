"""Gateway settings in the admin: secrets go in, never come out."""

import pytest

from sms.models import Gateway, hash_token
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_a_gateways_secrets_and_never_sees_them_again(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    assert client.login(username=admin.username, password=TEST_PASSWORD)
    organisation = OrganisationFactory()
    response = client.post("/admin/sms/gateway/add/", {
        "name": "Office phone", "kind": "android", "organisation": organisation.pk, "active": "on",
        "webhook_slug": "office-phone", "default_region": "KZ", "new_signing_key": "s3cret-signing-key",
        "new_inbound_token": "s3cret-token", "send_url": "http://192.168.1.10:8080/message", "send_username": "sms",
        "new_send_password": "s3cret-password", "sends_per_minute": 20})
    assert response.status_code == 302, response.content.decode()[:2000]
    gateway = Gateway.objects.get(webhook_slug="office-phone")
    assert gateway.signing_key == "s3cret-signing-key" and gateway.send_password == "s3cret-password"
    assert gateway.inbound_token_hash == hash_token("s3cret-token")

    page = client.get(f"/admin/sms/gateway/{gateway.pk}/change/").content.decode()
    assert "s3cret" not in page and gateway.inbound_token_hash not in page

    client.post(f"/admin/sms/gateway/{gateway.pk}/change/", {
        "name": "Office phone 2", "kind": "android", "organisation": organisation.pk, "active": "on",
        "webhook_slug": "office-phone", "default_region": "KZ", "send_url": gateway.send_url, "send_username": "sms",
        "sends_per_minute": 20})
    gateway.refresh_from_db()
    assert gateway.name == "Office phone 2" and gateway.signing_key == "s3cret-signing-key"
    assert gateway.send_password == "s3cret-password"
