"""Reads about evidence, scoped by who asks: the single place that decides who sees which file.

- reviewers and administrators: every file, originals included; a reviewer of an organisation its
  observers' files at the stations and regions it assigned them (observers.scope.assigned_review);
- an observer: the files they uploaded, originals included;
- a coordinator: their organisation's observers' files, as copies only (thumbnail, web size),
  never the original (whose EXIF may hold an observer's position and phone).
"""

from django.db.models import Count, Max, OuterRef, Q, Subquery

from observers.home import Section
from observers.models import CheckIn, User
from observers.scope import assigned_review, in_regions, of_observers

from .models import EvidenceFile


def evidence_visible_to(user):
    queryset = EvidenceFile.objects.select_related("original", "station", "election", "uploaded_by")
    if not user.is_authenticated:
        return queryset.none()
    if user.role in (User.Role.REVIEWER, User.Role.ADMIN, User.Role.COORDINATOR) or user.is_superuser:
        # observers.scope: the organisation's observers' files (every file for the platform's
        # reviewers and administrators), a coordinator's only in their regions (or of no station).
        queryset = queryset.filter(of_observers(user, "uploaded_by__organisation_id"),
                                   assigned_review(user, "election_id", "station_id", "station__commission__region_id",
                                                   or_no_election=True))
        regions = in_regions(user, "station__commission__region_id")
        return queryset.filter(Q(station__isnull=True) | regions) if regions else queryset
    if user.role == User.Role.OBSERVER:
        return queryset.filter(uploaded_by=user)
    return queryset.none()


def with_check_in_distance(queryset):
    """Files annotated with `check_in_distance_m`: the uploader's last check-in at the file's
    station before it was received (what someone who may not see the original's position learns,
    as a band: observers.geo.distance_band)."""
    last = (CheckIn.objects.filter(deployment__observer=OuterRef("uploaded_by"), deployment__station=OuterRef("station"),
                                   kind=CheckIn.Kind.CHECK_IN, recorded_at__lte=OuterRef("created_at"))
            .order_by("-recorded_at", "-id").values("distance_m")[:1])
    return queryset.annotate(check_in_distance_m=Subquery(last))


def may_read_original(user, evidence):
    if not user.is_authenticated:
        return False
    return user.role in (User.Role.REVIEWER, User.Role.ADMIN) or user.is_superuser or evidence.uploaded_by_id == user.pk


def may_build_packages(user):
    return user.is_authenticated and (user.role in (User.Role.REVIEWER, User.Role.ADMIN) or user.is_superuser)


def uploads_of(user, limit=50):
    """An observer's latest files, for the "My uploads" list."""
    return evidence_visible_to(user).filter(uploaded_by=user)[:limit]


def home_uploads_section(user, deployments):
    """"My station" (observers.home): the observer's photos and videos for each deployment's
    station and election (a file sent without an election counts at its station), by purpose,
    with the latest time. One query for all."""
    rows = list(EvidenceFile.objects.filter(uploaded_by=user, station_id__in={d.station_id for d in deployments})
                .filter(Q(election_id__in={d.election_id for d in deployments}) | Q(election__isnull=True))
                .values("station_id", "election_id", "purpose").annotate(count=Count("id"), latest=Max("created_at"))
                .order_by("purpose"))
    labels = dict(EvidenceFile._meta.get_field("purpose").choices)
    by_deployment = {}
    for deployment in deployments:
        mine = [row for row in rows if row["station_id"] == deployment.station_id
                and row["election_id"] in (deployment.election_id, None)]
        if mine:
            by_purpose = {}
            for row in mine:
                by_purpose[row["purpose"]] = by_purpose.get(row["purpose"], 0) + row["count"]
            by_deployment[deployment.pk] = {
                "total": sum(by_purpose.values()),
                "by_purpose": [{"label": labels.get(purpose, purpose), "count": count}
                               for purpose, count in by_purpose.items()],
                "latest": max(row["latest"] for row in mine),
            }
    return Section("evidence/home_uploads.html", by_deployment)
