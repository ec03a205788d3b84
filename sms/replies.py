"""The words of the replies, in the observer's language (the caller activates it)."""

from django.utils.translation import gettext as _

FORMATS = "IN 101 | P 101 1 1500 2 1200 | I 101 3 text"


def error_text(code, details):
    """What is wrong with a message, said exactly, with the format to use."""
    d = details
    texts = {
        "empty": lambda: _("Empty message."),
        "too_long": lambda: _("Message too long."),
        "unknown_command": lambda: _("Unknown command “%(word)s”.") % d,
        "bad_station": lambda: _("“%(station)s” is not a station number.") % d,
        "check_in_extra": lambda: _("Unexpected text after the station: “%(extra)s”.") % d,
        "no_figures": lambda: _("No figures: write line number then figure.") % d,
        "bad_pair": lambda: _("“%(token)s” is not line:figure.") % d,
        "bad_line": lambda: _("“%(line)s” is not a line number.") % d,
        "bad_figure": lambda: _("Line %(line)s: “%(figure)s” is not a whole number.") % d,
        "figure_too_large": lambda: _("Line %(line)s: %(figure)s is too large.") % d,
        "duplicate_line": lambda: _("Line %(line)s is given twice.") % d,
        "no_category": lambda: _("Give the incident category number.") % d,
        "no_incident_text": lambda: _("Describe the incident after its category number.") % d,
        "unknown_lines": lambda: _("The protocol has no line %(lines)s.") % {"lines": ", ".join(d["lines"])},
        "unknown_category": lambda: _("No incident category %(category)s.") % d,
        "no_deployment": lambda: _("You are not deployed at any station now."),
        "which_station": lambda: _("You are deployed at %(stations)s: give the station number.")
        % {"stations": ", ".join(d["stations"])},
        "not_your_station": lambda: _("You are not deployed at station %(station)s.") % d,
        "incomplete_parts": lambda: _("Part %(number)s of %(total)s received; waiting for the rest.") % d,
        "refused": lambda: _("Not recorded: %(reason)s") % d,
    }
    text = texts.get(code, lambda: _("Message not understood."))()
    if code in ("incomplete_parts", "refused", "no_deployment", "not_your_station", "which_station"):
        return text
    return f"{text} {_('Formats:')} {FORMATS}"


def checked_in(station, kind):
    if kind == "out":
        return _("Checked out of station %(station)s.") % {"station": station}
    return _("Checked in at station %(station)s.") % {"station": station}


def protocol_received(station, version, figures, warnings):
    figures_text = " ".join(f"{number}={value}" for number, value in figures)
    text = _("Protocol of station %(station)s received (version %(version)s): %(figures)s.") % {
        "station": station, "version": version, "figures": figures_text}
    if warnings:
        text += " " + _("Check: %(relations)s. Send it again corrected if you mistyped.") % {
            "relations": "; ".join(warnings)}
    return text


def incident_recorded(station, category, number):
    return _("Incident %(number)s at station %(station)s recorded: %(category)s.") % {
        "number": number, "station": station, "category": category}
