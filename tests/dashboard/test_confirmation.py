"""The rule that decides which observer copies the public page shows as confirmed (pure)."""

from hypothesis import given
from hypothesis import strategies as st

from dashboard.confirmation import AGREES, REVIEWED, confirmation_basis, differing_lines

OFFICIAL = {"L1": 1500, "L8.1": 500, "L8.2": 300}


def test_a_copy_equal_to_the_official_result_agrees():
    assert confirmation_basis(dict(OFFICIAL), OFFICIAL, []) == AGREES
    assert confirmation_basis(dict(OFFICIAL), OFFICIAL, ["withdrawn"]) == AGREES


def test_a_differing_copy_needs_a_reviewers_confirmation():
    moved = {**OFFICIAL, "L8.1": 540, "L8.2": 260}
    assert confirmation_basis(moved, OFFICIAL, []) is None
    assert confirmation_basis(moved, OFFICIAL, ["withdrawn"]) is None
    assert confirmation_basis(moved, OFFICIAL, ["confirmed"]) == REVIEWED
    assert confirmation_basis(moved, OFFICIAL, ["resolved"]) == REVIEWED
    assert confirmation_basis(moved, None, ["confirmed"]) == REVIEWED


def test_an_open_flag_or_an_observers_mistake_keeps_a_copy_off_the_page():
    assert confirmation_basis(dict(OFFICIAL), OFFICIAL, ["open"]) is None
    assert confirmation_basis({**OFFICIAL, "L1": 1}, OFFICIAL, ["confirmed", "observer_error"]) is None


def test_without_an_official_result_and_a_review_nothing_is_confirmed():
    assert confirmation_basis(dict(OFFICIAL), None, []) is None


def test_differing_lines_counts_missing_lines():
    assert differing_lines({"L1": 1, "L2": 2}, {"L1": 1, "L3": 3}) == ["L2", "L3"]


@given(st.dictionaries(st.sampled_from(["L1", "L2", "L3", "L8.1"]), st.integers(0, 10**6)),
       st.lists(st.sampled_from(["open", "confirmed", "observer_error", "resolved", "withdrawn"]), max_size=3))
def test_no_basis_while_a_flag_is_open(figures, statuses):
    basis = confirmation_basis(figures, OFFICIAL, [*statuses, "open"])
    assert basis is None
