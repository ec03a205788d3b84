"""The states of a flag and the one table of their moves."""


from django.utils import timezone

from ..models import Discrepancy

# --- The states of a flag ---------------------------------------------------------------------

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


def _withdraw(flags):
    """Withdraw, in one statement, the flags of a queryset whose cause went away and whose state
    allows it (only open ones: a reviewer's decision stands)."""
    may_withdraw = [old for (old, new), who in STATUS_TRANSITIONS.items()
                    if new == Status.WITHDRAWN and who == "cross-check"]
    return flags.filter(status__in=may_withdraw).update(status=Status.WITHDRAWN, updated_at=timezone.now())
