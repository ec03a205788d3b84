"""Every write about observers: sign-up, accreditation, deployments, check-ins.

Views, the API, the admin and commands all call these functions, so each rule lives here once.
Errors are Django's own: ValidationError for bad input (a 400 with the message), PermissionDenied
for a user crossing a boundary (a 403).
"""

import csv
import hashlib
import io

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Func, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from config.queue import enqueue_on_commit
from elections.models import Election, Region, Station

from . import access_log, geo, identity
from .models import Accreditation, AccreditationEvent, CheckIn, Deployment, Organisation, ReviewAssignment, User

Status = Accreditation.Status

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# --- Who may do what --------------------------------------------------------------------------


def ensure_may_submit(user):
    """Only an accredited observer may submit protocols, media, incidents or check-ins."""
    if not user.is_authenticated or user.role != User.Role.OBSERVER:
        raise PermissionDenied(_("Only observers submit reports."))
    status = Accreditation.objects.filter(observer=user).values_list("status", flat=True).first()
    if status != Status.APPROVED:
        raise PermissionDenied(_("Your accreditation is not approved: you cannot submit anything yet."))


def ensure_coordinator(user):
    """The user, if a coordinator (of any organisation); PermissionDenied otherwise."""
    if not (user.is_authenticated and user.role == User.Role.COORDINATOR):
        raise PermissionDenied
    return user


def ensure_coordinator_of(user, organisation_id):
    is_coordinator = user.is_authenticated and user.role == User.Role.COORDINATOR
    if not (is_coordinator and user.organisation_id == organisation_id):
        raise PermissionDenied(_("Only a coordinator of this organisation may do this."))


def coordinator_region_ids(user):
    """The regions a coordinator works in: their own list, or all their organisation's."""
    own = list(user.regions.values_list("id", flat=True))
    if own:
        return set(own)
    return set(Organisation.regions.through.objects.filter(organisation_id=user.organisation_id)
               .values_list("region_id", flat=True))


# --- Accreditation ----------------------------------------------------------------------------

# (from, to) -> who may make the move: the observer themself or a coordinator of the organisation.
TRANSITIONS = {
    (Status.PENDING, Status.APPROVED): "coordinator",
    (Status.PENDING, Status.REJECTED): "coordinator",
    (Status.APPROVED, Status.REVOKED): "coordinator",
    (Status.REVOKED, Status.APPROVED): "coordinator",
    (Status.REJECTED, Status.PENDING): "observer",
    (Status.PENDING, Status.PENDING): "observer",  # a new document while waiting
}
REASON_REQUIRED = {Status.REJECTED, Status.REVOKED}


def _transition(accreditation, *, to, actor, reason=""):
    """The one place where an accreditation changes status; illegal moves are refused."""
    who = TRANSITIONS.get((accreditation.status, to))
    if who is None:
        raise ValidationError(
            _("An accreditation that is “%(current)s” cannot become “%(target)s”.")
            % {"current": accreditation.get_status_display(), "target": Status(to).label}
        )
    if who == "coordinator":
        ensure_coordinator_of(actor, accreditation.organisation_id)
    elif actor.pk != accreditation.observer_id:
        raise PermissionDenied(_("Only the observer may resubmit their accreditation."))
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give the observer a reason.")})
    event = AccreditationEvent.objects.create(
        accreditation=accreditation, from_status=accreditation.status, to_status=to, actor=actor, reason=reason
    )
    accreditation.status = to
    accreditation.reason = reason
    if who == "coordinator":
        accreditation.decided_at = timezone.now()
        accreditation.decided_by = actor
    accreditation.save()
    if who == "coordinator":
        # The observer hears of the decision by e-mail (SMS: the sms app's own receiver).
        enqueue_on_commit("observers.tasks.notify_accreditation_decision", event.pk)
    return accreditation


