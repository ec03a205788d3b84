"""Forensic signals in per-station results (domain.md §4), for coordinators: evidence, not proof.

Every function takes numpy arrays with one entry per station and never loops over stations in
Python: a national election has 10,000 (Kazakhstan) to 100,000 (Russia) stations.

- Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016, Ann. Appl. Stat. 10(1)): a commission
  that writes a target figure tends to write a round one. `integer_percentages` counts stations
  whose turnout or leader's share is a whole percentage and compares the count with binomial
  redraws of the same stations, exactly as the authors' public analysis code defines it.
- The turnout vs leader's share "fingerprint" (Klimek, Yegorov, Hanel & Thurner 2012, PNAS 109(41)).
- Last digits (Beber & Scacco 2012) and second digits (Mebane's 2BL) of vote counts.

Plots say on their face that they show a statistical signal, not proof. Their words come from the
caller (the dashboard passes them translated); the English defaults here are for scripts and tests.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

# SciPy and Matplotlib are imported where they are used: every web worker loads this module with
# the dashboard's URLs, and the two add about 90 MB (measured) that only the forensics pages need.
if TYPE_CHECKING:
    from matplotlib.figure import Figure  # noqa: PLC0415 loaded on first use, not by every web worker

SIGNAL_NOT_PROOF = "A statistical signal, not proof of fraud"

# Inclusion filters of the published analysis: tiny stations and near-unanimous ones produce whole
# percentages by arithmetic alone (1 voter in 50 is 2%), so they are left out.
MIN_VOTERS = 100
MAX_RATIO = Fraction(99, 100)

# Draws are simulated in chunks of this many, each chunk with its own generators spawned from the
# seed: memory stays bounded (about 25 x stations x 8 bytes per array) and the result depends on the
# seed alone, not on the number of threads. Changing it changes which numbers a seed draws.
DRAWS_PER_CHUNK = 25


@dataclass(frozen=True, eq=False)
class IntegerPercentageResult:
    """Observed integer stations against the binomial redraws (`simulated`: the count in each draw)."""

    observed: int
    expected_mean: float
    expected_sd: float
    p999: float
    excess: float
    p_value: float
    included_stations: int
    simulated: np.ndarray


class DigitTest(NamedTuple):
    frequencies: np.ndarray  # share of each digit 0-9 among the counts tested
    chi2: float
    p_value: float
    tested: int  # how many counts were tested: those of at least `min_count`
    min_count: int


# --- Integer percentages -------------------------------------------------------------------------


def included_stations(voters, given, received, leader) -> np.ndarray:
    """Stations the analysis keeps: received > 0, voters >= 100, given/voters <= 0.99, leader/received <= 0.99.

    Ratios are compared by cross-multiplying integers, so no station sits on the wrong side of 0.99
    by a rounding error.
    """
    voters, given, received, leader = _as_counts(voters, given, received, leader)
    return (
        (received > 0)
        & (voters >= MIN_VOTERS)
        & (MAX_RATIO.denominator * given <= MAX_RATIO.numerator * voters)
        & (MAX_RATIO.denominator * leader <= MAX_RATIO.numerator * received)
    )


def near_whole_percentage(part, whole, tolerance: float | Fraction = 0.05) -> np.ndarray:
    """Whether 100 * part / whole lies within `tolerance` percentage points of a whole number.

    Exact: with r = (100 * part) mod whole, the distance to the nearest whole percentage is
    min(r, whole - r) / whole points, compared with tolerance = a / b by cross-multiplying. The
    bound is inclusive ("within 0.05"). `whole` must be positive; arrays of any shapes that
    broadcast together.
    """
    a, b = _as_ratio(tolerance)
    part, whole = np.asarray(part), np.asarray(whole)
    largest = max(100 * int(np.max(part, initial=0)), max(a, b) * int(np.max(whole, initial=0)))
    dtype = np.int32 if largest < 2**31 else np.int64  # int32 arithmetic is several times faster
    part, whole = part.astype(dtype, copy=False), whole.astype(dtype, copy=False)
    above = np.remainder(part * dtype(100), whole)
    distance = np.minimum(above, whole - above)
    return distance * dtype(b) <= whole * dtype(a)


def integer_stations(voters, given, received, leader, tolerance: float | Fraction = 0.05) -> np.ndarray:
    """A station is integer when its turnout OR its leader's share is a whole percentage (counted once)."""
    return near_whole_percentage(given, voters, tolerance) | near_whole_percentage(leader, received, tolerance)


