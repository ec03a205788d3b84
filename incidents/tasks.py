"""Celery tasks of the incidents app: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="incidents.tasks.notify_urgent_incident", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def notify_urgent_incident(incident_id):
    return services.send_urgent_notifications(incident_id=incident_id)
