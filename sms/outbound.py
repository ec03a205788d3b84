"""Messages out: replies, accreditation decisions, reminders, coordinators' messages; throttled,
retried, tracked.

Every outbound SMS is a row first (status `queued`, a unique `dedupe_key`: one reply per
processing of a message, one decision SMS per decision, one reminder per deployment, one SMS per
coordinator's message and observer), then a
Celery task by ID sends it after commit. A failed send is retried with a growing delay; the beat's
sweep re-sends any queued message whose task was lost.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from elections.models import Election
from observers.models import Deployment, User
from protocols.models import ObserverCopy

from . import gateways, phones
from .models import Gateway, OutboundMessage, Subscription

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status


def retry_seconds(attempts):
    return settings.SMS_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


def language_of(observer_id):
    language = Subscription.objects.filter(observer_id=observer_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def organisation_gateway(organisation_id):
    return Gateway.objects.filter(organisation_id=organisation_id, active=True).order_by("id").first()


def _enqueue(message_ids):
    for pk in message_ids:
        enqueue_on_commit("sms.tasks.send_outbound_task", str(pk))


def queue_reply(*, inbound, text):
    """The reply to an inbound message, through the gateway it came from (none: the simulator)."""
    if inbound.gateway_id is None or not text:
        return None
    message = OutboundMessage.objects.create(
        dedupe_key=f"reply:{inbound.pk}:{inbound.attempts}", gateway_id=inbound.gateway_id,
        observer_id=inbound.observer_id, organisation_id=inbound.organisation_id, in_reply_to=inbound,
        phone=inbound.sender, kind=OutboundMessage.Kind.REPLY, text=text)
    _enqueue([message.pk])
    return message


def _observer_phone(observer, gateway):
    return phones.e164(observer.phone, gateway.default_region)


def queue_accreditation_decision(*, event):
    """An SMS telling an opted-in observer their accreditation was approved, rejected or revoked."""
    accreditation = event.accreditation
    observer = User.objects.filter(pk=accreditation.observer_id, sms__opted_in=True).first()
    gateway = organisation_gateway(accreditation.organisation_id)
    if observer is None or gateway is None or not _observer_phone(observer, gateway):
        return None
    with translation.override(language_of(observer.pk)):
        texts = {
            "approved": _("Your accreditation is approved. You can now send reports, also by SMS."),
            "rejected": _("Your accreditation was rejected: %(reason)s"),
            "revoked": _("Your accreditation was revoked: %(reason)s"),
        }
        text = texts[event.to_status]
        if event.to_status != "approved":
            text = text % {"reason": event.reason[:100]}
    message, created = OutboundMessage.objects.get_or_create(
        dedupe_key=f"accreditation:{event.pk}",
        defaults={"gateway": gateway, "observer": observer, "organisation_id": accreditation.organisation_id,
                  "phone": _observer_phone(observer, gateway), "kind": OutboundMessage.Kind.ACCREDITATION,
                  "text": text})
    if created:
        _enqueue([message.pk])
    return message


def queue_protocol_reminders(*, election_id):
    """"Protocol not yet received" to each opted-in observer deployed in the election who has sent
    no copy for their station: once per deployment, in three queries whatever their number."""
    election = Election.objects.get(pk=election_id)
    sent_copy = ObserverCopy.objects.filter(observer_id=OuterRef("observer_id"), election_id=election_id,
                                            station_id=OuterRef("station_id"))
    rows = list(Deployment.objects.filter(election_id=election_id, observer__sms__opted_in=True)
                .exclude(Exists(sent_copy)).values_list("id", "organisation_id", "observer_id", "observer__phone",
                                                        "observer__sms__language", "station__code"))
    gateways_by_org = {gateway.organisation_id: gateway for gateway in Gateway.objects.filter(
        organisation_id__in={row[1] for row in rows}, active=True).order_by("-id")}
    messages = []
    for deployment_id, organisation_id, observer_id, phone, language, station in rows:
        gateway = gateways_by_org.get(organisation_id)
        number = phones.e164(phone, gateway.default_region) if gateway else None
        if number is None:
            continue
        with translation.override(language or settings.LANGUAGE_CODE):
            text = _("%(election)s: we have not received your protocol for station %(station)s. "
                     "Send it: P %(station)s 1 <figure> 2 <figure> ...") % {"election": election.name[:40],
                                                                            "station": station}
        messages.append(OutboundMessage(
            dedupe_key=f"reminder:{deployment_id}", gateway=gateway, observer_id=observer_id,
            organisation_id=organisation_id, phone=number, kind=OutboundMessage.Kind.REMINDER, text=text))
    return _store_new(messages)


def _store_new(messages):
    """Store the messages whose dedupe key is new and send them after commit; how many were new.
    A reminder or a coordinator's message queued twice is sent once."""
    with transaction.atomic():
        keys = [item.dedupe_key for item in messages]
        existing = set(OutboundMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        fresh = [item for item in messages if item.dedupe_key not in existing]
        OutboundMessage.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2000)
        _enqueue([item.pk for item in fresh])
    return len(fresh)