def integer_percentages(
    voters,
    given,
    received,
    leader,
    draws: int = 1000,
    seed: int = 0,
    tolerance: float | Fraction = 0.05,
    workers: int | None = None,
) -> IntegerPercentageResult:
    """Count integer stations and compare with `draws` binomial redraws of the included stations.

    Each draw redraws leader ~ Binomial(received, leader/received) and given ~ Binomial(voters,
    given/voters) for every included station at once (numpy on arrays of shape (chunk, stations)),
    chunks running on `workers` threads (numpy releases the GIL while drawing).
    """
    included = _Included.select(voters, given, received, leader)
    chunks = list(_chunk_generators(seed, draws))
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        counts = pool.map(lambda chunk: _simulate_chunk(included, tolerance, *chunk), chunks)
        simulated = np.concatenate(list(counts))
    return _summarise(included.integer_count(tolerance), simulated, included.count)


def integer_percentages_loop(
    voters, given, received, leader, draws: int = 1000, seed: int = 0, tolerance: float | Fraction = 0.05
) -> IntegerPercentageResult:
    """Reference only (tests, benchmark): the per-station Python loop of the published analysis.

    It draws the very same binomials as `integer_percentages` (same generators, same order, one
    scalar draw per station per draw), so with the same seed both give identical counts, only
    tens of times more slowly (`python -m bench.forensics`). Do not call it from the dashboard.
    """
    included = _Included.select(voters, given, received, leader)
    a, b = _as_ratio(tolerance)
    stations = list(zip(included.received.tolist(), included.leader_share.tolist(),
                        included.voters.tolist(), included.turnout.tolist(), strict=True))
    simulated = []
    for size, leader_rng, given_rng in _chunk_generators(seed, draws):
        for _ in range(size):
            count = 0
            for received_i, leader_share_i, voters_i, turnout_i in stations:
                leader_i = leader_rng.binomial(received_i, leader_share_i)
                given_i = given_rng.binomial(voters_i, turnout_i)
                if _is_whole_percentage(given_i, voters_i, a, b) or _is_whole_percentage(leader_i, received_i, a, b):
                    count += 1
            simulated.append(count)
    return _summarise(included.integer_count(tolerance), np.array(simulated), included.count)


@dataclass(frozen=True)
class _Included:
    """The included stations' counts, and the probabilities their redraws use."""

    voters: np.ndarray
    given: np.ndarray
    received: np.ndarray
    leader: np.ndarray

    @classmethod
    def select(cls, voters, given, received, leader) -> _Included:
        keep = included_stations(voters, given, received, leader)
        voters, given, received, leader = _as_counts(voters, given, received, leader)
        return cls(voters[keep], given[keep], received[keep], leader[keep])

    @property
    def count(self) -> int:
        return int(self.voters.size)

    def integer_count(self, tolerance) -> int:
        """Integer stations as observed."""
        return int(integer_stations(self.voters, self.given, self.received, self.leader, tolerance).sum())

    @property
    def turnout(self) -> np.ndarray:
        return self.given / self.voters

    @property
    def leader_share(self) -> np.ndarray:
        return self.leader / self.received


