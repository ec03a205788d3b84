"""The safe expression engine of control relations: plain Python, no database, no Django."""

import dataclasses

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from elections.relations import (
    MAX_DEPTH,
    MAX_SOURCE_LENGTH,
    BinaryOperation,
    Line,
    Negate,
    Number,
    Outcome,
    Relation,
    RelationError,
    Sum,
    Verdict,
    broken_in_many,
    check_references,
    evaluate,
    evaluate_all,
    parse_relation,
)

# The shipped templates' relations, written exactly as in docs (domain.md §1).
KAZAKHSTAN = ["L2 == L3 + L5 + L6", "L3 <= L1", "L4 <= L3", "L4 == L7 + sum(L8.*) + L9"]
RUSSIA = ["L2 == L3 + L4 + L5 + L6 + L11 - L12", "L7 + L8 == L9 + L10", "L10 == sum(L13.*)", "L7 <= L3 + L5",
          "L8 <= L3 + L4", "L7 + L8 <= L3 + L4 + L5", "L3 + L4 + L5 <= L1"]

KAZAKH_PROTOCOL = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
                   "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
RUSSIAN_PROTOCOL = {"L1": 2000, "L2": 1800, "L3": 10, "L4": 1200, "L5": 40, "L6": 550, "L7": 45, "L8": 1200,
                    "L9": 15, "L10": 1230, "L11": 0, "L12": 0, "L13.1": 30, "L13.2": 200, "L13.3": 100,
                    "L13.4": 800, "L13.5": 20, "L13.6": 30, "L13.7": 20, "L13.8": 30}


def broken(texts, figures):
    return {text for text in texts if evaluate(parse_relation(text), figures).verdict is Verdict.BROKEN}


def verdict(text, figures, tolerance=0):
    return evaluate(parse_relation(text), figures, tolerance).verdict


# --- The shipped templates ------------------------------------------------------------------


@pytest.mark.parametrize("text", KAZAKHSTAN + RUSSIA)
def test_every_shipped_relation_parses_and_keeps_its_text(text):
    relation = parse_relation(text)
    assert relation.source == text
    assert relation.operator in text


def test_the_shipped_relations_reference_the_expected_lines():
    assert parse_relation("L4 == L7 + sum(L8.*) + L9").line_codes() == {"L4", "L7", "L9"}
    assert parse_relation("L4 == L7 + sum(L8.*) + L9").patterns() == {"L8.*"}
    assert parse_relation("L2 == L3 + L4 + L5 + L6 + L11 - L12").line_codes() == {
        "L2", "L3", "L4", "L5", "L6", "L11", "L12"}
    assert parse_relation("L10 == sum(L13.*)").patterns() == {"L13.*"}
    assert parse_relation("L3 <= L1").patterns() == frozenset()


def test_a_consistent_kazakh_protocol_satisfies_every_relation():
    assert all(verdict(text, KAZAKH_PROTOCOL) is Verdict.HOLDS for text in KAZAKHSTAN)


def test_a_consistent_russian_protocol_satisfies_every_relation():
    assert all(verdict(text, RUSSIAN_PROTOCOL) is Verdict.HOLDS for text in RUSSIA)


def test_the_outcome_carries_both_sides_and_their_difference():
    outcome = evaluate(parse_relation("L2 == L3 + L4 + L5 + L6 + L11 - L12"), {**RUSSIAN_PROTOCOL, "L6": 560})
    assert outcome == Outcome(Verdict.BROKEN, 1800, 1810, ())
    assert outcome.difference == -10
    assert evaluate(parse_relation("L10 == sum(L13.*)"), RUSSIAN_PROTOCOL).left == 1230
    assert evaluate(parse_relation("L10 == sum(L13.*)"), RUSSIAN_PROTOCOL).right == 1230


