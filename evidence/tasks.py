"""Thin Celery tasks: take IDs, call a service, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def process_original(original_id):
    services.process_original(original_id=original_id)


@shared_task
def sweep_pending_originals():
    """Re-send originals whose processing message was lost (beat, every five minutes)."""
    for original_id in services.pending_originals(older_than_minutes=5):
        process_original.delay(original_id)


@shared_task
def clean_abandoned_uploads():
    return services.clean_abandoned_uploads()
