"""Reads of protocols, scoped by who asks.

Observers see their own copies; coordinators the copies and flags of their organisation's
regions; reviewers and administrators everything (reviewing is their job).
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q

from evidence.models import EvidenceFile, Purpose
from evidence.selectors import evidence_visible_to
from observers.home import Section
from observers.scope import (
    EVERY_ORGANISATION,
    assigned_review,
    in_regions,
    is_staff_role,
    observer_organisation,
    of_observers,
)

from .models import CommissionProtocol, Discrepancy, ObserverCopy, ObserverCopyPhoto, OfficialVersion, PhotoPublication


def copies_for(user):
    queryset = ObserverCopy.objects.select_related("station__commission__region", "election", "observer")
    if not user.is_authenticated:
        return queryset.none()
    if is_staff_role(user):  # observers.scope: the organisation's observers, in the user's regions
        return queryset.filter(of_observers(user, "deployment__organisation_id"),
                               in_regions(user, "station__commission__region_id"))
    return queryset.filter(observer=user)


def commission_protocols_for(user):
    """Observers' copies of summary protocols scoped like station copies; the published
    (imported) summaries are public, like official results."""
    queryset = CommissionProtocol.objects.select_related("commission__region", "observer")
    if not user.is_authenticated:
        return queryset.none()
    published = Q(result_import__isnull=False)
    if is_staff_role(user):
        return queryset.filter(in_regions(user, "commission__region_id"),
                               published | of_observers(user, "observer__organisation_id"))
    return queryset.filter(published | Q(observer=user))


def discrepancies_for(user):
    """The flags this user may see: the one selector of review work (the queue, its API, the
    dashboard's feed, station page and export). A reviewer of an organisation sees only what it
    assigned them (observers.scope.assigned_review)."""
    queryset = Discrepancy.objects.select_related(
        "station__commission__region", "commission__region", "election", "observer_copy__observer",
        "official_version", "commission_protocol")
    if not is_staff_role(user):
        return queryset.none()
    return queryset.filter(in_regions(user, "station__commission__region_id", "commission__region_id"),
                           flags_of_visible_copies(user),
                           assigned_review(user, "election_id", "station_id", "station__commission__region_id",
                                           "commission__region_id"))


def flags_of_visible_copies(user):
    """A filter (Q) keeping the flags every copy of which (compared or comparing) is one this
    user may see: a flag about another organisation's observer's figures is theirs, not ours;
    one that names no copy (an official result missing or changed, tabulation) is for all staff."""
    if observer_organisation(user) is EVERY_ORGANISATION:
        return Q()
    visible = ObserverCopy.objects.filter(of_observers(user, "deployment__organisation_id")).values("pk")
    return ((Q(observer_copy__isnull=True) | Q(observer_copy__in=visible))
            & (Q(other_copy__isnull=True) | Q(other_copy__in=visible)))


def in_region(region_id):
    """Flags of a region: a station's by its commission's region, a commission's (tabulation) by its own."""
    return Q(station__commission__region_id=region_id) | Q(commission__region_id=region_id)


def official_versions(election=None, station=None):
    """Official results are public: anyone signed in may read them."""
    queryset = OfficialVersion.objects.select_related("station", "result_import")
    if election is not None:
        queryset = queryset.filter(election=election)
    if station is not None:
        queryset = queryset.filter(station=station)
    return queryset


def comparison_rows(election_lines, base, other):
    """Line by line: (number, label, observer value, official value, delta, differs) for a page.

    The page's difference is `base` minus `other` (the observer's copy minus the official figure,
    as on the results page), and the page says so in words."""
    rows = []
    for line in election_lines:
        a = (base or {}).get(line.code)
        b = (other or {}).get(line.code)
        delta = a - b if a is not None and b is not None else None
        rows.append({"code": line.code, "number": line.number, "labels": line.labels, "base": a, "other": b,
                     "delta": delta, "differs": bool(delta)})
    return rows


def copy_photos(user, lookup="photo_attachments"):
    """Prefetch of a copy's attached photos (`ObserverCopyPhoto` rows with their evidence and its
    original) limited to the files `user` may see (the evidence app's rule): one query for a page
    of copies, or, through `observer_copy__photo_attachments`, of discrepancies."""
    return Prefetch(lookup, queryset=ObserverCopyPhoto.objects.filter(
        evidence__in=evidence_visible_to(user).values("pk")).select_related("evidence__original").order_by("id"))


def attached_photos(copy, user):
    """The photos attached to one copy that `user` may see, from the prefetch when there is one."""
    if "photo_attachments" in getattr(copy, "_prefetched_objects_cache", {}):
        return [attachment.evidence for attachment in copy.photo_attachments.all()]
    return list(evidence_visible_to(user).filter(protocol_copy_attachments__copy=copy).order_by(
        "protocol_copy_attachments__id"))


def attachable_photos(observer, deployment, *, attached=(), limit=30):
    """The observer's own photos of the protocol sent for the deployment's station (and its
    election, or none named), newest first, plus those already attached: the form's picker."""
    own = evidence_visible_to(observer).filter(uploaded_by=observer)
    latest = list(own.filter(
        Q(election_id=deployment.election_id) | Q(election__isnull=True),
        purpose=Purpose.PROTOCOL_PHOTO, station_id=deployment.station_id,
    ).values_list("pk", flat=True)[:limit])
    return own.filter(Q(pk__in=latest) | Q(pk__in=list(attached))).order_by("-created_at", "-id")


def review_photos(discrepancy, user):
    """What the reviewer checks the figures against: for each copy the flag compares, the photos
    its observer attached to that version; then the station's other photos of the protocol for the
    election (by any observer, or attached to no copy), oldest first. Each photo carries
    `published` (on the public transparency page). Returns ([(copy, [photos])], [photos])."""
    copies = [copy for copy in (discrepancy.observer_copy, discrepancy.other_copy) if copy is not None]
    visible = evidence_visible_to(user).values("pk")
    by_copy = defaultdict(list)
    for attachment in ObserverCopyPhoto.objects.filter(copy__in=copies, evidence__in=visible).select_related(
            "evidence__original", "evidence__uploaded_by").annotate(published=is_published("evidence_id")).order_by("id"):
        attachment.evidence.published = attachment.published
        by_copy[attachment.copy_id].append(attachment.evidence)
    if discrepancy.station_id is None:
        return [(copy, by_copy[copy.pk]) for copy in copies], []
    shown = [photo.pk for photos in by_copy.values() for photo in photos]
    others = EvidenceFile.objects.filter(
        Q(election_id=discrepancy.election_id) | Q(election__isnull=True), pk__in=visible,
        purpose=Purpose.PROTOCOL_PHOTO, station_id=discrepancy.station_id,
    ).exclude(pk__in=shown).select_related("original", "uploaded_by").annotate(published=is_published()).order_by(
        "created_at", "id")
    return [(copy, by_copy[copy.pk]) for copy in copies], list(others)


def is_published(evidence="pk"):
    """An expression: the evidence file (`evidence`, the outer query's field holding its ID) has
    a newest publication decision that says "published"."""
    return Exists(PhotoPublication.objects.filter(evidence=OuterRef(evidence), is_latest=True, published=True))


# Flags about a copy that its observer is told of on "My station", most pressing first.
HOME_FLAG_STATUSES = (Discrepancy.Status.OBSERVER_ERROR, Discrepancy.Status.CONFIRMED, Discrepancy.Status.OPEN)


def home_protocol_section(user, deployments):
    """"My station" (observers.home): the observer's current copy at each deployment, its version,
    whether it adds up, and the most pressing flag raised about it. One query for all."""
    flags = {status: Exists(Discrepancy.objects.filter(
        Q(observer_copy=OuterRef("pk")) | Q(other_copy=OuterRef("pk")), status=status)) for status in HOME_FLAG_STATUSES}
    copies = (ObserverCopy.objects.filter(observer=user, is_latest=True, deployment__in=[d.pk for d in deployments])
              .annotate(**{f"flag_{status}": exists for status, exists in flags.items()})
              .values("deployment_id", "version", "submitted_at", "warnings", *[f"flag_{s}" for s in flags]))
    return Section("protocols/home_protocol.html", {
        copy["deployment_id"]: {
            "version": copy["version"], "submitted_at": copy["submitted_at"], "adds_up": not copy["warnings"],
            "flag": next((status for status in HOME_FLAG_STATUSES if copy[f"flag_{status}"]), None),
        } for copy in copies
    })
