"""The seat projection page: official or observers' confirmed votes, the threshold and its base,
one national district or one per region, every method side by side; single-seat races show their
winner or their run-off. The arithmetic itself is dashboard/seats.py's, tested in test_seats.py."""

import io
import uuid

import pytest
from django.urls import reverse

from dashboard import selectors
from elections.models import Election, Region
from protocols import services as protocol_services
from protocols.models import Discrepancy, ResultSource
from protocols.official_import import import_official_results
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SLUG = "maslikhat-2027"
COLUMNS = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8.1", "L8.2", "L8.3", "L9"]


def protocol(a, b, c, invalid):
    """A Kazakh protocol that adds up: 1,500 voters, ballots in the boxes = invalid + votes."""
    cast = invalid + a + b + c
    return {"L1": 1500, "L2": 1500, "L3": cast, "L4": cast, "L5": 0, "L6": 1500 - cast, "L7": invalid,
            "L8.1": a, "L8.2": b, "L8.3": c, "L9": 0}


# North: A 1,100, B 500, C 180 (C 10.1% here); South: A 200, B 500, C 20. Nationally A 1,300,
# B 1,000, C 200 of 2,500 valid votes (C 8.0%) and 2,650 ballots cast (C 7.55%).
OFFICIAL = {"N1": protocol(600, 200, 100, 50), "N2": protocol(500, 300, 80, 40), "S1": protocol(200, 500, 20, 60)}
N2_SEEN = protocol(480, 320, 80, 40)  # the observer of N2 saw 20 votes more for B: a reviewer confirms it
S1_SEEN = protocol(150, 550, 20, 60)  # the observer of S1 differs too: the flag stays open


@pytest.fixture
def seat_world():
    north, south = RegionFactory(code="N", name="North"), RegionFactory(code="S", name="South")
    stations = {"N1": StationFactory(commission=CommissionFactory(region=north, code="N-1"), code="N1")}
    stations["N2"] = StationFactory(commission=stations["N1"].commission, code="N2")
    stations["S1"] = StationFactory(commission=CommissionFactory(region=south, code="S-1"), code="S1")
    election = ElectionFactory(name="Maslikhat 2027", slug=SLUG)
    for number, name in ((1, "A"), (2, "B"), (3, "C")):
        ContestantFactory(election=election, ballot_number=number, name=name)
    source = ResultSource.objects.create(code="t", name="t", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in COLUMNS})
    rows = ["r,c,s," + ",".join(COLUMNS)] + [
        f"{code[0]},{code[0]}-1,{code}," + ",".join(str(figures[line]) for line in COLUMNS)
        for code, figures in OFFICIAL.items()]
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(rows).encode()),
                            file_name="r.csv")
    for code, figures in (("N1", OFFICIAL["N1"]), ("N2", N2_SEEN), ("S1", S1_SEEN)):
        observer = ObserverFactory()
        deployment = DeploymentFactory(observer=observer, election=election, station=stations[code])
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=figures)
    protocol_services.check_stations(election_id=election.pk)
    reviewer = UserFactory(role="reviewer")
    flag = Discrepancy.objects.get(station=stations["N2"], kind="mismatch")
    protocol_services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm")
    return {"election": election, "stations": stations, "reviewer": reviewer}


def _page(client, world, **options):
    client.login(username=world["reviewer"].username, password=TEST_PASSWORD)
    return client.get(reverse("dashboard:seats", args=[SLUG]), options, HTTP_ACCEPT_LANGUAGE="en")


def _seats(page):
    """{party: {method label: seats}} of the page's side-by-side table."""
    methods = page.context["methods"]
    return {row["name"]: dict(zip(methods, row["seats"], strict=True)) for row in page.context["rows"]}


HARE, DHONDT = "Largest remainder, Hare quota", "D'Hondt"


def test_official_or_observers_confirmed_votes(client, seat_world):
    official = _page(client, seat_world)
    assert {row["name"]: row["votes"] for row in official.context["rows"]} == {"A": 1300, "B": 1000, "C": 200}
    assert official.context["stations"] == 3 and len(official.context["methods"]) == 6
    confirmed = _page(client, seat_world, source="confirmed")
    # N1's copy equals the official protocol, N2's was confirmed by a reviewer; S1's flag is open.
    assert {row["name"]: row["votes"] for row in confirmed.context["rows"]} == {"A": 1080, "B": 520, "C": 180}
    assert confirmed.context["stations"] == 2
    assert "Observers' confirmed figures" in confirmed.text and 'value="confirmed" checked' in confirmed.text


