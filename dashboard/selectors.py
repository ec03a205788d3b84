"""Set-based reads behind the coordinators' dashboard: one aggregate query per figure.

Every figure is grouped by region, or by commission inside one region, in the database; Python
only merges the handful of grouped rows. Everything is scoped to the regions the user may see.
"""

import contextlib
from collections import defaultdict

import numpy as np
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.translation import get_language

from checklists import selectors as checklist_selectors
from elections.models import Commission, Election, ElectionStation, Region, Station
from elections.selectors import election_station_ids_sql, election_stations
from evidence.models import EvidenceFile, Purpose
from evidence.selectors import evidence_visible_to
from incidents.models import Severity
from incidents.selectors import incidents_for
from observers import selectors as observer_selectors
from observers.models import CheckIn, Deployment, User
from observers.scope import EVERY_ORGANISATION, is_assigned_reviewer, observer_organisation
from observers.services import coordinator_region_ids
from protocols import selectors as protocol_selectors
from protocols.models import Discrepancy, ObserverCopy, OfficialVersion
from protocols.selectors import is_published

from . import confirmation, mapgrid

# Incidents are counted per severity, in the order incidents.models.Severity defines.
INCIDENT_FIGURES = tuple(f"incidents_{severity}" for severity in Severity.values)
COVERAGE_FIGURES = ("stations", "deployed", "checked_in", "protocols", "protocols_with_photos", "official",
                    "open_flags", *INCIDENT_FIGURES, "not_published")


def visible_region_ids(user, election):
    """Coordinators see their regions; reviewers and administrators the whole country."""
    if not user.is_authenticated:
        raise PermissionDenied
    regions = Region.objects.filter(country=election.country)
    if user.is_platform_admin or user.role == User.Role.REVIEWER:
        return set(regions.values_list("id", flat=True))
    if user.role == User.Role.COORDINATOR:
        return set(regions.filter(pk__in=coordinator_region_ids(user)).values_list("id", flat=True))
    raise PermissionDenied


def observer_scope(user):
    """Whose observers' records the user's figures count: an organisation's ID, or
    EVERY_ORGANISATION (observers.scope's rule). Every figure below that counts observers' records
    takes it as `organisation`, so another organisation's observers never show, not even as a count."""
    return observer_organisation(user)


def _own(organisation, field="organisation_id"):
    """The ORM filter of records of `organisation`'s observers (nothing to filter for every organisation)."""
    return Q() if organisation is EVERY_ORGANISATION else Q(**{field: organisation})


def review_flags(user):
    """The flags a reviewer was assigned (protocols.selectors.discrepancies_for), for the counts of
    flags on their dashboard; None for everyone else, whose counts follow `observer_scope`."""
    return protocol_selectors.discrepancies_for(user) if is_assigned_reviewer(user) else None


def _assigned(flags):
    """The ORM filter keeping `review_flags` (nothing to keep out when None)."""
    return Q() if flags is None else Q(pk__in=flags.order_by().values("pk"))


def _visible_flags(organisation):
    """Flags whose compared copies are all `organisation`'s (protocols.selectors' rule, for sums)."""
    if organisation is EVERY_ORGANISATION:
        return Q()
    own = ObserverCopy.objects.filter(deployment__organisation_id=organisation).values("pk")
    return ((Q(observer_copy__isnull=True) | Q(observer_copy__in=own))
            & (Q(other_copy__isnull=True) | Q(other_copy__in=own)))


def incidents_in_scope(user, election, region_ids):
    """The election's incidents this user may see (incidents.selectors decides: a coordinator their
    organisation's, in their regions; an administrator all; a reviewer none), within `region_ids`."""
    return incidents_for(user).select_related(None).filter(election=election,
                                                           station__commission__region_id__in=region_ids)


