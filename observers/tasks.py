"""Celery tasks of the observers app: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import privacy, services


@shared_task(name="observers.tasks.notify_accreditation_decision", autoretry_for=(OSError,), retry_backoff=True,
             retry_backoff_max=300, retry_jitter=True, max_retries=8)
def notify_accreditation_decision(event_id):
    """The observer's e-mail about a coordinator's decision; retried with back-off while the mail
    server cannot be reached (smtplib's errors are OSErrors)."""
    return services.email_accreditation_decision(event_id=event_id)


@shared_task(acks_late=True)
def erase_if_due(observer_id):
    """Erase one observer's personal data if their retention period is (still) over."""
    return privacy.erase_if_due(observer_id)


@shared_task
def sweep_retention():
    """Find the observers whose every election is past its retention period (beat, hourly) and
    erase each in its own task: one failure stops nobody else, a lost message comes back next hour."""
    due = privacy.due_for_erasure()
    for observer_id in due:
        erase_if_due.delay(observer_id)
    return len(due)
