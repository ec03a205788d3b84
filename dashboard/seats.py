"""Turning votes into seats (domain.md §3; seed paper, Table 2 and recommendations 3-7).

Observers recompute the seat allocation from the published votes to check the official one and to
show what another method, threshold or district map would have given. Every quotient, quota and
remainder is an exact `Fraction`: a float can turn a real tie into a false winner, or the reverse.

Lists take part only if they reach the threshold, a share of a base the caller chooses: the valid
votes of all lists (the default) or all votes cast (passed in explicitly, since invalid ballots are
not in `votes`). A list needs at least the threshold ("not less than 5%") and at least one vote.

Ties, wherever they decide a seat: the list with the larger vote total first, then a lot drawn with
`random.Random(seed)`, so the same seed re-runs the same draw. Every lot is recorded with the lists
it was drawn between. A tie that decides nothing (both lists get the seat anyway) draws no lot.
Where the law settles ties by another order (the list registered earlier, say), `tie_order` gives
it: the lists in that order, the earlier winning; no lot is drawn.

Kazakhstan's CEC takes the 5% threshold of the votes for the lists plus the votes "against all"
(`threshold_base` = their sum) and gives its shares of that sum (`shares`).
"""

from __future__ import annotations

import operator
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import floor
from numbers import Integral


class Formula(StrEnum):
    DHONDT = "dhondt"
    SAINTE_LAGUE = "sainte_lague"
    HARE = "hare"
    HAGENBACH_BISCHOFF = "hagenbach_bischoff"


HIGHEST_AVERAGES = frozenset({Formula.DHONDT, Formula.SAINTE_LAGUE})


@dataclass(frozen=True)
class Method:
    """A seat-allocation method: its formula and, for Sainte-Laguë, the divisor of the first seat.

    The modified Sainte-Laguë method raises the first divisor (7/5 in Norway, 6/5 in Sweden) so that
    a small list pays more for its first seat. Give it as a `Fraction` (or an int or a decimal
    string such as "1.4"), never as a float.
    """

    formula: Formula
    first_divisor: Fraction = Fraction(1)

    def __post_init__(self):
        if isinstance(self.first_divisor, float):
            raise TypeError('give the first divisor exactly, e.g. Fraction(7, 5) or "1.4", not a float')
        first_divisor = Fraction(self.first_divisor)
        if first_divisor <= 0:
            raise ValueError("the first divisor must be positive")
        if first_divisor != 1 and self.formula != Formula.SAINTE_LAGUE:
            raise ValueError("only Sainte-Laguë has a configurable first divisor")
        object.__setattr__(self, "formula", Formula(self.formula))
        object.__setattr__(self, "first_divisor", first_divisor)

    @property
    def label(self) -> str:
        if self.formula == Formula.SAINTE_LAGUE and self.first_divisor != 1:
            return f"Sainte-Laguë, first divisor {float(self.first_divisor):g}"
        return LABELS[self.formula]

    def divisor(self, seats_won: int) -> Fraction:
        """The divisor of a list's next seat: s + 1 (D'Hondt) or 2s + 1 (Sainte-Laguë)."""
        if self.formula == Formula.DHONDT:
            return Fraction(seats_won + 1)
        if seats_won == 0:
            return self.first_divisor
        return Fraction(2 * seats_won + 1)


LABELS = {
    Formula.DHONDT: "D'Hondt",
    Formula.SAINTE_LAGUE: "Sainte-Laguë",
    Formula.HARE: "Largest remainder, Hare quota",
    Formula.HAGENBACH_BISCHOFF: "Largest remainder, Hagenbach-Bischoff quota",
}

DHONDT = Method(Formula.DHONDT)
SAINTE_LAGUE = Method(Formula.SAINTE_LAGUE)
SAINTE_LAGUE_NORWAY = Method(Formula.SAINTE_LAGUE, Fraction(7, 5))
SAINTE_LAGUE_SWEDEN = Method(Formula.SAINTE_LAGUE, Fraction(6, 5))
HARE = Method(Formula.HARE)
HAGENBACH_BISCHOFF = Method(Formula.HAGENBACH_BISCHOFF)
METHODS = (DHONDT, SAINTE_LAGUE, SAINTE_LAGUE_NORWAY, SAINTE_LAGUE_SWEDEN, HARE, HAGENBACH_BISCHOFF)


