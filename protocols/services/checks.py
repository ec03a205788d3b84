"""The cross-check: marks of changed inputs, checks of stations and elections, the sweep."""

import datetime
import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from itertools import groupby

from django.db import connection, transaction
from django.db.models import DateTimeField, F, Max, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from config.queue import enqueue_on_commit
from elections.models import Election
from observers.models import CheckIn

from .. import crosscheck
from ..models import CommissionProtocol, Discrepancy, ElectionCheck, ObserverCopy, OfficialVersion, StationCheck
from .rules import election_rules
from .states import _withdraw

# --- Cross-check ----------------------------------------------------------------------------


CHECK_BATCH = 2000
SWEEP_GRACE = datetime.timedelta(minutes=2)
"""How long the sweep trusts a check already sent to the workers: a younger one is left to the
message queued, an older one still not done is sent again (its message may have been lost)."""
_EPOCH = Value(datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC), output_field=DateTimeField())


def mark_inputs_changed(*, election_id, station_ids, election_stations=None):
    """Record that these stations' inputs changed, and ask a worker to check them after commit.

    The record is what the periodic sweep reads, so a lost message delays a check, never skips it.
    When the stations are most of the election's (`election_stations`: how many it has results for,
    e.g. after a national import), one election-level mark stands for all of them and one full
    re-check, set-based, replaces 50 batches: 100,000 station marks would say the same thing.
    """
    station_ids = list(station_ids)
    if election_stations and len(station_ids) > CHECK_BATCH and 2 * len(station_ids) >= election_stations:
        _mark_election_changed(election_id)
        return
    now = timezone.now()
    _upsert_station_marks(election_id, station_ids, changed_at=now, queued_at=now)
    for start in range(0, len(station_ids), CHECK_BATCH):
        enqueue_on_commit("protocols.tasks.check_stations", election_id, station_ids[start:start + CHECK_BATCH])


def _upsert_station_marks(election_id, station_ids, *, changed_at, queued_at):
    if connection.vendor == "postgresql":
        # One statement for any number of stations.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO protocols_stationcheck (election_id, station_id, inputs_changed_at, queued_at) "
                "SELECT %s, unnest(%s::bigint[]), %s, %s ON CONFLICT (election_id, station_id) "
                "DO UPDATE SET inputs_changed_at = EXCLUDED.inputs_changed_at, queued_at = EXCLUDED.queued_at",
                [election_id, station_ids, changed_at, queued_at],
            )
        return
    StationCheck.objects.bulk_create(
        [StationCheck(election_id=election_id, station_id=station_id, inputs_changed_at=changed_at,
                      queued_at=queued_at) for station_id in station_ids],
        batch_size=5000, update_conflicts=True, unique_fields=["election", "station"],
        update_fields=["inputs_changed_at", "queued_at"],
    )


def _mark_election_changed(election_id):
    now = timezone.now()
    _upsert_election_checks([election_id], inputs_changed_at=now, queued_at=now)
    enqueue_on_commit("protocols.tasks.check_election", election_id)


def _upsert_election_checks(election_ids, **fields):
    """One statement, safe against a concurrent first insert of the same election's row."""
    ElectionCheck.objects.bulk_create(
        [ElectionCheck(election_id=election_id, **fields) for election_id in election_ids],
        update_conflicts=True, unique_fields=["election"], update_fields=list(fields),
    )


def check_stations(*, election_id, station_ids=None):
    """Run the cross-check for some stations of an election (all when `station_ids` is None).

    Set-based: the inputs of every station come in a few queries, the pure cross-check runs per
    station in memory, and the flags are written with bulk upserts. Running it twice changes
    nothing; a flag whose cause went away (a corrected copy) is marked withdrawn, never deleted.
    """
    election = Election.objects.select_related("template").get(pk=election_id)
    rules = election_rules(election)
    started = timezone.now()
    with without_cycle_collection():
        flags = crosscheck.check_stations(_station_inputs(election, station_ids), rules)
    with transaction.atomic():
        _store_flags(election, flags, station_ids)
        if station_ids is None:
            # One row says it for every station: inputs that change from now on are newer.
            _upsert_election_checks([election.pk], checked_at=started)
        else:
            StationCheck.objects.filter(election=election, station_id__in=station_ids).update(checked_at=started)
        _request_tabulation_checks(election, station_ids)
    return sum(len(station_flags) for station_flags in flags.values())


