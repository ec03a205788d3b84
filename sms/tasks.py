"""Thin tasks: IDs in, the services do the work; each is safe to run twice."""

from celery import shared_task

from . import outbound


@shared_task
def send_outbound_task(message_id):
    wait = outbound.send(message_id=message_id)
    if wait is not None:
        send_outbound_task.apply_async((message_id,), countdown=wait)


@shared_task
def sweep_unsent():
    """Re-send queued messages whose retry is due or whose first task was lost."""
    for message_id in outbound.due_messages():
        send_outbound_task.delay(str(message_id))


@shared_task
def send_protocol_reminders():
    for election_id in outbound.elections_due_for_reminders():
        outbound.queue_protocol_reminders(election_id=election_id)