@pytest.mark.parametrize("change, expected", [
    ({"L6": 551}, {"L2 == L3 + L4 + L5 + L6 + L11 - L12"}),
    ({"L12": 1}, {"L2 == L3 + L4 + L5 + L6 + L11 - L12"}),
    ({"L9": 16}, {"L7 + L8 == L9 + L10"}),
    ({"L13.4": 805}, {"L10 == sum(L13.*)"}),
    # More ballots in the mobile boxes than issued outside and early; stationary boxes compensate.
    ({"L7": 55, "L8": 1190}, {"L7 <= L3 + L5"}),
    ({"L7": 25, "L8": 1220}, {"L8 <= L3 + L4"}),
    ({"L7": 50, "L8": 1205, "L10": 1240, "L13.4": 810}, {"L7 + L8 <= L3 + L4 + L5"}),
    ({"L1": 1249}, {"L3 + L4 + L5 <= L1"}),
    # One wrong figure can break several relations at once.
    ({"L7": 55}, {"L7 <= L3 + L5", "L7 + L8 <= L3 + L4 + L5", "L7 + L8 == L9 + L10"}),
    ({"L4": 2100}, {"L2 == L3 + L4 + L5 + L6 + L11 - L12", "L3 + L4 + L5 <= L1"}),
])
def test_a_russian_mutation_breaks_exactly_the_relations_it_should(change, expected):
    assert broken(RUSSIA, {**RUSSIAN_PROTOCOL, **change}) == expected


@pytest.mark.parametrize("change, expected", [
    ({"L6": 298}, {"L2 == L3 + L5 + L6"}),
    ({"L1": 899}, {"L3 <= L1"}),
    ({"L4": 910, "L8.1": 520}, {"L4 <= L3"}),
    ({"L8.2": 301}, {"L4 == L7 + sum(L8.*) + L9"}),
    ({"L9": 9}, {"L4 == L7 + sum(L8.*) + L9"}),
])
def test_a_kazakh_mutation_breaks_exactly_the_relations_it_should(change, expected):
    assert broken(KAZAKHSTAN, {**KAZAKH_PROTOCOL, **change}) == expected


def test_every_shipped_relation_is_broken_by_some_mutation():
    """No shipped rule is vacuous: each of them can fail."""
    russian = [{"L6": 551}, {"L9": 16}, {"L13.4": 805}, {"L7": 55, "L8": 1190}, {"L7": 25, "L8": 1220},
               {"L7": 50, "L8": 1205, "L10": 1240, "L13.4": 810}, {"L1": 1249}]
    kazakh = [{"L6": 298}, {"L1": 899}, {"L4": 910, "L8.1": 520}, {"L8.2": 301}]
    assert set().union(*(broken(RUSSIA, {**RUSSIAN_PROTOCOL, **c}) for c in russian)) == set(RUSSIA)
    assert set().union(*(broken(KAZAKHSTAN, {**KAZAKH_PROTOCOL, **c}) for c in kazakh)) == set(KAZAKHSTAN)


def test_evaluate_all_returns_one_outcome_per_key():
    triples = [(text, parse_relation(text), 0) for text in RUSSIA]
    outcomes = evaluate_all(triples, {**RUSSIAN_PROTOCOL, "L9": 16})
    assert list(outcomes) == RUSSIA
    assert {key for key, outcome in outcomes.items() if outcome.verdict is Verdict.BROKEN} == {"L7 + L8 == L9 + L10"}
    assert evaluate_all([("eq", parse_relation("L9 + L10 == L7 + L8"), 1)], {**RUSSIAN_PROTOCOL, "L9": 16}) == {
        "eq": Outcome(Verdict.HOLDS, 1246, 1245, ())}


# --- What the grammar accepts ---------------------------------------------------------------


def test_whitespace_between_tokens_is_ignored():
    canonical = parse_relation("L4 == L7 + sum(L8.*) + L9")
    spaced = parse_relation("  L4==L7+\tsum ( L8.* )\n+ L9  ")
    assert (spaced.left, spaced.operator, spaced.right) == (canonical.left, canonical.operator, canonical.right)


def test_the_tree_is_made_of_the_engines_own_nodes():
    relation = parse_relation("L1 - (L2 + -3) >= sum(L8.*)")
    assert relation.left == BinaryOperation("-", Line("L1"), BinaryOperation("+", Line("L2"), Negate(Number(3))))
    assert relation.operator == ">="
    assert relation.right == Sum("L8.*")
    assert relation.right.prefix == "L8."


