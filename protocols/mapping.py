"""A results file read by a mapping written as data: pure functions, no Django.

A source's mapping names the key columns (region, commission, station), the column of each
protocol line (several reworded headers may stand for one line: the file uses whichever it has),
the patterns that normalise names, the rows to skip and the columns to ignore. Headers are matched
by their wording, not their exact bytes: case, "ё"/"е" and runs of spaces do not matter.

`propose_mapping` helps write a mapping: each column of a new file's header matched to a protocol
line by its wording, or to a contestant by name, for a person to correct and save.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# --- The file's text: encoding and delimiter -----------------------------------------------------

# A byte-order mark says the encoding for certain, whatever the source says (UTF-32's first, as
# its little-endian mark begins with UTF-16's).
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
DELIMITERS = (",", ";", "\t", "|")
# What a spreadsheet in Russian or Kazakh saves as "CSV" when it is not UTF-8.
LEGACY_ENCODING = "windows-1251"


def encoding_of(head: bytes, declared: str) -> str:
    """The codec to read a file with: its byte-order mark's, else the source's (UTF-8 read so that a
    mark, had it one, would be dropped)."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    return "utf-8-sig" if codecs.lookup(declared or "utf-8").name == "utf-8" else declared


def sniff_text_format(head: bytes) -> tuple[str, str]:
    """(encoding, delimiter) proposed for a new file from its first bytes: the mark's encoding, else
    UTF-8 when the bytes are UTF-8, else the legacy Cyrillic code page; the delimiter that splits
    the first line into the most fields. A proposal, for a person to correct."""
    encoding = encoding_of(head, "utf-8")
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head)  # a character cut at the end is no error
    except UnicodeDecodeError:
        encoding, text = LEGACY_ENCODING, head.decode(LEGACY_ENCODING, errors="replace")
    lines = text.lstrip("\ufeff").splitlines()[:20]  # a title may stand above the header

    def most_in_a_line(candidate):
        return max((line.count(candidate) for line in lines), default=0), candidate == ","

    return ("utf-8" if encoding == "utf-8-sig" else encoding), max(DELIMITERS, key=most_in_a_line)


def likely_header(rows: Sequence[Sequence[str]]) -> list[str]:
    """A new file's header among its first rows: the first of those with the most cells filled (a
    title or a note above it fills one or two)."""
    filled = [sum(1 for cell in row if str(cell).strip()) for row in rows]
    return list(rows[filled.index(max(filled))]) if filled and max(filled) else []


def delimiter_hint(header: Sequence[str], delimiter: str) -> str | None:
    """The delimiter a header seems to use instead of `delimiter`: one found more often in it than
    `delimiter` split it (a header read with the wrong one is a column or a few, full of the other)."""
    line = delimiter.join(header)
    counts = {candidate: line.count(candidate) for candidate in DELIMITERS if candidate != delimiter}
    best = max(counts, key=counts.get)
    return best if counts[best] > len(header) - 1 else None


def header_key(text: str) -> str:
    """A header as compared: case-folded, "ё" read as "е", spaces collapsed, outer quotes dropped."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").casefold().strip().strip("\"'").split())


@dataclass
class Layout:
    """A file's header read through a mapping: where each wanted column is, and what is left over."""

    key_indexes: list[int]
    codes: list[str]
    line_indexes: list[int]
    skip: list[tuple[int, frozenset[str]]]
    unused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def resolve_header(header: Sequence[str], *, key_columns: Sequence[str], line_columns: Mapping[str, str],
                   skip_rows: Mapping[str, Iterable[str]] | None = None,
                   ignore_columns: Iterable[str] = ()) -> Layout:
    """Where the key columns, each line's column and the skip columns are in `header`.

    `missing` lists the key columns and lines (by one of their headers) the file lacks; `ambiguous`
    the lines the file gives twice under two headers; `unused` the file's columns that nothing reads
    and the mapping does not ignore (reported, not fatal).
    """
    position = {}
    for index, name in enumerate(header):
        position.setdefault(header_key(name), index)
    missing, ambiguous = [], []
    key_indexes = []
    for column in key_columns:
        index = position.get(header_key(column))
        if index is None:
            missing.append(column)
        key_indexes.append(index if index is not None else -1)
    headers_of: dict[str, list[str]] = {}
    for column, code in line_columns.items():
        headers_of.setdefault(code, []).append(column)
    codes, line_indexes = [], []
    for code, columns in headers_of.items():
        found = sorted({position[header_key(column)] for column in columns if header_key(column) in position})
        if not found:
            missing.append(columns[0])
            continue
        if len(found) > 1:
            ambiguous.append(code)
        codes.append(code)
        line_indexes.append(found[0])
    skip = []
    for column, values in (skip_rows or {}).items():
        index = position.get(header_key(column))
        if index is not None:
            skip.append((index, frozenset(str(value).strip() for value in values)))
    read = set(key_indexes) | set(line_indexes) | {index for index, _values in skip}
    ignored = {header_key(column) for column in ignore_columns}
    unused = [name for index, name in enumerate(header)
              if index not in read and header_key(name) not in ignored and name.strip()]
    return Layout(key_indexes=key_indexes, codes=codes, line_indexes=line_indexes, skip=skip, unused=unused,
                  missing=missing, ambiguous=ambiguous)