@contextmanager
def without_cycle_collection():
    """For national batches (an import, a re-check) that build about a million small objects
    (rows, figures, copies, flags) that never refer to each other in a cycle. Python's cycle
    collector would walk the growing heap again and again (measured: about half of the check's
    time); reference counting frees all of it anyway."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _request_tabulation_checks(election, station_ids=None):
    """Commissions whose stations' figures may have moved get their summaries re-checked."""
    summaries = CommissionProtocol.objects.filter(election=election, is_latest=True)
    if station_ids is not None:
        summaries = summaries.filter(commission__stations__in=station_ids)
    commissions = set(summaries.values_list("commission_id", flat=True))
    if not commissions:
        return
    CommissionProtocol.objects.filter(election=election, commission_id__in=commissions).update(
        checked_at=None, queued_at=timezone.now())
    send_tabulation_checks(election_id=election.pk, commission_ids=commissions)


def send_tabulation_checks(*, election_id, commission_ids):
    """After commit, ask a worker to check these commissions' summaries against their stations.
    The caller records `queued_at` on the summaries, so the sweep re-sends a lost message."""
    for commission_id in sorted(set(commission_ids)):
        enqueue_on_commit("protocols.tasks.check_tabulation", election_id, commission_id)


def _station_inputs(election, station_ids):
    """The cross-check's inputs for each station, in four queries whatever the number of stations."""

    def scoped(queryset, field="station_id"):
        return queryset if station_ids is None else queryset.filter(**{f"{field}__in": station_ids})

    # Figures travel as JSON text: a copy whose text equals the published version's shares its
    # dict (most do) and is never decoded. PostgreSQL prints jsonb in one canonical form; where a
    # database keeps the text as sent, an equal copy with other spacing is merely decoded.
    as_text = Cast("figures", TextField())
    latest, latest_text, revised = {}, {}, []
    for pk, station_id, version, text in scoped(
        OfficialVersion.objects.filter(election=election, is_latest=True)
    ).values_list("id", "station_id", "version", as_text):
        latest[station_id] = crosscheck.Copy("official", pk, json.loads(text))
        latest_text[station_id] = text
        if version > 1:
            revised.append(station_id)

    copies = defaultdict(list)
    for pk, station_id, observer_id, text in scoped(
        ObserverCopy.objects.filter(election=election, is_latest=True)
    ).values_list("id", "station_id", "observer_id", as_text):
        shared = latest[station_id].figures if text == latest_text.get(station_id) else json.loads(text)
        copies[station_id].append(crosscheck.Copy("observer", pk, shared, observer_id))

    previous = {}
    for pk, station_id, figures in OfficialVersion.objects.filter(
        election=election, is_latest=False, station_id__in=revised
    ).order_by("station_id", "version").values_list("id", "station_id", "figures"):
        previous[station_id] = crosscheck.Copy("official", pk, figures)  # the last one wins: the newest

    overdue = election.results_deadline is not None and election.results_deadline < timezone.now()
    checked_in = defaultdict(set)
    if overdue:
        for station_id, observer_id in scoped(
            CheckIn.objects.filter(deployment__election=election), "deployment__station_id"
        ).values_list("deployment__station_id", "deployment__observer_id").distinct():
            checked_in[station_id].add(observer_id)

    stations = set(copies) | set(latest) | set(checked_in) | set(station_ids or ())
    return {
        station_id: crosscheck.StationInputs(
            observer_copies=tuple(copies.get(station_id, ())), official=latest.get(station_id),
            previous_official=previous.get(station_id), results_overdue=overdue,
            observers_checked_in=tuple(sorted(checked_in.get(station_id, ()))),
        )
        for station_id in stations
    }