def incident_severities(incidents, group_field):
    """{group: {"incidents_<severity>": count}} in one GROUP BY (group, severity) query."""
    table = defaultdict(lambda: dict.fromkeys(INCIDENT_FIGURES, 0))
    rows = incidents.order_by().values(group_field, "severity").annotate(count=Count("id"))
    for row in rows:
        table[row[group_field]][f"incidents_{row['severity']}"] = row["count"]
    return dict(table)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def coverage(election, region_ids, *, by="region", region_id=None, incidents=None, organisation=EVERY_ORGANISATION,
             flags=None):
    """{group id: {figure: count}} for the election, grouped by region or by commission.

    One SQL statement whatever the number of groups: each source table is reduced to one row per
    station (DISTINCT, or a GROUP BY for counts), joined to the stations in scope and grouped.
    Hand-written because the ORM cannot LEFT JOIN grouped subqueries; bench/dashboard.py checks
    it against an independent statement at 100,000 stations. `incidents` is the queryset of
    incidents the user may see (`incidents_in_scope`); without it the incident figures stay 0.
    `organisation` (`observer_scope`): deployments, check-ins, copies and flags of that
    organisation's observers only; `flags` (`review_flags`): an assigned reviewer's flags only.
    """
    regions = sorted(int(pk) for pk in region_ids)
    if region_id is not None:
        regions = [pk for pk in regions if pk == int(region_id)]
    if not regions:
        return {}
    group = "c.region_id" if by == "region" else "c.id"
    # Typed, and no row: an untyped NULL is text on PostgreSQL, and text = bigint has no operator.
    incident_sql = "SELECT CAST(NULL AS BIGINT) AS station_id, CAST(NULL AS VARCHAR(20)) AS severity WHERE 1 = 0"
    incident_params = []
    if incidents is not None:
        # An empty scope (queryset.none()) compiles to nothing: the severity figures stay 0.
        with contextlib.suppress(EmptyResultSet):
            incident_sql, incident_params = incidents.select_related(None).order_by().values_list(
                "station_id", "severity").query.sql_with_params()
    severity_totals = ", ".join(f"COALESCE(SUM(i.n{index}), 0)" for index in range(len(Severity.values)))
    severity_columns = ", ".join(f"SUM(CASE WHEN severity = %s THEN 1 ELSE 0 END) AS n{index}"
                                 for index in range(len(Severity.values)))
    placeholders = ", ".join(["%s"] * len(regions))
    members_sql, members_params = election_station_ids_sql(election)
    own, own_params = "", []  # every organisation's
    if organisation is not EVERY_ORGANISATION:
        own, own_params = "AND dp.organisation_id = %s", [int(organisation)]
    own_copies = (f"SELECT oc2.id FROM {_table(ObserverCopy)} oc2 JOIN {_table(Deployment)} dp "  # noqa: S608
                  f"ON dp.id = oc2.deployment_id WHERE oc2.election_id = %s {own}")  # (names only)
    flag_scope, flag_params = "", []
    if own:
        flag_scope = (f"AND (observer_copy_id IS NULL OR observer_copy_id IN ({own_copies})) "
                      f"AND (other_copy_id IS NULL OR other_copy_id IN ({own_copies}))")
        flag_params = [election.pk, *own_params] * 2
    if flags is not None:
        try:
            assigned_sql, assigned_params = flags.filter(election=election).order_by().values("pk").query.sql_with_params()
            flag_scope += f" AND id IN ({assigned_sql})"
            flag_params += list(assigned_params)
        except EmptyResultSet:  # no assignment: no flag counts
            flag_scope += " AND 1 = 0"
    # Only table names, column names and placeholders are formatted in; every value is a parameter.
    statement = f"""
        WITH scope AS (SELECT s.id, {group} AS grp FROM {_table(Station)} s
                       JOIN {_table(Commission)} c ON c.id = s.commission_id WHERE c.region_id IN ({placeholders})
                       AND s.id IN ({members_sql})),
             d AS (SELECT DISTINCT station_id FROM {_table(Deployment)} dp WHERE election_id = %s {own}),
             ci AS (SELECT DISTINCT dp.station_id FROM {_table(CheckIn)} k
                    JOIN {_table(Deployment)} dp ON dp.id = k.deployment_id WHERE dp.election_id = %s AND k.kind = %s
                    {own}),
             p AS (SELECT DISTINCT oc.station_id FROM {_table(ObserverCopy)} oc
                   JOIN {_table(Deployment)} dp ON dp.id = oc.deployment_id
                   WHERE oc.election_id = %s AND oc.is_latest = %s {own}),
             ph AS (SELECT DISTINCT oc.station_id FROM {_table(ObserverCopy)} oc
                    JOIN {_table(Deployment)} dp ON dp.id = oc.deployment_id
                    JOIN {_table(EvidenceFile)} ef ON ef.station_id = oc.station_id AND ef.uploaded_by_id = oc.observer_id
                    WHERE oc.election_id = %s AND oc.is_latest = %s AND ef.purpose = %s
                      AND (ef.election_id = %s OR ef.election_id IS NULL) {own}),
             o AS (SELECT DISTINCT station_id FROM {_table(OfficialVersion)} WHERE election_id = %s AND is_latest = %s),
             f AS (SELECT station_id, COUNT(*) AS n FROM {_table(Discrepancy)}
                   WHERE election_id = %s AND status = %s AND station_id IS NOT NULL {flag_scope} GROUP BY station_id),
             i AS (SELECT station_id, {severity_columns} FROM ({incident_sql}) visible GROUP BY station_id),
             nb AS (SELECT station_id FROM {_table(ElectionStation)} WHERE election_id = %s AND official_blank)
        SELECT scope.grp, COUNT(*), COUNT(d.station_id), COUNT(ci.station_id), COUNT(p.station_id),
               COUNT(ph.station_id), COUNT(o.station_id), COALESCE(SUM(f.n), 0), {severity_totals},
               COUNT(nb.station_id) - COUNT(CASE WHEN nb.station_id IS NOT NULL THEN o.station_id END)
        FROM scope LEFT JOIN d ON d.station_id = scope.id LEFT JOIN ci ON ci.station_id = scope.id
        LEFT JOIN p ON p.station_id = scope.id LEFT JOIN ph ON ph.station_id = scope.id
        LEFT JOIN o ON o.station_id = scope.id
        LEFT JOIN f ON f.station_id = scope.id LEFT JOIN i ON i.station_id = scope.id
        LEFT JOIN nb ON nb.station_id = scope.id
        GROUP BY scope.grp
    """  # noqa: S608 (table and column names only; every value is a parameter)
    params = [*regions, *members_params, election.pk, *own_params, election.pk, CheckIn.Kind.CHECK_IN, *own_params,
              election.pk, True, *own_params, election.pk, True, Purpose.PROTOCOL_PHOTO, election.pk, *own_params,
              election.pk, True, election.pk, Discrepancy.Status.OPEN, *flag_params, *Severity.values,
              *incident_params, election.pk]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return {row[0]: dict(zip(COVERAGE_FIGURES, (int(value) for value in row[1:]), strict=True)) for row in rows}