# How the observer is told of a decision: what happened and what to do next.
DECISION_EMAILS = {
    Status.APPROVED: (
        gettext_lazy("Your accreditation with %(organisation)s is approved"),
        gettext_lazy("Hello %(name)s,\n\nyour coordinator approved your accreditation with %(organisation)s. "
                     "You can now send reports. Open “My station” to see where you observe: once your "
                     "coordinator assigns you a polling station, it appears there with the steps of the day."),
    ),
    Status.REJECTED: (
        gettext_lazy("Your accreditation with %(organisation)s was not approved"),
        gettext_lazy("Hello %(name)s,\n\nyour coordinator did not approve your accreditation with "
                     "%(organisation)s. The reason: %(reason)s\n\nYou can send a new photo of your accreditation "
                     "document on “My station”; your coordinator will check it again."),
    ),
    Status.REVOKED: (
        gettext_lazy("Your accreditation with %(organisation)s was revoked"),
        gettext_lazy("Hello %(name)s,\n\nyour coordinator revoked your accreditation with %(organisation)s. "
                     "The reason: %(reason)s\n\nWhat you already sent is kept. Ask your coordinator if you "
                     "think this is a mistake."),
    ),
}


def email_accreditation_decision(*, event_id):
    """E-mail the observer the coordinator's decision recorded by AccreditationEvent `event_id`,
    in the language they signed up in; once per decision however often the task runs. Returns
    the address written to, or "" when there is none (no e-mail given, or not a decision)."""
    event = (AccreditationEvent.objects.select_related("accreditation__observer", "accreditation__organisation")
             .filter(pk=event_id).first())
    if event is None or event.to_status not in DECISION_EMAILS:
        return ""
    observer = event.accreditation.observer
    if not observer.email:
        return ""
    if not cache.add(f"accreditation-email:{event.pk}", 1, timeout=7 * 24 * 3600):
        return ""  # already sent by an earlier run of the task
    subject, body = DECISION_EMAILS[event.to_status]
    values = {"name": observer.get_full_name() or observer.username,
              "organisation": event.accreditation.organisation.name, "reason": event.reason}
    with translation.override(observer.language or settings.LANGUAGE_CODE):
        try:
            send_mail(str(subject) % values, str(body) % values, settings.DEFAULT_FROM_EMAIL, [observer.email])
        except Exception:
            cache.delete(f"accreditation-email:{event.pk}")  # not sent: a retry may send it
            raise
    return observer.email


def _read_document(document):
    """Check an uploaded document by its bytes (not its name) and return (content type, SHA-256)."""
    if document.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"document": _("The photo is larger than 10 MB.")})
    digest = hashlib.sha256()
    for chunk in document.chunks():
        digest.update(chunk)
    document.seek(0)
    try:
        with Image.open(document) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise ValidationError({"document": _("This file is not a readable photo (JPEG, PNG or WebP).")}) from None
    finally:
        document.seek(0)
    if image_format not in DOCUMENT_FORMATS:
        raise ValidationError({"document": _("This file is not a readable photo (JPEG, PNG or WebP).")})
    return DOCUMENT_FORMATS[image_format], digest.hexdigest()


def _store_document(accreditation, document):
    content_type, sha256 = _read_document(document)
    accreditation.document.save("document", document, save=False)
    accreditation.document_type = content_type
    accreditation.document_sha256 = sha256


def find_organisation_by_code(invitation_code):
    """The organisation whose invitation code this is, typed in any case and with spaces around
    (as a code read aloud or pasted from a message arrives); None if there is none."""
    code = (invitation_code or "").strip()
    if not code:
        return None
    return Organisation.objects.filter(invitation_code__iexact=code).first()


def sign_up(*, invitation_code, username, password, first_name, last_name, phone, document, email="",
            language=""):
    """An observer joins their NGO with its invitation code and waits for accreditation. With an
    e-mail address, they are told there of the coordinator's decision (in `language`, the one they
    signed up in)."""
    organisation = find_organisation_by_code(invitation_code)
    if organisation is None:
        raise ValidationError({"invitation_code": _("No organisation has this invitation code.")})
    if not document:
        raise ValidationError({"document": _("Add a photo of your accreditation document.")})
    languages = {code for code, _name in settings.LANGUAGES}
    user = User(username=username, first_name=first_name, last_name=last_name, phone=phone,
                email=(email or "").strip(), language=language if language in languages else "",
                role=User.Role.OBSERVER, organisation=organisation)
    _validate_new_user(user, password)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        accreditation = Accreditation(observer=user, organisation=organisation)
        _store_document(accreditation, document)
        accreditation.save()
        AccreditationEvent.objects.create(accreditation=accreditation, to_status=Status.PENDING, actor=user)
        access_log.record(None, action=access_log.Action.CHANGED, actor=user, subject=user,
                          target=f"user {user.pk}: signed up, accreditation {accreditation.pk} with a document")
    return user


