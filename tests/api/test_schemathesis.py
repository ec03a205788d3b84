"""schemathesis against the OpenAPI schema: every operation, as an observer and as a coordinator,
with generated (valid and invalid) inputs. No answer is a server error, and every status an
operation answers is one its schema documents.

Bounded: a few examples per operation (SCHEMATHESIS_EXAMPLES, 4 by default), so the whole run
stays within about two minutes; the number of operations and calls is printed at the end (run
with -s). With SCHEMATHESIS_COVERAGE=1 it also sends schemathesis's boundary values of every
parameter (measured: 6,494 calls over the 54 operations, both roles, about 10 minutes).
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from observers import tokens as api_tokens
from tests.factories import (
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
CALLS = Counter()


# Loaded once, at collection: each operation becomes its own test (the pytest summary counts them).
# Examples and fuzzing (valid and invalid inputs drawn by Hypothesis); the coverage phase (every
# boundary value of every parameter, ~60 calls an operation) is the unbounded bench's, not CI's:
# SCHEMATHESIS_COVERAGE=1 turns it on.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": os.environ.get("SCHEMATHESIS_COVERAGE") == "1"}}}))


@pytest.fixture
def tokens(db, settings):
    """An observer deployed at a station, and their organisation's coordinator, each with a token.
    The sign-up and login limits are lifted: hundreds of generated calls are not what they are about."""
    settings.RATE_LIMITS = {name: (10**9, period) for name, (_limit, period) in settings.RATE_LIMITS.items()}
    region = RegionFactory()
    organisation = OrganisationFactory()
    organisation.regions.add(region)
    election = ElectionFactory()
    for number in (1, 2):
        ContestantFactory(election=election, ballot_number=number)
    observer = ObserverFactory(organisation=organisation)
    DeploymentFactory(observer=observer, election=election,
                      station=StationFactory(commission=CommissionFactory(region=region)))
    coordinator = CoordinatorFactory(organisation=organisation)
    coordinator.regions.add(region)
    # Calls go straight to the WSGI application, which closes the connection after each request
    # as in production; the test's transaction needs it open (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"observer": api_tokens.issue(user=observer)[1], "coordinator": api_tokens.issue(user=coordinator)[1]}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(case, token, role):
    CALLS[(role, case.operation.label)] += 1
    case.call_and_validate(headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
                           checks=[not_a_server_error, status_code_conformance])


BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.mark.django_db
@schema.parametrize()
@BOUNDED
def test_as_an_observer_no_server_error_and_every_status_documented(case, tokens):
    _call(case, tokens["observer"], "observer")


@pytest.mark.django_db
@schema.parametrize()
@BOUNDED
def test_as_a_coordinator_no_server_error_and_every_status_documented(case, tokens):
    _call(case, tokens["coordinator"], "coordinator")


def teardown_module():
    if CALLS:
        operations = {label for _role, label in CALLS}
        print(f"\nschemathesis: {len(operations)} operations, {sum(CALLS.values())} calls "
              f"({', '.join(f'{role}: {sum(n for (r, _), n in CALLS.items() if r == role)}' for role in ('observer', 'coordinator'))})")