def station_states(election, commission_id, organisation=EVERY_ORGANISATION, flags=None):
    """Each station of a commission with what is known about it, for the drill-down's last level
    (`organisation`'s observers only, see `observer_scope`)."""
    latest_copy = ObserverCopy.objects.filter(_own(organisation, "deployment__organisation_id"), election=election,
                                              is_latest=True, station=OuterRef("pk"))
    flags = Discrepancy.objects.filter(_visible_flags(organisation), _assigned(flags), election=election,
                                       station=OuterRef("pk"), status=Discrepancy.Status.OPEN).order_by().values("station")
    return election_stations(election).filter(commission_id=commission_id).annotate(
        deployed=Exists(Deployment.objects.filter(_own(organisation), election=election, station=OuterRef("pk"))),
        checked_in=Exists(CheckIn.objects.filter(_own(organisation, "deployment__organisation_id"),
                                                 deployment__election=election, deployment__station=OuterRef("pk"),
                                                 kind=CheckIn.Kind.CHECK_IN)),
        protocol=Exists(latest_copy),
        official=Exists(OfficialVersion.objects.filter(election=election, is_latest=True, station=OuterRef("pk"))),
        open_flags=Coalesce(Subquery(flags.annotate(n=Count("id")).values("n")), Value(0)),
    ).order_by("code")


def vote_codes(election):
    return [f"{line.code}.{number}" for line in election.template.lines.filter(kind="votes")
            for number in election.contestants.values_list("ballot_number", flat=True)]


def _totals(queryset, codes):
    sums = queryset.aggregate(**{
        code.replace(".", "_"): Sum(Cast(KeyTextTransform(code, "figures"), BigIntegerField())) for code in codes
    })
    return {code: sums[code.replace(".", "_")] or 0 for code in codes}


def results(election, region_ids, organisation=EVERY_ORGANISATION):
    """Official totals per contestant, and for the observer-covered stations both the observers'
    and the official totals of the very same stations (one copy per station: the newest), the
    copies of `organisation`'s observers only (see `observer_scope`)."""
    codes = vote_codes(election)
    officials = OfficialVersion.objects.filter(election=election, is_latest=True,
                                               station__commission__region_id__in=region_ids)
    own = _own(organisation, "deployment__organisation_id")
    newer = ObserverCopy.objects.filter(own, election=election, is_latest=True, station=OuterRef("station"),
                                        id__gt=OuterRef("id"))
    copies = ObserverCopy.objects.filter(own, election=election, is_latest=True,
                                         station__commission__region_id__in=region_ids).exclude(Exists(newer))
    covered_official = officials.filter(station__in=copies.values("station"))
    return {
        "official": _totals(officials, codes),
        "official_stations": officials.count(),
        "observed": _totals(copies, codes),
        "observed_stations": copies.count(),
        "official_same_stations": _totals(covered_official, codes),
        "codes": codes,
    }


def official_bases(election, region_ids):
    """The bases of the shares and turnouts, summed over the latest official results in scope, in
    one query: registered voters, ballots issued, ballots found in the boxes (cast), valid ballots
    (the template's valid line; without one, the votes plus "against all"), invalid, against all."""
    categories = _codes_by_category(election)
    officials = OfficialVersion.objects.filter(election=election, is_latest=True,
                                               station__commission__region_id__in=region_ids)
    wanted = ("registered", "issued", "cast", "valid", "invalid", "against_all")
    sums = officials.aggregate(**{name: Sum(_lines_sum(categories[name])) for name in wanted},
                               votes=Sum(_lines_sum(vote_codes(election))))
    bases = {name: int(sums[name] or 0) for name in (*wanted, "votes")}
    if not categories["valid"]:
        bases["valid"] = bases["votes"] + bases["against_all"]
    return bases


