"""The grammar of structured SMS, as a pure module (no Django): text in, a command or an error out.

    IN [station]                               check-in (OUT [station]: check-out)
    P [station] 1 1502 2 1600 8.1 500 ...      protocol figures by line number on the form
    P [station] 1:1502 2=1600 ...              the same, with ':' or '=' between number and figure
    I [station] <category number> <text>       incident
    C [station] <form> 1:Y 2:N 3:2 4:15        checklist answers by question number (form: number or code)

Letters are case-insensitive and extra spaces, commas and semicolons between tokens are ignored.
Cyrillic look-alikes of the command letters are read as the Latin ones: Р (Er) for P, І (the
Kazakh/Ukrainian I) and Ӏ (palochka) for I, Н is not N (it looks like H) and И is not I (it looks
like a reversed N), so "ИН" is refused rather than guessed. The station may be left out; the
service then uses the observer's only deployment. Where the station is optional the reading is
unambiguous: a protocol with an odd number of plain tokens starts with its station; an incident
whose first two tokens are whole numbers starts with its station.

In a checklist message each answer is `<question number>:<answer>` (or `=`): Y/N, Д/Н (да/нет)
or И (иә)/Ж (жоқ) for yes/no (the words YES, NO, ДА, НЕТ, ИӘ, ЖОҚ too), a whole number (a figure,
or a choice by its number), choices joined by `+` for a several-choice question (`5:1+3`), HH:MM
for a time. The form is its code or its number; a station is given before it (two tokens before
the first answer: station then form; one: the form).

A long message may come in parts marked "1/2 ...", "2/2 ..." (`split_part_marker`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEXT = 1600  # ten SMS parts: anything longer is not a structured message
MAX_FIGURE_DIGITS = 8

# Cyrillic letters that look like the Latin command letters (upper case after str.upper()).
LOOKALIKES = str.maketrans({"Р": "P", "І": "I", "Ӏ": "I", "О": "O", "Т": "T", "С": "C"})

_SEPARATORS = re.compile(r"[\s,;]+")
_PART = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})(?:\s+|$)")
_LINE_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})?$")
_STATION = re.compile(r"^[0-9A-Z][0-9A-Z\-/.]{0,39}$")
_PAIR = re.compile(r"^(\d{1,3}(?:\.\d{1,3})?)[:=](\d+)$")


class ParseError(ValueError):
    """What is wrong with a message, as a code (for the reply's translation) and its details."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class CheckIn:
    station: str | None
    kind: str = "in"  # "in" or "out"


@dataclass(frozen=True)
class Protocol:
    station: str | None
    figures: tuple  # ((line number on the form, figure), ...) in the order sent


@dataclass(frozen=True)
class Incident:
    station: str | None
    category: int
    text: str


@dataclass(frozen=True)
class Checklist:
    station: str | None
    form: str  # the checklist's code (lower case) or its number as digits
    answers: tuple  # ((question number, "yes" | "no" | int | (int, ...) | "HH:MM"), ...) in the order sent


@dataclass(frozen=True)
class Part:
    number: int
    total: int
    text: str


@dataclass
class Parsed:
    command: object | None = None
    error: ParseError | None = field(default=None)

    def as_data(self):
        """The parse as JSON-ready data, as stored with the message."""
        if self.error is not None:
            return {"error": self.error.code, **{key: _plain(value) for key, value in self.error.details.items()}}
        command = self.command
        data = {"kind": type(command).__name__.lower(), "station": command.station}
        if isinstance(command, CheckIn):
            data["direction"] = command.kind
        elif isinstance(command, Protocol):
            data["figures"] = [[number, value] for number, value in command.figures]
        elif isinstance(command, Incident):
            data.update(category=command.category, text=command.text)
        elif isinstance(command, Checklist):
            data.update(form=command.form, answers=[[number, _plain(value)] for number, value in command.answers])
        return data


def _plain(value):
    return list(value) if isinstance(value, tuple | set | frozenset) else value


def split_part_marker(text: str) -> Part | None:
    """'1/2 P 101 1 1500' -> Part(1, 2, 'P 101 1 1500'); None when the text has no marker."""
    match = _PART.match(text or "")
    if not match:
        return None
    number, total = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= total <= 10:
        return None
    return Part(number, total, text[match.end():])


def join_parts(parts) -> str:
    """The text of a complete set of parts, in part order, joined by a space."""
    return " ".join(part.text.strip() for part in sorted(parts, key=lambda part: part.number))


def tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text.strip()) if token]


def parse(text: str) -> Parsed:
    """Read one message. Never raises: a bad message is a Parsed with an error."""
    try:
        return Parsed(command=_parse(text))
    except ParseError as error:
        return Parsed(error=error)


def _parse(text):
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty")
    if len(text) > MAX_TEXT:
        raise ParseError("too_long", limit=MAX_TEXT)
    words = tokens(text)
    if not words:  # only commas and semicolons
        raise ParseError("empty")
    keyword = words[0].upper().translate(LOOKALIKES)
    rest = words[1:]
    if keyword in ("IN", "OUT"):
        return _check_in(rest, "in" if keyword == "IN" else "out")
    if keyword == "P":
        return _protocol(rest)
    if keyword == "I":
        return _incident(text)
    if keyword == "C":
        return _checklist(rest)
    # "P101" or "IN101": the keyword glued to the station.
    glued = re.match(r"^(IN|OUT|P)(\d.*)$", keyword)
    if glued:
        return _parse(f"{glued.group(1)} {glued.group(2)} {' '.join(rest)}")
    raise ParseError("unknown_command", word=words[0][:20])