def create_observer(*, coordinator, username, password, first_name, last_name, phone):
    """A coordinator enrols an observer they know; the accreditation still waits for a decision."""
    ensure_coordinator_of(coordinator, coordinator.organisation_id)
    user = User(username=username, first_name=first_name, last_name=last_name, phone=phone,
                role=User.Role.OBSERVER, organisation_id=coordinator.organisation_id)
    _validate_new_user(user, password)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        accreditation = Accreditation.objects.create(observer=user, organisation_id=coordinator.organisation_id)
        AccreditationEvent.objects.create(accreditation=accreditation, to_status=Status.PENDING, actor=coordinator)
        access_log.record(None, action=access_log.Action.CHANGED, actor=coordinator, subject=user,
                          target=f"user {user.pk}: created by a coordinator")
    return user


def _validate_new_user(user, password):
    errors = {}
    if not (user.username or "").strip():
        errors["username"] = [_("Choose a username.")]
    else:
        _normalise_username(user, errors)
    if "username" not in errors:
        taken = username_taken(user.username)
        if taken:
            errors["username"] = [taken]
    if not (user.first_name or "").strip():
        errors["first_name"] = [_("Give your first name.")]
    if not (user.phone or "").strip():
        errors["phone"] = [_("Give a phone number your coordinator can call.")]
    else:
        _normalise_phone(user, errors)
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)


USERNAME_ERRORS = {
    "length": gettext_lazy("A username has 3 to 40 characters."),
    "characters": gettext_lazy("A username has letters, digits and . _ - only, with no spaces."),
    "mixed_scripts": gettext_lazy("A username is written in one alphabet: Latin or Cyrillic letters, not both."),
}


def username_skeleton(field="username"):
    """The database's side of `identity.skeleton` for a username column: the same table, through
    TRANSLATE and REPLACE, so a new username is compared with every taken one in one query."""
    expression = Func(F(field), Value(identity.SKELETON_FROM), Value(identity.SKELETON_TO), function="TRANSLATE",
                      output_field=CharField())
    for pair, letter in identity.SKELETON_DIGRAPHS:
        expression = Func(expression, Value(pair), Value(letter), function="REPLACE", output_field=CharField())
    return expression


def username_taken(username, exclude_pk=None):
    """Why this (normalised) username may not be used, or None: taken already (whatever its case),
    or confusable with a taken one (the same skeleton, observers.identity: `сос` for `coc`)."""
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if others.filter(username__iexact=username).exists():
        return ValidationError(_("This username is taken."), code="username_taken")
    if others.annotate(skeleton=username_skeleton()).filter(skeleton=identity.skeleton(username)).exists():
        return ValidationError(_("This username looks like one that is taken (letters of another alphabet that look "
                                 "the same): choose another."), code="username_confusable")
    return None


def check_username(username, exclude_pk=None):
    """The NFKC form of a username that is safe (observers.identity) and neither taken nor
    confusable with a taken one; ValidationError otherwise. For the admin's user forms."""
    try:
        username = identity.normalise_username(username)
    except identity.IdentityError as error:
        raise ValidationError(USERNAME_ERRORS[error.code], code=f"username_{error.code}") from None
    taken = username_taken(username, exclude_pk)
    if taken:
        raise taken
    return username


def _normalise_username(user, errors):
    """The username in its NFKC form, of a safe alphabet (observers.identity)."""
    try:
        user.username = identity.normalise_username(user.username)
    except identity.IdentityError as error:
        errors["username"] = [ValidationError(USERNAME_ERRORS[error.code], code=f"username_{error.code}")]