def _codes_by_category(election):
    categories = defaultdict(list)
    for code, category in election.template.lines.values_list("code", "category"):
        categories[category].append(code)
    return categories


def _line(code):
    """One line of a protocol's figures as a whole number computed by the database (0 if missing)."""
    return Coalesce(Cast(KeyTextTransform(code, "figures"), BigIntegerField()), Value(0),
                    output_field=BigIntegerField())


def _lines_sum(codes):
    expression = Value(0, output_field=BigIntegerField())
    for code in codes:
        expression = ExpressionWrapper(expression + _line(code), output_field=BigIntegerField())
    return expression


def confirmed_copies(election, region_ids):
    """One observer copy per station that the NGO stands behind, the newest: the rule of
    dashboard.confirmation written as SQL, so that whole-country totals need no loop (tested to
    agree with the rule, copy for copy).

    A latest copy is confirmed when no flag about it is open or judged an observer's error, and it
    either equals the latest official version line for line or a reviewer confirmed or resolved a
    flag about it.
    """
    def confirmed(copies):
        about = Q(observer_copy=OuterRef("pk")) | Q(other_copy=OuterRef("pk"))
        flags = Discrepancy.objects.filter(about)
        agrees = OfficialVersion.objects.filter(election=election, is_latest=True, station=OuterRef("station"),
                                                figures=OuterRef("figures"))
        return copies.exclude(Exists(flags.filter(status__in=confirmation.DISQUALIFYING))).filter(
            Exists(agrees) | Exists(flags.filter(status__in=confirmation.REVIEWED_STATUSES)))

    newer = confirmed(ObserverCopy.objects.filter(election=election, is_latest=True, station=OuterRef("station"),
                                                  id__gt=OuterRef("id")))
    return confirmed(ObserverCopy.objects.filter(election=election, is_latest=True,
                                                 station__commission__region_id__in=region_ids)).exclude(Exists(newer))


SEAT_SOURCES = ("official", "confirmed")


def votes_by_region(election, region_ids, source="official"):
    """{region id: {"votes": {vote code: votes}, "cast": ballots in the boxes, "stations": n}} from
    the latest official results or the observers' confirmed copies, in one grouped query."""
    if source not in SEAT_SOURCES:
        raise ValueError(f"votes come from {' or '.join(SEAT_SOURCES)}, not {source!r}")
    codes = vote_codes(election)
    rows = (OfficialVersion.objects.filter(election=election, is_latest=True,
                                           station__commission__region_id__in=region_ids)
            if source == "official" else confirmed_copies(election, region_ids))
    sums = {f"vote_{index}": Sum(_line(code)) for index, code in enumerate(codes)}
    categories = _codes_by_category(election)
    table = rows.order_by().values("station__commission__region_id").annotate(
        cast_sum=Sum(_lines_sum(categories["cast"])), stations_count=Count("id"),
        against_sum=Sum(_lines_sum(categories["against_all"])), **sums)
    return {row["station__commission__region_id"]: {
        "votes": {code: int(row[f"vote_{index}"] or 0) for index, code in enumerate(codes)},
        "cast": int(row["cast_sum"] or 0), "stations": row["stations_count"],
        "against_all": int(row["against_sum"] or 0)} for row in table}


def seat_districts(election, region_ids, source="official"):
    """The votes of `votes_by_region` by name, for the seat projection: ({region name: {"votes":
    {contestant name: votes}, "cast": ballots in the boxes, "stations": n}}, contestant names in
    ballot order)."""
    by_region = votes_by_region(election, region_ids, source)
    names = dict(election.contestants.order_by("ballot_number").values_list("ballot_number", "name"))
    region_names = dict(Region.objects.filter(pk__in=by_region).values_list("id", "name"))

    def named(votes):
        return {names.get(int(code.rsplit(".", 1)[1]), code): count for code, count in votes.items()}

    districts = {region_names[pk]: {"votes": named(row["votes"]), "cast": row["cast"], "stations": row["stations"],
                                    "against_all": row["against_all"]}
                 for pk, row in by_region.items()}
    return districts, list(names.values())


def official_arrays(election, region_ids):
    """Per-station numpy arrays of the latest official figures, for the forensics: (arrays, leader code).

    voters: on the list; given: ballots issued; received: ballots found in the boxes (valid +
    invalid); votes: every contestant's votes (stations x contestants); leader: the votes of the
    contestant with the most votes in scope (its code is returned beside). The database reads the
    lines out of the JSON and adds them up, one row of integers per station, in one query; numpy
    takes the rows as one table and finds the leader by its column sums.
    """
    categories = _codes_by_category(election)
    codes = vote_codes(election)
    officials = OfficialVersion.objects.filter(election=election, is_latest=True,
                                               station__commission__region_id__in=region_ids).order_by("station_id")
    columns = {"voters_sum": _lines_sum(categories["registered"]), "given_sum": _lines_sum(categories["issued"]),
               "received_sum": _lines_sum(categories["cast"]),
               **{f"vote_{index}": _line(code) for index, code in enumerate(codes)}}
    table = np.array(list(officials.annotate(**columns).values_list(*columns)), dtype=np.int64).reshape(-1, len(columns))
    votes = table[:, 3:]
    leader = int(np.argmax(votes.sum(axis=0))) if codes else None  # ties: the first on the ballot
    arrays = {"voters": table[:, 0], "given": table[:, 1], "received": table[:, 2], "votes": votes,
              "leader": votes[:, leader] if codes else np.zeros(len(table), dtype=np.int64)}
    return arrays, (codes[leader] if codes else None)


