"""The cross-check rules, as plain Python: no database."""

from hypothesis import given
from hypothesis import strategies as st

from elections import relations
from protocols import crosscheck
from protocols.crosscheck import Copy, Kind, Rules, Severity, StationInputs

LINES = (("L1", "registered"), ("L2", "bookkeeping"), ("L3", "issued"), ("L4", "cast"), ("L5", "bookkeeping"),
         ("L6", "bookkeeping"), ("L7", "invalid"), ("L8.1", "votes"), ("L8.2", "votes"), ("L8.3", "votes"),
         ("L9", "against_all"))
KZ_RELATIONS = ("L2 == L3 + L5 + L6", "L3 <= L1", "L4 <= L3", "L4 == L7 + sum(L8.*) + L9")
RULES = Rules(lines=tuple(crosscheck.Line(code, category) for code, category in LINES),
              relations=tuple((text, relations.parse_relation(text), 0) for text in KZ_RELATIONS),
              share_change_alert=1.0)
PROTOCOL = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
            "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}


def observer(figures, pk=1, author=10):
    return Copy("observer", pk, figures, author)


def official(figures, pk=100):
    return Copy("official", pk, figures)


def test_identical_copies_raise_no_flag():
    assert crosscheck.check_station(StationInputs((observer(PROTOCOL),), official(PROTOCOL)), RULES) == []


def test_votes_moved_between_parties_is_critical_with_official_minus_observer():
    published = {**PROTOCOL, "L8.1": 560, "L8.2": 240}
    [flag] = crosscheck.check_station(StationInputs((observer(PROTOCOL),), official(published)), RULES)
    assert flag.kind == Kind.MISMATCH and flag.severity == Severity.CRITICAL
    assert flag.deltas == {"L8.1": [500, 560, 60], "L8.2": [300, 240, -60]}
    assert flag.key == "mismatch:1:100"


def test_a_difference_in_cancelled_ballots_only_is_minor():
    published = {**PROTOCOL, "L6": 290, "L2": 1193}
    [flag] = crosscheck.check_station(StationInputs((observer(PROTOCOL),), official(published)), RULES)
    assert flag.severity == Severity.MINOR and set(flag.deltas) == {"L2", "L6"}


def test_turnout_moved_past_the_alert_level_is_critical_small_move_is_major():
    inflated = {**PROTOCOL, "L3": 930, "L6": 267}  # +30 issued: turnout +2 points
    assert crosscheck.compare(observer(PROTOCOL), official(inflated), RULES)[1] == Severity.CRITICAL
    nudged = {**PROTOCOL, "L3": 905, "L6": 292}  # +5 issued: turnout +0.33 points
    assert crosscheck.compare(observer(PROTOCOL), official(nudged), RULES)[1] == Severity.MAJOR


def test_a_copy_that_breaks_a_relation_is_accepted_and_flagged():
    typo = {**PROTOCOL, "L8.1": 5000}
    flags = crosscheck.check_station(StationInputs((observer(typo),)), RULES)
    assert [flag.kind for flag in flags] == [Kind.INCONSISTENT]
    assert flags[0].detail[0]["relation"] == "L4 == L7 + sum(L8.*) + L9"
    assert flags[0].detail[0]["difference"] == 890 - (10 + 5370 + 10)


def test_two_observers_who_disagree_are_flagged_once():
    other = {**PROTOCOL, "L8.3": 71, "L8.2": 299}
    flags = crosscheck.check_station(StationInputs((observer(PROTOCOL, 1), observer(other, 2, author=11))), RULES)
    assert [(flag.kind, flag.key) for flag in flags] == [(Kind.OBSERVERS_DISAGREE, "observers_disagree:1:2")]


def test_a_changed_publication_is_critical_even_when_small():
    changed = {**PROTOCOL, "L6": 296, "L2": 1199}
    inputs = StationInputs((), official(changed, pk=101), previous_official=official(PROTOCOL, pk=100))
    [flag] = crosscheck.check_station(inputs, RULES)
    assert flag.kind == Kind.OFFICIAL_CHANGED and flag.severity == Severity.CRITICAL
    assert flag.deltas == {"L2": [1200, 1199, -1], "L6": [297, 296, -1]}


def test_missing_results_and_missing_copies_after_the_deadline():
    inputs = StationInputs((observer(PROTOCOL, author=10),), None, results_overdue=True, observers_checked_in=(10, 11))
    kinds = sorted((flag.kind, flag.key) for flag in crosscheck.check_station(inputs, RULES))
    assert kinds == [(Kind.MISSING_COPY, "missing_copy:11"), (Kind.MISSING_OFFICIAL, "missing_official")]
    before_deadline = StationInputs((observer(PROTOCOL),), None, results_overdue=False, observers_checked_in=(10, 11))
    assert crosscheck.check_station(before_deadline, RULES) == []


def test_a_blank_line_is_not_a_difference():
    partial = {code: value for code, value in PROTOCOL.items() if code != "L5"}
    assert crosscheck.check_station(StationInputs((observer(partial),), official(PROTOCOL)), RULES) == []


def test_tabulation_compares_a_summary_with_the_sum_of_its_stations():
    stations = {code: 2 * value for code, value in PROTOCOL.items()}
    summary = {**stations, "L8.1": stations["L8.1"] + 100, "L8.3": stations["L8.3"] - 100}
    deltas, severity = crosscheck.compare_tabulation(Copy("summary", 1, summary), stations, RULES)
    assert deltas == {"L8.1": [1000, 1100, 100], "L8.3": [140, 40, -100]} and severity == Severity.CRITICAL


figures = st.fixed_dictionaries({code: st.integers(0, 5000) for code, _category in LINES})


@given(figures, figures)
def test_deltas_are_antisymmetric_and_only_on_differing_lines(a, b):
    forward = crosscheck.line_deltas(a, b, [code for code, _ in LINES])
    backward = crosscheck.line_deltas(b, a, [code for code, _ in LINES])
    assert set(forward) == set(backward) == {code for code in a if a[code] != b[code]}
    assert all(forward[code][2] == -backward[code][2] for code in forward)


@given(figures, figures)
def test_the_check_is_deterministic_so_running_it_twice_changes_nothing(a, b):
    inputs = StationInputs((observer(a, 1), observer(b, 2, author=11)), official(b))
    assert crosscheck.check_station(inputs, RULES) == crosscheck.check_station(inputs, RULES)


@given(figures, st.sampled_from(["L8.1", "L8.2", "L8.3", "L9"]), st.integers(1, 500))
def test_any_difference_in_votes_is_critical(a, code, change):
    b = {**a, code: a[code] + change}
    assert crosscheck.compare(observer(a), official(b), RULES)[1] == Severity.CRITICAL


@given(st.lists(st.tuples(figures, figures, st.booleans()), min_size=1, max_size=6))
def test_many_stations_checked_at_once_get_the_flags_each_gets_alone(stations):
    """The batch path (relations evaluated as one table) and the one-station path agree,
    including copies that share the published figures object."""
    inputs_by_station = {}
    for number, (copy, published, shares_official) in enumerate(stations):
        official_copy = official(published, pk=1000 + number)
        observed = official_copy.figures if shares_official else copy
        inputs_by_station[number] = StationInputs((observer(observed, pk=number),), official_copy)
    assert crosscheck.check_stations(inputs_by_station, RULES) == {
        number: crosscheck.check_station(inputs, RULES) for number, inputs in inputs_by_station.items()}