def modified_sainte_lague(first_divisor: Fraction | int | str) -> Method:
    return Method(Formula.SAINTE_LAGUE, first_divisor)


@dataclass(frozen=True)
class Lot:
    """A tie that the vote totals could not break, settled by the seeded draw."""

    between: tuple[str, ...]
    drawn: tuple[str, ...]
    prize: str


@dataclass(frozen=True)
class Allocation:
    """Seats per list (every list given, 0 for the rest) and how they were reached."""

    method: Method
    seats: dict[str, int]
    qualifying: tuple[str, ...]
    threshold_votes: Fraction
    quota: Fraction | None = None
    remainders: dict[str, Fraction] | None = None
    lots: tuple[Lot, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.seats.values())


@dataclass(frozen=True)
class DistrictAllocation:
    """Seats per district and nationally, the threshold having been applied to national totals."""

    method: Method
    national_votes: dict[str, int]
    qualifying: tuple[str, ...]
    threshold_votes: Fraction
    districts: dict[str, Allocation]
    seats: dict[str, int]
    lots: tuple[Lot, ...]


@dataclass(frozen=True)
class SingleSeatResult:
    winner: str
    votes: dict[str, int]
    lots: tuple[Lot, ...] = ()


@dataclass(frozen=True)
class TwoRoundResult:
    """Either a winner in round one, or the two candidates who go to the run-off."""

    winner: str | None
    runoff: tuple[str, ...]
    participants: int
    votes: dict[str, int]
    lots: tuple[Lot, ...] = ()


# --- Threshold -----------------------------------------------------------------------------------


def threshold_votes(votes: Mapping[str, int], threshold: Fraction, threshold_base: int | None = None) -> Fraction:
    """The votes a list needs: the threshold share of the base (valid votes unless given)."""
    if isinstance(threshold, float):
        raise TypeError('give the threshold exactly, e.g. Fraction(5, 100) or Fraction("0.05"), not a float')
    threshold = Fraction(threshold)
    if not 0 <= threshold <= 1:
        raise ValueError("the threshold is a share between 0 and 1")
    valid = sum(votes.values())
    base = valid if threshold_base is None else threshold_base
    if base < valid:
        raise ValueError(f"the threshold base ({base}) is smaller than the votes of the lists ({valid})")
    return threshold * base


def qualifying_lists(votes: Mapping[str, int], needed: Fraction) -> tuple[str, ...]:
    return tuple(name for name, count in votes.items() if count > 0 and count >= needed)


# --- One district --------------------------------------------------------------------------------


class _OrderedTies(random.Random):
    """The draw's generator, carrying the order that settles ties instead of a lot."""

    def __init__(self, seed, order):
        super().__init__(seed)
        self.order = {name: index for index, name in enumerate(order)}


def _tie_breaker(seed, tie_order):
    return random.Random(seed) if tie_order is None else _OrderedTies(seed, tie_order)


def shares(votes: Mapping[str, int], base: int) -> dict[str, Fraction]:
    """Each list's share of `base` (e.g. the lists' votes plus "against all", as Kazakhstan's CEC gives them)."""
    if base <= 0:
        return dict.fromkeys(votes, Fraction(0))
    return {name: Fraction(count, base) for name, count in votes.items()}


def allocate(
    votes: Mapping[str, int],
    seats: int,
    method: Method,
    *,
    threshold: Fraction = Fraction(0),
    threshold_base: int | None = None,
    seed: int = 0,
    tie_order: Sequence[str] | None = None,
) -> Allocation:
    """Allocate `seats` among the lists of one district (or one national district)."""
    votes = _as_votes(votes)
    needed = threshold_votes(votes, threshold, threshold_base)
    return _allocate(votes, seats, method, qualifying_lists(votes, needed), needed, _tie_breaker(seed, tie_order))