def _normalise_phone(user, errors):
    """The phone number in E.164 (observers.identity)."""
    try:
        user.phone = identity.normalise_phone(user.phone, settings.PHONE_DEFAULT_REGION)
    except identity.IdentityError:
        errors["phone"] = [ValidationError(_("This is not a valid phone number. Give it with its country code, "
                                             "for example +7 701 123 45 67."), code="phone")]


def resubmit_document(*, observer, document):
    """After a rejection (or while waiting), the observer sends a new photo of their document."""
    with transaction.atomic():
        accreditation = Accreditation.objects.select_for_update().get(observer=observer)
        _store_document(accreditation, document)
        accreditation = _transition(accreditation, to=Status.PENDING, actor=observer)
        access_log.record(None, action=access_log.Action.CHANGED, actor=observer, subject=observer,
                          target=f"accreditation {accreditation.pk}: new document")
        return accreditation


DECISION_TARGETS = {"approve": Status.APPROVED, "reject": Status.REJECTED, "revoke": Status.REVOKED}


def decisions_for(status):
    """The decisions a coordinator may take on an accreditation in this status (TRANSITIONS'
    coordinator moves): approve or reject a pending one, revoke an approved one, approve again a
    revoked one; none on a rejected one (the observer sends a new document first)."""
    return [decision for decision, target in DECISION_TARGETS.items()
            if TRANSITIONS.get((status, target)) == "coordinator"]


def decide_accreditation(*, accreditation_id, coordinator, decision, reason=""):
    """approve, reject (with a reason) or revoke (with a reason); everything they sent stays."""
    targets = DECISION_TARGETS
    if decision not in targets:
        raise ValidationError({"decision": _("Choose approve, reject or revoke.")})
    with transaction.atomic():
        accreditation = Accreditation.objects.select_for_update().select_related("observer").get(pk=accreditation_id)
        accreditation = _transition(accreditation, to=targets[decision], actor=coordinator, reason=reason)
        access_log.record(None, action=access_log.Action.CHANGED, actor=coordinator, subject=accreditation.observer,
                          target=f"accreditation {accreditation.pk}: {accreditation.status}")
        return accreditation


# --- Deployments ------------------------------------------------------------------------------


def _ensure_may_deploy_to(coordinator, station):
    if station.commission.region_id not in coordinator_region_ids(coordinator):
        raise PermissionDenied(_("This station is outside the regions you coordinate."))


def deploy(*, coordinator, observer_id, election_id, station_id, in_random_sample=False):
    """A coordinator sends one of their organisation's accredited observers to a station.

    Only accredited observers: a deployment is a promise that someone with a valid accreditation
    stands at that station, and coverage counts it. A pending, rejected or revoked observer could
    not check in or submit there anyway. (A revoked observer's earlier deployments stay.)
    """
    ensure_coordinator(coordinator)
    observer = User.objects.filter(pk=observer_id, role=User.Role.OBSERVER).first()
    if observer is None or observer.organisation_id != coordinator.organisation_id:
        raise ValidationError({"observer": _("No observer of your organisation has this ID.")})
    ensure_coordinator_of(coordinator, observer.organisation_id)
    if Accreditation.objects.filter(observer=observer).values_list("status", flat=True).first() != Status.APPROVED:
        raise ValidationError({"observer": _("This observer is not accredited: approve their accreditation first.")})
    station = Station.objects.select_related("commission__region").filter(pk=station_id).first()
    election = Election.objects.filter(pk=election_id).first()
    if station is None or election is None:
        raise ValidationError({"station": _("Unknown station or election.")})
    if station.commission.region.country != election.country:
        raise ValidationError({"station": _("This station does not vote in this election.")})
    _ensure_may_deploy_to(coordinator, station)
    deployment, _created = Deployment.objects.get_or_create(
        observer=observer, election=election, station=station,
        defaults={"organisation_id": observer.organisation_id, "assigned_by": coordinator,
                  "in_random_sample": in_random_sample},
    )
    return deployment


# --- Review assignments -------------------------------------------------------------------------


