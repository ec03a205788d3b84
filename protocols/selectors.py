"""Reads of protocols, scoped by who asks.

Observers see their own copies; coordinators the copies and flags of their organisation's
regions; reviewers and administrators everything (reviewing is their job).
"""

from django.db.models import Exists, OuterRef, Q

from observers.models import User
from observers.services import coordinator_region_ids

from .models import CommissionProtocol, Discrepancy, ObserverCopy, OfficialVersion, PhotoPublication


def copies_for(user):
    queryset = ObserverCopy.objects.select_related("station__commission__region", "election", "observer")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin or user.role == User.Role.REVIEWER:
        return queryset
    if user.role == User.Role.COORDINATOR:
        return queryset.filter(deployment__organisation_id=user.organisation_id,
                               station__commission__region_id__in=coordinator_region_ids(user))
    return queryset.filter(observer=user)


def commission_protocols_for(user):
    """Observers' copies of summary protocols scoped like station copies; the published
    (imported) summaries are public, like official results."""
    queryset = CommissionProtocol.objects.select_related("commission__region", "observer")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin or user.role == User.Role.REVIEWER:
        return queryset
    published = Q(result_import__isnull=False)
    if user.role == User.Role.COORDINATOR:
        return queryset.filter(published | Q(observer__organisation_id=user.organisation_id,
                                             commission__region_id__in=coordinator_region_ids(user)))
    return queryset.filter(published | Q(observer=user))


def discrepancies_for(user):
    queryset = Discrepancy.objects.select_related(
        "station__commission__region", "commission__region", "election", "observer_copy__observer",
        "official_version", "commission_protocol")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin or user.role == User.Role.REVIEWER:
        return queryset
    if user.role == User.Role.COORDINATOR:
        regions = coordinator_region_ids(user)
        return queryset.filter(Q(station__commission__region_id__in=regions) | Q(commission__region_id__in=regions))
    return queryset.none()


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
    """Line by line: (number, label, observer value, official value, delta, differs) for a page."""
    rows = []
    for line in election_lines:
        a = (base or {}).get(line.code)
        b = (other or {}).get(line.code)
        delta = b - a if a is not None and b is not None else None
        rows.append({"code": line.code, "number": line.number, "labels": line.labels, "base": a, "other": b,
                     "delta": delta, "differs": bool(delta)})
    return rows


def protocol_photos(discrepancy):
    """Photos of the protocol sent through the evidence pipeline by the observers whose copies a
    flag compares: same station, same election, purpose "protocol photo", oldest first; each with
    `published` (on the public transparency page)."""
    from evidence.models import EvidenceFile, Purpose

    observers = [copy.observer_id for copy in (discrepancy.observer_copy, discrepancy.other_copy) if copy]
    if not observers or discrepancy.station_id is None:
        return EvidenceFile.objects.none()
    return EvidenceFile.objects.filter(
        Q(election_id=discrepancy.election_id) | Q(election__isnull=True),
        purpose=Purpose.PROTOCOL_PHOTO, station_id=discrepancy.station_id, uploaded_by_id__in=observers,
    ).select_related("original", "uploaded_by").annotate(published=is_published()).order_by("created_at")


def is_published():
    """An expression: the evidence file's newest publication decision says "published"."""
    return Exists(PhotoPublication.objects.filter(evidence=OuterRef("pk"), is_latest=True, published=True))
