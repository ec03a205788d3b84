"""Every write about protocols: observer copies, cross-check flags, reviewers' decisions."""

import datetime
import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from itertools import groupby

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, F, Max, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from config.parsing import is_whole_number
from config.queue import enqueue_on_commit
from elections import relations as relation_engine
from elections import selectors as election_selectors
from elections.models import Commission, Election
from evidence import services as evidence_services
from evidence.models import EvidenceFile, Purpose
from observers import services as observer_services
from observers.models import CheckIn, Deployment, User

from .. import crosscheck
from ..models import (
    CommissionProtocol,
    Decision,
    Discrepancy,
    ElectionCheck,
    ObserverCopy,
    ObserverCopyPhoto,
    OfficialVersion,
    PhotoPublication,
    ResultSource,
    StationCheck,
)

MAX_FIGURE = 10_000_000

# --- The rules of an election, as plain data for the cross-check ----------------------------


def election_rules(election):
    categories = dict(election.template.lines.values_list("code", "category"))
    lines = tuple(
        crosscheck.Line(code=line.code,
                        category="votes" if line.ballot_number is not None else categories.get(line.code, "bookkeeping"))
        for line in election_selectors.election_lines(election)
    )
    relations = tuple(
        (relation.expression, relation.parsed(), relation.tolerance)
        for relation in election.template.relations.order_by("position")
    )
    return crosscheck.Rules(lines=lines, relations=relations, share_change_alert=float(election.share_change_alert))


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


