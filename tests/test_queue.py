"""Services send their background work by task name, through the real broker, once they commit."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from config.celery import app
from config.queue import enqueue_on_commit, send
from protocols import services as protocol_services
from protocols.models import StationCheck
from tests.factories import CommissionFactory, ElectionFactory, StationFactory

pytestmark = pytest.mark.django_db


def test_a_task_is_sent_only_when_the_transaction_commits(sent_tasks, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    stations = StationFactory.create_batch(2)
    station_ids = [station.pk for station in stations]
    with django_capture_on_commit_callbacks(execute=True):
        protocol_services.mark_inputs_changed(election_id=election.pk, station_ids=station_ids)
        assert sent_tasks() == []  # not before the commit: a worker would not see the rows yet
    assert sent_tasks() == [("protocols.tasks.check_stations", [election.pk, station_ids])]


def test_a_rolled_back_write_sends_nothing(sent_tasks, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    station = StationFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        protocol_services.mark_inputs_changed(election_id=election.pk, station_ids=[station.pk])
        raise RuntimeError("the request failed after the write")
    assert sent_tasks() == []


def test_most_of_an_election_changed_sends_one_full_check(sent_tasks, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    station_ids = list(range(1, protocol_services.CHECK_BATCH + 2))
    with django_capture_on_commit_callbacks(execute=True):
        protocol_services.mark_inputs_changed(election_id=election.pk, station_ids=station_ids,
                                              election_stations=len(station_ids))
    assert sent_tasks() == [("protocols.tasks.check_election", [election.pk])]


def test_tabulation_checks_are_sent_once_per_commission(sent_tasks, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    first, second = CommissionFactory(), CommissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        protocol_services.send_tabulation_checks(election_id=election.pk,
                                                 commission_ids=[second.pk, first.pk, second.pk])
    assert sent_tasks() == [("protocols.tasks.check_tabulation", [election.pk, first.pk]),
                            ("protocols.tasks.check_tabulation", [election.pk, second.pk])]


def test_the_sweep_sends_again_a_check_whose_message_was_lost(sent_tasks, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    station = StationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        protocol_services.mark_inputs_changed(election_id=election.pk, station_ids=[station.pk])
    sent_tasks()  # that message is lost: no worker ever reads it
    with django_capture_on_commit_callbacks(execute=True):
        swept = protocol_services.sweep(now=timezone.now() + datetime.timedelta(minutes=3))
        assert sent_tasks() == []
    assert swept["stations"] == [(election.pk, station.pk)]
    assert sent_tasks() == [("protocols.tasks.check_stations", [election.pk, [station.pk]])]


def test_a_task_name_no_worker_knows_is_refused_at_once(sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(LookupError):
        enqueue_on_commit("protocols.tasks.no_such_task", 1)
    assert callbacks == [] and sent_tasks() == []


def test_eager_mode_runs_the_task_in_the_process(settings, sent_tasks):
    """CELERY_TASK_ALWAYS_EAGER (a deployment without workers, a debugging session) still works:
    send_task alone would ignore it and leave the message on the queue."""
    election = ElectionFactory()
    station = StationFactory()
    protocol_services.mark_inputs_changed(election_id=election.pk, station_ids=[station.pk])  # never committed
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert app.conf.task_always_eager
    result = send("protocols.tasks.check_stations", election.pk, [station.pk])
    assert result.successful()
    assert StationCheck.objects.get(election=election, station=station).checked_at is not None
    assert sent_tasks() == []