def official_turnout(election, region_ids):
    """Ballots found in the boxes over voters on the list, summed over the latest official results
    in scope: the turnout the quick count estimates, defined the same way. None without results."""
    categories = _codes_by_category(election)
    officials = OfficialVersion.objects.filter(election=election, is_latest=True,
                                               station__commission__region_id__in=region_ids)
    sums = officials.aggregate(cast=Sum(_lines_sum(categories["cast"])),
                               registered=Sum(_lines_sum(categories["registered"])))
    if not sums["registered"]:
        return None
    return int(sums["cast"] or 0) / int(sums["registered"])


def quick_count_sample(election, region_ids, organisation=EVERY_ORGANISATION):
    """The random-sample stations' observer copies (the newest per station), as plain rows whose
    sums the database computes: {"registered", "cast", "votes": {code: votes}}. An organisation's
    quick count is its own: its sample, its observers' copies (`organisation`, see `observer_scope`)."""
    categories = _codes_by_category(election)
    codes = vote_codes(election)
    own = _own(organisation, "deployment__organisation_id")
    # The sample drawn from a seed (checklists) when there is one; else the deployments' flag.
    drawn = checklist_selectors.sampled_stations(election)
    sampled = (drawn.filter(station__commission__region_id__in=region_ids).values("station_id") if drawn is not None
               else Deployment.objects.filter(_own(organisation), election=election, in_random_sample=True,
                                              station__commission__region_id__in=region_ids).values("station"))
    newer = ObserverCopy.objects.filter(own, election=election, is_latest=True, station=OuterRef("station"),
                                        id__gt=OuterRef("id"))
    copies = ObserverCopy.objects.filter(own, election=election, is_latest=True, station__in=sampled).exclude(
        Exists(newer))
    columns = {"registered_sum": _lines_sum(categories["registered"]), "cast_sum": _lines_sum(categories["cast"]),
               "region_of": F("station__commission__region_id"),
               **{f"vote_{index}": _line(code) for index, code in enumerate(codes)}}
    rows = [{"registered": row[0], "cast": row[1], "region": row[2], "votes": dict(zip(codes, row[3:], strict=True))}
            for row in copies.order_by().annotate(**columns).values_list(*columns)]
    population = election_stations(election).filter(commission__region_id__in=region_ids).count()
    return rows, population


def flagged_sample_by_region(election, region_ids, organisation=EVERY_ORGANISATION):
    """{region ID: stations in the random sample}, when the sample is the deployments' flag (no
    drawn sample): what the quick count says it waits for, region by region."""
    rows = Deployment.objects.filter(_own(organisation), election=election, in_random_sample=True,
                                     station__commission__region_id__in=region_ids).order_by().values(
        "station__commission__region_id").annotate(stations=Count("station", distinct=True))
    return {row["station__commission__region_id"]: row["stations"] for row in rows}


STATION_STATES = ("flagged", "protocol", "checked_in", "deployed", "none")


def station_map_rows(election, region_ids, organisation=EVERY_ORGANISATION, flags=None):
    """[id, code, latitude, longitude, state index] for every located station in scope, as the map
    sends them: the state (an index into STATION_STATES, the most telling of flagged, protocol in,
    checked in, observer deployed, none) and the 5-decimal rounding (about a metre) are computed
    by the database, so the rows go to JSON as they come."""
    return located_stations_with_state(election, region_ids, organisation, flags).annotate(
        lat=Cast(Round("latitude", 5), FloatField()), lon=Cast(Round("longitude", 5), FloatField()),
    ).order_by().values_list("id", "code", "lat", "lon", "state")


def located_stations_with_state(election, region_ids, organisation=EVERY_ORGANISATION, flags=None):
    """The located stations in scope, each annotated with `state` (an index into STATION_STATES)."""
    states = dict(  # `organisation`'s observers only (see `observer_scope`); `flags`: `review_flags`
        flagged=Exists(Discrepancy.objects.filter(_visible_flags(organisation), _assigned(flags), election=election,
                                                  station=OuterRef("pk"), status=Discrepancy.Status.OPEN)),
        protocol=Exists(ObserverCopy.objects.filter(_own(organisation, "deployment__organisation_id"),
                                                    election=election, station=OuterRef("pk"))),
        checked_in=Exists(CheckIn.objects.filter(_own(organisation, "deployment__organisation_id"),
                                                 deployment__election=election, deployment__station=OuterRef("pk"),
                                                 kind=CheckIn.Kind.CHECK_IN)),
        deployed=Exists(Deployment.objects.filter(_own(organisation), election=election, station=OuterRef("pk"))),
    )
    state = Case(*[When(condition, then=Value(index)) for index, condition in enumerate(states.values())],
                 default=Value(len(states)))
    return election_stations(election).filter(commission__region_id__in=region_ids, latitude__isnull=False).annotate(
        state=state)


