"""Publishing protocol photos on the public transparency page."""


from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from evidence.models import EvidenceFile, Purpose
from observers import services as observer_services
from observers.models import User

from ..models import PhotoPublication

# --- Publishing protocol photos on the public transparency page ------------------------------


def may_publish_photo(user, evidence):
    """Reviewers and administrators may publish any protocol photo; a coordinator the photos of
    their organisation's observers at stations in the regions they coordinate."""
    if not user.is_authenticated:
        return False
    if user.is_platform_admin or user.role == User.Role.REVIEWER:
        return True
    if user.role != User.Role.COORDINATOR or not user.organisation_id:
        return False
    return (evidence.uploaded_by.organisation_id == user.organisation_id and evidence.station is not None
            and evidence.station.commission.region_id in observer_services.coordinator_region_ids(user))


def decide_photo_publication(*, evidence_id, user, publish):
    """Publish a protocol photo on the public page, or take it down; the decision is kept.

    Only a photo of a protocol, sent for a station and an election, can be published. Deciding
    what already holds changes nothing (a double click records one decision).
    """
    evidence = EvidenceFile.objects.select_related("uploaded_by", "station__commission").filter(pk=evidence_id).first()
    if evidence is None:
        raise ValidationError({"evidence": _("No such file.")})
    if not may_publish_photo(user, evidence):
        raise PermissionDenied(_("You may not publish this photo."))
    if evidence.purpose != Purpose.PROTOCOL_PHOTO or evidence.station_id is None or evidence.election_id is None:
        raise ValidationError({"evidence": _("Only a photo of a protocol, sent for a station and an election, "
                                             "can be published.")})
    with transaction.atomic():
        EvidenceFile.objects.select_for_update().filter(pk=evidence.pk).first()
        latest = PhotoPublication.objects.filter(evidence=evidence, is_latest=True).first()
        if (latest.published if latest else False) == bool(publish):
            return latest
        PhotoPublication.objects.filter(evidence=evidence, is_latest=True).update(is_latest=False)
        return PhotoPublication.objects.create(evidence=evidence, published=bool(publish), decided_by=user)