def test_subtraction_groups_from_the_left():
    assert evaluate(parse_relation("L1 - L2 - L3 == 5"), {"L1": 10, "L2": 3, "L3": 2}).left == 5


def test_unary_minus_and_parentheses_work():
    values = {"L1": 7, "L2": 3}
    assert evaluate(parse_relation("-L1 == -7"), values).verdict is Verdict.HOLDS
    assert evaluate(parse_relation("- -L1 == 7"), values).verdict is Verdict.HOLDS
    assert evaluate(parse_relation("L1 - -L2 == 10"), values).verdict is Verdict.HOLDS
    assert evaluate(parse_relation("-(L1 - L2) == -4"), values).verdict is Verdict.HOLDS
    assert evaluate(parse_relation("(((L1))) > (L2)"), values).verdict is Verdict.HOLDS


@pytest.mark.parametrize("operator, holds", [("==", False), ("!=", True), ("<=", False), (">=", True),
                                             ("<", False), (">", True)])
def test_every_comparator_is_understood(operator, holds):
    assert (verdict(f"L1 {operator} L2", {"L1": 5, "L2": 4}) is Verdict.HOLDS) is holds


def test_a_twelve_digit_number_is_accepted():
    assert parse_relation("L1 <= 999999999999").right == Number(999_999_999_999)


def test_a_relation_may_be_exactly_the_maximum_length():
    text = "L1 == 0" + " + 0" * 100
    text += " " * (MAX_SOURCE_LENGTH - len(text))
    assert len(text) == MAX_SOURCE_LENGTH
    assert parse_relation(text).source == text


