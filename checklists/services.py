"""Every write of the checklists app: forms and their versions, answers, critical answers ->
incidents, the drawn sample, messages. Keyword arguments, one transaction each."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Election, Station
from evidence import services as evidence_services
from evidence.models import Purpose
from incidents import services as incident_services
from incidents.models import IncidentCategory, Severity
from observers.models import CheckIn, Deployment, User
from observers.services import coordinator_region_ids, ensure_may_submit

from . import sampling
from .models import (
    LANGUAGES,
    Answer,
    Checklist,
    ChecklistVersion,
    CriticalAlert,
    Message,
    MessageRecipient,
    Question,
    QuickCountSample,
    SampledStation,
    Submission,
)
from .signals import message_sent

FORMAT = "observer-checklist"
FORMAT_VERSION = 1
PHOTO_PURPOSE = Purpose.OTHER
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_QUESTIONS = 200
MAX_TEXT = 2000
# An alert's incident gets a client ID derived from (checklist, station, question): a second
# observer's critical answer at the same station finds the same incident.
ALERT_NAMESPACE = uuid.UUID("6f1c2a1e-1c7b-4d5e-9a55-0c8d18f0c4a1")


# --- Who may write forms ----------------------------------------------------------------------


def ensure_may_edit(user, checklist=None):
    if not user.is_authenticated:
        raise PermissionDenied
    if user.is_platform_admin:
        return
    if user.role != User.Role.COORDINATOR or user.organisation_id is None:
        raise PermissionDenied(_("Only administrators and coordinators write checklists."))
    if checklist is not None and checklist.organisation_id != user.organisation_id:
        raise PermissionDenied(_("This checklist belongs to another organisation."))


# --- The form as a document (editor, export and import share it) ------------------------------


def _texts(value, field):
    value = value if isinstance(value, dict) else {}
    return {language: str(value.get(language) or "").strip()[:500] for language in LANGUAGES}


def validate_document(document):
    """A checklist document (see export_document) checked and normalised: {"code", "kind",
    "title": {...}, "questions": [model field dicts]}. ValidationError with codes otherwise."""
    if not isinstance(document, dict) or document.get("format", FORMAT) != FORMAT:
        raise ValidationError(_("This is not a checklist file."), code="format")
    code = str(document.get("code") or "").strip().lower()
    if not KEY.match(code):
        raise ValidationError({"code": ValidationError(_("The code is lower-case letters, digits, - and _."),
                                                       code="code")})
    kind = document.get("kind") or Checklist.Kind.CUSTOM
    if kind not in Checklist.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Unknown kind of checklist."), code="kind")})
    title = _texts(document.get("title"), "title")
    if not title["en"]:
        raise ValidationError({"title": ValidationError(_("Give the title in English."), code="title")})
    raw = document.get("questions")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_QUESTIONS:
        raise ValidationError({"questions": ValidationError(
            _("A checklist has between 1 and %(max)s questions.") % {"max": MAX_QUESTIONS}, code="questions")})
    questions, seen = [], {}
    categories = dict(IncidentCategory.objects.values_list("code", "pk"))
    for position, item in enumerate(raw, start=1):
        questions.append(_question(item if isinstance(item, dict) else {}, position, seen, categories))
        seen[questions[-1]["key"]] = questions[-1]
    return {"code": code, "kind": kind, "title": title, "questions": questions}


def _question_error(position, message, code):
    return ValidationError({"questions": ValidationError(
        _("Question %(n)s: %(message)s") % {"n": position, "message": message}, code=code)})


def _question(item, position, earlier, categories):
    key = str(item.get("key") or "").strip().lower()
    if not KEY.match(key):
        raise _question_error(position, _("the key is lower-case letters, digits, - and _."), "key")
    if key in earlier:
        raise _question_error(position, _("the key %(key)s is used twice.") % {"key": key}, "duplicate_key")
    kind = item.get("kind")
    if kind not in Question.Kind.values:
        raise _question_error(position, _("unknown kind of question."), "kind")
    text = _texts(item.get("text"), "text")
    if not text["en"]:
        raise _question_error(position, _("give the question in English."), "text")
    choices = []
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        for choice in item.get("choices") or []:
            value = str((choice or {}).get("value") or "").strip().lower() if isinstance(choice, dict) else ""
            labels = _texts(choice.get("label") if isinstance(choice, dict) else None, "label")
            if not KEY.match(value) or not labels["en"]:
                raise _question_error(position, _("each choice has a value (letters, digits) and an English label."),
                                      "choice")
            choices.append({"value": value, **{f"label_{lang}": labels[lang] for lang in LANGUAGES}})
        if len(choices) < 2 or len({c["value"] for c in choices}) != len(choices):
            raise _question_error(position, _("give at least two different choices."), "choices")
    minimum, maximum = item.get("min"), item.get("max")
    if kind == Question.Kind.NUMBER:
        if any(v is not None and not isinstance(v, int) for v in (minimum, maximum)) or (
                minimum is not None and maximum is not None and minimum > maximum):
            raise _question_error(position, _("the range is two whole numbers, the smallest first."), "range")
    else:
        minimum = maximum = None
    show_if = item.get("show_if") or {}
    show_key = str(show_if.get("key") or "").strip().lower() if isinstance(show_if, dict) else ""
    show_value = str(show_if.get("value") or "").strip().lower() if isinstance(show_if, dict) else ""
    if show_key:
        target = earlier.get(show_key)
        if target is None:
            raise _question_error(position, _("it may depend only on an earlier question."), "show_if")
        if target["kind"] not in Question.CATEGORICAL or show_value not in _options(target):
            raise _question_error(position, _("it depends on an answer the earlier question does not offer."),
                                  "show_if_value")
    critical = item.get("critical") or {}
    critical_values, severity, category_id = [], "", None
    if isinstance(critical, dict) and critical.get("values"):
        critical_values = [str(v).strip().lower() for v in critical.get("values") or []]
        if kind not in Question.CATEGORICAL or not set(critical_values) <= set(_options({"kind": kind,
                                                                                          "choices": choices})):
            raise _question_error(position, _("critical answers must be among the question's choices."), "critical")
        severity = critical.get("severity") or Severity.HIGH
        if severity not in Severity.values:
            raise _question_error(position, _("unknown severity."), "severity")
        category_id = categories.get(critical.get("category"))
        if category_id is None:
            raise _question_error(position, _("choose the incident category of a critical answer."), "category")
    return {"position": position, "key": key, "kind": kind, **{f"text_{lang}": text[lang] for lang in LANGUAGES},
            "required": bool(item.get("required")), "choices": choices, "min_value": minimum, "max_value": maximum,
            "show_if_key": show_key, "show_if_value": show_value if show_key else "",
            "critical_values": critical_values, "critical_severity": severity, "critical_category_id": category_id}


def _options(question):
    if question["kind"] == Question.Kind.YES_NO:
        return ["yes", "no"]
    return [choice["value"] for choice in question.get("choices") or []]


QUESTION_FIELDS = ("key", "kind", "text_kk", "text_ru", "text_en", "required", "choices", "min_value", "max_value",
                   "show_if_key", "show_if_value", "critical_values", "critical_severity", "critical_category_id")


def export_document(checklist, version=None):
    """The checklist as a JSON-ready document another NGO can import."""
    version = version or checklist.current_version()
    categories = dict(IncidentCategory.objects.values_list("pk", "code"))
    questions = []
    for q in version.questions.order_by("position") if version else []:
        item = {"key": q.key, "kind": q.kind, "text": {lang: getattr(q, f"text_{lang}") for lang in LANGUAGES},
                "required": q.required}
        if q.choices:
            item["choices"] = [{"value": c["value"], "label": {lang: c.get(f"label_{lang}", "") for lang in LANGUAGES}}
                               for c in q.choices]
        if q.kind == Question.Kind.NUMBER:
            item["min"], item["max"] = q.min_value, q.max_value
        if q.show_if_key:
            item["show_if"] = {"key": q.show_if_key, "value": q.show_if_value}
        if q.critical_values:
            item["critical"] = {"values": q.critical_values, "severity": q.critical_severity,
                                "category": categories.get(q.critical_category_id)}
        questions.append(item)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "code": checklist.code, "kind": checklist.kind,
            "title": {lang: getattr(checklist, f"title_{lang}") for lang in LANGUAGES}, "questions": questions}


def save_checklist(*, user, election_id, document, checklist_id=None):
    """Create or change a checklist from a document. A version with answers stays as it is: the
    change becomes the next version. Returns (checklist, version, changed)."""
    clean = validate_document(document)
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise ValidationError({"election": _("Unknown election.")})
    with transaction.atomic():
        if checklist_id is not None:
            checklist = Checklist.objects.select_for_update().filter(pk=checklist_id, election=election).first()
            if checklist is None:
                raise ValidationError({"checklist": _("Unknown checklist.")})
            ensure_may_edit(user, checklist)
        else:
            ensure_may_edit(user)
            if Checklist.objects.filter(election=election, code=clean["code"]).exists():
                raise ValidationError({"code": ValidationError(_("This election already has a checklist with this code."),
                                                               code="code_taken")})
            checklist = Checklist(election=election, code=clean["code"],
                                  organisation_id=None if user.is_platform_admin else user.organisation_id)
        checklist.kind = clean["kind"]
        for lang in LANGUAGES:
            setattr(checklist, f"title_{lang}", clean["title"][lang])
        checklist.save()
        version = checklist.current_version()
        if version is not None and _same_questions(version, clean["questions"]):
            return checklist, version, False
        if version is None or version.submissions.exists():
            version = ChecklistVersion.objects.create(checklist=checklist, number=(version.number + 1 if version else 1),
                                                      created_by=user)
        else:
            version.questions.all().delete()
        Question.objects.bulk_create([Question(version=version, **item) for item in clean["questions"]])
    return checklist, version, True


def _same_questions(version, questions):
    stored = [{field: getattr(q, field) for field in ("position", *QUESTION_FIELDS)}
              for q in version.questions.order_by("position")]
    return stored == questions


# --- Answers ----------------------------------------------------------------------------------


def visible(question, answers):
    """Whether the question is shown, given the answers so far (its condition on an earlier answer)."""
    if not question.show_if_key:
        return True
    earlier = answers.get(question.show_if_key)
    values = earlier if isinstance(earlier, list) else [earlier]
    return question.show_if_value in values


def clean_answers(version, raw, *, observer, deployment):
    """{key: value} checked against the version's questions: unknown keys and the answers of
    hidden questions are dropped; each value has its question's type. ValidationError keyed by
    question key (all errors at once) otherwise."""
    answers, errors = {}, {}
    for question in version.questions.order_by("position"):
        value = raw.get(question.key)
        if isinstance(value, str):
            value = value.strip()
        empty = value in (None, "", []) or (isinstance(value, list) and not any(str(v).strip() for v in value))
        if not visible(question, answers):
            continue
        if empty:
            if question.required:
                errors[question.key] = ValidationError(_("This question needs an answer."), code="required")
            continue
        try:
            answers[question.key] = _typed(question, value, observer, deployment)
        except ValidationError as error:
            errors[question.key] = error
    if errors:
        raise ValidationError(errors)
    return answers


def _typed(question, value, observer, deployment):
    kind = question.kind
    if kind in (Question.Kind.YES_NO, Question.Kind.SINGLE):
        value = str(value[0] if isinstance(value, list) and value else value).lower()
        if value not in question.options():
            raise ValidationError(_("Choose one of the answers offered."), code="choice")
        return value
    if kind == Question.Kind.MULTIPLE:
        values = value if isinstance(value, list) else [value]
        values = sorted({str(v).lower() for v in values if str(v).strip()})
        if not set(values) <= set(question.options()):
            raise ValidationError(_("Choose among the answers offered."), code="choice")
        return values
    if kind == Question.Kind.NUMBER:
        try:
            number = int(str(value))
        except ValueError:
            raise ValidationError(_("Give a whole number."), code="number") from None
        if (question.min_value is not None and number < question.min_value) or (
                question.max_value is not None and number > question.max_value):
            raise ValidationError(_("Give a number from %(min)s to %(max)s.") % {
                "min": question.min_value if question.min_value is not None else "…",
                "max": question.max_value if question.max_value is not None else "…"}, code="range")
        return number
    if kind == Question.Kind.TIME:
        if not TIME.match(str(value)):
            raise ValidationError(_("Give the time as HH:MM."), code="time")
        return str(value)
    if kind == Question.Kind.TEXT:
        if len(str(value)) > MAX_TEXT:
            raise ValidationError(_("At most %(max)s characters.") % {"max": MAX_TEXT}, code="too_long")
        return str(value)
    ids = value if isinstance(value, list) else [value]
    try:
        files = evidence_services.own_evidence(user=observer, ids=ids, purpose=PHOTO_PURPOSE,
                                               station_id=deployment.station_id, election_id=deployment.election_id)
    except ValidationError as error:
        raise ValidationError(error.message_dict.get("evidence", [_("Choose your own photos.")])[0],
                              code="evidence") from None
    return [file.pk for file in files]


def _answer_rows(submission, version, answers):
    questions = {q.key: q for q in version.questions.all()}
    rows = []
    for key, value in answers.items():
        question = questions[key]
        if question.kind == Question.Kind.PHOTO:
            rows += [Answer(submission=submission, question=question, key=key, value=str(pk), evidence_id=pk)
                     for pk in value]
        elif isinstance(value, list):
            rows += [Answer(submission=submission, question=question, key=key, value=item) for item in value]
        else:
            rows.append(Answer(submission=submission, question=question, key=key, value=str(value)))
    return rows


def submit_answers(*, observer, client_id, deployment_id, version_id, answers):
    """Store an observer's answers once per client_id. A new client_id for the same checklist and
    deployment is a correction: it becomes the latest, the previous one stays. Returns
    (submission, created). Critical answers raise their incident in the same transaction."""
    ensure_may_submit(observer)
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError({"client_id": _("The client ID is not a UUID.")}) from None
    existing = Submission.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.observer_id != observer.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    deployment = Deployment.objects.select_related("station__commission").filter(pk=deployment_id,
                                                                                 observer=observer).first()
    if deployment is None:
        raise ValidationError({"deployment": _("Choose the station where you are deployed.")})
    version = ChecklistVersion.objects.select_related("checklist").filter(
        pk=version_id, checklist__election_id=deployment.election_id).first()
    if version is None or version.checklist.organisation_id not in (None, deployment.organisation_id):
        raise ValidationError({"version": _("This checklist is not one of your deployment's.")})
    clean = clean_answers(version, answers if isinstance(answers, dict) else {}, observer=observer,
                          deployment=deployment)
    try:
        with transaction.atomic():
            previous = (Submission.objects.select_for_update().filter(
                deployment=deployment, checklist=version.checklist, is_latest=True).first())
            if previous is not None:
                Submission.objects.filter(pk=previous.pk).update(is_latest=False)
            submission = Submission.objects.create(
                client_id=client_id, version=version, checklist=version.checklist, deployment=deployment,
                observer=observer, organisation_id=deployment.organisation_id, election_id=deployment.election_id,
                station_id=deployment.station_id, region_id=deployment.station.commission.region_id, payload=clean,
                replaces=previous)
            Answer.objects.bulk_create(_answer_rows(submission, version, clean))
            _raise_critical(submission, version, clean, observer)
    except IntegrityError:
        existing = Submission.objects.filter(client_id=client_id, observer=observer).first()
        if existing is None:
            raise
        return existing, False
    return submission, True


def _raise_critical(submission, version, answers, observer):
    """One incident per (checklist, station, question) whose answer is critical, linked to the answers."""
    for question in version.questions.filter(critical_category__isnull=False).select_related("critical_category"):
        value = answers.get(question.key)
        values = value if isinstance(value, list) else [value]
        hit = [v for v in values if v in question.critical_values]
        if not hit:
            continue
        if CriticalAlert.objects.filter(checklist_id=submission.checklist_id, station_id=submission.station_id,
                                        key=question.key).exists():
            continue
        label = ", ".join(str(question.choice_label(v, "en")) for v in hit)
        description = _("Checklist “%(checklist)s”, question “%(question)s”: %(answer)s") % {
            "checklist": version.checklist.title(), "question": question.text(), "answer": label}
        client_id = uuid.uuid5(ALERT_NAMESPACE, f"{submission.checklist_id}:{submission.station_id}:{question.key}")
        with transaction.atomic():
            incident, _created = incident_services.report_incident(
                observer=observer, client_id=client_id, category_id=question.critical_category_id,
                description=description, deployment_id=submission.deployment_id,
                severity=question.critical_severity or None)
            CriticalAlert.objects.create(checklist_id=submission.checklist_id, station_id=submission.station_id,
                                         key=question.key, incident=incident, submission=submission,
                                         value=",".join(hit))


# --- The quick-count sample -------------------------------------------------------------------


def ensure_may_draw(user):
    if not user.is_authenticated or not (user.is_platform_admin or user.role == User.Role.COORDINATOR):
        raise PermissionDenied(_("Only coordinators and administrators draw the sample."))


def draw_sample(*, user, election_id, size=None, margin=None, seed=None, allocation=sampling.BY_STATIONS,
                design_effect=1.0):
    """Draw the election's quick-count sample from all its country's stations, stratified by region,
    and record it as the current one (the previous stays on record). Returns the QuickCountSample."""
    ensure_may_draw(user)
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise ValidationError({"election": _("Unknown election.")})
    if allocation not in sampling.ALLOCATIONS:
        raise ValidationError({"allocation": _("Choose proportional to stations or to registered voters.")})
    stations = list(Station.objects.filter(commission__region__country=election.country).values_list(
        "id", "commission__region_id", "registered_voters"))
    if len(stations) < 2:
        raise ValidationError({"size": _("The election has too few stations to sample.")})
    if size is None:
        if margin is None:
            raise ValidationError({"size": _("Give the number of stations or the wanted margin.")})
        try:
            size = sampling.sample_size_for_margin(float(margin), len(stations), design_effect=design_effect)
        except ValueError:
            raise ValidationError({"margin": _("The margin is a percentage between 0 and 100.")}) from None
    seed = int(seed) if seed not in (None, "") else int.from_bytes(uuid.uuid4().bytes[:6], "big")
    try:
        drawn = sampling.draw(stations, int(size), seed=seed, allocation=allocation)
    except ValueError as error:
        raise ValidationError({"size": str(error)}) from None
    strata_of = {pk: str(region) for pk, region, _registered in stations}
    with transaction.atomic():
        QuickCountSample.objects.filter(election=election, is_current=True).update(is_current=False)
        sample = QuickCountSample.objects.create(
            election=election, seed=seed, allocation=allocation, size=len(drawn.station_ids),
            wanted_margin=float(margin) if margin is not None else None, drawn_by=user,
            method="checklists.sampling.draw: stratified by region, PCG64(seed), stations ordered by "
                   "(region ID, station ID), strata drawn in order of region ID",
            strata=[{"key": s.key, "stations": s.stations, "measure": s.measure, "sampled": s.sampled}
                    for s in drawn.strata])
        SampledStation.objects.bulk_create([SampledStation(sample=sample, station_id=pk, stratum=strata_of[pk])
                                            for pk in drawn.station_ids], batch_size=5000)
        # The deployments' flag follows the drawn sample: no hand-set flag disagrees with it.
        in_sample = SampledStation.objects.filter(sample=sample, station=OuterRef("station"))
        Deployment.objects.filter(election=election).update(in_random_sample=Exists(in_sample))
    return sample


def mark_deployment_from_sample(*, deployment_id):
    """Set a deployment's "in the random sample" flag from its election's drawn sample, if any."""
    deployment = Deployment.objects.filter(pk=deployment_id).values("election_id", "station_id").first()
    if deployment is None:
        return
    sample = QuickCountSample.objects.filter(election_id=deployment["election_id"], is_current=True).first()
    if sample is not None:
        in_sample = SampledStation.objects.filter(sample=sample, station_id=deployment["station_id"]).exists()
        Deployment.objects.filter(pk=deployment_id).update(in_random_sample=in_sample)


def redraw(sample):
    """The same draw again from the seed and today's station list: the station IDs it gives."""
    stations = Station.objects.filter(commission__region__country=sample.election.country).values_list(
        "id", "commission__region_id", "registered_voters")
    return sampling.draw(stations, sample.size, seed=sample.seed, allocation=sample.allocation).station_ids


