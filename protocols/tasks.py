"""Celery tasks of the protocols app: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import services
from .models import ResultSource
from .official_import import fetch_and_import


@shared_task(name="protocols.tasks.check_stations")
def check_stations_task(election_id, station_ids):
    return services.check_stations(election_id=election_id, station_ids=station_ids)


@shared_task(name="protocols.tasks.check_election")
def check_election_task(election_id):
    return services.check_stations(election_id=election_id)


@shared_task(name="protocols.tasks.sweep_changed_stations")
def sweep_changed_stations():
    """Periodic: send again every check whose inputs changed after it ran, and the full re-check
    of an election whose results deadline has passed (services.sweep)."""
    sent = services.sweep()
    return {what: len(items) for what, items in sent.items()}


@shared_task(name="protocols.tasks.check_tabulation")
def check_tabulation_task(election_id, commission_id):
    return services.check_tabulation(election_id=election_id, commission_id=commission_id)


@shared_task(name="protocols.tasks.fetch_source")
def fetch_source_task(source_id):
    report = fetch_and_import(source=ResultSource.objects.select_related("election").get(pk=source_id))
    return None if report is None else report.versions_added


@shared_task(name="protocols.tasks.fetch_all_sources")
def fetch_all_sources():
    """Periodic: every source with a URL to follow is fetched (and imported only if it changed)."""
    sources = list(ResultSource.objects.filter(fetch_automatically=True, election__isnull=False)
                   .exclude(url="").values_list("id", flat=True))
    for source_id in sources:
        fetch_source_task.delay(source_id)
    return sources
