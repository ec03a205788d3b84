"""Reads scoped by who is asking: the single place that decides who sees which observer data.

An observer sees only their own; a coordinator their organisation's (deployments and check-ins
only in the regions they coordinate); a reviewer none of it; an administrator everything.
"""

from django.db.models import Exists, OuterRef, Q, Subquery

from elections.models import Station

from .models import Accreditation, CheckIn, Deployment, User
from .scope import in_regions, of_observers


def accreditations_for(user):
    queryset = Accreditation.objects.select_related("observer", "organisation", "decided_by")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin:
        return queryset
    if user.role == User.Role.COORDINATOR:
        return queryset.filter(organisation_id=user.organisation_id)
    if user.role == User.Role.OBSERVER:
        return queryset.filter(observer=user)
    return queryset.none()


def deployments_for(user):
    queryset = Deployment.objects.select_related(
        "observer", "election", "station__commission__region", "organisation", "assigned_by"
    ).annotate(
        checked_in=Exists(CheckIn.objects.filter(deployment=OuterRef("pk"), kind=CheckIn.Kind.CHECK_IN))
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin or user.role == User.Role.COORDINATOR or (
            user.role == User.Role.REVIEWER and user.organisation_id):
        # observers.scope: the organisation's deployments, a coordinator's in their regions.
        return queryset.filter(of_observers(user, "organisation_id"), in_regions(user, "station__commission__region_id"))
    if user.role == User.Role.OBSERVER:
        return queryset.filter(observer=user)
    return queryset.none()


def check_ins_for(user):
    return CheckIn.objects.filter(deployment__in=deployments_for(user).values("pk")).select_related(
        "deployment__station", "deployment__observer"
    )


def observers_for(user):
    queryset = User.objects.filter(role=User.Role.OBSERVER).select_related("organisation", "accreditation")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin:
        return queryset
    if user.role == User.Role.COORDINATOR:
        return queryset.filter(organisation_id=user.organisation_id)
    if user.role == User.Role.OBSERVER:
        return queryset.filter(pk=user.pk)
    return queryset.none()


def latest_check_ins(deployment_ids):
    """{deployment ID: its latest check-in or check-out}, in one query for all the deployments."""
    latest = CheckIn.objects.filter(deployment=OuterRef("pk")).order_by("-recorded_at", "-id").values("pk")[:1]
    last_ids = Deployment.objects.filter(pk__in=list(deployment_ids)).annotate(last=Subquery(latest)).values("last")
    return {check_in.deployment_id: check_in for check_in in CheckIn.objects.filter(pk__in=last_ids)}


SEARCH_LIMIT = 10


def deployable_observers(coordinator):
    """The coordinator's organisation's accredited observers: whom they may deploy."""
    return observers_for(coordinator).filter(accreditation__status=Accreditation.Status.APPROVED)


def search_observers(coordinator, query, limit=SEARCH_LIMIT):
    """Deployable observers whose name, username or phone contains every typed word."""
    queryset = deployable_observers(coordinator)
    for word in query.split()[:5]:
        queryset = queryset.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                                   | Q(username__icontains=word) | Q(phone__icontains=word))
    return queryset.order_by("last_name", "first_name", "username")[:limit]


def deployable_stations(region_ids, country=None):
    """Stations in these regions (a coordinator's, observers.services.coordinator_region_ids),
    of the election's country when one is given."""
    queryset = Station.objects.filter(commission__region_id__in=region_ids).select_related("commission__region")
    return queryset.filter(commission__region__country=country) if country else queryset


def search_stations(region_ids, query, country=None, limit=SEARCH_LIMIT):
    """Stations whose number starts with the query, then those whose name or address holds every word."""
    query = query.strip()
    queryset = deployable_stations(region_ids, country)
    if not query:
        return []
    by_code = list(queryset.filter(code__istartswith=query).order_by("code")[:limit])
    words = queryset.exclude(pk__in=[station.pk for station in by_code])
    for word in query.split()[:5]:
        words = words.filter(Q(name__icontains=word) | Q(address__icontains=word)
                             | Q(commission__region__name__icontains=word))
    return by_code + list(words.order_by("commission__region__name", "code")[:limit - len(by_code)])