def compare_methods(
    votes: Mapping[str, int],
    seats: int,
    methods: Iterable[Method] = METHODS,
    *,
    threshold: Fraction = Fraction(0),
    threshold_base: int | None = None,
    seed: int = 0,
    tie_order: Sequence[str] | None = None,
) -> dict[Method, Allocation]:
    """The same votes under every method, side by side; each as `allocate` alone would give it."""
    return {
        method: allocate(votes, seats, method, threshold=threshold, threshold_base=threshold_base, seed=seed,
                         tie_order=tie_order)
        for method in methods
    }


def _allocate(
    votes: Mapping[str, int],
    seats: int,
    method: Method,
    qualifying: Sequence[str],
    needed: Fraction,
    rng: random.Random,
) -> Allocation:
    seats = operator.index(seats)
    if seats < 1:
        raise ValueError("a district elects at least one seat")
    lots: list[Lot] = []
    contesting = {name: votes[name] for name in qualifying if votes.get(name, 0) > 0}
    quota = remainders = None
    if not contesting:
        won = {}
    elif method.formula in HIGHEST_AVERAGES:
        won = _highest_averages(contesting, seats, method, rng, lots)
    else:
        quota = _quota(method, sum(contesting.values()), seats)
        won, remainders = _largest_remainders(contesting, seats, quota, rng, lots)
    return Allocation(
        method=method,
        seats={name: won.get(name, 0) for name in votes},
        qualifying=tuple(qualifying),
        threshold_votes=needed,
        quota=quota,
        remainders=remainders,
        lots=tuple(lots),
    )


def _highest_averages(votes, seats, method, rng, lots) -> dict[str, int]:
    """Seats one at a time to the highest average v / divisor(seats won so far).

    Lists tied on the highest average all get a seat, unless fewer seats are left than lists tied:
    only then do the vote totals, and failing them a lot, decide.
    """
    won = dict.fromkeys(votes, 0)
    left = seats
    while left:
        average = {name: Fraction(count) / method.divisor(won[name]) for name, count in votes.items()}
        highest = max(average.values())
        tied = [name for name in votes if average[name] == highest]
        for name in _break_tie(tied, left, votes, rng, lots, prize="a seat"):
            won[name] += 1
        left -= min(left, len(tied))
    return won


def _quota(method: Method, valid: int, seats: int) -> Fraction:
    """Hare: V / S. Hagenbach-Bischoff (as in Slovakia): V / (S + 1), exact, not rounded."""
    if method.formula == Formula.HARE:
        return Fraction(valid, seats)
    return Fraction(valid, seats + 1)


def _largest_remainders(votes, seats, quota, rng, lots) -> tuple[dict[str, int], dict[str, Fraction]]:
    """floor(v / q) seats each, then the seats left to the largest remainders (in votes).

    The Hagenbach-Bischoff quota can hand out S + 1 seats (only when every remainder is zero, since
    the v / q add up to exactly S + 1): one is then taken back from the smallest remainder.
    """
    won = {name: floor(count / quota) for name, count in votes.items()}
    remainders = {name: count - won[name] * quota for name, count in votes.items()}
    left = seats - sum(won.values())
    if left < 0:
        won[_take_back(won, remainders, votes, rng, lots)] -= 1
        return won, remainders
    for name in _highest(remainders, left, votes, rng, lots, prize="a remainder seat"):
        won[name] += 1
    return won, remainders


def _take_back(won, remainders, votes, rng, lots) -> str:
    """The list that gives back the over-allocated seat: smallest remainder, then fewest votes, then lot."""
    holders = [name for name in won if won[name] > 0]
    smallest = min(remainders[name] for name in holders)
    tied = [name for name in holders if remainders[name] == smallest]
    (loser,) = _break_tie(tied, 1, votes, rng, lots, prize="gives back the over-allocated seat", fewest_first=True)
    return loser


# --- Several districts ---------------------------------------------------------------------------


