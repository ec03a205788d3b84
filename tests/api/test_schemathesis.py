"""schemathesis against the OpenAPI schema: every operation, as an observer and as a coordinator,
with generated (valid and invalid) inputs. No answer is a server error, and every status an
operation answers is one its schema documents.

Bounded: a few examples per operation (SCHEMATHESIS_EXAMPLES, 4 by default), so the whole run
stays within about two minutes; the number of operations and calls is printed at the end (run
with -s). With SCHEMATHESIS_COVERAGE=1 it also sends schemathesis's boundary values of every
parameter (measured: 6,494 calls over the 54 operations, both roles, about 10 minutes).

Stateful: the links schemathesis infers from the response schemas and path parameters (a list's
IDs to the record's own URL, a created record to its actions) chain calls with real IDs; 25
scenarios of up to 20 calls each role (SCHEMATHESIS_STATEFUL_EXAMPLES, _STEPS), each rolled back.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
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
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "25"))
STATEFUL_STEPS = int(os.environ.get("SCHEMATHESIS_STATEFUL_STEPS", "20"))
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


def headers(token):
    # schemathesis sends requests' "Accept-Encoding: gzip, deflate" and its WSGI transport does not
    # decode: answers would arrive as gzip (whose BREACH padding differs on every call), unreadable for
    # links and different on each replay of a scenario. Phones decode gzip; here the plain JSON is read.
    return {"Authorization": f"Token {token}", "Accept-Language": "en", "Accept-Encoding": "identity"}


def _call(case, token, role):
    CALLS[(role, case.operation.label)] += 1
    case.call_and_validate(headers=headers(token),
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


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["observer", "coordinator"])
def test_chained_calls_follow_the_schemas_links_with_no_server_error(tokens, role):
    """Stateful: schemathesis links the operations whose answers name records that others take by
    ID (a deployment made, then read, its check-ins listed...), from the response schemas and path
    parameters, and walks such chains with real IDs instead of random ones."""
    workflow = schema.as_state_machine()
    links = sum(1 for name in dir(workflow) if name.split("_", 1)[0] in ("GET", "POST", "PATCH", "PUT", "DELETE"))
    assert links > 0, "schemathesis found no link between the operations"

    linked = Counter()

    class Chains(workflow):
        # Each scenario starts from the same records: what one scenario made is rolled back, so a
        # replayed scenario (Hypothesis shrinking a failure) meets the answers it met the first time.
        def setup(self):
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def step(self, input):
            # A step whose IDs came from an earlier answer (a link applied), not drawn at random.
            if input.transition is not None and input.applied_parameters:
                linked[input.case.operation.label] += 1
            return super().step(input)

        def get_call_kwargs(self, case):
            CALLS[(role, case.operation.label)] += 1
            return {"headers": headers(tokens[role])}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

    Chains.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, deadline=None,
                                 derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    assert sum(linked.values()) > 0, "no call took its IDs from an earlier answer"
    print(f"\nstateful ({role}): {links} links known, {sum(linked.values())} calls with IDs from earlier answers "
          f"({', '.join(sorted(linked))})")


def teardown_module():
    if CALLS:
        operations = {label for _role, label in CALLS}
        print(f"\nschemathesis: {len(operations)} operations, {sum(CALLS.values())} calls "
              f"({', '.join(f'{role}: {sum(n for (r, _), n in CALLS.items() if r == role)}' for role in ('observer', 'coordinator'))})")