def _chunk_generators(seed: int, draws: int) -> Iterator[tuple[int, np.random.Generator, np.random.Generator]]:
    """(draws in the chunk, generator for the leader's votes, generator for ballots given) per chunk."""
    if draws < 1:
        raise ValueError("at least one draw")
    chunks = -(-draws // DRAWS_PER_CHUNK)
    for index, chunk_seed in enumerate(np.random.SeedSequence(seed).spawn(chunks)):
        leader_seed, given_seed = chunk_seed.spawn(2)
        size = min(DRAWS_PER_CHUNK, draws - index * DRAWS_PER_CHUNK)
        yield size, np.random.default_rng(leader_seed), np.random.default_rng(given_seed)


def _simulate_chunk(included: _Included, tolerance, size, leader_rng, given_rng) -> np.ndarray:
    """Integer stations in each of `size` redraws (rows: draws, columns: stations)."""
    shape = (size, included.count)
    leader = leader_rng.binomial(included.received, included.leader_share, size=shape)
    given = given_rng.binomial(included.voters, included.turnout, size=shape)
    integer = integer_stations(included.voters, given, included.received, leader, tolerance)
    return integer.sum(axis=1)


def _summarise(observed: int, simulated: np.ndarray, included: int) -> IntegerPercentageResult:
    """Excess over the redraws' mean, and a Monte Carlo p-value.

    p = (1 + draws with at least the observed count) / (1 + draws): the +1 counts the observed data
    as one more draw, so the p-value is never 0, only as small as the draws can show.
    """
    expected = float(simulated.mean())
    return IntegerPercentageResult(
        observed=observed,
        expected_mean=expected,
        expected_sd=float(simulated.std()),
        p999=float(np.percentile(simulated, 99.9)),
        excess=observed - expected,
        p_value=(1 + int((simulated >= observed).sum())) / (1 + simulated.size),
        included_stations=included,
        simulated=simulated,
    )


def _is_whole_percentage(part: int, whole: int, a: int, b: int) -> bool:
    """`near_whole_percentage` for one station in plain ints, as a per-station loop would write it."""
    above = (100 * part) % whole
    return min(above, whole - above) * b <= whole * a


# --- Fingerprint ---------------------------------------------------------------------------------


def station_shares(voters, given, received, leader) -> tuple[np.ndarray, np.ndarray]:
    """Turnout (given / voters) and leader's share (leader / received), NaN where undefined."""
    voters, given, received, leader = _as_counts(voters, given, received, leader)
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(voters > 0, given / voters, np.nan)
        leader_share = np.where(received > 0, leader / received, np.nan)
    return turnout, leader_share


def fingerprint(turnout, leader_share, bins: int = 100, weights=None) -> np.ndarray:
    """Stations (or voters, weighted) by turnout (rows) and leader's share (columns), both in [0, 1].

    Clean elections show one compact blob; ballot stuffing smears it towards (100%, 100%).
    Stations with an undefined turnout or share (NaN) are left out.
    """
    turnout, leader_share = np.asarray(turnout, dtype=float), np.asarray(leader_share, dtype=float)
    known = np.isfinite(turnout) & np.isfinite(leader_share)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)[known]
    histogram, _, _ = np.histogram2d(
        turnout[known], leader_share[known], bins=bins, range=[[0, 1], [0, 1]], weights=weights
    )
    return histogram


# --- Digits --------------------------------------------------------------------------------------

LAST_DIGIT_EXPECTED = np.full(10, 0.1)
# Mebane's 2BL: P(second digit = d) = sum over first digits k = 1..9 of log10(1 + 1 / (10k + d)).
SECOND_DIGIT_EXPECTED = np.log10(1 + 1 / (10 * np.arange(1, 10)[:, None] + np.arange(10))).sum(axis=0)

# The small-number artefact. Last digits of honest counts are uniform only where the counts are
# spread evenly over each run of ten consecutive numbers (Beber & Scacco 2012 show uniformity where
# the counts' distribution is close to linear over such runs). Small counts are not: a candidate with
# a few dozen votes at most stations has more 12s than 19s, so low last digits prevail with no one
# writing a number. Beber & Scacco leave single- and double-digit counts out of their figures where
# such counts are common; so does this default (counts of three digits or more).
# On the Russian 2018 file (8 candidates x 97,699 stations) digit 0 falls to 9 from 12.4% to 8.2% of
# the counts >= 10 (chi-square 6,566), from 10.3% to 9.7% of those >= 100 (61.8; still significant at
# 133,656 counts: a chi-square test on that many counts notices a slope of a tenth of a point per
# digit), and the counts >= 1,000 are uniform (p = 0.96).
LAST_DIGIT_MIN_COUNT = 100
LAST_DIGIT_MIN_COUNTS = (10, 20, 50, 100, 200, 500, 1000)  # what the dashboard offers, side by side
SECOND_DIGIT_MIN_COUNT = 10  # a second digit needs two digits