def station_map_clusters(election, region_ids, view, organisation=EVERY_ORGANISATION, flags=None):
    """The map of one view (a `mapgrid.View`): the located stations in scope inside it, grouped by
    grid cell in one SQL statement (GROUP BY the position snapped to the cell), each cluster with
    its number of stations in every state, so its colours, and the legend's, are true at every
    zoom. Returns (cell degrees, clusters, per-state totals), a cluster being
    [lat, lon, stations, [count per state], station id or None, station code or None] (the last
    two for a cluster of one station, which the map shows as that station). The statement is the
    ORM's query of the stations and their state, wrapped in one GROUP BY."""
    cell = mapgrid.cell_degrees(view)
    stations = located_stations_with_state(election, region_ids, organisation, flags).filter(
        latitude__gte=view.south, latitude__lte=view.north, longitude__gte=view.west, longitude__lte=view.east,
    ).annotate(lat=Cast("latitude", FloatField()), lon=Cast("longitude", FloatField())).order_by().values(
        "id", "code", "lat", "lon", "state")
    inner, params = stations.query.sql_with_params()
    if connection.vendor == "postgresql":
        # OFFSET 0 keeps PostgreSQL from folding the inner query into the outer one, which would
        # copy the state's CASE (four EXISTS subplans) into each of the sums below.
        inner += " OFFSET 0"
    # Each station's state is computed once, in the inner query; the outer one only groups it.
    per_state = ", ".join(f"SUM(CASE WHEN state = {index} THEN 1 ELSE 0 END)" for index in range(len(STATION_STATES)))
    statement = (f"SELECT COUNT(*), AVG(lat), AVG(lon), MIN(id), MIN(code), {per_state} "  # noqa: S608 (no data)
                 f"FROM ({inner}) AS located GROUP BY FLOOR(lon / %s), FLOOR(lat / %s)")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, cell, cell])
        rows = cursor.fetchall()
    clusters, totals = [], [0] * len(STATION_STATES)
    for n, lat, lon, station, code, *counts in rows:
        single = n == 1
        clusters.append([round(lat, 5), round(lon, 5), n, counts, station if single else None,
                         code if single else None])
        totals = [total + count for total, count in zip(totals, counts, strict=True)]
    return cell, clusters, totals


def station_map_extent(region_ids):
    """[south, west, north, east] of the located stations in scope (where the map opens), or None."""
    extent = Station.objects.filter(commission__region_id__in=region_ids, latitude__isnull=False).aggregate(
        south=Min("latitude"), west=Min("longitude"), north=Max("latitude"), east=Max("longitude"))
    if extent["south"] is None:
        return None
    return [float(extent[key]) for key in ("south", "west", "north", "east")]


def station_map_points(election, region_ids, organisation=EVERY_ORGANISATION, flags=None):
    """[(station id, code, latitude, longitude, state name)] for every located station in scope."""
    return [(pk, code, latitude, longitude, STATION_STATES[state])
            for pk, code, latitude, longitude, state in station_map_rows(election, region_ids, organisation, flags)]


FEED_PAGE = 50


def _flag_subject(kind, station_id, commission_id, key, first_deployment, second_deployment, official_id):
    """What a flag is about, the same across the protocol versions that raise it again."""
    place = f"s{station_id}" if station_id else f"c{commission_id}"
    if first_deployment or second_deployment:
        return f"{kind}:{place}:{first_deployment or ''}:{second_deployment or ''}:{'o' if official_id else ''}"
    if official_id:
        return f"{kind}:{place}:official"
    return f"{kind}:{place}:{key}"


