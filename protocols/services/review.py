"""Reviewers' decisions on flags."""


from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from observers.models import User

from ..models import Decision, Discrepancy, ElectionCheck, StationCheck
from .checks import _request_tabulation_checks
from .states import STATUS_TRANSITIONS, Status

# --- Reviewers' decisions -----------------------------------------------------------------

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


def latest_check_time(election_id):
    by_station = StationCheck.objects.filter(election_id=election_id).aggregate(latest=Max("checked_at"))["latest"]
    full = ElectionCheck.objects.filter(election_id=election_id).values_list("checked_at", flat=True).first()
    return max((moment for moment in (by_station, full) if moment is not None), default=None)