def assignable_reviewers(actor):
    """The reviewers `actor` may give work to: a coordinator's organisation's, an administrator's
    every organisation's (the platform's own reviewers, of no organisation, review everything)."""
    reviewers = User.objects.filter(role=User.Role.REVIEWER, organisation__isnull=False, is_active=True)
    if actor.is_authenticated and actor.is_platform_admin:
        return reviewers
    if actor.is_authenticated and actor.role == User.Role.COORDINATOR and actor.organisation_id:
        return reviewers.filter(organisation_id=actor.organisation_id)
    return reviewers.none()


def assignments_managed_by(actor):
    """The review assignments `actor` may see and remove (those of `assignable_reviewers`)."""
    return ReviewAssignment.objects.filter(reviewer__in=assignable_reviewers(actor).values("pk")).select_related(
        "reviewer", "election", "region", "station__commission__region", "assigned_by")


def _ensure_may_assign(actor):
    if not (actor.is_authenticated and (actor.is_platform_admin or (
            actor.role == User.Role.COORDINATOR and actor.organisation_id))):
        raise PermissionDenied(_("Only a coordinator of the organisation or an administrator may assign reviewers."))


def assign_reviewer(*, actor, reviewer_id, election_id, region_id=None, station_id=None):
    """A coordinator (in their regions) or an administrator gives a reviewer of the organisation a
    region or a station of an election to review. Assigning the same again changes nothing."""
    _ensure_may_assign(actor)
    reviewer = assignable_reviewers(actor).filter(pk=reviewer_id).first()
    if reviewer is None:
        raise ValidationError({"reviewer": _("No reviewer of your organisation has this ID.")})
    if (region_id is None) == (station_id is None):
        raise ValidationError({"region": _("Choose either a region or a station.")})
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise ValidationError({"election": _("Unknown election.")})
    if station_id is not None:
        station = Station.objects.select_related("commission__region").filter(pk=station_id).first()
        region = station.commission.region if station else None
    else:
        station, region = None, Region.objects.filter(pk=region_id).first()
    if region is None or region.country != election.country:
        raise ValidationError({"station" if station_id is not None else "region":
                               _("This region or station does not vote in this election.")})
    if not actor.is_platform_admin and region.pk not in coordinator_region_ids(actor):
        raise PermissionDenied(_("This station is outside the regions you coordinate."))
    assignment, _created = ReviewAssignment.objects.get_or_create(
        reviewer=reviewer, election=election, region=None if station else region, station=station,
        defaults={"organisation_id": reviewer.organisation_id, "assigned_by": actor})
    return assignment


def unassign_reviewer(*, actor, assignment_id):
    """Take an assignment back; its flags leave the reviewer's queue at once."""
    _ensure_may_assign(actor)
    deleted, _rows = assignments_managed_by(actor).filter(pk=assignment_id).delete()
    if not deleted:
        raise ValidationError(_("No such assignment."))


def self_deploy(*, observer, election_id, station_id):
    """Where the organisation allows it, an accredited observer picks a station in its regions."""
    ensure_may_submit(observer)
    organisation = observer.organisation
    if not organisation.allow_self_deployment:
        raise PermissionDenied(_("Your organisation assigns stations itself; ask your coordinator."))
    station = Station.objects.select_related("commission__region").filter(pk=station_id).first()
    election = Election.objects.filter(pk=election_id).first()
    if station is None or election is None or station.commission.region.country != election.country:
        raise ValidationError({"station": _("Unknown station or election.")})
    if not organisation.regions.filter(pk=station.commission.region_id).exists():
        raise PermissionDenied(_("This station is outside your organisation's regions."))
    deployment, _created = Deployment.objects.get_or_create(
        observer=observer, election=election, station=station, defaults={"organisation": organisation}
    )
    return deployment


DEPLOYMENT_COLUMNS = ("username", "region_code", "station_code")