def feed(election, region_ids, *, after_flag=None, after_incident=None, incidents=None, limit=FEED_PAGE,
         organisation=EVERY_ORGANISATION, flags=None):
    """New flags and incidents in scope, for the live feed: (items, more).

    With no cursor (a page just opened): the newest `limit` of each kind, as a start. With the
    cursors (the highest ID seen of each kind): the *oldest* `limit` of each kind above them, and
    `more` when either kind has further items waiting, so that a national import raising
    thousands of flags is paged through in order, none skipped: the caller moves each cursor to the
    highest ID returned and asks again at once while `more` is true. Items are in the order they
    happened (oldest first).

    Two "id > N ORDER BY id LIMIT n + 1" queries reading only the columns shown: cheap enough to
    poll every few seconds from every open dashboard. `incidents` is the user's incident scope
    (`incidents_in_scope`); None: flags only. Flags about another organisation's observers'
    copies are left out (`organisation`, see `observer_scope`). `flags`: the user's flags
    (`protocol_selectors.discrepancies_for`, which keeps a reviewer to their assigned work), in
    place of all of `organisation`'s.
    """
    start = after_flag is None and after_incident is None
    flags = (Discrepancy.objects.filter(_visible_flags(organisation)) if flags is None
             else flags.select_related(None))
    kinds, severities = dict(Discrepancy.Kind.choices), dict(Discrepancy.Severity.choices)
    # Open flags only: a new protocol version withdraws its copy's flags and raises new ones, and a
    # withdrawn flag is no longer news. Each item names its `subject` (the kind, the station and
    # the observers' or official side it compares, not their versions), and the page keeps one
    # item per subject: the same flag raised again by a new version replaces the one shown.
    flags = flags.filter(election=election, pk__gt=after_flag or 0, status=Discrepancy.Status.OPEN).filter(
        Q(station__commission__region_id__in=region_ids) | Q(commission__region_id__in=region_ids)
    ).order_by("-id" if start else "id").values_list(
        "id", "kind", "severity", "station__code", "station_id", "created_at", "key", "commission_id",
        "observer_copy__deployment_id", "other_copy__deployment_id", "official_version_id")[:limit + 1]
    flags = list(flags)
    more = len(flags) > limit and not start
    items = [{"type": "flag", "id": pk, "kind": str(kinds.get(kind, kind)), "severity": severity,
              "severity_label": str(severities.get(severity, severity)), "station": code or "",
              "station_id": station_id, "at": at.isoformat(),
              "subject": _flag_subject(kind, station_id, commission_id, key, first, second, official)}
             for pk, kind, severity, code, station_id, at, key, commission_id, first, second, official
             in flags[:limit]]
    if incidents is not None:
        language = (get_language() or "en")[:2]
        name = f"category__name_{language}" if language in ("kk", "ru", "en") else "category__name_en"
        rows = list(incidents.select_related(None).filter(pk__gt=after_incident or 0).order_by(
            "-id" if start else "id").values_list(
            "id", name, "category__name_en", "severity", "station__code", "station_id", "reported_at")[:limit + 1])
        more = more or (len(rows) > limit and not start)
        severity_labels = dict(Severity.choices)
        items += [{"type": "incident", "id": pk, "kind": category or fallback, "severity": severity,
                   "severity_label": str(severity_labels.get(severity, severity)), "station": code,
                   "station_id": station_id, "at": at.isoformat()}
                  for pk, category, fallback, severity, code, station_id, at in rows[:limit]]
    return sorted(items, key=lambda item: (item["at"], item["type"], item["id"])), more


# --- The public transparency page (rec. 17.1): nothing here may name an observer -------------


def station_protocol_photos(user, election, station):
    """The protocol photos of a station this user may see, each with `published`, oldest first."""
    return evidence_visible_to(user).filter(
        Q(election=election) | Q(election__isnull=True), station=station, purpose=Purpose.PROTOCOL_PHOTO,
    ).annotate(published=is_published()).order_by("created_at")


def public_stations(election, region_id=None):
    """Stations of the election's country with an official result or an observer copy, in order of
    region, commission and code: the public list (paginated by the view)."""
    stations = election_stations(election).filter(
        Exists(OfficialVersion.objects.filter(election=election, is_latest=True, station=OuterRef("pk")))
        | Exists(ObserverCopy.objects.filter(election=election, is_latest=True, station=OuterRef("pk")))
    )
    if region_id is not None:
        stations = stations.filter(commission__region_id=region_id)
    return stations.select_related("commission__region").order_by(
        "commission__region__name", "commission__name", "code")


def _published_protocol_photos(election):
    """The election's protocol photos whose newest publication decision says "published" and
    whose EXIF-free web copy exists: all that the public page may ever show."""
    return EvidenceFile.objects.filter(
        election=election, purpose=Purpose.PROTOCOL_PHOTO, station__isnull=False,
    ).exclude(original__web_key="").annotate(published=is_published()).filter(published=True)


def published_photos(election, station_ids):
    """{station id: [evidence file id]} of the protocol photos the NGO published, with a web copy."""
    photos = defaultdict(list)
    rows = _published_protocol_photos(election).filter(station_id__in=station_ids).order_by(
        "created_at", "id").values_list("station_id", "id")
    for station_id, pk in rows:
        photos[station_id].append(pk)
    return dict(photos)


def public_published_photo(election, evidence_id):
    """The web copy's storage key of a published protocol photo of this election, or None."""
    return _published_protocol_photos(election).filter(pk=evidence_id).values_list(
        "original__web_key", flat=True).first()