def _clean_figures(figures, rules):
    """Whole non-negative numbers for known lines; blanks allowed (a copy may be partial)."""
    if not isinstance(figures, dict):
        raise ValidationError({"figures": _("Send the figures as an object of line codes and numbers.")})
    known = [line.code for line in rules.lines]
    unknown = sorted(set(figures) - set(known))
    if unknown:
        raise ValidationError({"figures": _("Unknown lines: %(codes)s") % {"codes": ", ".join(unknown)}})
    clean, errors = {}, []
    for code in known:
        value = figures.get(code)
        if value in (None, ""):
            continue
        if isinstance(value, str) and is_whole_number(value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FIGURE:
            errors.append(_("%(code)s must be a whole number from 0 to %(max)s") % {"code": code, "max": MAX_FIGURE})
            continue
        clean[code] = value
    if errors:
        raise ValidationError({"figures": errors})
    if not clean:
        raise ValidationError({"figures": _("Fill in at least one line.")})
    return clean


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


RESULT_SOURCE_FIELDS = ("name", "format", "level", "region_column", "commission_column", "station_column",
                        "line_columns", "station_pattern", "fallback_station_label", "region_pattern",
                        "commission_pattern", "skip_rows", "ignore_columns", "url", "create_stations")


def save_result_source(*, data):
    """Create or update a result source (a mapping) from plain data, e.g. a JSON file, keyed by its
    code; checked like the admin's form. Returns (source, created)."""
    if not isinstance(data, dict) or not data.get("code"):
        raise ValueError(_("A source needs a code."))
    unknown = sorted(set(data) - {"code", *RESULT_SOURCE_FIELDS})
    if unknown:
        raise ValueError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    source = ResultSource.objects.filter(code=data["code"]).first()
    created = source is None
    source = source or ResultSource(code=data["code"])
    for name in RESULT_SOURCE_FIELDS:
        if name in data:
            setattr(source, name, data[name])
    try:
        source.full_clean()
    except ValidationError as error:
        raise ValueError("; ".join(f"{field}: {' '.join(messages)}"
                                   for field, messages in error.message_dict.items())) from None
    source.save()
    return source, created


def flag_changed_summaries(*, election, changed, previous_of):
    """A published commission summary whose figures changed is flagged "official changed", like a
    station's: `changed` are the new CommissionProtocol rows (saved), `previous_of` {commission id:
    the figures they replace}."""
    flags = []
    for summary in changed:
        previous = previous_of.get(summary.commission_id)
        if previous is None:
            continue
        codes = sorted(set(previous) | set(summary.figures))
        flags.append(Discrepancy(
            election=election, station=None, commission_id=summary.commission_id, commission_protocol=summary,
            key=f"{crosscheck.Kind.OFFICIAL_CHANGED}:summary:{summary.pk}", kind=crosscheck.Kind.OFFICIAL_CHANGED,
            severity=crosscheck.Severity.CRITICAL, severity_rank=crosscheck.SEVERITY_ORDER[crosscheck.Severity.CRITICAL],
            deltas=crosscheck.line_deltas(previous, summary.figures, codes), detail=[{"basis": "summary"}]))
    Discrepancy.objects.bulk_create(flags, batch_size=2000, ignore_conflicts=True)
    return len(flags)


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


# --- The states of a flag, and reviewers' decisions -----------------------------------------

Status = Discrepancy.Status
# (from, to) -> who makes the move: a reviewer's decision, or the cross-check when a flag's cause
# went away. The one table every status change obeys (`_transition`, `_withdraw`).
STATUS_TRANSITIONS = {
    (Status.OPEN, Status.CONFIRMED): "reviewer",
    (Status.OPEN, Status.OBSERVER_ERROR): "reviewer",
    (Status.OPEN, Status.RESOLVED): "reviewer",
    (Status.CONFIRMED, Status.OBSERVER_ERROR): "reviewer",  # a second look at the photo
    (Status.CONFIRMED, Status.RESOLVED): "reviewer",
    (Status.OBSERVER_ERROR, Status.CONFIRMED): "reviewer",
    (Status.OBSERVER_ERROR, Status.RESOLVED): "reviewer",
    (Status.OPEN, Status.WITHDRAWN): "cross-check",
}

DECISIONS = {
    "confirm": Status.CONFIRMED,
    "observer_error": Status.OBSERVER_ERROR,
    "resolve": Status.RESOLVED,
}


def ensure_reviewer(user):
    if not (user.is_authenticated and (user.role == User.Role.REVIEWER or user.is_platform_admin)):
        raise PermissionDenied(_("Only reviewers decide on discrepancies."))


def decide(*, discrepancy_id, reviewer, decision, comment="", client_id=None):
    """Record a reviewer's decision; the flag takes its status, the decision stays in history.

    Idempotent by `client_id` (made by the form): a double click or a re-sent request records one
    decision. A move the flag's state does not allow (confirming a withdrawn flag, deciding the
    same thing twice) is refused with a message, and nothing is written.
    """
    ensure_reviewer(reviewer)
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose confirm, observer_error or resolve.")})
    try:
        with transaction.atomic():
            discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy_id)
            if client_id is not None:
                earlier = Decision.objects.filter(client_id=client_id).first()
                if earlier is not None:
                    if (earlier.discrepancy_id, earlier.reviewer_id, earlier.status) != (
                            discrepancy.pk, reviewer.pk, DECISIONS[decision]):
                        raise ValidationError({"client_id": _(
                            "This form was already sent; open the flag again to record another decision.")})
                    return discrepancy
            _transition(discrepancy, to=DECISIONS[decision], reviewer=reviewer, comment=comment,
                        client_id=client_id)
    except IntegrityError:
        # The same client_id arrived twice at once, for another flag.
        raise ValidationError({"client_id": _("This ID was already used.")}) from None
    return discrepancy


def _transition(discrepancy, *, to, reviewer, comment, client_id):
    """The one place where a reviewer changes a flag's status; illegal moves are refused."""
    current = discrepancy.status
    if current == to:
        raise ValidationError(_("This flag is already “%(status)s”.") % {"status": Status(to).label})
    if STATUS_TRANSITIONS.get((current, to)) != "reviewer":
        raise ValidationError(_("A flag that is “%(current)s” cannot become “%(target)s”.")
                              % {"current": Status(current).label, "target": Status(to).label})
    comment = (comment or "").strip()
    if not comment and (to != Status.CONFIRMED or current != Status.OPEN):
        raise ValidationError({"comment": _("Say why, for the record.")})
    Decision.objects.create(discrepancy=discrepancy, status=to, comment=comment, reviewer=reviewer,
                            client_id=client_id)
    discrepancy.status = to
    discrepancy.save(update_fields=["status", "updated_at"])
    if discrepancy.station_id and discrepancy.kind == Discrepancy.Kind.MISMATCH:
        _request_tabulation_checks(discrepancy.election, [discrepancy.station_id])


