"""Seat allocation, worked by hand (the arithmetic is in the comments) and checked for properties."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import seats as seat_rules
from dashboard.seats import (
    DHONDT,
    HAGENBACH_BISCHOFF,
    HARE,
    METHODS,
    SAINTE_LAGUE,
    SAINTE_LAGUE_NORWAY,
    SAINTE_LAGUE_SWEDEN,
    Lot,
    allocate,
    allocate_districts,
    compare_methods,
    fptp,
    modified_sainte_lague,
    project,
    single_seat_outcomes,
    two_round,
)

# The classic four-list example, 8 seats.
FOUR_LISTS = {"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}
# The classic six-list largest-remainder example, 10 seats, V = 100,000.
SIX_LISTS = {"A": 47_000, "B": 16_000, "C": 15_800, "D": 12_000, "E": 6_100, "F": 3_100}


# --- D'Hondt -------------------------------------------------------------------------------------


def test_dhondt_gives_each_seat_to_the_highest_average():
    # v / (s + 1):  A 100000  50000  33333  25000  20000
    #               B  80000  40000  26667  20000
    #               C  30000  15000
    #               D  20000
    # The 8 highest: 100000A 80000B 50000A 40000B 33333A 30000C 26667B 25000A -> A4 B3 C1 D0.
    result = allocate(FOUR_LISTS, 8, DHONDT)
    assert result.seats == {"A": 4, "B": 3, "C": 1, "D": 0}
    assert result.total == 8
    assert result.lots == ()
    assert result.quota is None


def test_dhondt_tie_for_the_last_seat_goes_to_the_larger_vote_total():
    # A 60, B 30, 2 seats. Averages: A 60, 30; B 30. The second seat: A's 60/2 = 30 ties B's 30/1.
    # A has more votes (60 > 30), so A takes it: A2 B0, and no lot is drawn.
    result = allocate({"A": 60, "B": 30}, 2, DHONDT)
    assert result.seats == {"A": 2, "B": 0}
    assert result.lots == ()


def test_dhondt_tie_of_equal_lists_is_settled_by_a_recorded_seeded_lot():
    # A 100, B 100, C 50, 1 seat: A and B tie at 100 with equal votes, so a lot decides.
    results = [allocate({"A": 100, "B": 100, "C": 50}, 1, DHONDT, seed=seed) for seed in range(20)]
    for result in results:
        assert result.total == 1
        (lot,) = result.lots
        assert lot.between == ("A", "B")
        assert result.seats[lot.drawn[0]] == 1
        assert result.seats["C"] == 0
    assert {result.lots[0].drawn for result in results} == {("A",), ("B",)}  # the lot really is a lot
    assert allocate({"A": 100, "B": 100, "C": 50}, 1, DHONDT, seed=7) == results[7]  # and it re-runs


def test_a_tie_that_decides_no_seat_draws_no_lot():
    # A 100, B 100, 2 seats: both get one whatever the order.
    result = allocate({"A": 100, "B": 100}, 2, DHONDT)
    assert result.seats == {"A": 1, "B": 1}
    assert result.lots == ()


# --- Sainte-Laguë --------------------------------------------------------------------------------


def test_sainte_lague_divides_by_odd_numbers():
    # v / (2s + 1):  A 100000  33333  20000  14286
    #                B  80000  26667  16000
    #                C  30000  10000
    #                D  20000   6667
    # The 8 highest: 100000A 80000B 33333A 30000C 26667B 20000A 20000D 16000B -> A3 B3 C1 D1.
    # A and D tie at 20000 for the 6th and 7th seats: both get one, no lot.
    result = allocate(FOUR_LISTS, 8, SAINTE_LAGUE)
    assert result.seats == {"A": 3, "B": 3, "C": 1, "D": 1}
    assert result.lots == ()


def test_norwegian_first_divisor_makes_a_small_list_pay_more_for_its_first_seat():
    # Divisors 1.4, 3, 5, 7:  A 71429  33333  20000  14285.71 (= 100000/7)
    #                         B 57143  26667  16000
    #                         C 21429  10000
    #                         D 14285.71 (= 20000/1.4 = 100000/7)
    # The 7 highest: 71429A 57143B 33333A 26667B 21429C 20000A 16000B.
    # The 8th seat: A's 100000/7 ties D's 100000/7 exactly (a float could say otherwise);
    # A has more votes, so A4 B3 C1 D0 and no lot.
    result = allocate(FOUR_LISTS, 8, SAINTE_LAGUE_NORWAY)
    assert result.seats == {"A": 4, "B": 3, "C": 1, "D": 0}
    assert result.lots == ()


def test_swedish_first_divisor():
    # Divisors 1.2, 3, 5, 7:  A 83333  33333  20000  14286
    #                         B 66667  26667  16000
    #                         C 25000  10000
    #                         D 16667   6667
    # The 8 highest: 83333A 66667B 33333A 26667B 25000C 20000A 16667D 16000B -> A3 B3 C1 D1.
    assert allocate(FOUR_LISTS, 8, SAINTE_LAGUE_SWEDEN).seats == {"A": 3, "B": 3, "C": 1, "D": 1}


def test_first_divisor_is_configurable_and_exact():
    assert modified_sainte_lague("1.4") == SAINTE_LAGUE_NORWAY
    assert modified_sainte_lague(Fraction(6, 5)) == SAINTE_LAGUE_SWEDEN
    with pytest.raises(TypeError):
        modified_sainte_lague(1.4)


# --- Largest remainder ---------------------------------------------------------------------------


def test_hare_quota_with_largest_remainders():
    # q = 100000 / 10 = 10000.  v/q:  A 4.70  B 1.60  C 1.58  D 1.20  E 0.61  F 0.31
    # Whole seats A4 B1 C1 D1 = 7; the 3 left go to the remainders 7000 (A), 6100 (E), 6000 (B).
    result = allocate(SIX_LISTS, 10, HARE)
    assert result.quota == 10_000
    assert result.remainders == {"A": 7000, "B": 6000, "C": 5800, "D": 2000, "E": 6100, "F": 3100}
    assert result.seats == {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0}


def test_hagenbach_bischoff_quota_with_largest_remainders():
    # q = 100000 / 11 = 9090.91 (exact: 100000/11).  v/q = 11v/100000:
    #   A 5.170  B 1.760  C 1.738  D 1.320  E 0.671  F 0.341
    # Whole seats A5 B1 C1 D1 = 8; the 2 left go to B (0.760 q) and C (0.738 q); E's 0.671 misses.
    result = allocate(SIX_LISTS, 10, HAGENBACH_BISCHOFF)
    assert result.quota == Fraction(100_000, 11)
    assert result.remainders["B"] == 16_000 - Fraction(100_000, 11)  # 76000/11
    assert result.seats == {"A": 5, "B": 2, "C": 2, "D": 1, "E": 0, "F": 0}


def test_hagenbach_bischoff_over_allocation_takes_a_seat_back_from_the_smallest_remainder():
    # A 500, B 300, C 200, 9 seats: q = 1000 / 10 = 100, whole seats 5 + 3 + 2 = 10 > 9.
    # (With an exact quota this happens only when every remainder is 0.) All remainders tie at 0;
    # the larger vote total keeps its seat, so C (fewest votes) gives one back: A5 B3 C1.
    result = allocate({"A": 500, "B": 300, "C": 200}, 9, HAGENBACH_BISCHOFF)
    assert result.seats == {"A": 5, "B": 3, "C": 1}
    assert result.lots == ()


def test_hagenbach_bischoff_over_allocation_between_equal_lists_is_drawn_by_lot():
    # A 400, B 300, C 300, 9 seats: q = 100, whole seats 4 + 3 + 3 = 10; B and C tie on remainder
    # (0) and on votes (300), so a lot picks which of them gives the seat back.
    result = allocate({"A": 400, "B": 300, "C": 300}, 9, HAGENBACH_BISCHOFF, seed=1)
    (lot,) = result.lots
    assert lot.between == ("B", "C")
    assert lot.prize == "gives back the over-allocated seat"
    assert result.seats[lot.drawn[0]] == 2
    assert result.seats["A"] == 4
    assert result.total == 9


def test_tie_on_remainders_goes_to_the_larger_list_then_to_a_lot():
    # Hare, 3 seats, A 250, B 250, C 100, D 100 (V = 700): q = 700/3 = 233.33.
    # Whole seats A1 B1; remainders A 16.67, B 16.67, C 100, D 100 -> the one seat left is tied
    # between C and D, equal votes, so a lot.
    result = allocate({"A": 250, "B": 250, "C": 100, "D": 100}, 3, HARE, seed=3)
    (lot,) = result.lots
    assert lot.between == ("C", "D")
    assert result.seats["A"] == result.seats["B"] == 1
    assert result.seats[lot.drawn[0]] == 1
    # With C on 101 votes (V = 701, q = 233.67, C's remainder 101 > D's 100) no lot is needed.
    assert allocate({"A": 250, "B": 250, "C": 101, "D": 100}, 3, HARE).lots == ()


# --- Threshold -----------------------------------------------------------------------------------


def test_list_exactly_at_the_threshold_takes_part():
    # 5% of 1000 valid votes = 50: B's 50 qualifies ("not less than 5%").
    result = allocate({"A": 950, "B": 50}, 20, HARE, threshold=Fraction(5, 100))
    assert result.threshold_votes == 50
    assert result.qualifying == ("A", "B")
    assert result.seats == {"A": 19, "B": 1}


def test_list_just_below_the_threshold_is_left_out():
    # 49 of 1000 = 4.9% < 5%: only A takes part and wins all 20 seats.
    result = allocate({"A": 951, "B": 49}, 20, HARE, threshold=Fraction(5, 100))
    assert result.qualifying == ("A",)
    assert result.seats == {"A": 20, "B": 0}


def test_threshold_on_all_votes_cast_counts_invalid_ballots_in_the_base():
    # With 10 invalid ballots the base is 1010 and the bar 50.5 votes: B's 50 no longer qualifies.
    result = allocate({"A": 950, "B": 50}, 20, DHONDT, threshold=Fraction(5, 100), threshold_base=1010)
    assert result.threshold_votes == Fraction(101, 2)
    assert result.qualifying == ("A",)
    with pytest.raises(ValueError):
        allocate({"A": 950, "B": 50}, 20, DHONDT, threshold=Fraction(5, 100), threshold_base=999)


def test_threshold_must_be_exact():
    with pytest.raises(TypeError):
        allocate({"A": 1}, 1, DHONDT, threshold=0.05)


def test_no_list_qualifies_no_seat_is_given():
    result = allocate({"A": 0, "B": 0}, 5, DHONDT)
    assert result.qualifying == ()
    assert result.total == 0


# --- Several districts ---------------------------------------------------------------------------


def test_districts_use_a_national_threshold():
    # National totals: A 1800, B 980, R 220 of 3000; a 10% threshold is 300 votes, so the regional
    # list R (20% in district X) takes part nowhere.
    # X, 5 seats, D'Hondt among A and B: A 500 250 167 125, B 300 150 100
    #   -> 500A 300B 250A 167A 150B: A3 B2 (without the threshold R would have taken B's 2nd seat).
    # Y, 5 seats: A 600 300 200 150, B 400 200 133 -> 600A 400B 300A 200A|200B (tie for the 4th and
    #   5th seats, both get one) -> A3 B2.
    # Z, 5 seats: A 700 350 233 175 140, B 280 140 -> 700A 350A 280B 233A 175A: A4 B1.
    result = allocate_districts(
        {"X": {"A": 500, "B": 300, "R": 200}, "Y": {"A": 600, "B": 400}, "Z": {"A": 700, "B": 280, "R": 20}},
        {"X": 5, "Y": 5, "Z": 5},
        DHONDT,
        threshold=Fraction(10, 100),
    )
    assert result.national_votes == {"A": 1800, "B": 980, "R": 220}
    assert result.qualifying == ("A", "B")
    assert result.threshold_votes == 300
    assert result.districts["X"].seats == {"A": 3, "B": 2, "R": 0}
    assert result.districts["Y"].seats == {"A": 3, "B": 2, "R": 0}
    assert result.districts["Z"].seats == {"A": 4, "B": 1, "R": 0}
    assert result.seats == {"A": 10, "B": 5, "R": 0}
    # The same district alone, with its own (district-level) threshold, would have seated R.
    assert allocate({"A": 500, "B": 300, "R": 200}, 5, DHONDT, threshold=Fraction(10, 100)).seats["R"] == 1


def test_district_lots_are_reproducible():
    votes = {"X": {"A": 100, "B": 100}, "Y": {"A": 70, "B": 70}}
    first = allocate_districts(votes, {"X": 1, "Y": 1}, SAINTE_LAGUE, seed=11)
    assert len(first.lots) == 2
    assert first == allocate_districts(votes, {"Y": 1, "X": 1}, SAINTE_LAGUE, seed=11)


# --- Comparing methods ---------------------------------------------------------------------------


def test_compare_methods_shows_the_same_votes_under_every_method():
    # The four-list example, worked above and for the quota methods here:
    # Hare q = 230000/8 = 28750: A 3.48 B 2.78 C 1.04 D 0.70 -> whole A3 B2 C1, remainders B 22500,
    #   D 20000, A 13750, C 1250 -> B and D: A3 B3 C1 D1.
    # HB q = 230000/9 = 25555.6: A 3.91 B 3.13 C 1.17 D 0.78 -> whole A3 B3 C1, remainders
    #   A 0.91q, D 0.78q -> A: A4 B3 C1 D0.
    table = compare_methods(FOUR_LISTS, 8)
    assert list(table) == list(METHODS)
    assert {method.label: result.seats for method, result in table.items()} == {
        "D'Hondt": {"A": 4, "B": 3, "C": 1, "D": 0},
        "Sainte-Laguë": {"A": 3, "B": 3, "C": 1, "D": 1},
        "Sainte-Laguë, first divisor 1.4": {"A": 4, "B": 3, "C": 1, "D": 0},
        "Sainte-Laguë, first divisor 1.2": {"A": 3, "B": 3, "C": 1, "D": 1},
        "Largest remainder, Hare quota": {"A": 3, "B": 3, "C": 1, "D": 1},
        "Largest remainder, Hagenbach-Bischoff quota": {"A": 4, "B": 3, "C": 1, "D": 0},
    }


# --- Single-seat elections -----------------------------------------------------------------------


def test_fptp_most_votes_wins():
    assert fptp({"A": 120, "B": 100, "C": 80}).winner == "A"


def test_fptp_tie_is_drawn_by_seeded_lot():
    result = fptp({"A": 100, "B": 100, "C": 99}, seed=5)
    assert result.lots == (Lot(between=("A", "B"), drawn=(result.winner,), prize="the seat"),)
    assert fptp({"A": 100, "B": 100, "C": 99}, seed=5) == result


def test_two_round_majority_of_participants_wins_in_round_one():
    # 1000 took part (980 valid + 20 invalid): 510 > 500.
    result = two_round({"A": 510, "B": 300, "C": 170}, participants=1000)
    assert result.winner == "A"
    assert result.runoff == ()


def test_two_round_half_is_not_enough_and_the_top_two_go_to_a_run_off():
    # 500 of 1000 participants is not more than half (though 500/980 is more than half of the valid votes).
    result = two_round({"A": 500, "B": 300, "C": 180}, participants=1000)
    assert result.winner is None
    assert result.runoff == ("A", "B")


def test_two_round_tie_for_the_second_run_off_place_is_drawn_by_lot():
    result = two_round({"A": 450, "B": 250, "C": 250}, participants=960, seed=2)
    (lot,) = result.lots
    assert lot.between == ("B", "C")
    assert result.runoff == ("A", lot.drawn[0])


def test_two_round_refuses_fewer_participants_than_votes():
    with pytest.raises(ValueError):
        two_round({"A": 600, "B": 500}, participants=1000)


# --- Properties ----------------------------------------------------------------------------------

list_votes = st.dictionaries(
    st.sampled_from("ABCDEFGH"), st.integers(min_value=0, max_value=1_000_000), min_size=1, max_size=8
)


@given(votes=list_votes, seats=st.integers(1, 60), method=st.sampled_from(METHODS),
       threshold=st.fractions(min_value=0, max_value=Fraction(1, 5)), seed=st.integers(0, 3))
def test_every_seat_is_given_when_a_list_qualifies(votes, seats, method, threshold, seed):
    result = allocate(votes, seats, method, threshold=threshold, seed=seed)
    assert result.total == (seats if result.qualifying else 0)
    assert all(result.seats[name] == 0 for name in votes if name not in result.qualifying)


@given(votes=list_votes, seats=st.integers(1, 40), gain=st.integers(1, 200_000), data=st.data(),
       method=st.sampled_from([DHONDT, SAINTE_LAGUE, SAINTE_LAGUE_NORWAY, SAINTE_LAGUE_SWEDEN]))
def test_a_list_gaining_votes_never_loses_seats_under_divisor_methods(votes, seats, gain, data, method):
    name = data.draw(st.sampled_from(sorted(votes)))
    before = allocate(votes, seats, method).seats[name]
    after = allocate({**votes, name: votes[name] + gain}, seats, method).seats[name]
    assert after >= before



def test_projection_adds_districts_up_or_allocates_each_with_a_national_threshold():
    districts = {"North": {"A": 600, "B": 250, "C": 20}, "South": {"A": 200, "B": 450, "C": 30}}
    national = project(districts, ["A", "B", "C", "D"], 7, threshold=Fraction(5, 100))
    assert national.national == {"A": 800, "B": 700, "C": 50, "D": 0} and not national.by_district
    # A: 800 400 267 200, B: 700 350 233; C has 3.3% nationally and takes no part.
    assert national.allocations[DHONDT].seats == {"A": 4, "B": 3, "C": 0, "D": 0}
    per_region = project(districts, ["A", "B", "C"], 3, by_district=True, threshold=Fraction(5, 100))
    dhondt = per_region.allocations[DHONDT]
    # C stays out of both districts: the threshold is judged on national totals.
    assert {name: district.seats for name, district in dhondt.districts.items()} == {
        "North": {"A": 2, "B": 1, "C": 0}, "South": {"A": 1, "B": 2, "C": 0}}
    assert dhondt.seats == {"A": 3, "B": 3, "C": 0}


def test_single_seat_outcomes_name_the_winner_or_the_runoff_with_shares_of_the_right_base():
    votes = {"Aliya": 450, "Bolat": 350, "Chingis": 200}
    (fptp_outcome,) = single_seat_outcomes([("Almaty", votes, 1100)], fptp_race=True)
    assert fptp_outcome["winner"] == "Aliya" and fptp_outcome["runoff"] == ()
    assert [row["name"] for row in fptp_outcome["ranked"]] == ["Aliya", "Bolat", "Chingis"]
    assert fptp_outcome["ranked"][0]["share"] == 45  # of the candidates' 1,000 votes
    (two_round_outcome,) = single_seat_outcomes([("Almaty", votes, 1100)], fptp_race=False)
    assert two_round_outcome["winner"] is None and two_round_outcome["runoff"] == ("Aliya", "Bolat")
    assert round(two_round_outcome["ranked"][0]["share"], 2) == 40.91  # of the 1,100 who took part
    majority = single_seat_outcomes([("Astana", {"Aliya": 600, "Bolat": 400}, 1000)], fptp_race=False)
    assert majority[0]["winner"] == "Aliya" and majority[0]["participants"] == 1000


# --- Kazakhstan's own rule: the 2023 Mazhilis, as the CEC counted it ---------------------------

MAZHILIS_2023 = {"AMANAT": 3_431_510, "Auyl": 693_938, "Respublica": 547_154, "Ak Zhol": 535_139,
                 "People's Party": 432_920, "NSDP": 331_058, "Baytaq": 146_431}
AGAINST_ALL_2023 = 248_291


def test_the_2023_mazhilis_seats_come_out_as_the_cec_gave_them_with_its_base():
    base = sum(MAZHILIS_2023.values()) + AGAINST_ALL_2023
    assert base == 6_366_441
    result = seat_rules.allocate(MAZHILIS_2023, 69, seat_rules.HARE, threshold=Fraction(5, 100), threshold_base=base)
    assert [result.seats[name] for name in MAZHILIS_2023] == [40, 8, 6, 6, 5, 4, 0]
    assert result.quota == Fraction(sum(MAZHILIS_2023.values()) - MAZHILIS_2023["Baytaq"], 69)
    shares = seat_rules.shares(MAZHILIS_2023, base)
    assert round(float(100 * shares["AMANAT"]), 2) == 53.90 and round(float(100 * shares["Baytaq"]), 2) == 2.30


def test_equal_remainders_go_to_the_list_registered_earlier_when_the_election_says_so():
    votes = {"Later": 150, "Earlier": 150, "Big": 700}
    by_votes = seat_rules.allocate(votes, 9, seat_rules.HARE, seed=1)
    assert by_votes.lots  # the vote totals are equal: a lot decides
    by_order = seat_rules.allocate(votes, 9, seat_rules.HARE, tie_order=["Big", "Earlier", "Later"])
    assert not by_order.lots and (by_order.seats["Earlier"], by_order.seats["Later"]) == (2, 1)


def test_the_2023_mazhilis_list_seats_come_out_as_the_cec_published_them():
    """docs/domain.md §3: 69 seats, 5% of the list votes plus "against all", Hare quota."""
    votes = {"AMANAT": 3_431_510, "Auyl": 693_938, "Respublica": 547_154, "Ak Zhol": 535_139,
             "People's Party": 432_920, "NSDP": 331_058, "Baytaq": 146_431}
    base = sum(votes.values()) + 248_291  # against all
    assert base == 6_366_441
    hare = allocate(votes, 69, HARE, threshold=Fraction(5, 100), threshold_base=base)
    assert [hare.seats.get(name, 0) for name in votes] == [40, 8, 6, 6, 5, 4, 0]
    dhondt = allocate(votes, 69, DHONDT, threshold=Fraction(5, 100), threshold_base=base)
    assert [dhondt.seats.get(name, 0) for name in votes] == [41, 8, 6, 6, 5, 3, 0]
