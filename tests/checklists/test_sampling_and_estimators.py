"""The sample drawn from a seed, its allocation, and the stratified estimates (pure: no database)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checklists.estimators import stratified_ratio
from checklists.sampling import BY_VOTERS, allocate, draw, sample_size_for_margin

STATIONS = [(pk, f"R{pk % 3}", 500 + (pk * 37) % 900) for pk in range(1, 301)]


def test_the_same_seed_draws_the_same_sample_whatever_the_order_of_the_list():
    first = draw(STATIONS, 30, seed=42)
    again = draw(list(reversed(STATIONS)), 30, seed=42)
    assert first == again
    assert draw(STATIONS, 30, seed=43).station_ids != first.station_ids


def test_strata_sizes_follow_the_proportional_rule():
    # 100 stations per stratum: 30 / 3 = 10 each.  By voters, each stratum's share of the voters.
    by_stations = draw(STATIONS, 30, seed=1)
    assert [(s.key, s.stations, s.sampled) for s in by_stations.strata] == [("R0", 100, 10), ("R1", 100, 10),
                                                                          ("R2", 100, 10)]
    by_voters = draw(STATIONS, 31, seed=1, allocation=BY_VOTERS)
    voters = {s.key: s.measure for s in by_voters.strata}
    quotas = {key: 31 * value / sum(voters.values()) for key, value in voters.items()}
    assert {s.key: s.sampled for s in by_voters.strata} == {
        key: math.floor(q) + (1 if key == max(quotas, key=lambda k: quotas[k] - math.floor(quotas[k])) else 0)
        for key, q in quotas.items()}
    sampled_regions = [region for pk, region, _v in STATIONS if pk in by_voters.station_ids]
    assert {key: sampled_regions.count(key) for key in voters} == {s.key: s.sampled for s in by_voters.strata}


def test_a_small_stratum_gets_its_minimum_and_a_full_one_no_more_than_it_has():
    assert allocate({"a": 1000, "b": 1, "c": 3}, {"a": 1000, "b": 1, "c": 3}, 10) == {"a": 7, "b": 1, "c": 2}
    assert allocate({"a": 10, "b": 90}, {"a": 10, "b": 5}, 12) == {"a": 7, "b": 5}


@given(st.lists(st.integers(1, 50), min_size=1, max_size=8), st.integers(0, 10_000))
def test_allocation_sums_to_the_sample_size(sizes, extra):
    stations = {f"s{i}": n for i, n in enumerate(sizes)}
    size = min(sum(sizes), 2 * len(sizes) + extra % (sum(sizes) + 1))
    size = max(size, sum(min(2, n) for n in sizes))
    result = allocate(stations, stations, size)
    assert sum(result.values()) == size
    assert all(min(2, stations[key]) <= result[key] <= stations[key] for key in stations)


def test_sample_size_from_the_wanted_margin():
    # n0 = 1.96^2 * 0.25 / 0.02^2 = 2401; with N = 10,000: 2401 / (1 + 2400 / 10000) = 1936.3 -> 1937.
    assert sample_size_for_margin(0.02, 10_000) == 1937
    assert sample_size_for_margin(0.02, 100) == 97  # 2401 / (1 + 2400 / 100) = 96.04


def test_hand_worked_stratified_share_of_stations():
    # Stratum A: N = 10, sampled 4, answers yes yes no yes (p_A = 0.75).
    # Stratum B: N = 20, sampled 5, answers yes no no no no (p_B = 0.2).
    # p = (10 * 0.75 + 20 * 0.2) / 30 = 11.5 / 30 = 0.383333.
    # Linearised: e_A = y - p: 0.616667 x3, -0.383333; mean 0.366667, s^2 = 0.75 * 0.25 * 4/3 = 0.25.
    #   e_B: s^2 = 0.2 * 0.8 * 5/4 = 0.2.  v = [100 * 0.6 * 0.25 / 4 + 400 * 0.75 * 0.2 / 5] / 900
    #   = (3.75 + 12) / 900 = 0.0175;  at 1.96: 1.96 * 0.132288 = 0.259284.
    # The jackknife of a share with x = 1 in each stratum equals the linearised variance here.
    # Satterthwaite: df = (3.75 + 12)^2 / (3.75^2 / 3 + 12^2 / 4) = 248.0625 / 40.6875 = 6.0968;
    # t(0.975, 6.0968) = 2.43753, so the margin is 2.43753 * 0.132288 = 0.322455.
    y = [1, 1, 0, 1, 1, 0, 0, 0, 0]
    result = stratified_ratio(y, [1] * 9, [0, 0, 0, 0, 1, 1, 1, 1, 1], [10, 20])
    assert result.share == pytest.approx(11.5 / 30)
    assert result.linearised_margin == pytest.approx(0.259284, abs=1e-6)
    assert result.jackknife_margin == pytest.approx(result.linearised_margin)
    assert result.degrees_of_freedom == pytest.approx(6.096774, abs=1e-6)
    assert result.margin == pytest.approx(0.322455, abs=1e-6)


def test_a_single_stratum_matches_the_quick_count_cluster_formula():
    # The hand-worked example of tests/dashboard/test_quickcount.py: margin 0.053174 by linearisation.
    result = stratified_ratio([60, 100, 90, 20], [100, 200, 150, 50], [0, 0, 0, 0], [10])
    assert result.share == pytest.approx(0.54)
    assert result.linearised_margin == pytest.approx(0.053174, abs=1e-6)
    assert result.margin >= result.linearised_margin


def test_an_estimate_is_withheld_below_the_minimum_of_reporting_stations():
    assert stratified_ratio([1, 0, 1], [1, 1, 1], [0, 0, 1], [10, 10]) is None
    assert stratified_ratio([1, 0, 1, 1], [1] * 4, [0, 0, 1, 1], [10, 10], minimum=3) is None