def test_threshold_on_valid_votes_or_on_all_votes_cast(client, seat_world):
    # C has 200 of 2,500 valid votes: exactly 8%, which passes ("not less than"); of the 2,650
    # ballots cast it has 7.55%, under 8% (it needs 212).
    on_valid = _page(client, seat_world, seats=10, threshold=8, base="valid")
    assert on_valid.context["qualifying"] == 3 and _seats(on_valid)["C"][HARE] == 1  # Hare: A 5, B 4, C 1
    on_cast = _page(client, seat_world, seats=10, threshold=8, base="cast")
    assert on_cast.context["qualifying"] == 2 and set(_seats(on_cast)["C"].values()) == {0}
    assert on_cast.context["threshold_votes"] == 212 and "a list needs 8% of 2,650 votes: 212" in on_cast.text


def test_districts_per_region_share_one_national_threshold(client, seat_world):
    page = _page(client, seat_world, districts="regions", seats=7, threshold=5)
    assert page.context["total_seats"] == 14 and page.context["district_count"] == 2
    assert all(sum(seats[method] for seats in _seats(page).values()) == 14 for method in page.context["methods"])
    north = next(region for region in page.context["regions"] if region["name"] == "North")
    hare = page.context["methods"].index(HARE)
    # North under Hare: quota 1,780 / 7 = 254.3; A 4 + remainder, B 1 + 0.97 q, C 0 + 0.71 q: A 4, B 2, C 1.
    assert {row["name"]: row["seats"][hare] for row in north["rows"]} == {"A": 4, "B": 2, "C": 1}
    # At 9%, C (10.1% in North, 8.0% nationally) is out everywhere: the threshold is national.
    page = _page(client, seat_world, districts="regions", seats=7, threshold=9)
    north = next(region for region in page.context["regions"] if region["name"] == "North")
    assert {row["name"]: row["seats"][hare] for row in north["rows"]} == {"A": 5, "B": 2, "C": 0}
    assert "2 districts (one per region) of 7 seats: 14 seats; the threshold is national" in page.text


def test_first_past_the_post_shows_the_winner_nationally_and_per_region(client, seat_world):
    Election.objects.filter(pk=seat_world["election"].pk).update(kind=Election.Kind.FPTP)
    page = _page(client, seat_world)
    (outcome,) = page.context["outcomes"]
    assert outcome["winner"] == "A" and "Winner: A" in page.text and "methods" not in page.context
    per_region = _page(client, seat_world, districts="regions")
    assert [(outcome["scope"], outcome["winner"]) for outcome in per_region.context["outcomes"]] == [
        ("North", "A"), ("South", "B")]


def test_two_rounds_show_a_run_off_or_a_round_one_winner(client, seat_world):
    Election.objects.filter(pk=seat_world["election"].pk).update(kind=Election.Kind.TWO_ROUND)
    page = _page(client, seat_world)
    (outcome,) = page.context["outcomes"]
    # A: 1,300 of the 2,650 who took part (49.1%): no majority, so A and B go to a run-off.
    assert outcome["winner"] is None and outcome["runoff"] == ("A", "B") and "Run-off: A and B" in page.text
    assert outcome["ranked"][0]["share"] == pytest.approx(100 * 1300 / 2650)
    per_region = _page(client, seat_world, districts="regions")
    # North: A 1,100 of 1,870 (58.8%); South: B 500 of 780 (64.1%): each wins in round one.
    assert [(outcome["scope"], outcome["winner"]) for outcome in per_region.context["outcomes"]] == [
        ("North", "A"), ("South", "B")]


def test_unreadable_options_fall_back_to_the_defaults(client, seat_world):
    page = _page(client, seat_world, seats="many", threshold="1/0", source="rumours", districts="?", base="x")
    assert page.context["options"] == {"source": "official", "base": "valid", "districts": "national", "seats": 69,
                                       "threshold": 5, "single_seat": False}


