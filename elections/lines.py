"""The lines of one election's protocol: the template's lines, vote lines expanded per contestant.

Pure: takes plain data, returns plain data, so the observer form, the importer and the
cross-check all agree on the same codes (L8.1, L8.2... or L13.1, L13.2...).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateLine:
    code: str
    number: str
    kind: str  # "count" or "votes"
    labels: dict  # language -> label


@dataclass(frozen=True)
class Contestant:
    ballot_number: int
    name: str


@dataclass(frozen=True)
class ElectionLine:
    code: str
    number: str
    kind: str
    labels: dict
    ballot_number: int | None = None  # set on a contestant's vote line


def contestant_line_code(votes_code: str, ballot_number: int) -> str:
    return f"{votes_code}.{ballot_number}"


def expand(lines, contestants, sequential_numbering: bool) -> list[ElectionLine]:
    """One ElectionLine per count line, and one per contestant for each `votes` line.

    With sequential numbering (Russia) the first contestant takes the votes line's own number
    and the next ones continue it; otherwise (Kazakhstan) they become sub-lines 8.1, 8.2...
    """
    expanded = []
    ordered = sorted(contestants, key=lambda contestant: contestant.ballot_number)
    for line in lines:
        if line.kind != "votes":
            expanded.append(ElectionLine(line.code, line.number, line.kind, line.labels))
            continue
        for index, contestant in enumerate(ordered):
            number = (
                str(int(line.number) + index)
                if sequential_numbering and line.number.isdigit()
                else f"{line.number}.{contestant.ballot_number}"
            )
            labels = {language: contestant.name for language in line.labels}
            expanded.append(
                ElectionLine(
                    contestant_line_code(line.code, contestant.ballot_number),
                    number,
                    line.kind,
                    labels,
                    contestant.ballot_number,
                )
            )
    return expanded