def test_nesting_up_to_the_limit_is_accepted():
    parse_relation("(" * MAX_DEPTH + "L1" + ")" * MAX_DEPTH + " == 1")
    parse_relation("-" * MAX_DEPTH + "L1 == 1")
    parse_relation("-(" * (MAX_DEPTH // 2) + "L1" + ")" * (MAX_DEPTH // 2) + " == 1")


def test_line_codes_with_a_sub_number_are_plain_lines():
    relation = parse_relation("L8.2 + L13.10 == 0")
    assert relation.line_codes() == {"L8.2", "L13.10"} and relation.patterns() == frozenset()


def test_a_parsed_relation_is_an_immutable_value():
    relation = parse_relation("L3 <= L1")
    assert relation == parse_relation("L3 <= L1")
    assert hash(relation) == hash(parse_relation("L3 <= L1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        relation.operator = ">="  # type: ignore[misc]


def test_a_relation_built_by_hand_must_use_a_known_comparator():
    assert Relation("L1 == 1", Line("L1"), "==", Number(1)) == parse_relation("L1 == 1")
    with pytest.raises(RelationError, match="Unknown comparison"):
        Relation("L1 = 1", Line("L1"), "=", Number(1))


# --- What the grammar refuses, and why ------------------------------------------------------

A_600_CHARACTER_RELATION = ("L1 == L2" + " + L2" * 200)[:600]


@pytest.mark.parametrize("hostile, reason", [
    ("__import__('os').system('ls')", "Unknown function '__import__' at position 1: only sum(...) may be called"),
    ("L1.__class__", "Unexpected '.' at position 3 after L1"),
    ("L1.__class__ == 1", "attribute access is not allowed"),
    ("L1 == max(L1)", "Unknown function 'max' at position 7: only sum(...) may be called"),
    ("L1 == sum(L1)", "sum(...) takes a pattern such as L8.*, found the line L1 at position 11"),
    ("L1 ** 2 == 1", "Unexpected '*' at position 4: only + and - are allowed"),
    ("L1 * 2 == 1", "Unexpected '*' at position 4: only + and - are allowed (no multiplication"),
    ("L1 / 2 == 1", "Unexpected '/' at position 4: only + and - are allowed (no division)"),
    ("L1 == 10**100", "Unexpected '*' at position 9"),
    ("L1 == 9999999999999", "Number too large at position 7: at most 12 digits"),
    ("L1 == 'a'", "Unexpected \"'\" at position 7: text in quotes is not allowed"),
    ('L1 == "a"', "text in quotes is not allowed"),
    ("L1 == 1.5", "Unexpected '.' at position 8: only whole numbers are allowed"),
    ("L1 == L2 == L3", "Only one comparison is allowed: a second '==' at position 10"),
    ("L1 < L2 < L3", "Only one comparison is allowed: a second '<' at position 9"),
    ("L1", "The relation has no comparison: expected ==, !=, <=, >=, < or > at the end (position 3)"),
    ("L1 + L2", "no comparison"),
    ("", "The relation is empty"),
    (" \t\n ", "The relation is empty"),
    ("(" * 40 + "L1" + ")" * 40 + " == 1", "Nested too deeply at position 33: at most 32 levels"),
    ("(" * (MAX_DEPTH + 1) + "L1" + ")" * (MAX_DEPTH + 1) + " == 1", "Nested too deeply at position 33"),
    ("-" * (MAX_DEPTH + 1) + "L1 == 1", "Nested too deeply at position 33"),
    ("L1 == L2 and L3", "Unexpected 'and' at position 10: a relation is exactly one comparison"),
    ("L1 == L2 or L1 == L3", "Unexpected 'or' at position 10"),
    ("not L1 == 1", "Unexpected 'not' at position 1"),
    ("L1 == L2 if L3 else L4", "Unexpected 'if' at position 10"),
    ("lambda: 1", "Unknown name 'lambda' at position 1"),
    (A_600_CHARACTER_RELATION, "The relation is too long: 600 characters, at most 500"),
    ("L1 == 0" + " " * (MAX_SOURCE_LENGTH - 6), "too long: 501 characters"),
    ("open('/etc/passwd') == 1", "Unknown function 'open' at position 1"),
    ("L1 == L2; import os", "Unexpected ';' at position 9"),
    ("L1 == \\x41", "Unexpected '\\\\' at position 7"),
    ("L1 == L8.*", "The pattern L8.* at position 7 may only appear inside sum(...)"),
    ("sum(L8.*, L9.*) == 1", "Unexpected ',' at position 9"),
    ("sum L8.* == 1", "Expected '(' right after sum at position 5"),
    ("sum(L8.* == 1", "Expected ')' closing sum( at position 10, found '=='"),
    ("sum() == 1", "Expected a pattern such as L8.* inside sum(...) at position 5, found ')'"),
    ("sum(L8.1.*) == 1", "Unexpected '.' at position 9 right after the line code L8.1"),
    ("(L1 == 1", "Unexpected '==' at position 5: expected +, - or ')' closing the '(' at position 1"),
    ("L1 == (L2", "Missing ')' at the end (position 10) to close the '(' at position 7"),
    ("L1) == 1", "Unexpected ')' at position 3: there is no '(' for it to close"),
    ("L1 == 2(L3)", "Unexpected '(' at position 8: only sum(...) may be called"),
    ("L1 = 2", "Unexpected '=' at position 4: compare with =="),
    ("L1 ! L2", "Unexpected '!' at position 4: write !="),
    ("L1 <> L2", "Unexpected '>' at position 5"),
    ("L1 == +L2", "Unexpected '+' at position 7"),
    ("L1 ==", "The relation ends too early (position 6)"),
    ("L1 == -", "The relation ends too early (position 8)"),
    ("== L1", "Unexpected '==' at position 1"),
    ("l1 == 2", "Unknown name 'l1' at position 1: a line code is a capital L followed by digits"),
    ("L == 2", "Unknown name 'L' at position 1"),
    ("L1x == 2", "Unknown name 'L1x' at position 1"),
    ("L8.2.3 == 1", "Unexpected '.' at position 5 right after the line code L8.2"),
    ("L8.2x == 1", "Unexpected 'x' at position 5 right after the line code L8.2"),
    ("L1 == 1e5", "Unexpected 'e' at position 8 right after a number"),
    ("L1 == 0x10", "Unexpected 'x' at position 8 right after a number"),
    ("L1 == 1_000", "Unexpected '_' at position 8 right after a number"),
    ("L\u0661 == 1", "Unknown name 'L' at position 1"),  # Arabic-Indic digit one
    ("L1 == \u0663", "Unexpected '\u0663' at position 7"),
    ("L1 == \u00b2", "Unexpected '\u00b2' at position 7"),
    ("L1 == [L2]", "Unexpected '[' at position 7: brackets are not allowed"),
    ("L1 == L2 & L3", "Unexpected '&' at position 10"),
    ("L1 == L2\x00", "Unexpected '\\x00' at position 9"),
    ("SUM(L8.*) == 1", "Unknown function 'SUM' at position 1"),
])
def test_hostile_or_malformed_expressions_are_refused_with_a_reason(hostile, reason):
    with pytest.raises(RelationError) as refused:
        parse_relation(hostile)
    assert reason in str(refused.value)


@pytest.mark.parametrize("hostile", ["L1.__class__", "L1 == L2 == L3", "L1 * 2 == 1", "L1 == 'a'", "L1 == max(L1)"])
def test_every_refusal_names_the_position(hostile):
    with pytest.raises(RelationError, match=r"at position \d+"):
        parse_relation(hostile)


def test_attribute_access_is_refused():
    with pytest.raises(RelationError, match="attribute access"):
        parse_relation("L1.__class__.__base__ == 1")


def test_a_relation_error_is_a_value_error():
    with pytest.raises(ValueError, match="empty"):
        parse_relation("")


@pytest.mark.parametrize("not_text, reason", [(None, "empty"), (5, "must be text, not int"),
                                              (b"L1 == 1", "must be text, not bytes")])
def test_only_text_is_parsed(not_text, reason):
    with pytest.raises(RelationError, match=reason):
        parse_relation(not_text)


# --- Blank lines ----------------------------------------------------------------------------


def test_a_missing_line_makes_the_relation_incomplete_not_broken():
    outcome = evaluate(parse_relation("L2 == L3 + L5 + L6"), {"L2": 1200, "L3": 900, "L5": 3})
    assert outcome == Outcome(Verdict.INCOMPLETE, 1200, None, ("L6",))
    assert outcome.difference is None


def test_a_line_set_to_none_counts_as_missing():
    outcome = evaluate(parse_relation("L3 <= L1"), {"L1": None, "L3": 900})
    assert outcome.verdict is Verdict.INCOMPLETE and outcome.missing == ("L1",)


def test_every_missing_line_is_listed_once():
    outcome = evaluate(parse_relation("L1 + L2 + L1 == L3 + L2"), {})
    assert outcome.verdict is Verdict.INCOMPLETE
    assert outcome.missing == ("L1", "L2", "L3")
    assert (outcome.left, outcome.right) == (None, None)


def test_a_line_that_cancels_out_is_still_required():
    assert verdict("L1 - L1 + L2 == 5", {"L2": 5}) is Verdict.INCOMPLETE
    assert verdict("L1 - L1 + L2 == 5", {"L1": 9, "L2": 5}) is Verdict.HOLDS


def test_a_sum_with_no_filled_in_line_is_incomplete():
    relation = parse_relation("L4 == L7 + sum(L8.*) + L9")
    outcome = evaluate(relation, {"L4": 10, "L7": 1, "L9": 0, "L8.1": None})
    assert outcome.verdict is Verdict.INCOMPLETE and outcome.missing == ("L8.*",)


def test_a_sum_adds_the_filled_in_lines_of_its_group_only():
    relation = parse_relation("L4 == sum(L8.*)")
    values = {"L4": 30, "L8.1": 10, "L8.2": None, "L8.3": 20, "L8": 1000, "L80.1": 1000, "L18.1": 1000}
    assert evaluate(relation, values) == Outcome(Verdict.HOLDS, 30, 30, ())


def test_both_a_blank_line_and_an_empty_sum_are_reported():
    outcome = evaluate(parse_relation("L4 == L7 + sum(L8.*) + L9"), {"L4": 10, "L7": 1})
    assert outcome.verdict is Verdict.INCOMPLETE and set(outcome.missing) == {"L8.*", "L9"}


def test_lines_the_relation_does_not_read_do_not_matter():
    assert verdict("L3 <= L1", {"L1": 10, "L3": 5, "L2": None, "L99": -4}) is Verdict.HOLDS


# --- Tolerance ------------------------------------------------------------------------------


@pytest.mark.parametrize("operator, left, right, tolerance, holds", [
    ("==", 100, 102, 2, True), ("==", 102, 100, 2, True), ("==", 100, 103, 2, False), ("==", 103, 100, 2, False),
    ("!=", 100, 102, 2, False), ("!=", 100, 103, 2, True), ("!=", 103, 100, 2, True), ("!=", 5, 5, 0, False),
    ("<=", 105, 100, 5, True), ("<=", 106, 100, 5, False), ("<=", 0, 100, 5, True),
    ("<", 104, 100, 5, True), ("<", 105, 100, 5, False), ("<", 100, 100, 0, False),
    (">=", 95, 100, 5, True), (">=", 94, 100, 5, False), (">=", 200, 100, 5, True),
    (">", 96, 100, 5, True), (">", 95, 100, 5, False), (">", 100, 100, 0, False),
])
def test_tolerance_accepts_small_differences_in_the_direction_of_the_comparison(operator, left, right, tolerance,
                                                                                  holds):
    outcome = evaluate(parse_relation(f"L1 {operator} L2"), {"L1": left, "L2": right}, tolerance)
    assert outcome.verdict is (Verdict.HOLDS if holds else Verdict.BROKEN)
    assert outcome.difference == left - right


def test_the_default_tolerance_is_zero():
    assert verdict("L1 == L2", {"L1": 100, "L2": 101}) is Verdict.BROKEN


@pytest.mark.parametrize("tolerance", [-1, 0.5, "1", True])
def test_a_tolerance_must_be_a_non_negative_whole_number(tolerance):
    with pytest.raises(ValueError, match="tolerance"):
        evaluate(parse_relation("L1 == L2"), {"L1": 1, "L2": 1}, tolerance)


# --- References against a template ----------------------------------------------------------


def test_references_to_known_lines_are_accepted():
    check_references(parse_relation("L10 == sum(L13.*)"), ["L10", "L13.1"])
    check_references(parse_relation("L4 == L7 + sum(L8.*) + L9"), (code for code in KAZAKH_PROTOCOL))


def test_an_unknown_line_is_named():
    with pytest.raises(RelationError, match="Unknown line L77: the template has no such line"):
        check_references(parse_relation("L1 == L77"), ["L1"])


def test_several_unknown_lines_are_all_named():
    with pytest.raises(RelationError, match="Unknown lines L14, L77: the template has no such lines"):
        check_references(parse_relation("L1 == L77 + L14"), ["L1"])


def test_a_pattern_matching_no_line_is_refused():
    with pytest.raises(RelationError, match=r"sum\(L9\.\*\) matches no line of the template"):
        check_references(parse_relation("L1 == sum(L9.*)"), ["L1", "L9"])


def test_a_pattern_matches_its_own_group_only():
    with pytest.raises(RelationError, match=r"sum\(L1\.\*\) matches no line"):
        check_references(parse_relation("L2 == sum(L1.*)"), ["L2", "L10.1", "L1"])


def test_every_reference_problem_is_reported_at_once():
    with pytest.raises(RelationError) as refused:
        check_references(parse_relation("L77 == sum(L9.*)"), ["L1"])
    assert "Unknown line L77" in str(refused.value) and "sum(L9.*) matches no line" in str(refused.value)


# --- Properties -----------------------------------------------------------------------------


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 2 * 10**9))
def test_an_equation_holds_exactly_when_the_figures_add_up(a, b, c):
    outcome = evaluate(parse_relation("L1 + L2 == L3"), {"L1": a, "L2": b, "L3": c})
    assert (outcome.verdict is Verdict.HOLDS) == (a + b == c)
    assert (outcome.left, outcome.right, outcome.difference) == (a + b, c, a + b - c)


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_an_equation_holds_when_the_figures_are_made_to_add_up(a, b):
    assert verdict("L1 + L2 == L3", {"L1": a, "L2": b, "L3": a + b}) is Verdict.HOLDS


# A generated expression is a tree of tuples, rendered to text from the grammar with random
# spacing and redundant parentheses, and evaluated here independently of the engine.
CODES = ("L1", "L2", "L3", "L10", "L8.1", "L13.1")
PATTERNS = ("L8.*", "L13.*")
ALL_CODES = ("L1", "L2", "L3", "L10", "L8.1", "L8.2", "L8.3", "L13.1", "L13.2", "L80.1", "L18.1")
COMPARATORS = ("==", "!=", "<=", ">=", "<", ">")

LEAVES = st.one_of(
    st.integers(0, 10**12 - 1).map(lambda n: ("number", n)),
    st.sampled_from(CODES).map(lambda code: ("line", code)),
    st.sampled_from(PATTERNS).map(lambda pattern: ("sum", pattern)),
)
TREES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.tuples(st.just("neg"), inner),
                            st.tuples(st.just("bin"), st.sampled_from("+-"), inner, inner)),
    max_leaves=10,
)
SPACES = st.sampled_from(["", "", " ", "  ", "\t", "\n"])


