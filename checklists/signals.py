"""Signals of the checklists app, for apps that send what it records by other channels.

`message_sent(sender=Message, message=<Message>, recipient_ids=[user IDs])` is sent after the
transaction that stored a coordinator's message commits (never for a re-sent client_id). The sms
app connects to it to send the message as SMS to those recipients who have a phone number:

    from checklists.signals import message_sent
    message_sent.connect(send_as_sms)
"""

from django.dispatch import Signal

message_sent = Signal()
