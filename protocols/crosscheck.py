"""The cross-check: what is wrong with one station's protocols (domain.md §2).

Pure: no Django. It takes the station's inputs (the observers' latest copies, the official
versions, what is overdue) and the election's rules, and returns the flags that should exist.
The caller stores them idempotently by their `key`, so running the check twice changes nothing.

Deltas are always `other - base`: for a mismatch, official minus observer.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from elections import relations as relation_engine


class Kind:
    MISMATCH = "mismatch"
    INCONSISTENT = "inconsistent"
    OBSERVERS_DISAGREE = "observers_disagree"
    OFFICIAL_CHANGED = "official_changed"
    MISSING_OFFICIAL = "missing_official"
    MISSING_COPY = "missing_copy"
    TABULATION = "tabulation"


class Severity:
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


SEVERITY_ORDER = {Severity.MINOR: 0, Severity.MAJOR: 1, Severity.CRITICAL: 2}
VOTE_CATEGORIES = frozenset({"votes", "against_all"})


@dataclass(frozen=True)
class Line:
    code: str
    category: str


@dataclass(frozen=True)
class Rules:
    """An election's protocol lines, control relations and alert level, as plain data."""

    lines: tuple
    relations: tuple = ()  # (label, parsed Relation, tolerance)
    share_change_alert: float = 1.0  # percentage points

    def codes(self, category):
        return [line.code for line in self.lines if line.category == category]

    @property
    def category_of(self):
        return {line.code: line.category for line in self.lines}


@dataclass(slots=True)
class Copy:
    """One set of figures and where it comes from, e.g. ("observer", 17) or ("official", 5)."""

    source: str
    id: int
    figures: Mapping
    author: int | None = None  # the observer, for observer copies


@dataclass(slots=True)
class StationInputs:
    observer_copies: tuple = ()  # the latest copy of each observer
    official: Copy | None = None  # the latest official version
    previous_official: Copy | None = None
    results_overdue: bool = False
    observers_checked_in: tuple = ()  # observer IDs who checked in at the station


@dataclass(frozen=True)
class Flag:
    key: str
    kind: str
    severity: str
    deltas: dict = field(default_factory=dict)  # code -> [base, other, other - base]
    sources: dict = field(default_factory=dict)  # role -> (source, id)
    detail: list = field(default_factory=list)  # e.g. the broken relations


# --- Comparing two sets of figures ----------------------------------------------------------


def line_deltas(base: Mapping, other: Mapping, codes) -> dict:
    """Lines filled in on both sides that differ. A blank line is not evidence of a difference."""
    if base == other:
        return {}
    deltas = {}
    for code in codes:
        a, b = base.get(code), other.get(code)
        if a is not None and b is not None and a != b:
            deltas[code] = [a, b, b - a]
    return deltas


def turnout(figures: Mapping, rules: Rules):
    """Ballots issued as a percentage of the voters on the list, or None if not computable."""
    registered = sum(figures.get(code) or 0 for code in rules.codes("registered"))
    issued = [figures.get(code) for code in rules.codes("issued")]
    if registered <= 0 or not issued or any(value is None for value in issued):
        return None
    return 100.0 * sum(issued) / registered


def leader_share(figures: Mapping, rules: Rules, leader=None):
    """The share (percent) of `leader` (by default the contestant with most votes) among votes."""
    votes = {code: figures.get(code) for code in rules.codes("votes")}
    if not votes or any(value is None for value in votes.values()):
        return None, None
    total = sum(votes.values())
    if total <= 0:
        return None, None
    leader = leader or max(sorted(votes), key=lambda code: votes[code])
    return leader, 100.0 * votes[leader] / total


def severity_of(deltas: Mapping, base: Mapping, other: Mapping, rules: Rules) -> str:
    """Critical when votes moved or turnout/the leader's share moved past the alert level;
    minor when only bookkeeping lines differ; major otherwise."""
    category_of = rules.category_of
    categories = {category_of.get(code, "bookkeeping") for code in deltas}
    if categories & VOTE_CATEGORIES:
        return Severity.CRITICAL
    if _moves_past_alert(turnout(base, rules), turnout(other, rules), rules):
        return Severity.CRITICAL
    leader, base_share = leader_share(base, rules)
    _leader, other_share = leader_share(other, rules, leader)
    if _moves_past_alert(base_share, other_share, rules):
        return Severity.CRITICAL
    if categories <= {"bookkeeping"}:
        return Severity.MINOR
    return Severity.MAJOR


def _moves_past_alert(before, after, rules):
    return before is not None and after is not None and abs(after - before) > rules.share_change_alert


def compare(base: Copy, other: Copy, rules: Rules):
    """(deltas, severity) of `other` against `base`, or (None, None) when they agree."""
    deltas = line_deltas(base.figures, other.figures, [line.code for line in rules.lines])
    if not deltas:
        return None, None
    return deltas, severity_of(deltas, base.figures, other.figures, rules)