def _withdraw(flags):
    """Withdraw, in one statement, the flags of a queryset whose cause went away and whose state
    allows it (only open ones: a reviewer's decision stands)."""
    may_withdraw = [old for (old, new), who in STATUS_TRANSITIONS.items()
                    if new == Status.WITHDRAWN and who == "cross-check"]
    return flags.filter(status__in=may_withdraw).update(status=Status.WITHDRAWN, updated_at=timezone.now())


def latest_check_time(election_id):
    by_station = StationCheck.objects.filter(election_id=election_id).aggregate(latest=Max("checked_at"))["latest"]
    full = ElectionCheck.objects.filter(election_id=election_id).values_list("checked_at", flat=True).first()
    return max((moment for moment in (by_station, full) if moment is not None), default=None)


# --- Tabulation at territorial commissions --------------------------------------------------


def submit_commission_protocol(*, observer, election_id, commission_id, client_id, figures):
    """An observer's copy of a territorial commission's summary protocol, versioned like a
    station copy; the tabulation check runs once it is stored."""
    observer_services.ensure_may_submit(observer)
    existing = CommissionProtocol.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.observer_id != observer.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    election = Election.objects.select_related("template").filter(pk=election_id).first()
    commission = Commission.objects.filter(pk=commission_id).first()
    if election is None or commission is None:
        raise ValidationError({"commission": _("Unknown commission or election.")})
    if not observer.organisation.regions.filter(pk=commission.region_id).exists():
        raise PermissionDenied(_("This commission is outside your organisation's regions."))
    clean = _clean_figures(figures, election_rules(election))
    with transaction.atomic():
        previous = CommissionProtocol.objects.select_for_update().filter(
            observer=observer, election=election, commission=commission, is_latest=True).first()
        if previous is not None:
            previous.is_latest = False
            previous.save(update_fields=["is_latest"])
        summary = CommissionProtocol.objects.create(
            client_id=client_id, observer=observer, election=election, commission=commission,
            version=(previous.version + 1) if previous else 1, figures=clean, queued_at=timezone.now())
        send_tabulation_checks(election_id=election.pk, commission_ids=[commission.pk])
    return summary, True


def station_sums(election, commission_id):
    """The commission's stations added up: as published, and with reviewer-confirmed observer
    copies in place of the official figures they contradict."""
    officials = dict(OfficialVersion.objects.filter(
        election=election, is_latest=True, station__commission_id=commission_id).values_list("station_id", "figures"))
    confirmed = dict(Discrepancy.objects.filter(
        election=election, station__commission_id=commission_id, kind=Discrepancy.Kind.MISMATCH,
        status=Discrepancy.Status.CONFIRMED).values_list("station_id", "observer_copy__figures"))
    return _add_up(officials.values()), _add_up({**officials, **confirmed}.values()), bool(confirmed)


def _add_up(figure_sets):
    totals = defaultdict(int)
    for figures in figure_sets:
        for code, value in figures.items():
            totals[code] += value
    return dict(totals)


def check_tabulation(*, election_id, commission_id):
    """Flag every latest summary protocol of the commission that differs from its stations' sum."""
    election = Election.objects.select_related("template").get(pk=election_id)
    rules = election_rules(election)
    published, corrected, has_confirmed = station_sums(election, commission_id)
    summaries = CommissionProtocol.objects.filter(election=election, commission_id=commission_id)
    produced = set()
    with transaction.atomic():
        for summary in summaries.filter(is_latest=True):
            copy = crosscheck.Copy("summary", summary.pk, summary.figures)
            bases = [("official", published)] + ([("confirmed", corrected)] if has_confirmed else [])
            for basis, totals in bases:
                deltas, severity = crosscheck.compare_tabulation(copy, totals, rules)
                if not deltas:
                    continue
                key = f"{crosscheck.Kind.TABULATION}:{basis}:{summary.pk}"
                produced.add(key)
                Discrepancy.objects.update_or_create(
                    election=election, station=None, key=key,
                    defaults={"commission_id": commission_id, "kind": crosscheck.Kind.TABULATION,
                              "severity": severity, "severity_rank": crosscheck.SEVERITY_ORDER[severity],
                              "deltas": deltas, "detail": [{"basis": basis}], "commission_protocol": summary})
        _withdraw(Discrepancy.objects.filter(election=election, commission_id=commission_id,
                                             kind=crosscheck.Kind.TABULATION).exclude(key__in=produced))
        summaries.update(checked_at=timezone.now())
    return len(produced)


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
