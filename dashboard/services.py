"""The dashboard's only writes: forensic reports, computed once per election, import and scope.

A report is keyed by the election's latest official import that added versions and by the scope
of regions (a hash of their sorted IDs): every reviewer sees the country and shares one report;
coordinators of the same regions share theirs. Nothing is computed per user, and a new import
simply makes a new report, so a cached figure can never outlive the results it was computed from.

- The cheap signals (turnout/share fingerprint, digit tests: about a second at 100,000 stations,
  most of it reading the figures) are computed by the first visit and stored with the report.
- The integer-percentage Monte Carlo (1,000 draws: about 20 s at 100,000 stations) is run by a
  worker (dashboard.tasks), enqueued once on commit; the page says "being computed" meanwhile.
"""

import hashlib
from datetime import timedelta

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from config.broker import enqueue as enqueue_safely
from protocols.models import ResultImport

from . import forensics, selectors
from .models import ForensicReport

MONTE_CARLO_DRAWS = 1000
MIN_STATIONS = 10
# A request older than this without a result is taken as lost (a worker died with it) and is
# enqueued again by the next visit; a run takes well under a minute.
REQUEST_EXPIRES = timedelta(minutes=15)
FINGERPRINT_BINS = 100


def latest_import_id(election):
    """The election's newest official import that changed anything (an unchanged re-import adds no
    version and so leaves the reports as they are); None before the first."""
    return (ResultImport.objects.filter(election=election, versions_added__gt=0).order_by("-id")
            .values_list("id", flat=True).first())


def scope_key(region_ids):
    return hashlib.sha256(",".join(str(pk) for pk in sorted(int(pk) for pk in region_ids)).encode()).hexdigest()


def forensic_report(*, election, region_ids):
    """The report of the latest import for these regions: made now if there is none (with its
    signals), and its Monte Carlo enqueued if it is not there yet. None without official results."""
    import_id = latest_import_id(election)
    if import_id is None:
        return None
    scope = scope_key(region_ids)
    report = ForensicReport.objects.filter(election=election, result_import_id=import_id, scope=scope).first()
    if report is None:
        report = _make_report(election, region_ids, import_id, scope)
    if report.integer is None and report.stations >= MIN_STATIONS:
        request_integer_percentages(report)
    return report


def _make_report(election, region_ids, import_id, scope):
    arrays, leader = selectors.official_arrays(election, region_ids)
    report = ForensicReport(election=election, result_import_id=import_id, scope=scope,
                            region_ids=sorted(int(pk) for pk in region_ids), stations=len(arrays["voters"]),
                            leader=leader or "", signals=signals(arrays))
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # another visit made the same report a moment ago: the same figures
        report = ForensicReport.objects.get(election=election, result_import_id=import_id, scope=scope)
    return report


def signals(arrays):
    """The fingerprint and the digit tests, as plain data (empty for fewer than MIN_STATIONS)."""
    if len(arrays["voters"]) < MIN_STATIONS:
        return {}
    turnout, share = forensics.station_shares(arrays["voters"], arrays["given"], arrays["received"], arrays["leader"])
    votes = arrays["votes"]
    last_digits = {}
    for min_count in forensics.LAST_DIGIT_MIN_COUNTS:
        try:
            last_digits[str(min_count)] = _digit_json(forensics.last_digit_test(votes, min_count))
        except ValueError:  # no count that large
            last_digits[str(min_count)] = None
    try:
        second = _digit_json(forensics.second_digit_test(votes))
    except ValueError:
        second = None
    return {"fingerprint": forensics.fingerprint(turnout, share, bins=FINGERPRINT_BINS).astype(int).tolist(),
            "last_digits": last_digits, "second_digits": second, "vote_counts": int(votes.size)}


def _digit_json(test):
    return {"frequencies": [float(value) for value in test.frequencies], "chi2": test.chi2, "p_value": test.p_value,
            "tested": test.tested, "min_count": test.min_count}


def digit_test(data):
    """A stored digit test back as forensics.DigitTest (for the plots)."""
    return forensics.DigitTest(frequencies=np.asarray(data["frequencies"]), chi2=data["chi2"],
                               p_value=data["p_value"], tested=data["tested"], min_count=data["min_count"])


def request_integer_percentages(report, *, now=None):
    """Enqueue the Monte Carlo once: the first visit claims the request, later visits find it
    claimed (until it expires: a lost message is sent again). Sent when the claim commits."""
    from .tasks import integer_percentages_task

    now = now or timezone.now()
    with transaction.atomic():
        claimed = ForensicReport.objects.filter(pk=report.pk, integer__isnull=True).filter(
            Q(requested_at__isnull=True) | Q(requested_at__lt=now - REQUEST_EXPIRES)).update(requested_at=now)
        if claimed:
            transaction.on_commit(lambda: enqueue_safely(integer_percentages_task, report.pk))
    return bool(claimed)


def sweep_unfinished_reports(*, now=None):
    """Send again the Monte Carlo of every current report whose request expired with no result (a
    lost message, a worker that died with it), so a report never waits for someone to revisit the
    page. Reports superseded by a newer import are left alone. Returns how many were sent."""
    now = now or timezone.now()
    newer_import = ResultImport.objects.filter(election_id=OuterRef("election_id"), versions_added__gt=0,
                                               pk__gt=OuterRef("result_import_id"))
    expired = ForensicReport.objects.filter(integer__isnull=True, requested_at__lt=now - REQUEST_EXPIRES).exclude(
        Exists(newer_import))
    return sum(request_integer_percentages(report, now=now) for report in expired)


def compute_integer_percentages(*, report_id):
    """The Monte Carlo of one report, seeded with the election's ID so a re-run repeats it.

    Safe to run twice: a report that has its result, or that a newer import has superseded (the
    next visit asks for the newer one), is left alone. Returns whether it computed.
    """
    report = ForensicReport.objects.select_related("election").filter(pk=report_id).first()
    if report is None or report.integer is not None:
        return False
    if latest_import_id(report.election) != report.result_import_id:
        return False
    arrays, _leader = selectors.official_arrays(report.election, set(report.region_ids))
    result = forensics.integer_percentages(arrays["voters"], arrays["given"], arrays["received"], arrays["leader"],
                                           draws=MONTE_CARLO_DRAWS, seed=report.election_id)
    integer = {field: getattr(result, field) for field in (
        "observed", "expected_mean", "expected_sd", "p999", "excess", "p_value", "included_stations")}
    integer["simulated"] = result.simulated.astype(int).tolist()
    ForensicReport.objects.filter(pk=report_id, integer__isnull=True).update(integer=integer,
                                                                           computed_at=timezone.now())
    return True


def integer_result(report):
    """The stored Monte Carlo back as forensics.IntegerPercentageResult (for the plot); None if not ready."""
    if report.integer is None:
        return None
    data = dict(report.integer)
    return forensics.IntegerPercentageResult(simulated=np.asarray(data.pop("simulated")), **data)