def test_confirmed_copies_in_sql_follow_the_confirmation_rule(seat_world):
    """The SQL behind whole-country totals picks exactly the copies dashboard.confirmation
    publishes, one per station, also after more copies and decisions."""
    election, stations = seat_world["election"], seat_world["stations"]
    regions = set(Region.objects.values_list("id", flat=True))
    assert set(selectors.confirmed_copies(election, regions).values_list("station_id", flat=True)) == {
        stations["N1"].pk, stations["N2"].pk}
    # A second observer at S1 agrees with the official protocol, not with the first observer: that
    # disagreement, open, holds the new copy back until a reviewer settles it.
    observer = ObserverFactory()
    deployment = DeploymentFactory(observer=observer, election=election, station=stations["S1"])
    protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                  figures=OFFICIAL["S1"])
    protocol_services.check_stations(election_id=election.pk, station_ids=[stations["S1"].pk])
    assert stations["S1"].pk not in set(selectors.confirmed_copies(election, regions).values_list("station_id",
                                                                                                 flat=True))
    disagreement = Discrepancy.objects.get(station=stations["S1"], kind="observers_disagree")
    protocol_services.decide(discrepancy_id=disagreement.pk, reviewer=seat_world["reviewer"], decision="resolve",
                             comment="The photo shows the second copy's figures.")
    by_rule = selectors.public_station_figures(election, [station.pk for station in stations.values()])
    expected = {pk for pk, known in by_rule.items() if known["confirmed"]}
    picked = list(selectors.confirmed_copies(election, regions).values_list("station_id", "figures"))
    assert {station for station, _figures in picked} == expected == {station.pk for station in stations.values()}
    assert len(picked) == 3  # one per station
    assert dict(picked)[stations["S1"].pk] == OFFICIAL["S1"]

    # The reviewer judges N2's difference an observer's mistake: N2 drops out, by both.
    flag = Discrepancy.objects.get(station=stations["N2"], kind="mismatch")
    protocol_services.decide(discrepancy_id=flag.pk, reviewer=seat_world["reviewer"], decision="observer_error",
                             comment="Misread the photo.")
    by_rule = selectors.public_station_figures(election, [station.pk for station in stations.values()])
    assert {pk for pk, known in by_rule.items() if known["confirmed"]} == set(
        selectors.confirmed_copies(election, regions).values_list("station_id", flat=True)) == {
        stations["N1"].pk, stations["S1"].pk}


MAZHILIS_2023 = [("AMANAT", 3_431_510), ("Auyl", 693_938), ("Respublica", 547_154), ("Ak Zhol", 535_139),
                 ("People's Party", 432_920), ("NSDP", 331_058), ("Baytaq", 146_431)]


def test_the_2023_mazhilis_national_totals_give_the_cecs_seats_and_percentages(client):
    """Entered as national totals (one row), with the election's Kazakh base: votes for the lists
    plus "against all" (248,291), 6,366,441 in all; 69 seats by the Hare quota of the qualifying lists."""
    election = ElectionFactory(name="Mazhilis 2023", slug="mazhilis-2023", country="KZ", kind=Election.Kind.LIST_PR,
                               seat_threshold_base=Election.ThresholdBase.LISTS_AND_AGAINST_ALL)
    for number, (name, _votes) in enumerate(MAZHILIS_2023, start=1):
        ContestantFactory(election=election, ballot_number=number, name=name)
    StationFactory(commission=CommissionFactory(region=RegionFactory(code="KZ", name="Kazakhstan"), code="CEC"),
                   code="national")
    columns = [f"L8.{number}" for number in range(1, 8)] + ["L9"]
    source = ResultSource.objects.create(code="kz-national", name="CEC national totals", region_column="r",
                                         commission_column="c", station_column="s",
                                         line_columns={code: code for code in columns})
    figures = [votes for _name, votes in MAZHILIS_2023] + [248_291]
    import_official_results(election=election, source=source, file_name="2023.csv", stream=io.BytesIO(
        ("r,c,s," + ",".join(columns) + "\nKZ,CEC,national," + ",".join(map(str, figures)) + "\n").encode()))
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:seats", args=["mazhilis-2023"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["options"]["base"] == "against_all"
    seats = _seats(page)
    assert [seats[name][HARE] for name, _votes in MAZHILIS_2023] == [40, 8, 6, 6, 5, 4, 0]
    assert page.context["base_votes"] == 6_366_441 and page.context["qualifying"] == 6
    shares = {row["name"]: round(row["share"], 2) for row in page.context["rows"]}
    assert shares["AMANAT"] == 53.90 and shares["Auyl"] == 10.90 and shares["Baytaq"] == 2.30
    assert round(page.context["against_all_share"], 2) == 3.90
    assert "Against all" in page.text and "% of the votes for the lists and against all" in page.text
