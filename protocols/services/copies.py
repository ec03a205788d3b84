"""Observer copies of a station's protocol: versions, their photos, the relations for the form."""


from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from elections import relations as relation_engine
from evidence import services as evidence_services
from evidence.models import Purpose
from observers import services as observer_services
from observers.models import Deployment

from .. import crosscheck
from ..models import ObserverCopy, ObserverCopyPhoto
from .checks import mark_inputs_changed
from .rules import _clean_figures, election_rules

# --- Observer copies ------------------------------------------------------------------------


def submit_copy(*, observer, deployment_id, client_id, figures, comment="", evidence_ids=None):
    """Store an observer's copy of their station's protocol as a new version.

    Idempotent by `client_id`: a phone that re-sends gets the version it already created, with
    the photos it had (a retry is not an edit). Broken control relations are warnings, never a
    refusal: an inconsistent copy is evidence.

    `evidence_ids` are the photos of the protocol pages to attach (`copy_photos` says which may
    be); None keeps the previous version's photos, so a correction of the figures does not drop
    them. Any refused photo refuses the whole copy: nothing is written.
    """
    observer_services.ensure_may_submit(observer)
    existing = ObserverCopy.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.observer_id != observer.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    deployment = Deployment.objects.select_related("election__template", "station").filter(
        pk=deployment_id, observer=observer).first()
    if deployment is None:
        raise ValidationError({"deployment": _("You are not deployed there.")})
    rules = election_rules(deployment.election)
    clean = _clean_figures(figures, rules)
    warnings = crosscheck.broken_relations(crosscheck.Copy("observer", 0, clean), rules)
    photos = None if evidence_ids is None else copy_photos(observer=observer, deployment=deployment, ids=evidence_ids)
    for _attempt in range(STORE_ATTEMPTS):
        try:
            return _store_copy_version(deployment=deployment, observer=observer, client_id=client_id, clean=clean,
                                       comment=comment, warnings=warnings, photos=photos)
        except IntegrityError:
            # The same copy arrived twice at once and the other request stored it; or, outside the
            # deployment lock, another version took the number: count again.
            existing = ObserverCopy.objects.filter(client_id=client_id).first()
            if existing is not None:
                if existing.observer_id != observer.pk:
                    raise ValidationError({"client_id": _("This ID was already used.")}) from None
                return existing, False
    raise ValidationError(_("Too many corrections at once; send again."), code="busy")


STORE_ATTEMPTS = 5


def _store_copy_version(*, deployment, observer, client_id, clean, comment, warnings, photos):
    """One new version of the observer's copy, numbered under a lock on the deployment row.

    The lock is what orders concurrent corrections of one protocol (eight sent at once by a
    phone's outbox): each waits for the one before, then reads the latest version it left. A
    lock on the latest copy alone orders nothing: the second request finds no latest row once
    the first has committed, and takes the same number."""
    with transaction.atomic():
        Deployment.objects.select_for_update().filter(pk=deployment.pk).values_list("pk", flat=True).first()
        existing = ObserverCopy.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.observer_id != observer.pk:
                raise ValidationError({"client_id": _("This ID was already used.")})
            return existing, False
        previous = ObserverCopy.objects.select_for_update().filter(
            observer=observer, election=deployment.election, station=deployment.station, is_latest=True).first()
        if previous is not None and _same_copy(previous, figures=clean, comment=comment, photos=photos):
            return previous, False
        if previous is not None:
            previous.is_latest = False
            previous.save(update_fields=["is_latest"])
        copy = ObserverCopy.objects.create(
            client_id=client_id, deployment=deployment, observer=observer, election=deployment.election,
            station=deployment.station, version=(previous.version + 1) if previous else 1, figures=clean,
            comment=comment or "", warnings=warnings,
        )
        if photos is None:
            photo_ids = list(previous.photo_attachments.values_list("evidence_id", flat=True)) if previous else []
        else:
            photo_ids = [photo.pk for photo in photos]
        ObserverCopyPhoto.objects.bulk_create([ObserverCopyPhoto(copy=copy, evidence_id=pk) for pk in photo_ids])
        mark_inputs_changed(election_id=deployment.election_id, station_ids=[deployment.station_id])
    return copy, True


def _same_copy(previous, *, figures, comment, photos):
    """Whether a submission repeats the observer's latest version: the same figures and comment,
    and the same photos (or none named, which keeps them). A phone that re-sends a protocol under a
    new client_id (a draft restored after its acknowledgement was lost) makes no new version."""
    if previous.figures != figures or (previous.comment or "") != (comment or ""):
        return False
    if photos is None:
        return True
    return set(previous.photo_attachments.values_list("evidence_id", flat=True)) == {photo.pk for photo in photos}


def copy_photos(*, observer, deployment, ids):
    """The EvidenceFiles `ids` if each is the observer's own photo of a protocol (purpose
    "protocol_photo") sent for the deployment's station and, where the file names one, its
    election; else ValidationError on "evidence" naming the refused IDs. A photo sent for no
    station cannot show which protocol it is, so it is refused too."""
    photos = evidence_services.own_evidence(user=observer, ids=ids, purpose=Purpose.PROTOCOL_PHOTO,
                                            station_id=deployment.station_id, election_id=deployment.election_id)
    placeless = [photo.pk for photo in photos if photo.station_id is None]
    if placeless:
        raise ValidationError({"evidence": _("These photos were not sent for station %(code)s: %(ids)s.")
                               % {"code": deployment.station.code, "ids": ", ".join(map(str, placeless))}})
    return photos


def relations_as_data(election):
    """The template's relations as JSON trees, for the form's live check in the browser."""
    return [
        {"expression": relation.expression, "tolerance": relation.tolerance, "label": relation.label(),
         "tree": _tree(relation.parsed())}
        for relation in election.template.relations.order_by("position")
    ]


def _tree(node):
    if isinstance(node, relation_engine.Relation):
        return {"op": node.operator, "left": _tree(node.left), "right": _tree(node.right)}
    if isinstance(node, relation_engine.Number):
        return {"number": node.value}
    if isinstance(node, relation_engine.Line):
        return {"line": node.code}
    if isinstance(node, relation_engine.Sum):
        return {"sum": node.prefix}
    if isinstance(node, relation_engine.Negate):
        return {"negate": _tree(node.operand)}
    return {"op": node.operator, "left": _tree(node.left), "right": _tree(node.right)}
