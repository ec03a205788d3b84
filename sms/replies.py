"""The words of the replies, in the observer's language (the caller activates it)."""

from django.utils.translation import gettext as _

FORMATS = "IN 101 | P 101 1 1500 2 1200 | I 101 3 text | C 101 1 1:Y 2:3"


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
        "no_form": lambda: _("Give the checklist's number or code, then the answers."),
        "bad_form": lambda: _("“%(form)s” is not a checklist number or code.") % d,
        "no_answers": lambda: _("No answers: write question number:answer, e.g. 1:Y 2:3.") % d,
        "bad_answer_pair": lambda: _("“%(token)s” is not question:answer.") % d,
        "bad_question": lambda: _("“%(question)s” is not a question number.") % d,
        "duplicate_question": lambda: _("Question %(question)s is answered twice.") % d,
        "bad_answer": lambda: _("Question %(question)s: “%(answer)s” is not an answer (Y/N, a number, 1+3, HH:MM).")
        % d,
        "unknown_form": lambda: _("No checklist “%(form)s”. Your checklists: %(forms)s.") % d,
        "unknown_question": lambda: _("No question %(question)s: the checklist has %(count)s questions.") % d,
        "answer_not_allowed": lambda: _("Question %(question)s takes %(allowed)s.") % d,
        "answer_refused": lambda: _("Question %(question)s: %(reason)s") % d,
        "required_missing": lambda: _("Question %(questions)s needs an answer; nothing was recorded.") % d,
    }
    text = texts.get(code, lambda: _("Message not understood."))()
    if code in ("incomplete_parts", "refused", "no_deployment", "not_your_station", "which_station", "unknown_form",
                "unknown_question", "answer_not_allowed", "answer_refused", "required_missing"):
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


def allowed_answers(question):
    """What a question takes by SMS, said for the reply."""
    kind = question.kind
    if kind == "yes_no":
        return _("Y or N")
    if kind == "single":
        return _("one choice number from 1 to %(count)s") % {"count": len(question.choices)}
    if kind == "multiple":
        return _("choice numbers from 1 to %(count)s, joined by +") % {"count": len(question.choices)}
    if kind == "number":
        return _("a whole number")
    if kind == "time":
        return _("a time as HH:MM")
    return _("an answer in the app, not by SMS")


def checklist_received(station, checklist, stored, payload):
    """(position, question) pairs of the stored answers, with their values in the payload."""
    parts = []
    for position, question in stored:
        value = payload[question.key]
        values = value if isinstance(value, list) else [value]
        if question.kind in ("yes_no", "single", "multiple"):
            values = [question.choice_label(item) for item in values]
        parts.append(f"{position}={'+'.join(str(item) for item in values)}")
    return _("Checklist “%(checklist)s” of station %(station)s received: %(answers)s.") % {
        "checklist": checklist.title()[:40], "station": station, "answers": " ".join(parts) or "-"}