def _station(token):
    station = token.upper()
    if not _STATION.match(station):
        raise ParseError("bad_station", station=token[:40])
    return station


def _check_in(rest, kind):
    if len(rest) > 1:
        raise ParseError("check_in_extra", extra=" ".join(rest[1:])[:40])
    return CheckIn(station=_station(rest[0]) if rest else None, kind=kind)


def _protocol(rest):
    station, pairs, plain = None, [], []
    if not rest:
        raise ParseError("no_figures")
    has_pairs = any(_PAIR.match(token) for token in rest)
    if has_pairs:
        if not _PAIR.match(rest[0]):
            station, rest = _station(rest[0]), rest[1:]
        for token in rest:
            match = _PAIR.match(token)
            if not match:
                raise ParseError("bad_pair", token=token[:20])
            pairs.append((match.group(1), match.group(2)))
    else:
        plain = list(rest)
        if len(plain) % 2 == 1:
            station, plain = _station(plain[0]), plain[1:]
        if not plain:
            raise ParseError("no_figures")
        pairs = list(zip(plain[0::2], plain[1::2], strict=True))
    figures, seen = [], set()
    for number, value in pairs:
        if not _LINE_NUMBER.match(number):
            raise ParseError("bad_line", line=number[:20])
        if not value.isascii() or not value.isdigit():
            raise ParseError("bad_figure", line=number, figure=value[:20])
        if len(value) > MAX_FIGURE_DIGITS:
            raise ParseError("figure_too_large", line=number, figure=value[:20])
        number = _canonical_line(number)
        if number in seen:
            raise ParseError("duplicate_line", line=number)
        seen.add(number)
        figures.append((number, int(value)))
    return Protocol(station=station, figures=tuple(figures))


def _canonical_line(number):
    """'01' -> '1', '8.01' -> '8.1': the form's numbers have no leading zeros."""
    return ".".join(str(int(part)) for part in number.split("."))


_TOKEN = re.compile(r"[^\s,;]+")


def _incident(text):
    # The description keeps its own spacing: only the leading tokens are read, by position.
    found = list(_TOKEN.finditer(text))
    words = [match.group(0) for match in found[1:3]]

    def number(word):
        return word.isascii() and word.isdigit()

    if len(words) == 2 and number(words[0]) and number(words[1]):
        station, category, end = words[0], words[1], found[2].end()
    elif words and number(words[0]):
        station, category, end = None, words[0], found[1].end()
    elif len(words) == 2 and number(words[1]):
        station, category, end = words[0], words[1], found[2].end()
    else:
        raise ParseError("no_category")
    description = text[end:].lstrip(" \t\r\n\f\v\x1c\x1d\x1e\x1f\x85\xa0,;").strip()
    if not description:
        raise ParseError("no_incident_text")
    if len(category) > 3:
        raise ParseError("no_category")
    return Incident(station=_station(station) if station else None, category=int(category), text=description)


YES = {"Y", "YES", "Д", "ДА", "И", "ИӘ", "ИА"}
NO = {"N", "NO", "Н", "НЕТ", "Ж", "ЖОҚ", "ЖОК"}
MAX_QUESTION = 200
_ANSWER = re.compile(r"^(\d{1,3})[:=](.*)$")
_FORM = re.compile(r"^[0-9a-z][0-9a-z_-]{0,59}$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]?([0-5]\d)$")
_CHOICES = re.compile(r"^\d{1,3}(?:\+\d{1,3})+$")


def _checklist(rest):
    first = next((index for index, token in enumerate(rest) if _ANSWER.match(token)), len(rest))
    head, answers = rest[:first], rest[first:]
    if not head:
        raise ParseError("no_form")
    if len(head) > 2:
        raise ParseError("bad_answer_pair", token=head[2][:20])
    station = _station(head[0]) if len(head) == 2 else None
    form = head[-1].lower()
    if not _FORM.match(form):
        raise ParseError("bad_form", form=head[-1][:40])
    if not answers:
        raise ParseError("no_answers")
    read, seen = [], set()
    for token in answers:
        match = _ANSWER.match(token)
        if not match:
            raise ParseError("bad_answer_pair", token=token[:20])
        number, value = int(match.group(1)), _answer(match.group(1), match.group(2))
        if not 1 <= number <= MAX_QUESTION:
            raise ParseError("bad_question", question=number)
        if number in seen:
            raise ParseError("duplicate_question", question=number)
        seen.add(number)
        read.append((number, value))
    return Checklist(station=station, form=form, answers=tuple(read))


def _answer(number, raw):
    word = raw.upper()
    if word in YES:
        return "yes"
    if word in NO:
        return "no"
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_FIGURE_DIGITS:
        return int(raw)
    if raw.isascii() and _CHOICES.match(raw):
        choices = tuple(int(part) for part in raw.split("+"))
        if len(set(choices)) != len(choices):
            raise ParseError("bad_answer", question=int(number), answer=raw[:20])
        return choices
    time = _TIME.match(raw) if raw.isascii() and not raw.isdigit() else None
    if time:
        return f"{int(time.group(1)):02d}:{time.group(2)}"
    raise ParseError("bad_answer", question=int(number), answer=raw[:20])