@st.composite
def rendered(draw, tree):
    """(text, nesting depth) of a tree; a right operand or a negated sum is parenthesised."""

    def render(node, as_term):
        kind = node[0]
        if kind == "number":
            text, depth = str(node[1]), 0
        elif kind == "line":
            text, depth = node[1], 0
        elif kind == "sum":
            text, depth = f"sum{draw(SPACES)}({draw(SPACES)}{node[1]}{draw(SPACES)})", 0
        elif kind == "neg":
            operand, inner = render(node[1], True)
            text, depth = f"-{draw(SPACES)}{operand}", inner + 1
        else:
            left, left_depth = render(node[2], False)
            right, right_depth = render(node[3], True)
            text, depth = f"{left}{draw(SPACES)}{node[1]}{draw(SPACES)}{right}", max(left_depth, right_depth)
            if as_term:
                text, depth = f"({draw(SPACES)}{text}{draw(SPACES)})", depth + 1
        if draw(st.integers(0, 9)) == 0:
            text, depth = f"({text})", depth + 1
        return text, depth

    return render(tree, False)


def reference(node, values):
    kind = node[0]
    if kind == "number":
        return node[1]
    if kind == "line":
        return values[node[1]]
    if kind == "sum":
        prefix = node[1][:-1]
        return sum(value for code, value in values.items() if code.startswith(prefix))
    if kind == "neg":
        return -reference(node[1], values)
    left, right = reference(node[2], values), reference(node[3], values)
    return left + right if node[1] == "+" else left - right


