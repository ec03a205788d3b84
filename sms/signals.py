"""Receivers of the lower apps' signals: sms is above them and they never import it."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from checklists.models import Message
from checklists.signals import message_sent
from observers.models import AccreditationEvent

from . import outbound

DECISIONS = {"approved", "rejected", "revoked"}


@receiver(post_save, sender=AccreditationEvent, dispatch_uid="sms-accreditation-decision")
def accreditation_decided(sender, instance, created, raw=False, **kwargs):
    """A coordinator's decision: the SMS is queued in the decision's own transaction (both or
    neither are stored) and sent after commit."""
    if raw or not created or instance.to_status not in DECISIONS:
        return
    outbound.queue_accreditation_decision(event=instance)


@receiver(message_sent, sender=Message, dispatch_uid="sms-coordinator-message")
def coordinator_message_sent(sender, message, recipient_ids, **kwargs):
    """A coordinator's message to observers (sent after its transaction commits): one SMS to each
    recipient who opted in."""
    outbound.queue_coordinator_message(message=message, recipient_ids=recipient_ids)