def allocate_districts(
    district_votes: Mapping[str, Mapping[str, int]],
    district_seats: Mapping[str, int],
    method: Method,
    *,
    threshold: Fraction = Fraction(0),
    threshold_base: int | None = None,
    seed: int = 0,
    tie_order: Sequence[str] | None = None,
) -> DistrictAllocation:
    """Allocate each district's seats among the lists that passed the threshold nationally.

    `threshold_base`, if given, is the national base (all votes cast in the country). One seeded
    draw serves all districts, taken in the sorted order of their names, so a re-run repeats it.
    """
    if set(district_votes) != set(district_seats):
        raise ValueError("every district needs both its votes and its number of seats")
    district_votes = {district: _as_votes(votes) for district, votes in district_votes.items()}
    national = _national_totals(district_votes.values())
    needed = threshold_votes(national, threshold, threshold_base)
    qualifying = qualifying_lists(national, needed)
    rng = _tie_breaker(seed, tie_order)
    districts = {
        district: _allocate(
            {name: district_votes[district].get(name, 0) for name in national},
            district_seats[district],
            method,
            qualifying,
            needed,
            rng,
        )
        for district in sorted(district_seats)
    }
    seats = {name: sum(result.seats[name] for result in districts.values()) for name in national}
    return DistrictAllocation(
        method=method,
        national_votes=national,
        qualifying=qualifying,
        threshold_votes=needed,
        districts=districts,
        seats=seats,
        lots=tuple(lot for result in districts.values() for lot in result.lots),
    )


@dataclass(frozen=True)
class Projection:
    """The same votes under every method: the national totals of each list, and per method the
    seats of one national district (an Allocation) or of every district (a DistrictAllocation)."""

    national: dict[str, int]
    allocations: dict[Method, Allocation | DistrictAllocation]
    by_district: bool


def project(
    district_votes: Mapping[str, Mapping[str, int]],
    lists: Iterable[str],
    seats_each: int,
    *,
    by_district: bool = False,
    threshold: Fraction = Fraction(0),
    threshold_base: int | None = None,
    methods: Iterable[Method] = METHODS,
    seed: int = 0,
    tie_order: Sequence[str] | None = None,
) -> Projection:
    """Project seats from the votes of each district (a region, say) for `lists`, in their order.

    One national district of `seats_each` seats, the districts' votes added up; or, `by_district`,
    `seats_each` seats in every district with the threshold applied to national totals. Raises
    ValueError where `allocate` does (a threshold base smaller than the lists' votes).
    """
    national = {name: sum(votes.get(name, 0) for votes in district_votes.values()) for name in lists}
    if by_district:
        allocations = {method: allocate_districts(district_votes, dict.fromkeys(district_votes, seats_each), method,
                                                  threshold=threshold, threshold_base=threshold_base, seed=seed,
                                                  tie_order=tie_order)
                       for method in methods}
    else:
        allocations = compare_methods(national, seats_each, methods, threshold=threshold,
                                      threshold_base=threshold_base, seed=seed, tie_order=tie_order)
    return Projection(national=national, allocations=allocations, by_district=by_district)


