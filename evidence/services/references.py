"""Evidence for higher apps: the files a user may attach, looked up and checked at once."""


from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Purpose

# --- For higher apps: references ----------------------------------------------------------------


def own_evidence(*, user, ids, purpose, station_id=None, election_id=None):
    """The EvidenceFiles `ids`, each uploaded by `user` for `purpose` and, where the file names a
    station or an election, for this one; else ValidationError on "evidence" naming the refused IDs
    (another user's file and an unknown ID read the same, so nobody learns which IDs exist)."""
    try:
        wanted = sorted({int(pk) for pk in ids})
    except (TypeError, ValueError):
        raise ValidationError({"evidence": _("Evidence IDs are whole numbers.")}) from None
    if not wanted:
        return []
    found = {evidence.pk: evidence
             for evidence in selectors.evidence_visible_to(user).filter(pk__in=wanted, uploaded_by=user)}
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationError({"evidence": _("These files are not among your uploads: %(ids)s.")
                               % {"ids": ", ".join(map(str, unknown))}})
    wrong_purpose = [pk for pk in wanted if found[pk].purpose != purpose]
    if wrong_purpose:
        raise ValidationError({"evidence": _("These files were not sent as “%(purpose)s”: %(ids)s.")
                               % {"purpose": Purpose(purpose).label, "ids": ", ".join(map(str, wrong_purpose))}})
    elsewhere = [pk for pk in wanted
                 if (station_id and found[pk].station_id not in (None, station_id))
                 or (election_id and found[pk].election_id not in (None, election_id))]
    if elsewhere:
        raise ValidationError({"evidence": _("These files were sent for another station or election: %(ids)s.")
                               % {"ids": ", ".join(map(str, elsewhere))}})
    return [found[pk] for pk in wanted]


def evidence_for(ids, user):
    """The EvidenceFiles `ids` if `user` may see every one of them, else ValidationError naming
    the others (missing and forbidden alike, so nobody learns which IDs exist). Incidents,
    protocols and complaints call this before linking evidence to their rows."""
    wanted = {int(pk) for pk in ids}
    found = {evidence.pk: evidence for evidence in selectors.evidence_visible_to(user).filter(pk__in=wanted)}
    missing = sorted(wanted - found.keys())
    if missing:
        raise ValidationError({"evidence": _("Unknown evidence: %(ids)s.") % {"ids": ", ".join(map(str, missing))}})
    return [found[pk] for pk in sorted(wanted)]