def referenced(node):
    """(line codes, patterns) a tree reads."""
    if node[0] == "line":
        return {node[1]}, set()
    if node[0] == "sum":
        return set(), {node[1]}
    codes, patterns = set(), set()
    for child in node[1:]:
        if isinstance(child, tuple):
            child_codes, child_patterns = referenced(child)
            codes |= child_codes
            patterns |= child_patterns
    return codes, patterns


def expected_holds(operator, left, right, tolerance):
    return {"==": -tolerance <= left - right <= tolerance, "!=": not -tolerance <= left - right <= tolerance,
            "<=": left <= right + tolerance, "<": left < right + tolerance,
            ">=": left + tolerance >= right, ">": left + tolerance > right}[operator]


@st.composite
def generated_relations(draw):
    left_tree, right_tree = draw(TREES), draw(TREES)
    (left, left_depth), (right, right_depth) = draw(rendered(left_tree)), draw(rendered(right_tree))
    operator = draw(st.sampled_from(COMPARATORS))
    text = f"{draw(SPACES)}{left}{draw(SPACES)}{operator}{draw(SPACES)}{right}{draw(SPACES)}"
    assume(len(text) <= MAX_SOURCE_LENGTH and max(left_depth, right_depth) <= MAX_DEPTH)
    return text, left_tree, operator, right_tree


