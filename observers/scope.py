"""The one scoping rule between organisations, which every selector applies.

- an observer: their own records;
- a coordinator: their organisation's observers and those observers' records, in the regions
  they coordinate;
- a reviewer of an organisation: what their organisation assigns them (`ReviewAssignment`: a
  region or a station of an election, `assigned_review`), of its observers' records; a reviewer
  with no assignment has nothing to review;
- a reviewer with no organisation (the platform's own review team) and an administrator: every
  organisation's;
- official and published data (official results, published summaries, flags that name no
  observer's copy) are visible to every staff role in its scope of regions.

Another organisation's observers never appear: no name, no record, no count.
"""

from django.db.models import Q

from .models import ReviewAssignment, User
from .services import coordinator_region_ids

# What `observer_organisation` answers for a user who sees every organisation's observers.
EVERY_ORGANISATION = None


def is_staff_role(user):
    return user.is_authenticated and (user.is_platform_admin or user.role in (User.Role.COORDINATOR,
                                                                               User.Role.REVIEWER))


def observer_organisation(user):
    """The organisation (its ID) whose observers' records this staff user sees, or
    EVERY_ORGANISATION (administrators, the platform's reviewers). -1 (no organisation at all)
    for a coordinator without one, and for anyone who is not staff."""
    if not user.is_authenticated:
        return -1
    if user.is_platform_admin or (user.role == User.Role.REVIEWER and not user.organisation_id):
        return EVERY_ORGANISATION
    if user.role in (User.Role.COORDINATOR, User.Role.REVIEWER) and user.organisation_id:
        return user.organisation_id
    return -1


def staff_region_ids(user):
    """The regions whose records this staff user sees: a coordinator's own; None for everyone else
    (reviewers and administrators are not split by region)."""
    if user.is_authenticated and user.role == User.Role.COORDINATOR and not user.is_platform_admin:
        return coordinator_region_ids(user)
    return None


def of_observers(user, organisation_field):
    """A filter (Q) keeping the records whose observer's organisation (reached by
    `organisation_field`) this user sees; Q() when they see every organisation's."""
    organisation = observer_organisation(user)
    if organisation is EVERY_ORGANISATION:
        return Q()
    return Q(**{organisation_field: organisation})


def in_regions(user, *region_fields):
    """A filter (Q) keeping the records in this user's regions, reached by any of `region_fields`
    (a flag lies in a region by its station or by its commission); Q() when not split by region."""
    regions = staff_region_ids(user)
    if regions is None:
        return Q()
    condition = Q(pk__in=[])
    for field in region_fields:
        condition |= Q(**{f"{field}__in": regions})
    return condition


def is_assigned_reviewer(user):
    """A reviewer of an organisation: their review work is what the organisation assigns them."""
    return (user.is_authenticated and user.role == User.Role.REVIEWER and bool(user.organisation_id)
            and not user.is_platform_admin)


def assigned_review(user, election_field, station_field, *region_fields, or_no_election=False):
    """A filter (Q) keeping the review work (flags, the photos checked against them) that this
    user's organisation assigned them: in an assigned election, at an assigned station or in an
    assigned region (reached by any of `region_fields`). Q() for everyone not an assigned reviewer
    (coordinators and administrators are scoped by `in_regions`, the platform's reviewers see all);
    nothing at all for a reviewer with no assignment. `or_no_election`: a record of no election
    (a photo sent before its election was known) counts at an assigned station or region."""
    if not is_assigned_reviewer(user):
        return Q()
    by_election = {}
    for election_id, region_id, station_id in ReviewAssignment.objects.filter(
            reviewer=user, organisation_id=user.organisation_id).values_list("election_id", "region_id", "station_id"):
        regions, stations = by_election.setdefault(election_id, (set(), set()))
        (regions if region_id else stations).add(region_id or station_id)
    condition = Q(pk__in=[])
    for election_id, (regions, stations) in by_election.items():
        where = Q(**{f"{station_field}__in": sorted(stations)}) if stations else Q(pk__in=[])
        for field in region_fields:
            if regions:
                where |= Q(**{f"{field}__in": sorted(regions)})
        in_election = Q(**{election_field: election_id})
        if or_no_election:
            in_election |= Q(**{f"{election_field}__isnull": True})
        condition |= in_election & where
    return condition
