"""The rules of an election as plain data for the cross-check, and an observer's figures cleaned by them."""


from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from config.parsing import is_whole_number
from elections import selectors as election_selectors

from .. import crosscheck

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


# --- Figures as the rules allow them --------------------------------------------------------


MAX_FIGURE = 10_000_000


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
