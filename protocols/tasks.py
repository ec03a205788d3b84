"""Celery tasks of the protocols app: thin, take IDs, safe to run twice."""

from itertools import groupby

from celery import shared_task

from . import services


@shared_task(name="protocols.tasks.check_stations")
def check_stations_task(election_id, station_ids):
    return services.check_stations(election_id=election_id, station_ids=station_ids)


@shared_task(name="protocols.tasks.check_election")
def check_election_task(election_id):
    return services.check_stations(election_id=election_id)


@shared_task(name="protocols.tasks.sweep_changed_stations")
def sweep_changed_stations():
    """Periodic: re-check every station whose inputs changed after its last check."""
    due = sorted(services.stations_due_for_check())
    for election_id, pairs in groupby(due, key=lambda pair: pair[0]):
        station_ids = [station_id for _election, station_id in pairs]
        for start in range(0, len(station_ids), 2000):
            check_stations_task.delay(election_id, station_ids[start:start + 2000])
    for election_id, commission_id in services.commissions_due_for_tabulation_check():
        check_tabulation_task.delay(election_id, commission_id)
    return len(due)


@shared_task(name="protocols.tasks.check_tabulation")
def check_tabulation_task(election_id, commission_id):
    return services.check_tabulation(election_id=election_id, commission_id=commission_id)


@shared_task(name="protocols.tasks.fetch_source")
def fetch_source_task(source_id):
    from .models import ResultSource
    from .official_import import fetch_and_import

    report = fetch_and_import(source=ResultSource.objects.select_related("election").get(pk=source_id))
    return None if report is None else report.versions_added


@shared_task(name="protocols.tasks.fetch_all_sources")
def fetch_all_sources():
    """Periodic: every source with a URL to follow is fetched (and imported only if it changed)."""
    from .models import ResultSource

    sources = list(ResultSource.objects.filter(fetch_automatically=True, election__isnull=False)
                   .exclude(url="").values_list("id", flat=True))
    for source_id in sources:
        fetch_source_task.delay(source_id)
    return sources