# --- One station ----------------------------------------------------------------------------


def broken_relations(copy: Copy, rules: Rules) -> list:
    broken = []
    for label, relation, tolerance in rules.relations:
        outcome = relation_engine.evaluate(relation, copy.figures, tolerance)
        if outcome.verdict is relation_engine.Verdict.BROKEN:
            broken.append(_broken(label, outcome))
    return broken


def _broken(label, outcome):
    return {"relation": label, "left": outcome.left, "right": outcome.right, "difference": outcome.difference}


def check_stations(inputs_by_station: Mapping, rules: Rules) -> dict:
    """`check_station` for many stations, with the control relations of all their copies evaluated
    in one pass over a table of figures (the per-copy loop dominated a national re-check).

    Copies that share one figures object (most observer copies share the official version's)
    are evaluated once.
    """
    rows, row_of = [], {}  # id() is stable here: `inputs_by_station` keeps every figures object alive
    for inputs in inputs_by_station.values():
        for copy in (*inputs.observer_copies, *((inputs.official,) if inputs.official else ())):
            if id(copy.figures) not in row_of:
                row_of[id(copy.figures)] = len(rows)
                rows.append(copy.figures)
    broken = [[] for _row in rows]
    pairs = [(relation, tolerance) for _label, relation, tolerance in rules.relations]
    for row, position in relation_engine.broken_in_many(pairs, rows):
        label, relation, tolerance = rules.relations[position]
        broken[row].append(_broken(label, relation_engine.evaluate(relation, rows[row], tolerance)))
    return {station: check_station(inputs, rules, lambda copy: broken[row_of[id(copy.figures)]])
            for station, inputs in inputs_by_station.items()}


def check_station(inputs: StationInputs, rules: Rules, broken_of=None) -> list:
    """Every flag this station's inputs call for, each with a stable key.

    `broken_of(copy)` gives a copy's broken relations when they were worked out beforehand
    (`check_stations` does it for many stations at once); by default they are evaluated here.
    """
    broken_of = broken_of or (lambda copy: broken_relations(copy, rules))
    flags = []
    official = inputs.official
    copies = sorted(inputs.observer_copies, key=lambda copy: copy.id)
    for copy in copies + ([official] if official else []):
        broken = broken_of(copy)
        if broken:
            flags.append(Flag(key=f"{Kind.INCONSISTENT}:{copy.source}:{copy.id}", kind=Kind.INCONSISTENT,
                              severity=Severity.MAJOR, sources={copy.source: (copy.source, copy.id)}, detail=broken))
    if official:
        for copy in copies:
            deltas, severity = compare(copy, official, rules)
            if deltas:
                flags.append(Flag(key=f"{Kind.MISMATCH}:{copy.id}:{official.id}", kind=Kind.MISMATCH,
                                  severity=severity, deltas=deltas,
                                  sources={"observer": (copy.source, copy.id), "official": (official.source, official.id)}))
    for index, first in enumerate(copies):
        for second in copies[index + 1:]:
            deltas, severity = compare(first, second, rules)
            if deltas:
                flags.append(Flag(key=f"{Kind.OBSERVERS_DISAGREE}:{first.id}:{second.id}",
                                  kind=Kind.OBSERVERS_DISAGREE, severity=severity, deltas=deltas,
                                  sources={"observer": (first.source, first.id), "other": (second.source, second.id)}))
    if official and inputs.previous_official:
        deltas, _severity = compare(inputs.previous_official, official, rules)
        if deltas:
            # A published figure that changes afterwards is always worth a reviewer's eyes.
            flags.append(Flag(key=f"{Kind.OFFICIAL_CHANGED}:{inputs.previous_official.id}:{official.id}",
                              kind=Kind.OFFICIAL_CHANGED, severity=Severity.CRITICAL, deltas=deltas,
                              sources={"official": (official.source, official.id),
                                       "previous": (inputs.previous_official.source, inputs.previous_official.id)}))
    if inputs.results_overdue:
        covered = bool(copies) or bool(inputs.observers_checked_in)
        if official is None and covered:
            flags.append(Flag(key=Kind.MISSING_OFFICIAL, kind=Kind.MISSING_OFFICIAL, severity=Severity.MAJOR))
        authors = {copy.author for copy in copies}
        for observer in sorted(set(inputs.observers_checked_in) - authors):
            flags.append(Flag(key=f"{Kind.MISSING_COPY}:{observer}", kind=Kind.MISSING_COPY,
                              severity=Severity.MINOR, detail=[{"observer": observer}]))
    return flags


def compare_tabulation(summary: Copy, station_totals: Mapping, rules: Rules):
    """A territorial commission's summary protocol against the sum of its stations' figures."""
    base = Copy("stations", 0, station_totals)
    return compare(base, summary, rules)
