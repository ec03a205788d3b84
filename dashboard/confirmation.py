"""When an observer's protocol copy counts as *confirmed* for the public transparency page.

Pure: plain figures and flag statuses in, a basis (or None) out; no Django.

A station's latest observer copy (the newest version each observer sent) is published as the NGO's
confirmed figures when no flag about it still waits for a reviewer (``open``) or was judged an
observer's mistake (``observer_error``), and either

- ``agrees``: its figures equal the latest official version's, line for line: two independent
  sources, the commission's publication and the observer's own copy, say the same; or
- ``reviewed``: a reviewer confirmed (``confirmed``) or settled (``resolved``) a flag about it,
  having compared the copy with the photo of the protocol (protocols.models.Decision keeps who,
  when and why).

A copy that differs from the official figures and was never reviewed, or that has no official
version to agree with and no review, is not published: the public page shows only what the NGO
stands behind.
"""

AGREES = "agrees"
REVIEWED = "reviewed"

DISQUALIFYING = frozenset({"open", "observer_error"})
REVIEWED_STATUSES = frozenset({"confirmed", "resolved"})


def differing_lines(figures, official):
    """The line codes whose values differ between two sets of figures (a missing line differs)."""
    if official is None:
        return sorted(figures)
    return sorted(code for code in set(figures) | set(official) if figures.get(code) != official.get(code))


def confirmation_basis(figures, official, flag_statuses):
    """AGREES, REVIEWED or None (not confirmed) for one observer copy.

    figures: the copy's {line code: value}; official: the latest official {line code: value} or
    None; flag_statuses: the statuses of every flag that names this copy.
    """
    statuses = set(flag_statuses)
    if statuses & DISQUALIFYING:
        return None
    if official is not None and not differing_lines(figures, official):
        return AGREES
    if statuses & REVIEWED_STATUSES:
        return REVIEWED
    return None