def deploy_from_csv(*, coordinator, election_id, csv_text):
    """Deploy many observers at once: all rows or none, with every bad row named by its line.

    Columns: username, region_code, station_code, and optionally in_random_sample (yes/no).
    Only accredited observers, as in `deploy`. Three queries whatever the file's length: users
    (with their accreditation), stations, existing deployments.
    """
    ensure_coordinator(coordinator)
    ensure_coordinator_of(coordinator, coordinator.organisation_id)
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise ValidationError({"election": _("Unknown election.")})
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [column for column in DEPLOYMENT_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError([_("line 1: missing columns: %(columns)s") % {"columns": ", ".join(missing)}])
    rows = [(number, {key: (value or "").strip() for key, value in row.items() if key})
            for number, row in enumerate(reader, start=2)]
    observers = {
        user.username: user for user in User.objects.filter(
            username__in={row["username"] for _number, row in rows}, role=User.Role.OBSERVER,
            organisation_id=coordinator.organisation_id).select_related("accreditation")
    }
    allowed_regions = coordinator_region_ids(coordinator)
    stations = {}
    for station in Station.objects.filter(
        commission__region__country=election.country,
        commission__region__code__in={row["region_code"] for _number, row in rows},
        code__in={row["station_code"] for _number, row in rows},
    ).select_related("commission__region"):
        stations.setdefault((station.commission.region.code, station.code), []).append(station)

    errors, deployments = [], []
    for number, row in rows:
        observer = observers.get(row["username"])
        matches = stations.get((row["region_code"], row["station_code"]), [])
        if observer is None:
            errors.append(_("line %(line)s: no observer of your organisation is called “%(name)s”")
                          % {"line": number, "name": row["username"]})
        elif getattr(getattr(observer, "accreditation", None), "status", None) != Status.APPROVED:
            errors.append(_("line %(line)s: observer “%(name)s” is not accredited")
                          % {"line": number, "name": row["username"]})
        elif len(matches) != 1:
            errors.append(_("line %(line)s: no single station %(code)s in region %(region)s")
                          % {"line": number, "code": row["station_code"], "region": row["region_code"]})
        elif matches[0].commission.region_id not in allowed_regions:
            errors.append(_("line %(line)s: station %(code)s is outside the regions you coordinate")
                          % {"line": number, "code": row["station_code"]})
        else:
            deployments.append(Deployment(
                observer=observer, organisation_id=coordinator.organisation_id, election=election,
                station=matches[0], assigned_by=coordinator,
                in_random_sample=row.get("in_random_sample", "").lower() in ("1", "yes", "true", "да", "иә"),
            ))
    if errors:
        raise ValidationError(errors)
    if not deployments:
        raise ValidationError([_("The file has no rows.")])
    with transaction.atomic():
        before = Deployment.objects.filter(election=election).count()
        Deployment.objects.bulk_create(deployments, ignore_conflicts=True, batch_size=2000)
        created = Deployment.objects.filter(election=election).count() - before
    return created, len(deployments) - created


# --- Check-in ---------------------------------------------------------------------------------


def record_check_in(*, observer, deployment_id, client_id, kind=CheckIn.Kind.CHECK_IN,
                    latitude=None, longitude=None, accuracy_m=None, device_time=None):
    """Record an arrival or departure, once per client_id however often the phone retries.

    A far-away reading is recorded and flagged, never refused: GPS inside buildings is poor,
    and a refused check-in would silence the observer rather than the doubt.
    """
    ensure_may_submit(observer)
    existing = CheckIn.objects.filter(client_id=client_id).select_related("deployment").first()
    if existing is not None:
        if existing.deployment.observer_id != observer.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    deployment = Deployment.objects.select_related("station").filter(pk=deployment_id, observer=observer).first()
    if deployment is None:
        raise ValidationError({"deployment": _("You are not deployed there.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Send both latitude and longitude, or neither.")})
    check_in = CheckIn(deployment=deployment, client_id=client_id, kind=kind, latitude=latitude,
                       longitude=longitude, accuracy_m=accuracy_m, device_time=device_time)
    station = deployment.station
    if latitude is not None and station.latitude is not None and station.longitude is not None:
        distance = geo.distance_m(latitude, longitude, station.latitude, station.longitude)
        check_in.distance_m = round(distance)
        check_in.far_from_station = geo.is_far(distance, accuracy_m, settings.FAR_CHECK_IN_METRES)
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:
        # The same client_id arrived twice at once: the other request recorded it.
        return CheckIn.objects.get(client_id=client_id), False
    return check_in, True
