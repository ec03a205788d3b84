"""The SMS app's part of an observer's personal data (observers.privacy).

Export: their subscription and the messages they sent and received. Erasure: the phone number
on every one of those messages (the texts stay: they are the reports and the platform's
answers), a message still waiting is not sent, and the subscription is turned off.
"""

from .models import InboundMessage, OutboundMessage, Subscription


def export(observer):
    subscription = Subscription.objects.filter(observer=observer).first()
    return {
        "subscription": None if subscription is None else {"receives_sms": subscription.opted_in,
                                                           "language": subscription.language},
        "received": [{"from": message.sender or message.sender_raw, "text": message.text,
                      "received_at": message.received_at.isoformat(), "status": message.status}
                     for message in InboundMessage.objects.filter(observer=observer).order_by("received_at", "pk")],
        "sent": [{"to": message.phone, "kind": message.kind, "text": message.text,
                  "created_at": message.created_at.isoformat(), "status": message.status}
                 for message in OutboundMessage.objects.filter(observer=observer).order_by("created_at")],
    }


def erase(observer):
    InboundMessage.objects.filter(observer=observer).update(sender="", sender_raw="")
    OutboundMessage.objects.filter(observer=observer, status=OutboundMessage.Status.QUEUED).update(
        status=OutboundMessage.Status.FAILED, last_error="The recipient's personal data was erased.")
    OutboundMessage.objects.filter(observer=observer).update(phone="")
    Subscription.objects.filter(observer=observer).update(opted_in=False)
