"""The webhook signature a receiver checks (incidents.webhooks, plain functions)."""

from hypothesis import given
from hypothesis import strategies as st

from incidents import webhooks

NOW = 1_800_000_000


def _signed(secret, body, timestamp=NOW):
    headers = webhooks.signed_headers(secret=secret, body=body, timestamp=timestamp, delivery=7)
    return headers[webhooks.TIMESTAMP_HEADER], headers[webhooks.SIGNATURE_HEADER]


@given(body=st.binary(max_size=500), secret=st.text(min_size=1, max_size=64))
def test_a_receiver_accepts_exactly_what_was_signed_with_its_secret(body, secret):
    timestamp, signature = _signed(secret, body)
    assert webhooks.verify(secret=secret, body=body, timestamp=timestamp, signature_header=signature, now=NOW + 5)
    assert not webhooks.verify(secret=secret + "x", body=body, timestamp=timestamp, signature_header=signature,
                               now=NOW)
    assert not webhooks.verify(secret=secret, body=body + b" ", timestamp=timestamp, signature_header=signature,
                               now=NOW)


def test_a_replayed_request_is_refused_once_its_timestamp_is_old():
    secret, body = webhooks.new_secret(), webhooks.body_of({"incident": 1, "station": "412"})
    timestamp, signature = _signed(secret, body)
    assert webhooks.verify(secret=secret, body=body, timestamp=timestamp, signature_header=signature,
                           now=NOW + webhooks.TOLERANCE_SECONDS)
    assert not webhooks.verify(secret=secret, body=body, timestamp=timestamp, signature_header=signature,
                               now=NOW + webhooks.TOLERANCE_SECONDS + 1)
    # A fresh timestamp on the old signature does not pass either.
    assert not webhooks.verify(secret=secret, body=body, timestamp=str(NOW + 600), signature_header=signature,
                               now=NOW + 600)
    assert not webhooks.verify(secret=secret, body=body, timestamp="soon", signature_header=signature, now=NOW)


def test_each_endpoint_gets_its_own_long_secret():
    secrets = {webhooks.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(len(secret) == 64 for secret in secrets)