@given(generated_relations(), st.fixed_dictionaries({code: st.integers(0, 10**7) for code in ALL_CODES}),
       st.integers(0, 50))
def test_generated_relations_evaluate_like_a_reference_computation(generated, values, tolerance):
    text, left_tree, operator, right_tree = generated
    relation = parse_relation(text)
    expected_left, expected_right = reference(left_tree, values), reference(right_tree, values)
    outcome = evaluate(relation, values, tolerance)
    assert (outcome.left, outcome.right) == (expected_left, expected_right)
    assert outcome.verdict is (Verdict.HOLDS if expected_holds(operator, expected_left, expected_right, tolerance)
                               else Verdict.BROKEN)
    assert relation.operator == operator


@given(generated_relations())
def test_generated_relations_report_the_lines_and_patterns_they_read(generated):
    text, left_tree, _operator, right_tree = generated
    relation = parse_relation(text)
    left_codes, left_patterns = referenced(left_tree)
    right_codes, right_patterns = referenced(right_tree)
    assert relation.line_codes() == left_codes | right_codes
    assert relation.patterns() == left_patterns | right_patterns


@given(generated_relations(), st.fixed_dictionaries({code: st.none() | st.integers(0, 1000) for code in ALL_CODES}))
def test_blank_lines_make_generated_relations_incomplete_exactly_when_read(generated, values):
    text, left_tree, operator, right_tree = generated
    relation = parse_relation(text)
    outcome = evaluate(relation, values)
    codes, patterns = referenced(left_tree)
    more_codes, more_patterns = referenced(right_tree)
    blank = {code for code in codes | more_codes if values[code] is None}
    blank |= {pattern for pattern in patterns | more_patterns
              if all(value is None for code, value in values.items() if code.startswith(pattern[:-1]))}
    assert set(outcome.missing) == blank and len(outcome.missing) == len(blank)
    if blank:
        assert outcome.verdict is Verdict.INCOMPLETE and outcome.difference is None
    else:
        filled = {code: value for code, value in values.items() if value is not None}
        left, right = reference(left_tree, filled), reference(right_tree, filled)
        assert outcome.verdict is (Verdict.HOLDS if expected_holds(operator, left, right, 0) else Verdict.BROKEN)