def queue_coordinator_message(*, message, recipient_ids):
    """A coordinator's message (checklists.Message) as one SMS to each recipient who opted in,
    through their organisation's gateway: two queries whatever their number, once per
    (message, observer) however often the signal comes."""
    gateway = organisation_gateway(message.organisation_id)
    if gateway is None or not recipient_ids:
        return 0
    rows = User.objects.filter(pk__in=recipient_ids, sms__opted_in=True).values_list("pk", "phone")
    messages = []
    for observer_id, phone in rows:
        number = phones.e164(phone, gateway.default_region)
        if number is None:
            continue
        messages.append(OutboundMessage(
            dedupe_key=f"coordinator:{message.pk}:{observer_id}", gateway=gateway, observer_id=observer_id,
            organisation_id=message.organisation_id, phone=number, kind=OutboundMessage.Kind.COORDINATOR,
            text=message.body))
    return _store_new(messages)


def elections_due_for_reminders(now=None):
    now = now or timezone.now()
    lead = datetime.timedelta(minutes=settings.SMS_REMINDER_LEAD_MINUTES)
    return list(Election.objects.filter(status=Election.Status.ONGOING, results_deadline__gt=now,
                                        results_deadline__lte=now + lead).values_list("id", flat=True))


def _throttled(gateway):
    """True when the gateway already took its messages for this minute (a counter in the cache)."""
    key = f"sms-throttle:{gateway.pk}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=120)
        count = 1
    return count > gateway.sends_per_minute


def send(*, message_id):
    """One attempt at sending a queued message. Returns the seconds after which to try again
    (a failure, or the gateway's minute is full), or None when done."""
    now = timezone.now()
    with transaction.atomic():
        message = (OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",)).select_related("gateway")
                   .filter(pk=message_id, status=Status.QUEUED).first())
        if message is None:
            return None
        if message.next_attempt_at and message.next_attempt_at > now + datetime.timedelta(seconds=2):
            return None  # a retry is already scheduled
        gateway = message.gateway
        if gateway is None or not gateway.active:
            message.status, message.last_error = Status.FAILED, "no active gateway"
            message.save(update_fields=["status", "last_error"])
            return None
        if _throttled(gateway):
            wait = 60 - int(now.timestamp()) % 60 + 1
            message.next_attempt_at = now + datetime.timedelta(seconds=wait)
            message.save(update_fields=["next_attempt_at"])
            return wait
        message.attempts += 1
        try:
            state = gateways.adapter(gateway).send(gateway, message)
        except gateways.SendFailed as error:
            message.last_error = str(error)[:300]
            if message.attempts >= settings.SMS_MAX_ATTEMPTS:
                message.status = Status.FAILED
                message.save(update_fields=["attempts", "last_error", "status"])
                logger.warning("sms %s failed after %s attempts: %s", message.pk, message.attempts, error)
                return None
            wait = retry_seconds(message.attempts)
            message.next_attempt_at = now + datetime.timedelta(seconds=wait)
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return wait
        message.status, message.sent_at, message.gateway_state = Status.SENT, timezone.now(), state
        message.next_attempt_at = None
        message.save(update_fields=["attempts", "status", "sent_at", "gateway_state", "next_attempt_at"])
    return None


def due_messages(now=None, limit=500):
    """Queued messages whose retry time has come, or whose first task may have been lost."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.SMS_RETRY_SECONDS)
    return list(OutboundMessage.objects.filter(status=Status.QUEUED, created_at__lte=stale).filter(
        next_attempt_at__isnull=True).values_list("pk", flat=True)[:limit]) + list(
        OutboundMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .values_list("pk", flat=True)[:limit])


def record_status(*, gateway, update):
    """A delivery report: the message's state moves forward only (sent -> delivered or failed)."""
    order = {Status.QUEUED: 0, Status.SENT: 1, Status.DELIVERED: 2, Status.FAILED: 2}
    message = OutboundMessage.objects.filter(pk=_uuid_or_none(update.message_id), gateway=gateway).first()
    if message is None:
        return None
    target = {"sent": Status.SENT, "delivered": Status.DELIVERED, "failed": Status.FAILED}[update.state]
    if order[target] <= order[message.status] and target != message.status:
        return message
    fields = {"status": target, "gateway_state": update.state}
    if target == Status.DELIVERED:
        fields["delivered_at"] = timezone.now()
    if update.reason:
        fields["last_error"] = update.reason[:300]
    OutboundMessage.objects.filter(pk=message.pk).update(**fields)
    return message


def _uuid_or_none(text):
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError):
        return None