def _store_flags(election, flags_by_station, station_ids):
    """Upsert the flags by (election, station, key); withdraw open flags no longer produced."""
    rows = []
    for station_id, flags in flags_by_station.items():
        for flag in flags:
            sources = flag.sources
            rows.append(Discrepancy(
                election=election, station_id=station_id, key=flag.key, kind=flag.kind, severity=flag.severity,
                severity_rank=crosscheck.SEVERITY_ORDER[flag.severity], deltas=flag.deltas, detail=flag.detail,
                observer_copy_id=_source_id(sources, "observer", "observer"),
                other_copy_id=_source_id(sources, "other", "observer"),
                official_version_id=_source_id(sources, "official", "official"),
                previous_official_id=_source_id(sources, "previous", "official"),
            ))
    Discrepancy.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["election", "station", "key"],
        update_fields=["severity", "severity_rank", "deltas", "detail"],
    )
    produced = defaultdict(set)
    for row in rows:
        produced[row.station_id].add(row.key)
    stale = Discrepancy.objects.filter(election=election, status=Discrepancy.Status.OPEN, station__isnull=False)
    if station_ids is not None:
        stale = stale.filter(station_id__in=station_ids)
    withdrawn = [pk for pk, station_id, key in stale.values_list("id", "station_id", "key")
                 if key not in produced.get(station_id, ())]
    for start in range(0, len(withdrawn), 5000):
        _withdraw(Discrepancy.objects.filter(pk__in=withdrawn[start:start + 5000]))


def _source_id(sources, role, source):
    value = sources.get(role)
    if value is None:
        return None
    kind, pk = value
    return pk if kind == source else None


def _due_station_checks():
    """Station marks newer than the station's last check and than its election's last full check."""
    return StationCheck.objects.filter(
        Q(checked_at__isnull=True) | Q(checked_at__lt=F("inputs_changed_at")),
        Q(election__full_check__checked_at__isnull=True) | Q(election__full_check__checked_at__lt=F("inputs_changed_at")),
    )


def stations_due_for_check(*, limit=20_000):
    """(election, station) pairs whose inputs changed after their last check, by station or by a
    full re-check of their election."""
    return list(_due_station_checks().values_list("election_id", "station_id")[:limit])


def sweep(*, now=None, limit=20_000):
    """The periodic safety net (Celery beat, every minute), set-based whatever the number of
    stations, so a lost Celery message delays a flag but never loses it. It sends again:

    - a full re-check of each election whose results deadline passed after its last full check
      (the "missing official result" and "missing copy" flags appear on their own), or whose
      inputs changed election-wide (a national import) after it;
    - a check of each station whose inputs changed after its last check, a check-in included:
      one recorded after the deadline and after the station's last check and mark (the observers
      app is lower and knows nothing of checks, so the sweep reads its check-ins) is marked here;
    - the tabulation check of each latest summary protocol not checked since it changed.

    Work sent to the workers less than `SWEEP_GRACE` before `now` is left to its queued message.
    Returns what was sent: {"elections": [...], "stations": [(election, station), ...],
    "commissions": [(election, commission), ...]}.
    """
    now = now or timezone.now()
    cutoff = now - SWEEP_GRACE
    with transaction.atomic():
        elections = _claim_full_checks(now, cutoff)
        # Stations of an election whose full re-check is on its way (sent within the grace period,
        # not started since) wait for it.
        in_flight = set(ElectionCheck.objects.filter(
            Q(checked_at__isnull=True) | Q(checked_at__lt=F("queued_at")), queued_at__gt=cutoff,
        ).values_list("election_id", flat=True))
        # A late check-in marks its station as changed when it was recorded; the claim below sends it.
        StationCheck.objects.bulk_create(
            [StationCheck(election_id=election_id, station_id=station_id, inputs_changed_at=recorded_at)
             for election_id, station_id, recorded_at in _late_check_ins(now, exclude=in_flight)],
            batch_size=5000, update_conflicts=True, unique_fields=["election", "station"],
            update_fields=["inputs_changed_at", "queued_at"],
        )
        stations = _claim_station_checks(now, cutoff, exclude=in_flight, limit=limit)
        commissions = _claim_tabulation_checks(now, cutoff)
        _send(elections, stations, commissions)
    return {"elections": elections, "stations": stations, "commissions": commissions}


