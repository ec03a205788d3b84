"""Celery tasks of the incidents app: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="incidents.tasks.notify_urgent_incident", autoretry_for=(OSError,), retry_backoff=True,
             retry_backoff_max=300, retry_jitter=True, max_retries=8)
def notify_urgent_incident(incident_id):
    """Retried with back-off (about 1, 2, 4 ... s, at most 5 minutes) while a channel fails;
    after that, or when its message was lost, the sweep below sends it again."""
    return services.send_urgent_notifications(incident_id=incident_id)


@shared_task(name="incidents.tasks.sweep_unsent_notifications")
def sweep_unsent_notifications():
    """Periodic (beat, every minute): every urgent notification still unsent is sent again."""
    return services.sweep_unsent_notifications()
