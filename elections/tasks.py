"""Celery tasks of the registry: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="elections.tasks.refresh_region_summaries")
def refresh_region_summaries_task(election_id):
    return services.refresh_region_summaries(election_id=election_id)


@shared_task(name="elections.tasks.refresh_stale_summaries")
def refresh_stale_summaries():
    """Periodic sweep: whatever a lost message left stale is recomputed here."""
    stale = services.elections_with_stale_summaries()
    for election_id in stale:
        refresh_region_summaries_task.delay(election_id)
    return stale