def last_digit_test(counts, min_count: int = LAST_DIGIT_MIN_COUNT) -> DigitTest:
    """Beber & Scacco (2012): last digits of vote counts of at least `min_count` should be uniform
    (chi-square, 9 dof). See LAST_DIGIT_MIN_COUNT for why the small counts are left out."""
    counts = _counts_of_at_least(counts, min_count)
    return _chi_square(counts % 10, LAST_DIGIT_EXPECTED, min_count)


def second_digit_test(counts, min_count: int = SECOND_DIGIT_MIN_COUNT) -> DigitTest:
    """Mebane's second-digit Benford test (2BL) on vote counts of at least `min_count` (chi-square, 9 dof)."""
    counts = _counts_of_at_least(counts, max(10, min_count))
    powers = 10 ** np.arange(19, dtype=np.int64)
    magnitude = np.searchsorted(powers, counts, side="right") - 1  # floor(log10(count)), exactly
    return _chi_square((counts // powers[magnitude - 1]) % 10, SECOND_DIGIT_EXPECTED, max(10, min_count))


def _counts_of_at_least(counts, min_count: int) -> np.ndarray:
    if min_count < 10:
        raise ValueError("a digit test needs counts of at least two digits (min_count >= 10)")
    counts = np.asarray(counts, dtype=np.int64).ravel()
    return counts[counts >= min_count]


def _chi_square(digits: np.ndarray, expected: np.ndarray, min_count: int) -> DigitTest:
    observed = np.bincount(digits, minlength=10)
    total = int(observed.sum())
    if total == 0:
        raise ValueError(f"no vote count of at least {min_count} to test")
    chi2 = float(((observed - total * expected) ** 2 / (total * expected)).sum())
    from scipy import stats  # noqa: PLC0415 loaded on first use, not by every web worker (see top)

    return DigitTest(frequencies=observed / total, chi2=chi2, p_value=float(stats.chi2.sf(chi2, df=9)),
                     tested=total, min_count=min_count)


# --- Plots ---------------------------------------------------------------------------------------
# Each plot's words, in English; a caller passes its own (translated) with the same keys. Values in
# %(name)s are filled in here: numbers formatted with thousands separators.

FINGERPRINT_TEXT = {
    "title": "Turnout vs leader's share",
    "x": "Turnout, %",
    "y": "Leader's share, %",
    "colour": "log10(1 + stations)",
    "note": SIGNAL_NOT_PROOF,
}
INTEGER_TEXT = {
    "title": "Integer percentages: excess %(excess)s (sd %(sd)s, p = %(p)s)",
    "x": "Stations with a whole-number turnout or leader's share (of %(included)s)",
    "y": "Redraws",
    "redraws": "%(draws)s binomial redraws",
    "observed": "observed: %(observed)s",
    "note": SIGNAL_NOT_PROOF,
}
DIGITS_TEXT = {
    "last": "Last digits of the %(tested)s counts of at least %(min_count)s (chi-square %(chi2)s, p = %(p)s)",
    "second": "Second digits of the %(tested)s counts of at least %(min_count)s (chi-square %(chi2)s, p = %(p)s)",
    "digit": "Digit",
    "share": "Share of the counts, %",
    "observed": "observed",
    "expected": "expected",
    "note": SIGNAL_NOT_PROOF,
}
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def render_fingerprint(histogram, file_format: str = "png", text=None) -> bytes:
    """The fingerprint, on a log colour scale so that the sparse smear stays visible."""
    from matplotlib.figure import Figure  # noqa: PLC0415 loaded on first use, not by every web worker

    text = {**FINGERPRINT_TEXT, **(text or {})}
    figure = Figure(figsize=(6.4, 5.6), dpi=100)
    axes = figure.add_subplot()
    image = axes.imshow(
        np.log10(1 + np.asarray(histogram, dtype=float)).T,
        origin="lower", extent=(0, 100, 0, 100), aspect="auto", cmap="viridis",
    )
    figure.colorbar(image, ax=axes, label=text["colour"])
    axes.set_xlabel(text["x"])
    axes.set_ylabel(text["y"])
    axes.set_title(f"{text['title']}\n{text['note']}", fontsize=10)
    return _save(figure, file_format)


def render_integer_histogram(result: IntegerPercentageResult, file_format: str = "png", text=None) -> bytes:
    """Integer stations in the binomial redraws (the Monte Carlo expectation), the observed count marked."""
    from matplotlib.figure import Figure  # noqa: PLC0415 loaded on first use, not by every web worker

    text = {**INTEGER_TEXT, **(text or {})}
    values = {"excess": f"{result.excess:,.0f}", "sd": f"{result.expected_sd:,.0f}", "p": f"{result.p_value:.3g}",
              "included": f"{result.included_stations:,}", "draws": f"{result.simulated.size:,}",
              "observed": f"{result.observed:,}"}
    figure = Figure(figsize=(6.4, 4.2), dpi=100)
    axes = figure.add_subplot()
    axes.hist(result.simulated, bins=40, color="0.6", label=text["redraws"] % values)
    axes.axvline(result.observed, color="crimson", linewidth=2, label=text["observed"] % values)
    axes.set_xlabel(text["x"] % values)
    axes.set_ylabel(text["y"])
    axes.legend(loc="upper left", fontsize=8)
    axes.set_title(f"{text['title'] % values}\n{text['note']}", fontsize=10)
    figure.tight_layout()
    return _save(figure, file_format)


def render_digits(last: DigitTest, second: DigitTest, file_format: str = "png", text=None) -> bytes:
    """Observed digit shares as bars against the expected shares: last digits (uniform) above,
    second digits (Mebane's 2BL) below."""
    from matplotlib.figure import Figure  # noqa: PLC0415 loaded on first use, not by every web worker

    text = {**DIGITS_TEXT, **(text or {})}
    figure = Figure(figsize=(6.4, 6.4), dpi=100)
    digits = np.arange(10)
    for index, (test, expected, key) in enumerate(((last, LAST_DIGIT_EXPECTED, "last"),
                                                   (second, SECOND_DIGIT_EXPECTED, "second"))):
        axes = figure.add_subplot(2, 1, index + 1)
        axes.bar(digits, 100 * np.asarray(test.frequencies), color="0.6", label=text["observed"])
        axes.plot(digits, 100 * expected, color="crimson", marker="o", linewidth=1.5, label=text["expected"])
        axes.set_xticks(digits)
        axes.set_xlabel(text["digit"])
        axes.set_ylabel(text["share"])
        axes.set_ylim(0, max(100 * float(np.max(test.frequencies)), 100 * float(expected.max())) * 1.25)
        values = {"tested": f"{test.tested:,}", "min_count": f"{test.min_count:,}", "chi2": f"{test.chi2:,.1f}",
                  "p": f"{test.p_value:.3g}"}
        axes.set_title(text[key] % values, fontsize=9)
        axes.legend(loc="upper right", fontsize=8)
    figure.suptitle(text["note"], fontsize=10)
    figure.tight_layout()
    return _save(figure, file_format)


def _save(figure: Figure, file_format: str) -> bytes:
    if file_format not in FORMATS:
        raise ValueError(f"a plot is drawn as {' or '.join(FORMATS)}, not {file_format!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=file_format)
    return buffer.getvalue()


# --- Input checks --------------------------------------------------------------------------------


def _as_counts(*arrays) -> list[np.ndarray]:
    counts = [np.asarray(array) for array in arrays]
    for array in counts:
        if not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"station counts must be integer arrays, not {array.dtype}")
    if len({array.shape for array in counts}) > 1:
        raise ValueError("every count needs one entry per station")
    return [array.astype(np.int64, copy=False) for array in counts]


def _as_ratio(tolerance: float | Fraction) -> tuple[int, int]:
    """The tolerance as an exact a / b: 0.05 is read as the decimal it is written as, 1/20."""
    exact = Fraction(str(tolerance)) if isinstance(tolerance, float) else Fraction(tolerance)
    if exact < 0:
        raise ValueError("the tolerance cannot be negative")
    return exact.numerator, exact.denominator
