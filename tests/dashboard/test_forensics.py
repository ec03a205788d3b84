"""Forensic signals: synthetic stations where the answer is known, then the real 2018 file."""

import io
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import image

from bench.forensics import DATA, load_2018_arrays
from dashboard.forensics import (
    SECOND_DIGIT_EXPECTED,
    SIGNAL_NOT_PROOF,
    fingerprint,
    included_stations,
    integer_percentages,
    integer_percentages_loop,
    integer_stations,
    last_digit_test,
    near_whole_percentage,
    render_fingerprint_png,
    render_integer_histogram_png,
    render_integer_histogram_svg,
    second_digit_test,
    station_shares,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def clean_stations(count: int, seed: int) -> dict[str, np.ndarray]:
    """Stations whose figures are honest binomial outcomes: no reason for whole percentages."""
    rng = np.random.default_rng(seed)
    voters = rng.integers(300, 3000, count)
    given = rng.binomial(voters, rng.uniform(0.4, 0.9, count))
    received = given - rng.binomial(given, 0.01)
    leader = rng.binomial(received, rng.uniform(0.3, 0.9, count))
    return {"voters": voters, "given": given, "received": received, "leader": leader}


def figures(stations):
    return stations["voters"], stations["given"], stations["received"], stations["leader"]


# --- Whole percentages, exactly ------------------------------------------------------------------


def test_whole_percentage_tolerance_is_inclusive_and_exact():
    # 100 * 1001 / 2000 = 50.05: exactly 0.05 points from 50, so it counts ("within 0.05").
    # 100 * 5006 / 10000 = 50.06 does not; 100 * 499 / 1000 = 49.9 does not; 0.04 below 50 does.
    part = np.array([1001, 5006, 499, 4996, 500])
    whole = np.array([2000, 10000, 1000, 10000, 1000])
    assert near_whole_percentage(part, whole).tolist() == [True, False, False, True, True]
    assert near_whole_percentage(part, whole, tolerance=0.01).tolist() == [False, False, False, False, True]


@given(part=st.integers(0, 5000), whole=st.integers(1, 5000))
def test_whole_percentage_agrees_with_fraction_arithmetic(part, whole):
    percent = Fraction(100 * part, whole)
    expected = abs(percent - round(percent)) <= Fraction(1, 20)
    assert bool(near_whole_percentage(np.array([part]), np.array([whole]))[0]) == expected


def test_station_with_both_turnout_and_share_whole_is_counted_once():
    # Turnout 600/1000 = 60%, share 300/600 = 50%: one integer station, not two.
    stations = (np.array([1000, 1000]), np.array([600, 601]), np.array([600, 601]), np.array([300, 301]))
    assert integer_stations(*stations).tolist() == [True, False]
    assert integer_percentages(*stations, draws=5).observed == 1


def test_inclusion_filters_of_the_published_analysis():
    voters = np.array([1000, 99, 1000, 1000, 1000, 1000, 1000])
    given = np.array([500, 50, 990, 991, 500, 500, 500])
    received = np.array([500, 50, 990, 991, 0, 500, 500])
    leader = np.array([250, 25, 500, 500, 0, 495, 496])
    # kept; too small; turnout exactly 99% (kept); 99.1%; nothing received; share 99% (kept); 99.2%
    assert included_stations(voters, given, received, leader).tolist() == [True, False, True, False, False, True, False]


def test_counts_must_be_integers():
    with pytest.raises(TypeError):
        included_stations(np.array([1000.0]), np.array([500]), np.array([500]), np.array([250]))


# --- Monte Carlo on synthetic stations -----------------------------------------------------------


def test_honest_binomial_stations_show_no_excess():
    result = integer_percentages(*figures(clean_stations(20_000, seed=1)), draws=200, seed=3)
    assert result.included_stations == 20_000
    assert abs(result.excess) < 4 * result.expected_sd
    assert result.p_value > 0.001


def test_stations_written_to_whole_percentages_show_up_as_excess():
    stations = clean_stations(20_000, seed=2)
    # 600 commissions write a round turnout: 1,200 ballots given of 1,500 voters, exactly 80%.
    rigged = np.arange(600)
    stations["voters"][rigged] = 1500
    stations["given"][rigged] = stations["received"][rigged] = 1200
    stations["leader"][rigged] = np.random.default_rng(6).binomial(1200, 0.6, 600)
    result = integer_percentages(*figures(stations), draws=200, seed=3)
    # All 600 are integer. Redrawn, one is integer by chance: turnout g/15 % is whole only when 15
    # divides g (the next values are 1/15 = 0.067 points off), P = 1/15; the share l/12 % likewise
    # P = 1/12; either: 1 - (14/15)(11/12) = 13/90. Expected excess 600 * 77/90 = 513.3, give or take
    # the honest stations' own noise (one sd of the redraws).
    assert abs(result.excess - 600 * 77 / 90) < 3 * result.expected_sd
    assert result.observed > result.p999
    assert result.p_value == 1 / 201  # no redraw reached the observed count; the +1 smoothing


def test_per_station_loop_draws_the_same_binomials():
    stations = figures(clean_stations(300, seed=4))
    vectorised = integer_percentages(*stations, draws=60, seed=9)
    looped = integer_percentages_loop(*stations, draws=60, seed=9)
    assert np.array_equal(looped.simulated, vectorised.simulated)
    assert looped.observed == vectorised.observed


def test_result_does_not_depend_on_the_number_of_threads():
    stations = figures(clean_stations(2_000, seed=5))
    one = integer_percentages(*stations, draws=120, seed=1, workers=1)
    two = integer_percentages(*stations, draws=120, seed=1, workers=2)
    assert np.array_equal(one.simulated, two.simulated)


# --- Digits --------------------------------------------------------------------------------------


def test_uniform_last_digits_pass():
    result = last_digit_test(np.arange(10, 10_010))  # every last digit exactly 1,000 times
    assert np.allclose(result.frequencies, 0.1)
    assert result.chi2 == 0
    assert result.p_value == pytest.approx(1)


def test_last_digits_piling_on_0_and_5_fail():
    rng = np.random.default_rng(0)
    counts = np.concatenate([rng.integers(10, 1000, 5_000), 5 * rng.integers(2, 200, 1_000)])
    result = last_digit_test(counts)
    assert result.frequencies[0] > 0.15
    assert result.p_value < 1e-10


def test_counts_below_ten_are_not_tested():
    with pytest.raises(ValueError):
        last_digit_test([0, 3, 9])
    assert last_digit_test([3, 9, 10, 21]).frequencies.tolist() == [0.5, 0.5] + [0.0] * 8


def test_second_digit_expected_frequencies_are_mebanes():
    # sum_{k=1..9} log10(1 + 1/(10k + d)): 0.1197 for d = 0 down to 0.0850 for d = 9.
    assert SECOND_DIGIT_EXPECTED.sum() == pytest.approx(1)
    assert SECOND_DIGIT_EXPECTED[0] == pytest.approx(0.11968, abs=1e-5)
    assert SECOND_DIGIT_EXPECTED[9] == pytest.approx(0.08500, abs=1e-5)


def test_benford_distributed_counts_pass_the_second_digit_test():
    # floor(10 ** U(1, 6)) has exactly Benford's first-two-digit distribution.
    counts = np.floor(10 ** np.random.default_rng(1).uniform(1, 6, 20_000)).astype(np.int64)
    assert second_digit_test(counts).p_value > 0.001


def test_uniform_second_digits_fail_the_second_digit_test():
    counts = np.random.default_rng(2).integers(10, 100, 50_000)
    result = second_digit_test(counts)
    assert result.frequencies[0] == pytest.approx(0.1, abs=0.01)
    assert result.p_value < 1e-10


def test_second_digit_is_read_exactly_at_powers_of_ten():
    # 100 -> 0, 1000 -> 0, 99 -> 9, 10 -> 0, 1234567 -> 2
    result = second_digit_test([100, 1000, 99, 10, 1_234_567])
    assert (result.frequencies * 5).round().tolist() == [3, 0, 1, 0, 0, 0, 0, 0, 0, 1]


# --- The real 2018 file --------------------------------------------------------------------------

real_file = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not beside the project")


@pytest.fixture(scope="module")
def russia_2018():
    return load_2018_arrays(DATA)


@pytest.fixture(scope="module")
def integer_2018(russia_2018):
    return integer_percentages(*figures(russia_2018), draws=1000, seed=2018)


@real_file
def test_integer_percentage_excess_on_2018_matches_the_published_analysis(integer_2018):
    # Kobak, Shpilkin & Pshenichnikov's code finds an excess of about 1,709 on this file. The
    # observed count is exact; the mean of 1,000 redraws varies by ~4 between seeds (sd 118 / sqrt
    # 1000), so 30 either side leaves room only for the Monte Carlo, not for another definition.
    result = integer_2018
    assert result.included_stations == 91_152
    assert result.observed == 19_271
    assert abs(result.excess - 1709) < 30
    assert 100 < result.expected_sd < 140
    assert result.expected_mean + 2 * result.expected_sd < result.p999 < result.observed
    assert result.p_value == 1 / 1001
    print(f"\n2018, seed 2018: observed {result.observed}, mean {result.expected_mean:.1f}, "
          f"sd {result.expected_sd:.1f}, p99.9 {result.p999:.1f}, excess {result.excess:.1f}")


@real_file
def test_seeded_monte_carlo_repeats_itself(russia_2018, integer_2018):
    again = integer_percentages(*figures(russia_2018), draws=50, seed=2018)
    assert np.array_equal(again.simulated, integer_2018.simulated[:50])  # same seed, same draws
    other = integer_percentages(*figures(russia_2018), draws=50, seed=2019)
    assert not np.array_equal(other.simulated, again.simulated)


@real_file
def test_per_station_loop_reproduces_the_real_draws(russia_2018, integer_2018):
    looped = integer_percentages_loop(*figures(russia_2018), draws=2, seed=2018)
    assert looped.simulated.tolist() == integer_2018.simulated[:2].tolist()


@real_file
def test_fingerprint_of_2018_has_the_known_shape(russia_2018):
    turnout, leader_share = station_shares(*figures(russia_2018))
    histogram = fingerprint(turnout, leader_share)
    assert histogram.shape == (100, 100)
    assert histogram.sum() == np.isfinite(turnout * leader_share).sum() == 97_698  # one station received nothing
    peak_turnout, peak_share = np.unravel_index(histogram.argmax(), histogram.shape)
    assert 55 <= peak_turnout <= 70 and 65 <= peak_share <= 80  # the bulk: ~60% turnout, ~75% for the leader
    assert histogram[95:, 95:].sum() > 1000  # the smear into the (100%, 100%) corner
    by_voters = fingerprint(turnout, leader_share, bins=50, weights=russia_2018["voters"])
    assert by_voters.shape == (50, 50)
    assert by_voters.sum() == russia_2018["voters"][np.isfinite(turnout * leader_share)].sum()


@real_file
def test_plots_are_real_images_labelled_as_signals(russia_2018, integer_2018):
    turnout, leader_share = station_shares(*figures(russia_2018))
    for png in (render_fingerprint_png(fingerprint(turnout, leader_share)), render_integer_histogram_png(integer_2018)):
        assert png.startswith(PNG_SIGNATURE)
        pixels = image.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 300 and pixels.shape[1] > 500
        assert pixels[..., :3].std() > 0.05  # not a blank canvas
    svg = render_integer_histogram_svg(integer_2018)
    assert svg.startswith(b"<?xml") and SIGNAL_NOT_PROOF.encode() in svg
