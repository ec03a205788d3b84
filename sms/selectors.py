"""Scoped reads of the SMS channel: a coordinator sees their organisation's messages only."""

from .models import InboundMessage, OutboundMessage


def inbound_for(coordinator):
    return (InboundMessage.objects.filter(organisation_id=coordinator.organisation_id)
            .select_related("observer", "gateway").order_by("-received_at", "-id"))


def outbound_for(coordinator):
    return (OutboundMessage.objects.filter(organisation_id=coordinator.organisation_id)
            .select_related("observer").order_by("-created_at"))
