"""A small, safe expression engine for the control relations of a results protocol.

A relation such as `L2 == L3 + L5 + L6` or `L10 == sum(L13.*)` is stored as text and edited by
an administrator, so it is untrusted input: it is never given to `eval`, nor to Python's own
parser. A tokenizer and a recursive-descent parser accept exactly this grammar and nothing else:

    relation := expr COMPARATOR expr         (one comparison: == != <= >= < >)
    expr     := term (('+' | '-') term)*
    term     := '-' term | INTEGER | LINE | 'sum' '(' PATTERN ')' | '(' expr ')'
    LINE     := L<digits>[.<digits>]          L1, L10, L8.3
    PATTERN  := L<digits>.*                   every contestant line of L8: L8.1, L8.2...

Parsing happens once; evaluation walks a tiny tree of integers and runs for every station.
No Django import: the worker and the tests use it as plain Python.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

MAX_SOURCE_LENGTH = 500
MAX_INTEGER_DIGITS = 12
MAX_DEPTH = 32
COMPARATORS = ("==", "!=", "<=", ">=", "<", ">")


class RelationError(ValueError):
    """The text is not a relation this engine accepts; the message says what and where."""


# --- The tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: int


@dataclass(frozen=True)
class Line:
    code: str


@dataclass(frozen=True)
class Sum:
    pattern: str  # "L8.*"
    prefix: str  # "L8."


@dataclass(frozen=True)
class Negate:
    operand: object


@dataclass(frozen=True)
class BinaryOperation:
    operator: str  # "+" or "-"
    left: object
    right: object


@dataclass(frozen=True)
class LinearForm:
    """A side of a relation flattened to `constant + sum(coef * line) + sum(coef * sum(pattern))`.

    The grammar only adds and subtracts, so every expression is linear: evaluating the flat
    form is a short loop, several times faster than walking the tree for 100,000 stations.
    """

    constant: int
    lines: tuple  # (code, coefficient)
    patterns: tuple  # (prefix, pattern, coefficient)


def _linear(node):
    constant, lines, patterns = 0, {}, {}

    def visit(node, sign):
        nonlocal constant
        if isinstance(node, Number):
            constant += sign * node.value
        elif isinstance(node, Line):
            lines[node.code] = lines.get(node.code, 0) + sign
        elif isinstance(node, Sum):
            patterns[node.pattern] = patterns.get(node.pattern, 0) + sign
        elif isinstance(node, Negate):
            visit(node.operand, -sign)
        else:
            visit(node.left, sign)
            visit(node.right, sign if node.operator == "+" else -sign)

    visit(node, 1)
    return LinearForm(constant, tuple(lines.items()), tuple((p[:-1], p, c) for p, c in patterns.items()))


@dataclass(frozen=True)
class Relation:
    source: str
    left: object
    operator: str
    right: object

    def __post_init__(self):
        object.__setattr__(self, "left_form", _linear(self.left))
        object.__setattr__(self, "right_form", _linear(self.right))

    def line_codes(self) -> frozenset:
        return frozenset(node.code for node in _walk(self.left, self.right) if isinstance(node, Line))

    def patterns(self) -> frozenset:
        return frozenset(node.pattern for node in _walk(self.left, self.right) if isinstance(node, Sum))


def _walk(*nodes):
    for node in nodes:
        yield node
        if isinstance(node, Negate):
            yield from _walk(node.operand)
        elif isinstance(node, BinaryOperation):
            yield from _walk(node.left, node.right)


# --- Tokenizer --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<pattern>L\d+\.\*)
  | (?P<line>L\d+(?:\.\d+)?)(?![\w.])
  | (?P<sum>sum)(?!\w)
  | (?P<integer>\d+)(?![\w.])
  | (?P<comparator>==|!=|<=|>=|<|>)
  | (?P<operator>[+\-])
  | (?P<open>\()
  | (?P<close>\))
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(source):
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise RelationError(
                f"Unexpected {source[position]!r} at position {position}: a relation may only contain line codes "
                "(L1, L8.2), whole numbers, + and -, sum(L8.*), parentheses and one comparison"
            )
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- Parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source):
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self):
        return self.tokens[self.index]

    def take(self, kind, expected):
        token = self.current
        if token.kind != kind:
            raise RelationError(f"Expected {expected} at position {token.position}, found {_describe(token)}")
        self.index += 1
        return token

    def relation(self, source):
        left = self.expression()
        if self.current.kind != "comparator":
            raise RelationError(
                f"Expected a comparison (==, !=, <=, >=, <, >) at position {self.current.position}, "
                f"found {_describe(self.current)}"
            )
        operator = self.take("comparator", "a comparison").text
        right = self.expression()
        if self.current.kind == "comparator":
            raise RelationError(
                f"Only one comparison is allowed: a second {self.current.text!r} at position {self.current.position}"
            )
        if self.current.kind != "end":
            raise RelationError(f"Unexpected {_describe(self.current)} at position {self.current.position}")
        return Relation(source=source, left=left, operator=operator, right=right)

    def expression(self):
        node = self.term()
        while self.current.kind == "operator":
            operator = self.take("operator", "+ or -").text
            node = BinaryOperation(operator, node, self.term())
        return node

    def term(self):
        token = self.current
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RelationError(f"The relation is nested too deeply (more than {MAX_DEPTH} levels)")
        try:
            return self._term(token)
        finally:
            self.depth -= 1

    def _term(self, token):
        if token.kind == "operator" and token.text == "-":
            self.index += 1
            return Negate(self.term())
        if token.kind == "integer":
            self.index += 1
            if len(token.text) > MAX_INTEGER_DIGITS:
                raise RelationError(
                    f"Number too large at position {token.position}: at most {MAX_INTEGER_DIGITS} digits"
                )
            return Number(int(token.text))
        if token.kind == "line":
            self.index += 1
            return Line(token.text)
        if token.kind == "sum":
            self.index += 1
            self.take("open", "'(' after sum")
            pattern = self.take("pattern", "a line pattern such as L8.* inside sum(...)").text
            self.take("close", "')' closing sum(")
            return Sum(pattern=pattern, prefix=pattern[:-1])
        if token.kind == "open":
            self.index += 1
            node = self.expression()
            self.take("close", "')'")
            return node
        if token.kind == "pattern":
            raise RelationError(f"A pattern such as {token.text} may only appear inside sum(...), at position {token.position}")
        raise RelationError(f"Expected a line code, a number, sum(...) or '(' at position {token.position}, found {_describe(token)}")


def _describe(token):
    return "the end of the relation" if token.kind == "end" else repr(token.text)


def parse_relation(source: str) -> Relation:
    """Parse relation text into a tree, or raise RelationError saying what is wrong and where."""
    if not isinstance(source, str) or not source.strip():
        raise RelationError("The relation is empty")
    if len(source) > MAX_SOURCE_LENGTH:
        raise RelationError(f"The relation is longer than {MAX_SOURCE_LENGTH} characters")
    return _Parser(source).relation(source)


def check_references(relation: Relation, known_codes: Iterable[str]) -> None:
    """Refuse a relation that names a line the template does not have."""
    known = set(known_codes)
    unknown = sorted(relation.line_codes() - known)
    if unknown:
        raise RelationError(f"Unknown line {', '.join(unknown)}: the template has no such line")
    for pattern in sorted(relation.patterns()):
        prefix = pattern[:-1]
        if not any(code.startswith(prefix) for code in known):
            raise RelationError(f"sum({pattern}) matches no line of the template")


# --- Evaluation -------------------------------------------------------------------------------


class Verdict(str, Enum):
    HOLDS = "holds"
    BROKEN = "broken"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    left: int | None
    right: int | None
    missing: tuple = ()

    @property
    def difference(self):
        if self.left is None or self.right is None:
            return None
        return self.left - self.right


def _apply(form, values, missing):
    total = form.constant
    for code, coefficient in form.lines:
        value = values.get(code)
        if value is None:
            missing.append(code)
        else:
            total += coefficient * value
    for prefix, pattern, coefficient in form.patterns:
        found, subtotal = False, 0
        for code, value in values.items():
            if value is not None and code.startswith(prefix):
                subtotal += value
                found = True
        if found:
            total += coefficient * subtotal
        else:
            missing.append(pattern)
    return total


def _holds(operator, difference, tolerance):
    if operator == "==":
        return abs(difference) <= tolerance
    if operator == "!=":
        return abs(difference) > tolerance
    if operator == "<=":
        return difference <= tolerance
    if operator == "<":
        return difference < tolerance
    if operator == ">=":
        return difference >= -tolerance
    return difference > -tolerance  # ">"


def evaluate(relation: Relation, values: Mapping, tolerance: int = 0) -> Outcome:
    """Evaluate a relation on one protocol's figures: holds, broken, or incomplete (blank lines).

    `tolerance` lets an administrator accept a small difference (left - right) without a flag.
    """
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    missing = []
    left = _apply(relation.left_form, values, missing)
    right = _apply(relation.right_form, values, missing)
    if missing:
        return Outcome(Verdict.INCOMPLETE, None, None, tuple(dict.fromkeys(missing)))
    verdict = Verdict.HOLDS if _holds(relation.operator, left - right, tolerance) else Verdict.BROKEN
    return Outcome(verdict, left, right)


def evaluate_all(relations: Iterable, values: Mapping) -> dict:
    """(key, relation, tolerance) triples -> {key: Outcome} for one protocol."""
    return {key: evaluate(relation, values, tolerance) for key, relation, tolerance in relations}
