"""A worker process killed in the middle of a cross-check: the check runs again (late
acknowledgement), and the flag it raises is there, once."""

import io
import os
import signal
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from protocols import services
from protocols.models import Discrepancy, StationCheck
from protocols.official_import import import_official_results
from protocols.tasks import check_stations_task
from tests.conftest import _wait_for
from tests.faults.conftest import child_pids, run_database_params
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def _blocked_check_backend(cursor):
    """The worker's database session, waiting for our lock in the middle of its transaction."""
    cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                   " AND query LIKE 'UPDATE \"protocols_stationcheck\"%%'")
    row = cursor.fetchone()
    return row and row[0]


def test_a_check_whose_worker_dies_runs_again_and_raises_its_flag_once(
        prefork_worker, election, deployment, kz_source):
    if connection.vendor != "postgresql":
        pytest.skip("watches PostgreSQL's lock waits")
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=kz_source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([("ALA", "ALA-01", "101", published)])))
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL)
    # Only the check under test is in the queue when the worker starts.
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)

    # Hold the station's check row: the worker will write its flag, then wait for us, mid-transaction.
    with psycopg.connect(**run_database_params()) as holder, holder.cursor() as held:
        held.execute("SELECT 1 FROM protocols_stationcheck WHERE election_id = %s AND station_id = %s FOR UPDATE",
                     [election.pk, deployment.station_id])
        check_stations_task.delay(election.pk, [deployment.station_id])
        worker = prefork_worker()
        with psycopg.connect(**run_database_params(), autocommit=True) as watcher, watcher.cursor() as watch:
            _wait_for(lambda: _blocked_check_backend(watch), timeout=40, what="the check to reach its last write",
                      log=worker.log_path)
        (pool_process,) = child_pids(worker.process.pid)
        os.kill(pool_process, signal.SIGKILL)
        worker.wait_for(lambda: "WorkerLostError" in worker.log_path.read_text(), timeout=20,
                        what="the worker to notice its lost process")
        holder.rollback()

    # Delivered again, at once (not after the visibility timeout), and run to the end.
    worker.wait_for(lambda: Discrepancy.objects.filter(kind="mismatch").exists(), timeout=40,
                    what="the check to run again")
    worker.wait_for(lambda: worker.log_path.read_text().count("protocols.tasks.check_stations[") >= 3, timeout=20,
                    what="the second run to finish")
    log = worker.log_path.read_text()
    assert log.count("Task protocols.tasks.check_stations[") >= 2 and " succeeded in " in log
    time.sleep(1)
    flags = list(Discrepancy.objects.filter(election=election, station=deployment.station))
    assert [(flag.kind, flag.severity, flag.deltas) for flag in flags] == [
        ("mismatch", "critical", {"L8.1": [500, 580, 80], "L8.2": [300, 220, -80]})]
    assert StationCheck.objects.get(election=election, station=deployment.station).checked_at is not None