def _claim_full_checks(now, cutoff):
    never_checked = Q(full_check__checked_at__isnull=True)
    due = Election.objects.filter(
        Q(results_deadline__lte=now) & (never_checked | Q(full_check__checked_at__lt=F("results_deadline")))
        | Q(full_check__inputs_changed_at__isnull=False)
        & (never_checked | Q(full_check__checked_at__lt=F("full_check__inputs_changed_at"))),
        Q(full_check__queued_at__isnull=True) | Q(full_check__queued_at__lte=cutoff),
    )
    election_ids = sorted(due.values_list("id", flat=True))
    if election_ids:
        _upsert_election_checks(election_ids, queued_at=now)
    return election_ids


def _late_check_ins(now, exclude):
    """(election, station, latest such check-in) for check-ins recorded after the election's results
    deadline and after the station was last checked or marked: one SELECT over the check-ins
    since the deadline."""
    mark = StationCheck.objects.filter(election_id=OuterRef("deployment__election_id"),
                                       station_id=OuterRef("deployment__station_id"))
    seen = Greatest(Coalesce(Subquery(mark.values("checked_at")[:1]), _EPOCH),
                    Coalesce(Subquery(mark.values("inputs_changed_at")[:1]), _EPOCH),
                    Coalesce(F("deployment__election__full_check__checked_at"), _EPOCH))
    return list(CheckIn.objects.filter(
        deployment__election__results_deadline__lte=now, recorded_at__gt=F("deployment__election__results_deadline"),
    ).exclude(deployment__election_id__in=exclude).annotate(seen=seen).filter(recorded_at__gt=F("seen")).values(
        "deployment__election_id", "deployment__station_id").annotate(latest=Max("recorded_at")).values_list(
        "deployment__election_id", "deployment__station_id", "latest").order_by())


def _claim_station_checks(now, cutoff, *, exclude, limit):
    due = _due_station_checks().filter(Q(queued_at__isnull=True) | Q(queued_at__lte=cutoff)).exclude(
        election_id__in=exclude)
    rows = list(due.order_by("election_id", "station_id").values_list("id", "election_id", "station_id")[:limit])
    for start in range(0, len(rows), 5000):
        StationCheck.objects.filter(pk__in=[pk for pk, _e, _s in rows[start:start + 5000]]).update(queued_at=now)
    return [(election_id, station_id) for _pk, election_id, station_id in rows]


def _claim_tabulation_checks(now, cutoff):
    due = CommissionProtocol.objects.filter(Q(queued_at__isnull=True) | Q(queued_at__lte=cutoff), is_latest=True,
                                            checked_at__isnull=True)
    pairs = sorted(set(due.values_list("election_id", "commission_id")))
    due.update(queued_at=now)
    return pairs


def _send(elections, stations, commissions):
    """The claimed checks, each sent once the claim commits."""
    for election_id in elections:
        enqueue_on_commit("protocols.tasks.check_election", election_id)
    for election_id, pairs in groupby(stations, key=lambda pair: pair[0]):
        station_ids = [station_id for _election, station_id in pairs]
        for start in range(0, len(station_ids), CHECK_BATCH):
            enqueue_on_commit("protocols.tasks.check_stations", election_id, station_ids[start:start + CHECK_BATCH])
    for election_id, commission_id in commissions:
        enqueue_on_commit("protocols.tasks.check_tabulation", election_id, commission_id)
