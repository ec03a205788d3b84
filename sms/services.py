"""Every write about inbound SMS: store what a gateway posted, read it, feed the same services
as the web pages and the API, answer.

Two steps. `ingest` stores a batch as received, set-based (one lookup of the senders, one bulk
insert; a resent message hits the unique `dedupe_key` and is stored once). `process` then reads
one stored message and calls observers' check-in, protocols' submission, incidents' report or
checklists' answer service with a client ID made from the message's key, so processing the same message again, or
after a fix (`reprocess`), never records anything twice.
"""

import datetime
import hashlib
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Func, Q, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists import selectors as checklist_selectors
from checklists import services as checklist_services
from checklists.models import Question
from elections import selectors as election_selectors
from elections.models import Election
from incidents import services as incident_services
from incidents.models import IncidentCategory
from observers import services as observer_services
from observers.models import Accreditation, Deployment, User
from protocols import services as protocol_services

from . import outbound, parsing, phones, replies
from .gateways import Incoming
from .models import InboundMessage

logger = logging.getLogger(__name__)
Status = InboundMessage.Status
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
PART_WINDOW = datetime.timedelta(hours=2)


# --- Storing what arrived ------------------------------------------------------------------------


def dedupe_key(gateway_id, incoming, sender, now):
    """The gateway's own ID when it is unique; otherwise sender + text + the phone's receipt time
    (stable when the app resends), or + a ten-minute window when the gateway gives no time."""
    if incoming.unique_id and incoming.gateway_message_id:
        return f"id:{gateway_id}:{incoming.gateway_message_id}"[:80]
    moment = incoming.sent_at_text or str(int(now.timestamp() // DUPLICATE_WINDOW.total_seconds()))
    digest = hashlib.sha256("\x1f".join([str(gateway_id), sender, incoming.text, moment]).encode()).hexdigest()
    return f"sha:{digest}"


def find_observers(numbers):
    """{E.164: (user id, organisation id, accredited?)} for the observers whose stored phone is one
    of `numbers`, however the phone field was typed: one query."""
    numbers = {number for number in numbers if number}
    if not numbers:
        return {}
    variants = set().union(*(phones.digit_variants(number) for number in numbers))
    # regexp_replace: PostgreSQL's, or observers.sqlite_functions' under `make run`.
    digits = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
    users = User.objects.filter(role=User.Role.OBSERVER).annotate(digits=digits).filter(
        Q(phone__in=numbers) | Q(digits__in=variants))
    # A stored phone without a country code is read as a local number of the senders' countries.
    regions = {phones.region_of(number) for number in numbers}
    found = {}
    for pk, phone, organisation_id, status in users.values_list("pk", "phone", "organisation_id",
                                                                "accreditation__status").order_by("pk"):
        for region in regions:
            number = phones.e164(phone, region)
            if number in numbers and number not in found:
                found[number] = (pk, organisation_id, status == Accreditation.Status.APPROVED)
    return found


def ingest(*, gateway, messages, now=None):
    """Store a batch of `Incoming` messages from one gateway (None: the simulator). Returns the
    stored messages that are new, in order; duplicates (of stored ones or within the batch) are
    dropped. Unknown or unaccredited senders' messages are stored raw, quarantined, unread."""
    now = now or timezone.now()
    region = gateway.default_region if gateway else "KZ"
    gateway_id = gateway.pk if gateway else None
    numbers = [phones.e164(message.sender, region) or "" for message in messages]
    observers = find_observers(numbers)
    rows, keys = [], set()
    for incoming, number in zip(messages, numbers, strict=True):
        key = dedupe_key(gateway_id, incoming, number or incoming.sender, now)
        if key in keys:
            continue
        keys.add(key)
        observer_id, organisation_id, accredited = observers.get(number, (None, None, False))
        row = InboundMessage(gateway=gateway, dedupe_key=key, gateway_message_id=incoming.gateway_message_id,
                             sender_raw=incoming.sender[:64], sender=number, text=incoming.text[:parsing.MAX_TEXT * 2],
                             sent_at=incoming.sent_at, received_at=now)
        if accredited:
            row.observer_id, row.organisation_id = observer_id, organisation_id
            part = parsing.split_part_marker(incoming.text)
            if incoming.part_total and incoming.part_total > 1:
                part = parsing.Part(incoming.part_number, incoming.part_total, incoming.text)
            if part is not None:
                row.part_number, row.part_total, row.status = part.number, part.total, Status.PART
            else:
                row.parse = parsing.parse(incoming.text).as_data()
        else:
            row.status = Status.QUARANTINED
            row.organisation_id = gateway.organisation_id if gateway else organisation_id
        rows.append(row)
    existing = set(InboundMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    fresh = [row for row in rows if row.dedupe_key not in existing]
    try:
        with transaction.atomic():
            return InboundMessage.objects.bulk_create(fresh, batch_size=2000)  # IDs come back (RETURNING)
    except IntegrityError:
        # The same message arrived at the same moment in another request: keep the one stored.
        InboundMessage.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2000)
        # Both requests may then read the message: `process` locks it and reads it once.
        return list(InboundMessage.objects.filter(dedupe_key__in=[row.dedupe_key for row in fresh]).order_by("id"))


def receive(*, gateway, incoming):
    """What a webhook calls: store, read and answer each new message. Duplicates do nothing."""
    processed = []
    for message in ingest(gateway=gateway, messages=list(incoming)):
        processed.append(process(message_id=message.pk))
    return processed


# --- Reading and recording -------------------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, code, status=Status.MALFORMED, **details):
        super().__init__(code)
        self.code, self.status, self.details = code, status, details


def process(*, message_id, reprocess=False):
    """Read one stored message and record what it says; the reply is queued to the gateway.
    Safe to call twice: a processed message is left alone unless `reprocess`."""
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update(of=("self",)).select_related("gateway").get(pk=message_id)
        if message.status == Status.QUARANTINED and reprocess:
            _reidentify(message)
        if message.status == Status.QUARANTINED:
            return message
        if message.status == Status.PART:
            message.save()
            return _process_part(message)
        if message.status != Status.RECEIVED and not reprocess:
            return message
        if not Accreditation.objects.filter(observer_id=message.observer_id,
                                            status=Accreditation.Status.APPROVED).exists():
            # Revoked since the message came: no data back, the raw message in the quarantine.
            message.status, message.observer_id, message.parse = Status.QUARANTINED, None, {}
            message.save(update_fields=["status", "observer", "parse"])
            return message
        message.attempts += 1
        observer = User.objects.select_related("organisation").get(pk=message.observer_id)
        with translation.override(outbound.language_of(observer.pk)):
            parsed = parsing.parse(message.text)
            message.parse = parsed.as_data()
            try:
                if parsed.error is not None:
                    raise Refusal(parsed.error.code, **parsed.error.details)
                message.reply, message.created = _record(message, observer, parsed.command)
                message.status = Status.PROCESSED
            except Refusal as refusal:
                message.status = refusal.status
                message.reply = replies.error_text(refusal.code, refusal.details)
                message.parse = {**message.parse, "refused": refusal.code}
        message.processed_at = timezone.now()
        message.save()
        outbound.queue_reply(inbound=message, text=message.reply)
    return message


def reprocess(*, coordinator, message_id):
    """A coordinator runs a message again, after fixing the observer's phone or deployment."""
    observer_services.ensure_coordinator(coordinator)
    message = InboundMessage.objects.filter(pk=message_id).first()
    if message is None or message.organisation_id != coordinator.organisation_id:
        raise PermissionDenied
    if message.status == Status.PART or message.joined_into_id:
        raise ValidationError({"message": _("A part is processed with its whole message.")})
    return process(message_id=message.pk, reprocess=True)


def _reidentify(message):
    region = message.gateway.default_region if message.gateway else "KZ"
    number = message.sender or phones.e164(message.sender_raw, region) or ""
    observer_id, organisation_id, accredited = find_observers([number]).get(number, (None, None, False))
    if accredited:
        message.observer_id, message.organisation_id, message.sender = observer_id, organisation_id, number
        part = parsing.split_part_marker(message.text)
        message.status = Status.PART if part else Status.RECEIVED
        if part:
            message.part_number, message.part_total = part.number, part.total


def _process_part(message):
    """A part: when every part of its message is in, the joined text is stored and processed."""
    parts = list(InboundMessage.objects.select_for_update().filter(
        observer_id=message.observer_id, gateway_id=message.gateway_id, status=Status.PART,
        part_total=message.part_total, joined_into__isnull=True,
        received_at__gte=message.received_at - PART_WINDOW).order_by("part_number", "id"))
    by_number = {}
    for part in parts:
        by_number.setdefault(part.part_number, part)
    if set(by_number) != set(range(1, message.part_total + 1)):
        return message
    chosen = [by_number[number] for number in sorted(by_number)]
    marked = [parsing.split_part_marker(part.text) for part in chosen]
    # Marked parts are joined by a space; the gateway's multipart data cuts anywhere, even in a number.
    text = parsing.join_parts(marked) if all(marked) else "".join(part.text for part in chosen)
    joined_key = "join:" + hashlib.sha256("|".join(part.dedupe_key for part in chosen).encode()).hexdigest()[:70]
    joined, _created = InboundMessage.objects.get_or_create(dedupe_key=joined_key, defaults={
        "gateway": message.gateway, "sender_raw": message.sender_raw, "sender": message.sender, "text": text,
        "observer_id": message.observer_id, "organisation_id": message.organisation_id,
        "received_at": timezone.now()})
    InboundMessage.objects.filter(pk__in=[part.pk for part in chosen]).update(joined_into=joined)
    return process(message_id=joined.pk)


def _as_numbers(code):
    """A station code's sort key: "101" before "1009", as the numbers read (codes are text)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", code)]


def _deployment(observer, station):
    """The observer's deployment in an election under way, by station code, or the only one."""
    deployments = list(Deployment.objects.filter(observer=observer, election__status=Election.Status.ONGOING)
                       .select_related("station", "election__template").order_by("-election__date", "-id"))
    if not deployments:
        raise Refusal("no_deployment", status=Status.REFUSED)
    if station is None:
        if len({deployment.station_id for deployment in deployments}) > 1:
            raise Refusal("which_station", stations=sorted({d.station.code for d in deployments}, key=_as_numbers))
        return deployments[0]
    for deployment in deployments:
        if deployment.station.code.upper() == station:
            return deployment
    raise Refusal("not_your_station", status=Status.REFUSED, station=station)


def _service_call(call):
    try:
        return call()
    except ValidationError as error:
        raise Refusal("refused", status=Status.REFUSED, reason=" ".join(error.messages)[:200]) from None
    except PermissionDenied as error:
        raise Refusal("refused", status=Status.REFUSED, reason=str(error)[:200]) from None


def _record(message, observer, command):
    """Feed the command to the same service the web pages and the API use; (reply, created)."""
    deployment = _deployment(observer, command.station)
    message.election_id = deployment.election_id
    station = deployment.station.code
    if isinstance(command, parsing.CheckIn):
        kind = "out" if command.kind == "out" else "in"
        check_in, created = _service_call(lambda: observer_services.record_check_in(
            observer=observer, deployment_id=deployment.pk, client_id=message.client_id, kind=kind))
        return replies.checked_in(station, kind), [["check_in", check_in.pk, created]]
    if isinstance(command, parsing.Checklist):
        return _checklist_answers(message, observer, deployment, command)
    if isinstance(command, parsing.Protocol):
        election = deployment.election
        codes = {line.number: line.code for line in election_selectors.election_lines(election)}
        unknown = [number for number, _value in command.figures if number not in codes]
        if unknown:
            raise Refusal("unknown_lines", lines=unknown)
        figures = {codes[number]: value for number, value in command.figures}
        copy, created = _service_call(lambda: protocol_services.submit_copy(
            observer=observer, deployment_id=deployment.pk, client_id=message.client_id, figures=figures))
        labels = {relation.expression: relation.label() for relation in election.template.relations.all()}
        warnings = [labels.get(warning["relation"]) or warning["relation"] for warning in copy.warnings]
        return (replies.protocol_received(station, copy.version, command.figures, warnings),
                [["protocol_copy", copy.pk, created]])
    category = IncidentCategory.objects.filter(position=command.category, active=True).order_by("code").first()
    if category is None:
        raise Refusal("unknown_category", category=command.category)
    incident, created = _service_call(lambda: incident_services.report_incident(
        observer=observer, client_id=message.client_id, category_id=category.pk, description=command.text,
        deployment_id=deployment.pk))
    return replies.incident_recorded(station, category.name(), incident.pk), [["incident", incident.pk, created]]


def _offered_checklists(deployment):
    """The checklists the deployment answers, in the order the observer sees them (their numbers)."""
    return list(checklist_selectors.checklists_for_deployment(deployment))


def _find_checklist(deployment, form):
    offered = _offered_checklists(deployment)
    if form.isdigit() and 1 <= int(form) <= len(offered):
        return offered[int(form) - 1]
    for checklist in offered:
        if checklist.code == form:
            return checklist
    raise Refusal("unknown_form", form=form, forms=", ".join(
        f"{number} {checklist.code}" for number, checklist in enumerate(offered, start=1)) or "-")


def _answer_value(number, question, value):
    """What the observer typed for question `number` as the web form's value, or a Refusal."""
    options = question.options()
    if question.kind == Question.Kind.YES_NO and value in ("yes", "no"):
        return value
    if question.kind == Question.Kind.SINGLE and isinstance(value, int) and 1 <= value <= len(options):
        return options[value - 1]
    if question.kind == Question.Kind.MULTIPLE:
        chosen = value if isinstance(value, tuple) else (value,)
        if all(isinstance(item, int) and 1 <= item <= len(options) for item in chosen):
            return [options[item - 1] for item in chosen]
    if question.kind == Question.Kind.NUMBER and isinstance(value, int):
        return value
    if question.kind == Question.Kind.TIME and isinstance(value, str) and value not in ("yes", "no"):
        return value
    if question.kind == Question.Kind.TIME and isinstance(value, int) and 0 <= value % 100 < 60 and value < 2400:
        return f"{value // 100:02d}:{value % 100:02d}"  # 2015 for 20:15
    raise Refusal("answer_not_allowed", question=number, allowed=replies.allowed_answers(question))


def _checklist_answers(message, observer, deployment, command):
    """C [station] <form> 1:Y 2:3 ...: the answers through checklists' own service, as the web form."""
    checklist = _find_checklist(deployment, command.form)
    version = checklist.current_version()
    questions = list(version.questions.order_by("position")) if version else []
    answers = {}
    for number, value in command.answers:
        if number > len(questions):
            raise Refusal("unknown_question", question=number, count=len(questions))
        question = questions[number - 1]
        answers[question.key] = _answer_value(number, question, value)
    numbers = {question.key: position for position, question in enumerate(questions, start=1)}
    try:
        submission, created = checklist_services.submit_answers(
            observer=observer, client_id=message.client_id, deployment_id=deployment.pk, version_id=version.pk,
            answers=answers)
    except ValidationError as error:
        by_key = getattr(error, "error_dict", None)
        if not by_key or not set(by_key) <= set(numbers):
            raise Refusal("refused", status=Status.REFUSED, reason=" ".join(error.messages)[:200]) from None
        missing = sorted(numbers[key] for key, errors in by_key.items() if any(e.code == "required" for e in errors))
        if missing:
            raise Refusal("required_missing", questions=", ".join(map(str, missing))) from None
        number, errors = min(((numbers[key], errors) for key, errors in by_key.items()), key=lambda pair: pair[0])
        raise Refusal("answer_refused", question=number, reason=" ".join(e.messages[0] for e in errors)[:150]) from None
    except PermissionDenied as error:
        raise Refusal("refused", status=Status.REFUSED, reason=str(error)[:200]) from None
    stored = [(position, question) for position, question in enumerate(questions, start=1)
              if question.key in submission.payload]
    return (replies.checklist_received(deployment.station.code, checklist, stored, submission.payload),
            [["checklist_submission", submission.pk, created]])


# --- The simulator -----------------------------------------------------------------------------


class DryRun(Exception):
    pass


def simulate(*, coordinator, phone, text):
    """What a message from `phone` would do, without a gateway and without keeping anything: the
    message is stored and processed in a transaction that is then rolled back. Only the phones of
    the coordinator's organisation's observers; returns the processed message (unsaved)."""
    observer_services.ensure_coordinator(coordinator)
    number = phones.e164(phone, "KZ")
    owner = find_observers([number]).get(number) if number else None
    if owner is None or owner[1] != coordinator.organisation_id:
        raise ValidationError({"phone": _("No observer of your organisation has this phone.")})
    result = {}
    try:
        with transaction.atomic():
            stored = ingest(gateway=None, messages=[Incoming(sender=phone, text=text)])
            message = process(message_id=stored[0].pk) if stored else None
            result["message"] = message
            raise DryRun
    except DryRun:
        pass
    return result.get("message")

