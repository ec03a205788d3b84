"""Generated official results and observer copies for the demo election.

Seeded, so every run gives the same numbers; each protocol satisfies the Kazakh control
relations, like an honest count. Two observers' copies then disagree with the published figures,
so the review queue of the demo has something to show.
"""

import random

# Rough shares of the seven demo parties (ballot order), for a plausible-looking result.
PARTY_WEIGHTS = [53, 11, 9, 8, 7, 5, 3]


def station_protocol(registered, rng):
    """One precinct protocol (line code -> figure) that satisfies every Kazakh relation."""
    turnout = rng.uniform(0.45, 0.82)
    issued = round(registered * turnout)
    received = registered + rng.randint(5, 40)
    spoiled = rng.randint(0, 4)
    cast = issued - rng.randint(0, 2)
    invalid = round(cast * rng.uniform(0.005, 0.02))
    against_all = 0
    valid = cast - invalid - against_all
    weights = [weight * rng.uniform(0.7, 1.3) for weight in PARTY_WEIGHTS]
    total = sum(weights)
    votes = [int(valid * weight / total) for weight in weights]
    votes[0] += valid - sum(votes)
    protocol = {"L1": registered, "L2": received, "L3": issued, "L4": cast, "L5": spoiled,
                "L6": received - issued - spoiled, "L7": invalid, "L9": against_all}
    protocol.update({f"L8.{number}": count for number, count in enumerate(votes, start=1)})
    return protocol


def official_rows(stations, seed=2027):
    """Rows for the demo's results file: (region code, commission code, station code, protocol)."""
    rng = random.Random(seed)
    return [(region, commission, code, station_protocol(registered, rng))
            for region, commission, code, registered in stations]


def count_before_rewriting(published, votes=40):
    """What an observer saw at the count if the published protocol later moved `votes` from the
    second party to the first: the first party had that many fewer."""
    moved = min(votes, published["L8.1"])
    return {**published, "L8.1": published["L8.1"] - moved, "L8.2": published["L8.2"] + moved}
