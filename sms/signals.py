"""Receivers of the lower apps' signals: sms is above them and they never import it."""

from django.db.models.signals import post_save
from django.dispatch import receiver

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
