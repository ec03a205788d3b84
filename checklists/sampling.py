"""Drawing the quick-count sample: allocation over strata, size from a wanted margin, the draw.

Pure functions (no Django): the service reads the election's stations, calls `draw` and stores
what it returns with the seed, so anyone holding the same station list and seed redraws exactly
the same sample. Determinism rests on two things written down here: the stations are put in
order of (stratum, station ID) before drawing, and the strata are drawn one after another in
sorted order from one `numpy.random.Generator(PCG64(seed))`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

Z_95 = 1.96
BY_STATIONS = "stations"
BY_VOTERS = "voters"
ALLOCATIONS = (BY_STATIONS, BY_VOTERS)
MIN_PER_STRATUM = 2  # a stratum's own variance needs two stations


@dataclass(frozen=True)
class Stratum:
    key: str
    stations: int
    measure: int  # what the allocation is proportional to: stations or registered voters
    sampled: int


@dataclass(frozen=True)
class Draw:
    station_ids: tuple[int, ...]
    strata: tuple[Stratum, ...]
    seed: int
    allocation: str


def sample_size_for_margin(margin: float, population: int, *, share: float = 0.5, design_effect: float = 1.0) -> int:
    """Stations needed for a 95% margin of `margin` on a share near `share`.

    n0 = z^2 p (1 - p) deff / e^2, then the finite-population correction n = n0 / (1 + (n0 - 1) / N).
    `design_effect` > 1 allows for votes being clustered in stations (2 to 4 is common for vote shares).
    """
    if not 0 < margin < 1:
        raise ValueError("the margin is a share between 0 and 1")
    if population < 1:
        raise ValueError("there are no stations to sample")
    n0 = Z_95**2 * share * (1 - share) * design_effect / margin**2
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def allocate(measures: Mapping[str, int], stations: Mapping[str, int], size: int,
             *, minimum: int = MIN_PER_STRATUM) -> dict[str, int]:
    """Stations to sample per stratum, proportional to `measures`, by largest remainders.

    Each stratum gets at least `minimum` (or all its stations if it has fewer) and never more
    than it has; what a capped stratum cannot take goes to the others, again proportionally.
    Ties between equal remainders go to the stratum whose key sorts first.
    """
    keys = sorted(stations)
    if size > sum(stations.values()):
        raise ValueError(f"a sample of {size} from {sum(stations.values())} stations")
    floor = {key: min(minimum, stations[key]) for key in keys}
    if sum(floor.values()) > size:
        raise ValueError(f"{size} stations cannot give each of {len(keys)} strata {minimum}")
    result = dict.fromkeys(keys, 0)
    open_keys = [key for key in keys if stations[key] > 0]
    remaining = size
    while remaining > 0 and open_keys:
        total = sum(max(measures[key], 0) for key in open_keys) or len(open_keys)
        quotas = {key: remaining * ((max(measures[key], 0) if total else 1) / total) for key in open_keys}
        whole = {key: math.floor(quotas[key]) for key in open_keys}
        left = remaining - sum(whole.values())
        by_remainder = sorted(open_keys, key=lambda key: (-(quotas[key] - whole[key]), key))
        for key in by_remainder[:left]:
            whole[key] += 1
        for key in open_keys:
            result[key] += whole[key]
        # Cap at the stratum's stations and hand the excess back out.
        remaining = 0
        for key in open_keys:
            if result[key] > stations[key]:
                remaining += result[key] - stations[key]
                result[key] = stations[key]
        open_keys = [key for key in open_keys if result[key] < stations[key]]
    # The minimum per stratum, taken from the strata with the most to spare.
    for key in keys:
        while result[key] < floor[key]:
            donor = max((other for other in keys if result[other] > floor[other]),
                        key=lambda other: (result[other] - floor[other], other))
            result[donor] -= 1
            result[key] += 1
    return result


def draw(stations: Iterable[tuple[int, str, int]], size: int, *, seed: int, allocation: str = BY_STATIONS,
         minimum: int = MIN_PER_STRATUM) -> Draw:
    """A stratified simple random sample of `size` stations from (station ID, stratum, registered voters)."""
    if allocation not in ALLOCATIONS:
        raise ValueError(f"allocation is {' or '.join(ALLOCATIONS)}, not {allocation!r}")
    rows = sorted((int(pk), str(stratum), int(registered)) for pk, stratum, registered in stations)
    by_stratum: dict[str, list[tuple[int, int]]] = {}
    for pk, stratum, registered in rows:
        by_stratum.setdefault(stratum, []).append((pk, registered))
    counts = {key: len(members) for key, members in by_stratum.items()}
    measures = {key: (len(members) if allocation == BY_STATIONS else sum(r for _pk, r in members))
                for key, members in by_stratum.items()}
    sizes = allocate(measures, counts, size, minimum=minimum)
    rng = np.random.Generator(np.random.PCG64(seed))
    chosen: list[int] = []
    strata = []
    for key in sorted(by_stratum):
        ids = np.array([pk for pk, _registered in sorted(by_stratum[key])], dtype=np.int64)
        picked = rng.choice(ids.size, size=sizes[key], replace=False) if sizes[key] else np.array([], dtype=int)
        chosen.extend(int(pk) for pk in np.sort(ids[picked]))
        strata.append(Stratum(key=key, stations=counts[key], measure=measures[key], sampled=sizes[key]))
    return Draw(station_ids=tuple(sorted(chosen)), strata=tuple(strata), seed=seed, allocation=allocation)