class NameNormaliser:
    """A name as matched: the pattern's matches removed, spaces collapsed; remembered per spelling
    (a national file repeats a hundred region names 100,000 times)."""

    def __init__(self, pattern: str = ""):
        self.pattern = re.compile(pattern) if pattern else None
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        name = self.seen.get(text)
        if name is None:
            name = self.pattern.sub("", text) if self.pattern else text
            name = self.seen[text] = " ".join(name.split())
        return name


def name_key(text: str) -> str:
    """A name as compared with the names already known: case-folded, "ё" as "е", spaces collapsed."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").casefold().split())


class StationNumber:
    """The station number in a station column's text: the pattern's first group (or whole match),
    or the text itself without a pattern; None when the pattern finds nothing."""

    def __init__(self, pattern: str = ""):
        self.pattern = re.compile(pattern) if pattern else None

    def __call__(self, text: str) -> str | None:
        if self.pattern is None:
            return text
        match = self.pattern.search(text)
        if match is None:
            return None
        return (match.group(1) if match.groups() else match.group(0)).strip() or None


# --- Mapping help ---------------------------------------------------------------------------------

KEY_WORDS = {
    "region": ("region", "регион", "субъект", "область", "облыс", "oblast"),
    "commission": ("tik", "тик", "территориальн", "окружн", "district", "commission", "комисси", "аумақтық"),
    "station": ("uik", "уик", "участ", "station", "precinct", "учаске", "номер"),
}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", header_key(text))


def similarity(a: str, b: str) -> float:
    """How alike two wordings are, 0 to 1: shared word stems weigh most, then the characters."""
    stems_a = {word[:6] for word in _words(a) if len(word) > 2}
    stems_b = {word[:6] for word in _words(b) if len(word) > 2}
    overlap = len(stems_a & stems_b) / len(stems_a | stems_b) if stems_a and stems_b else 0.0
    return 0.7 * overlap + 0.3 * SequenceMatcher(None, header_key(a), header_key(b)).ratio()


def name_similarity(column: str, name: str) -> float:
    """How alike a column is to a contestant's name: the surname and the initials ("Собчак К.А."
    for "Собчак Ксения Анатольевна") count as the name; otherwise the wording's similarity."""
    words, names = _words(column), _words(name)
    if words and names and words[0] == names[0]:
        initials = [word[0] for word in words[1:] if len(word) == 1]
        if all(index + 1 < len(names) and names[index + 1][0] == initial for index, initial in enumerate(initials)):
            return 0.95
    return similarity(column, name)


@dataclass(frozen=True)
class Proposal:
    """A proposed mapping: key columns, {column: line code}, and what matched nothing."""

    region_column: str
    commission_column: str
    station_column: str
    line_columns: dict[str, str]
    unmatched: list[str]
    scores: dict[str, float]


def propose_mapping(header: Sequence[str], lines: Sequence[tuple[str, Sequence[str]]],
                    contestants: Sequence[tuple[str, str]], *, minimum: float = 0.45) -> Proposal:
    """Match a file's header to an election's protocol.

    `lines`: (code, its labels in every language) for each count line; `contestants`: (vote line
    code such as "L13.4", name) for each contestant. Each line and each contestant goes to at most
    one column, the most alike first; a column alike to nothing above `minimum` stays unmatched.
    """
    keys = {}
    taken = set()
    for role, words in KEY_WORDS.items():
        for column in header:
            key = header_key(column)
            if column not in taken and (key in words or any(key.startswith(word) for word in words)):
                keys[role] = column
                taken.add(column)
                break
    targets = [(code, label, similarity) for code, labels in lines for label in labels if label]
    targets += [(code, name, name_similarity) for code, name in contestants]
    pairs = sorted(((alike(column, label), column, code) for column in header if column not in taken
                    for code, label, alike in targets), key=lambda pair: -pair[0])
    line_columns, scores, used_codes = {}, {}, set()
    for score, column, code in pairs:
        if score < minimum or column in line_columns or code in used_codes:
            continue
        line_columns[column] = code
        scores[column] = round(score, 2)
        used_codes.add(code)
    ordered = {column: line_columns[column] for column in header if column in line_columns}
    unmatched = [column for column in header if column not in ordered and column not in taken]
    return Proposal(region_column=keys.get("region", ""), commission_column=keys.get("commission", ""),
                    station_column=keys.get("station", ""), line_columns=ordered, unmatched=unmatched,
                    scores=scores)
