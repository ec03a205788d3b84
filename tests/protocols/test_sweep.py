"""The periodic sweep: flags that appear on their own (a passed deadline, a late check-in), a lost
message that is sent again, and work already queued that is left alone.

The sweep is given its clock (`now`): every moment below is fixed relative to one reading of it.
"""

import datetime
import io
import uuid

import pytest
from django.utils import timezone

from observers import services as observer_services
from observers.models import CheckIn
from protocols import services
from protocols.models import Discrepancy, ElectionCheck, StationCheck
from protocols.official_import import import_official_results
from tests.factories import DeploymentFactory, ObserverFactory, StationFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def run(sent):
    """Do what the sweep sent, as the worker would."""
    for election_id in sent["elections"]:
        services.check_stations(election_id=election_id)
    by_election = {}
    for election_id, station_id in sent["stations"]:
        by_election.setdefault(election_id, []).append(station_id)
    for election_id, station_ids in by_election.items():
        services.check_stations(election_id=election_id, station_ids=station_ids)
    for election_id, commission_id in sent["commissions"]:
        services.check_tabulation(election_id=election_id, commission_id=commission_id)


def flags(election):
    return sorted(Discrepancy.objects.filter(election=election, status="open").values_list("kind", "key"))


def test_missing_results_and_copies_are_flagged_once_the_deadline_passes_with_no_new_input(election, deployment):
    now = timezone.now()
    observer_services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk,
                                      client_id=uuid.uuid4())
    CheckIn.objects.update(recorded_at=now - 3 * MINUTE * 60)
    services.check_stations(election_id=election.pk)  # before the deadline: nothing is missing yet
    ElectionCheck.objects.update(checked_at=now - 2 * MINUTE * 60)
    assert flags(election) == []
    election.results_deadline = now - MINUTE * 60
    election.save()

    sent = services.sweep(now=now)
    assert sent == {"elections": [election.pk], "stations": [], "commissions": []}
    run(sent)
    observer = deployment.observer_id
    assert flags(election) == [("missing_copy", f"missing_copy:{observer}"), ("missing_official", "missing_official")]
    assert services.sweep(now=now + 10 * MINUTE)["elections"] == []  # checked after the deadline: done


def test_a_check_in_after_the_deadline_and_the_last_check_is_picked_up_by_the_sweep(election, deployment):
    now = timezone.now()
    election.results_deadline = now - MINUTE * 60
    election.save()
    run(services.sweep(now=now))  # the full check after the deadline: nobody checked in, nothing missing
    assert flags(election) == []
    late = DeploymentFactory(observer=ObserverFactory(), election=election, station=deployment.station)
    observer_services.record_check_in(observer=late.observer, deployment_id=late.pk, client_id=uuid.uuid4())

    sent = services.sweep(now=now + 3 * MINUTE)
    assert sent == {"elections": [], "stations": [(election.pk, deployment.station_id)], "commissions": []}
    run(sent)
    assert flags(election) == [("missing_copy", f"missing_copy:{late.observer_id}"),
                               ("missing_official", "missing_official")]
    assert services.sweep(now=now + 10 * MINUTE) == {"elections": [], "stations": [], "commissions": []}


def test_a_check_in_before_the_deadline_waits_for_it(election, deployment):
    now = timezone.now()
    election.results_deadline = now + MINUTE * 60
    election.save()
    observer_services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk,
                                      client_id=uuid.uuid4())
    assert services.sweep(now=now + MINUTE) == {"elections": [], "stations": [], "commissions": []}


def test_the_sweep_sends_a_lost_check_again_but_not_one_still_queued(election, deployment, station):
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures={**KZ_PROTOCOL, "L8.1": 5000})  # breaks a relation
    deployment.organisation.regions.add(station.commission.region)
    summary, _ = services.submit_commission_protocol(
        observer=deployment.observer, election_id=election.pk, commission_id=station.commission_id,
        client_id=uuid.uuid4(), figures=KZ_PROTOCOL)
    queued = StationCheck.objects.get().queued_at
    nothing = {"elections": [], "stations": [], "commissions": []}

    assert services.sweep(now=queued + MINUTE) == nothing  # its message is on its way
    lost = services.sweep(now=queued + services.SWEEP_GRACE + MINUTE)
    assert lost == {"elections": [], "stations": [(election.pk, station.pk)],
                    "commissions": [(election.pk, station.commission_id)]}
    assert services.sweep(now=queued + services.SWEEP_GRACE + 2 * MINUTE) == nothing  # sent a minute ago
    run(lost)
    assert [kind for kind, _key in flags(election)] == ["inconsistent"]
    summary.refresh_from_db()
    assert summary.checked_at is not None
    assert services.sweep(now=queued + 60 * MINUTE) == nothing


def test_a_national_import_leaves_one_election_mark_that_the_sweep_turns_into_a_full_check(election, station,
                                                                                             kz_source):
    rows = [("ALA", "ALA-01", "101", {**KZ_PROTOCOL, "L8.1": 5000})]  # breaks a relation
    rows += [("ALA", "ALA-01", str(200 + number), KZ_PROTOCOL) for number in range(services.CHECK_BATCH)]
    import_official_results(election=election, source=kz_source, stream=io.BytesIO(official_csv(rows)),
                            file_name="national.csv", create_stations=True, confirm=True)
    assert not StationCheck.objects.exists() and services.stations_due_for_check() == []
    marked = ElectionCheck.objects.get(election=election)
    assert marked.inputs_changed_at is not None and marked.checked_at is None

    assert services.sweep(now=marked.queued_at + MINUTE)["elections"] == []  # the import's message is on its way
    lost = services.sweep(now=marked.queued_at + services.SWEEP_GRACE + MINUTE)
    assert lost["elections"] == [election.pk] and lost["stations"] == []
    run(lost)
    assert [kind for kind, _key in flags(election)] == ["inconsistent"]
    assert services.sweep(now=marked.queued_at + 60 * MINUTE)["elections"] == []


def test_a_small_import_marks_its_stations_one_by_one(election, station, kz_source):
    other = StationFactory(commission=station.commission, code="102")
    import_official_results(election=election, source=kz_source, file_name="r.csv", stream=io.BytesIO(official_csv(
        [("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "102", KZ_PROTOCOL)])))
    assert sorted(services.stations_due_for_check()) == sorted([(election.pk, station.pk), (election.pk, other.pk)])
    assert not ElectionCheck.objects.exists()