def _national_totals(districts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for votes in districts:
        for name, count in votes.items():
            totals[name] = totals.get(name, 0) + count
    return totals


# --- Single-seat elections -----------------------------------------------------------------------


def fptp(votes: Mapping[str, int], *, seed: int = 0) -> SingleSeatResult:
    """First past the post (maslikhats, municipal akims): the most votes wins the single seat."""
    votes = _as_candidate_votes(votes)
    lots: list[Lot] = []
    (winner,) = _highest(votes, 1, votes, random.Random(seed), lots, prize="the seat")
    return SingleSeatResult(winner=winner, votes=dict(votes), lots=tuple(lots))


def two_round(votes: Mapping[str, int], participants: int, *, seed: int = 0) -> TwoRoundResult:
    """Round one of a two-round election (akims of cities of republican significance).

    A candidate with more than half of the votes of those who took part wins; `participants`
    counts them all, invalid ballots included, so it is at least the sum of `votes`. Otherwise the
    two candidates with the most votes go to a run-off.
    """
    votes = _as_candidate_votes(votes)
    if participants < sum(votes.values()):
        raise ValueError("fewer participants than votes for the candidates")
    lots: list[Lot] = []
    majority = [name for name, count in votes.items() if 2 * count > participants]
    if majority:
        return TwoRoundResult(winner=majority[0], runoff=(), participants=participants, votes=dict(votes))
    top_two = _highest(votes, 2, votes, random.Random(seed), lots, prize="a run-off place")
    runoff = tuple(sorted(top_two, key=lambda name: -votes[name]))
    return TwoRoundResult(winner=None, runoff=runoff, participants=participants, votes=dict(votes), lots=tuple(lots))


def single_seat_outcomes(scopes: Iterable[tuple[str, Mapping[str, int], int]], *, fptp_race: bool) -> list[dict]:
    """The single-seat outcome of each scope (the country in scope, or each region): its winner or
    its run-off, and every candidate with their share, most votes first.

    `scopes` are (name, votes by candidate, participants: ballots cast, invalid ones included).
    A first-past-the-post share is of the candidates' votes (the most votes wins); a two-round
    share is of those who took part, since more than half of them wins round one.
    """
    outcomes = []
    for scope, votes, participants in scopes:
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        candidates_votes = sum(votes.values())
        if fptp_race:
            result = fptp(votes)
            outcome = {"winner": result.winner, "runoff": (), "lots": result.lots}
            base = candidates_votes
        else:
            base = max(participants, candidates_votes)
            result = two_round(votes, base)
            outcome = {"winner": result.winner, "runoff": result.runoff, "lots": result.lots}
        outcomes.append({"scope": scope, **outcome, "participants": participants,
                         "ranked": [{"name": name, "votes": count, "share": 100 * count / (base or 1)}
                                    for name, count in ranked]})
    return outcomes


# --- Ties ----------------------------------------------------------------------------------------


def _highest(ranking: Mapping[str, Fraction | int], places: int, votes, rng, lots, *, prize: str) -> list[str]:
    """The `places` names ranked highest; a tie at the last place goes to `_break_tie`."""
    chosen: list[str] = []
    for value in sorted(set(ranking.values()), reverse=True):
        room = places - len(chosen)
        if room <= 0:
            break
        tied = [name for name in ranking if ranking[name] == value]
        chosen += _break_tie(tied, room, votes, rng, lots, prize=prize)
    return chosen


def _break_tie(tied, places, votes, rng, lots, *, prize: str, fewest_first: bool = False) -> list[str]:
    """Pick `places` of the tied lists: larger vote total first (fewest first when giving back), then by lot.

    The lot samples from the names in sorted order, so the draw depends on the seed alone.
    """
    if places >= len(tied):
        return list(tied)
    order = getattr(rng, "order", None)
    if order is not None:  # the law's order (e.g. registered earlier): no lot
        ranked = sorted(tied, key=lambda name: (order.get(name, len(order)), name))
        return ranked[len(ranked) - places:] if fewest_first else ranked[:places]
    chosen: list[str] = []
    for total in sorted({votes[name] for name in tied}, reverse=not fewest_first):
        room = places - len(chosen)
        if room <= 0:
            break
        group = sorted(name for name in tied if votes[name] == total)
        if len(group) <= room:
            chosen += group
            continue
        drawn = sorted(rng.sample(group, room))
        lots.append(Lot(between=tuple(group), drawn=tuple(drawn), prize=prize))
        chosen += drawn
    return chosen


# --- Checks --------------------------------------------------------------------------------------


def _as_votes(votes: Mapping[str, int]) -> dict[str, int]:
    """The votes as plain ints (numpy integers would turn v / q into a float)."""
    for name, count in votes.items():
        if isinstance(count, bool) or not isinstance(count, Integral) or count < 0:
            raise ValueError(f"votes of {name!r} must be a non-negative whole number, not {count!r}")
    return {name: int(count) for name, count in votes.items()}


def _as_candidate_votes(votes: Mapping[str, int]) -> dict[str, int]:
    if not votes:
        raise ValueError("no candidates")
    return _as_votes(votes)