# --- Messages to observers --------------------------------------------------------------------


def _recipients(coordinator, election, audience, region_id, station_id):
    deployments = Deployment.objects.filter(election=election, organisation_id=coordinator.organisation_id,
                                            station__commission__region_id__in=coordinator_region_ids(coordinator))
    if audience == Message.Audience.REGION:
        deployments = deployments.filter(station__commission__region_id=region_id)
    elif audience == Message.Audience.STATION:
        deployments = deployments.filter(station_id=station_id)
    elif audience == Message.Audience.NOT_CHECKED_IN:
        deployments = deployments.exclude(Exists(CheckIn.objects.filter(deployment=OuterRef("pk"),
                                                                        kind=CheckIn.Kind.CHECK_IN)))
    elif audience == Message.Audience.NO_PROTOCOL:
        # protocols stands above this app: its copies are read through the reverse relation, no import.
        deployments = deployments.filter(protocol_copies__isnull=True)
    return deployments.values_list("observer_id", flat=True).distinct()


def send_message(*, coordinator, client_id, election_id, audience, body, region_id=None, station_id=None,
                 email_copy=False):
    """Send a message to the coordinator's observers (all, of a region or station, or those who have
    not checked in / not sent a protocol). Once per client_id. Returns (message, created)."""
    if not coordinator.is_authenticated or coordinator.role != User.Role.COORDINATOR:
        raise PermissionDenied(_("Only coordinators send messages."))
    existing = Message.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.sender_id != coordinator.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    body = (body or "").strip()
    if not body or len(body) > MAX_TEXT:
        raise ValidationError({"body": _("Write a message of at most %(max)s characters.") % {"max": MAX_TEXT}})
    if audience not in Message.Audience.values:
        raise ValidationError({"audience": _("Choose who receives the message.")})
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise ValidationError({"election": _("Unknown election.")})
    regions = coordinator_region_ids(coordinator)
    if audience == Message.Audience.REGION and int(region_id or 0) not in regions:
        raise ValidationError({"region": _("Choose one of your regions.")})
    if audience == Message.Audience.STATION and not Station.objects.filter(
            pk=station_id or 0, commission__region_id__in=regions).exists():
        raise ValidationError({"station": _("Choose a station of your regions.")})
    recipient_ids = list(_recipients(coordinator, election, audience, region_id, station_id))
    with transaction.atomic():
        message = Message.objects.create(
            client_id=client_id, election=election, organisation_id=coordinator.organisation_id, sender=coordinator,
            audience=audience, region_id=region_id if audience == Message.Audience.REGION else None,
            station_id=station_id if audience == Message.Audience.STATION else None, body=body,
            email_copy=bool(email_copy))
        MessageRecipient.objects.bulk_create([MessageRecipient(message=message, observer_id=pk)
                                              for pk in recipient_ids])
        transaction.on_commit(lambda: _after_message(message, recipient_ids))
    return message, True


def _after_message(message, recipient_ids):
    if message.email_copy:
        addresses = User.objects.filter(pk__in=recipient_ids).exclude(email="").values_list("email", flat=True)
        subject = _("Message from your coordinator")
        send_mass_mail([(subject, message.body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses],
                       fail_silently=True)
    message_sent.send(sender=Message, message=message, recipient_ids=recipient_ids)


def mark_read(*, observer, message_id):
    """The observer has read the message (the first time counts)."""
    updated = MessageRecipient.objects.filter(message_id=message_id, observer=observer, read_at__isnull=True).update(
        read_at=timezone.now())
    if not updated and not MessageRecipient.objects.filter(message_id=message_id, observer=observer).exists():
        raise PermissionDenied
    return updated == 1

