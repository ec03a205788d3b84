"""Parallel vote tabulation (quick count, domain.md §5).

Observers at a random sample of stations report the protocol; from it we estimate each
contestant's share of the valid votes, and turnout, with a margin of error, and compare the
official result with it. An official share outside the margin is a reason to look closer, not a
verdict: the margin assumes the sample really was drawn at random from every station.

Each share is a ratio estimator p = sum(y_i) / sum(x_i), where y_i are the contestant's votes and x_i
the valid votes of sampled station i (for turnout: votes cast and registered voters). Stations are
clusters of voters, so its variance is the cluster-sampling one:

    var(p) = (1 - f) / (n * xbar^2) * sum((y_i - p * x_i)^2) / (n - 1)

with n stations sampled, f = n / N the sampling fraction and xbar the mean of the x_i. The 95%
margin is 1.96 * sqrt(var(p)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from checklists.estimators import stratified_ratio

Z_95 = 1.96


@dataclass(frozen=True)
class SampledStation:
    """One sampled station's protocol: registered voters, votes cast, valid votes, votes per contestant."""

    registered: int
    cast: int
    valid: int
    votes: Mapping[str, int]


@dataclass(frozen=True)
class Estimate:
    share: float
    margin: float

    @property
    def low(self) -> float:
        return self.share - self.margin

    @property
    def high(self) -> float:
        return self.share + self.margin


@dataclass(frozen=True)
class QuickCountResult:
    stations_sampled: int
    population_size: int
    contestants: dict[str, Estimate]
    turnout: Estimate

    @property
    def sampling_fraction(self) -> float:
        return self.stations_sampled / self.population_size


class Comparison(NamedTuple):
    contestant: str
    estimate: float
    margin: float
    official: float
    outside_margin: bool


def estimate(sample_rows: Iterable[SampledStation], population_size: int, contestants: Sequence[str]) -> QuickCountResult:
    """Each contestant's share of the valid votes, and turnout, from the sampled stations.

    `population_size` is N, the number of stations the sample was drawn from.
    """
    rows = list(sample_rows)
    n = len(rows)
    if n < 2:
        raise ValueError("a quick count needs at least two sampled stations to measure its own error")
    if population_size < n:
        raise ValueError(f"{n} stations sampled from a population of {population_size}")
    fraction = n / population_size
    valid = np.array([row.valid for row in rows], dtype=float)
    shares = {
        name: ratio_estimate(np.array([row.votes.get(name, 0) for row in rows], dtype=float), valid, fraction)
        for name in contestants
    }
    turnout = ratio_estimate(
        np.array([row.cast for row in rows], dtype=float), np.array([row.registered for row in rows], dtype=float),
        fraction,
    )
    return QuickCountResult(stations_sampled=n, population_size=population_size, contestants=shares, turnout=turnout)


def ratio_estimate(y: np.ndarray, x: np.ndarray, sampling_fraction: float) -> Estimate:
    """p = sum(y) / sum(x) with its 95% margin under cluster sampling (formula in the module docstring)."""
    n = y.size
    if x.sum() <= 0:
        raise ValueError("the sampled stations have no valid votes (or no registered voters)")
    share = y.sum() / x.sum()
    xbar = x.mean()
    variance = (1 - sampling_fraction) / (n * xbar**2) * ((y - share * x) ** 2).sum() / (n - 1)
    return Estimate(share=float(share), margin=float(Z_95 * np.sqrt(variance)))


def compare(
    result: QuickCountResult, official_shares: Mapping[str, float], official_turnout: float | None = None
) -> list[Comparison]:
    """The estimate and margin next to the official share, contestant by contestant (then turnout).

    `outside_margin` flags an official figure farther from the estimate than the 95% margin.
    """
    rows = [_compare(name, result.contestants[name], official_shares[name]) for name in result.contestants
            if name in official_shares]
    if official_turnout is not None:
        rows.append(_compare("turnout", result.turnout, official_turnout))
    return rows


def _compare(name: str, quick: Estimate, official: float) -> Comparison:
    official = float(official)
    return Comparison(name, quick.share, quick.margin, official, bool(abs(official - quick.share) > quick.margin))


# --- From a sample drawn by region (checklists.sampling): the stratified ratio estimator ---------


@dataclass(frozen=True)
class StratifiedResult:
    """Estimates (None where withheld) and how many sampled stations reported, per stratum."""

    stations_sampled: int
    contestants: dict[str, Estimate | None]
    turnout: Estimate | None
    reported_by_stratum: dict[str, int]
    sampled_by_stratum: dict[str, int]
    withheld: bool


def stratified_estimate(rows: Sequence[Mapping], strata: Sequence[Mapping], contestants: Sequence[str], *,
                        min_per_stratum: int = 2, min_total: int = 30) -> StratifiedResult:
    """The drawn sample's estimates: `rows` are the reporting sampled stations ({"region",
    "registered", "cast", "votes"}), `strata` the sample's strata in scope ({"key", "stations",
    "sampled"}). Withheld (None) below `min_total` reports, or `min_per_stratum` in any stratum."""
    keys = [str(item["key"]) for item in strata]
    position = {key: index for index, key in enumerate(keys)}
    rows = [row for row in rows if str(row["region"]) in position]
    index = np.array([position[str(row["region"])] for row in rows], dtype=np.int64)
    population = np.array([item["stations"] for item in strata], dtype=float)
    reported = {key: 0 for key in keys}
    for row in rows:
        reported[str(row["region"])] += 1
    withheld = len(rows) < min_total or any(count < min_per_stratum for count in reported.values())

    def one(y, x):
        if withheld:
            return None
        result = stratified_ratio(y, x, index, population, minimum=min_per_stratum)
        return None if result is None else Estimate(share=result.share, margin=result.margin)

    valid = np.array([sum(row["votes"].values()) for row in rows], dtype=float)
    shares = {name: one(np.array([row["votes"].get(name, 0) for row in rows], dtype=float), valid)
              for name in contestants}
    turnout = one(np.array([row["cast"] for row in rows], dtype=float),
                  np.array([row["registered"] for row in rows], dtype=float))
    return StratifiedResult(stations_sampled=sum(int(item["sampled"]) for item in strata), contestants=shares,
                            turnout=turnout, reported_by_stratum=reported,
                            sampled_by_stratum={str(item["key"]): int(item["sampled"]) for item in strata},
                            withheld=withheld)
