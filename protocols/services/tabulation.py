"""Tabulation at territorial commissions: summary protocols checked against their stations."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Commission, Election
from observers import services as observer_services

from .. import crosscheck
from ..models import CommissionProtocol, Discrepancy, OfficialVersion
from .checks import send_tabulation_checks
from .rules import _clean_figures, election_rules
from .states import _withdraw

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