def parses_or_is_refused(text):
    try:
        relation = parse_relation(text)
    except RelationError:
        return
    assert isinstance(evaluate(relation, {}), Outcome)


@given(st.text())
def test_any_text_either_parses_or_is_refused_cleanly(text):
    parses_or_is_refused(text)


@given(st.text(alphabet="L0123456789.*+-()=<>! sum,_'", max_size=60))
def test_text_made_of_grammar_characters_either_parses_or_is_refused_cleanly(text):
    parses_or_is_refused(text)


@given(generated_relations(), st.data())
def test_a_damaged_valid_relation_either_parses_or_is_refused_cleanly(generated, data):
    text = generated[0]
    position = data.draw(st.integers(0, len(text)))
    if data.draw(st.booleans()):
        damaged = text[:position] + data.draw(st.characters()) + text[position:]
    else:
        damaged = text[:position] + text[position + 1:]
    parses_or_is_refused(damaged)


# --- Many protocols at once: the same verdicts as one by one ---------------------------------

ROWS = st.lists(st.dictionaries(st.sampled_from(ALL_CODES), st.none() | st.integers(0, 10**7)), min_size=1,
                max_size=8)


@given(st.lists(st.tuples(generated_relations(), st.integers(0, 20)), min_size=1, max_size=4), ROWS)
def test_relations_checked_on_many_protocols_at_once_break_exactly_where_one_by_one_they_do(generated, rows):
    relations = [(parse_relation(text), tolerance) for (text, *_trees), tolerance in generated]
    one_by_one = [(index, position) for index, row in enumerate(rows)
                  for position, (relation, tolerance) in enumerate(relations)
                  if evaluate(relation, row, tolerance).verdict is Verdict.BROKEN]
    assert broken_in_many(relations, rows) == one_by_one


def test_many_protocols_with_a_figure_too_large_for_floats_are_checked_exactly():
    relation = parse_relation("L1 == L2 + 1")
    rows = [{"L1": 2**60 + 1, "L2": 2**60}, {"L1": 2**60 + 2, "L2": 2**60}, {"L1": 5}]
    assert broken_in_many([(relation, 0)], rows) == [(1, 0)]