def public_station_figures(election, station_ids):
    """{station id: {"official": figures or None, "confirmed": [(figures, basis)]}} for a page of
    stations, in three queries whatever its size. Which copies count as confirmed, and why, is
    dashboard.confirmation's rule. Nothing about who sent a copy leaves this function."""
    official = dict(OfficialVersion.objects.filter(election=election, is_latest=True, station_id__in=station_ids)
                    .values_list("station_id", "figures"))
    copies = list(ObserverCopy.objects.filter(election=election, is_latest=True, station_id__in=station_ids)
                  .order_by("station_id", "submitted_at", "id").values_list("id", "station_id", "figures"))
    statuses = defaultdict(list)
    for first, other, status in Discrepancy.objects.filter(
        election=election, station_id__in=station_ids,
    ).filter(Q(observer_copy__isnull=False) | Q(other_copy__isnull=False)).values_list(
            "observer_copy_id", "other_copy_id", "status"):
        for copy_id in {first, other} - {None}:
            statuses[copy_id].append(status)
    result = {station_id: {"official": official.get(station_id), "confirmed": []} for station_id in station_ids}
    for pk, station_id, figures in copies:
        basis = confirmation.confirmation_basis(figures, official.get(station_id), statuses.get(pk, ()))
        if basis is not None:
            result[station_id]["confirmed"].append((figures, basis))
    return result


# --- What each page looks up (the views parse and render only) ----------------------------------


def election_with_template(slug):
    """The election of a dashboard URL with its protocol template, or None."""
    return Election.objects.select_related("template").filter(slug=slug).first()


def dashboard_elections():
    """The elections the dashboard lists: all but drafts, newest first."""
    return Election.objects.exclude(status=Election.Status.DRAFT).order_by("-date")


def regions_in_scope(region_ids):
    return Region.objects.filter(pk__in=region_ids).order_by("name")


def region_in_scope(region_id, region_ids):
    """The region, if the user may see it (else None)."""
    return Region.objects.filter(pk=region_id).filter(pk__in=region_ids).first()


def commissions_of(region):
    return Commission.objects.filter(region=region).order_by("name")


def commission_in_scope(commission_id, region_ids):
    return Commission.objects.select_related("region").filter(pk=commission_id, region_id__in=region_ids).first()


def station_in_scope(station_id, region_ids):
    return Station.objects.select_related("commission__region").filter(
        pk=station_id, commission__region_id__in=region_ids).first()


def station_story(user, election, station, region_ids):
    """Everything known about one station in an election: the incidents the user may see (counted
    by severity, then listed), protocol photos, observers, check-ins, protocol and official
    versions, and flags. Querysets, each read once by the page."""
    incidents = incidents_in_scope(user, election, region_ids).filter(station=station)
    by_severity = incident_severities(incidents, "station_id").get(station.pk, dict.fromkeys(INCIDENT_FIGURES, 0))
    return {
        "incident_counts": [(label, by_severity[f"incidents_{value}"]) for value, label in Severity.choices],
        "incidents": incidents.select_related("category").order_by("-reported_at", "-id"),
        "photos": station_protocol_photos(user, election, station).select_related("original"),
        # Each record kind through its own selector (observers.scope's rule): only the user's
        # organisation's observers; the official versions are public.
        "deployments": observer_selectors.deployments_for(user).filter(election=election, station=station),
        "check_ins": observer_selectors.check_ins_for(user).filter(
            deployment__election=election, deployment__station=station).order_by("-recorded_at"),
        "copies": protocol_selectors.copies_for(user).filter(election=election, station=station)
        .order_by("-submitted_at"),
        "officials": protocol_selectors.official_versions(election, station).order_by("-version"),
        "flags": protocol_selectors.discrepancies_for(user).filter(election=election, station=station)
        .order_by("-severity_rank"),
    }


def contestant_names(election):
    """{ballot number: name}."""
    return dict(election.contestants.values_list("ballot_number", "name"))


def vote_code_names(election):
    """{vote code ("L8.3"): contestant name}, in two queries whatever the number of contestants."""
    line_codes = list(election.template.lines.filter(kind="votes").values_list("code", flat=True))
    return {f"{line_code}.{number}": name for number, name in election.contestants.values_list("ballot_number", "name")
            for line_code in line_codes}


def flag_rows(user, election, region_ids):
    """The flags of the stations in scope the user may see, most severe first: (region, station,
    kind, severity, status, flagged at)."""
    flags = protocol_selectors.discrepancies_for(user).filter(election=election,
                                                             station__commission__region_id__in=region_ids)
    return flags.order_by("-severity_rank", "created_at").values_list(
        "station__commission__region__name", "station__code", "kind", "severity", "status", "created_at")


def incident_rows(incidents):
    """The incidents as export rows, oldest first, the observer by pseudonym code only: (id,
    region, commission, station, category ID, severity, status, occurred at, reported at, code)."""
    return incidents.select_related(None).order_by("reported_at", "id").values_list(
        "id", "station__commission__region__name", "station__commission__name", "station__code",
        "category_id", "severity", "status", "occurred_at", "reported_at", "observer__pseudonym")
