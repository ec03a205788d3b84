"""Process statistics: shares, counts, missing answers and sample margins, by hand and from the database."""

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from checklists import selectors, services, statistics
from checklists.models import QuickCountSample, SampledStation
from elections.models import Region
from tests.factories import CommissionFactory, CoordinatorFactory, DeploymentFactory, ObserverFactory, StationFactory


def test_hand_worked_shares_counts_missing_and_margins():
    # Region 1: 5 stations reported; 4 answered: yes yes no yes (one missing).
    # Region 2: 5 reported, 5 answered: yes no no no no.
    # Shares of the 9 answering stations: yes 4/9, no 5/9.  In the sample (strata "1": N = 10,
    # "2": N = 20), every reporting station is sampled; the estimate of "yes" is
    # (10 * 3/4 + 20 * 1/5) / 30 = 0.383333 with margin t(0.975, 6.097) * sqrt(0.0175) = 0.322455
    # (worked in tests/checklists/test_sampling_and_estimators.py).
    rows = [(1, True, None, None, 5), (2, True, None, None, 5),
            (1, True, "q", None, 4), (2, True, "q", None, 5),
            (1, True, "q", "yes", 3), (1, True, "q", "no", 1), (2, True, "q", "yes", 1), (2, True, "q", "no", 4)]
    result = statistics.process_statistics(rows, {"q": ["yes", "no"]}, population={"1": 10, "2": 20}, min_total=5)
    figures = result["questions"][0]
    assert (result["reporting"], figures.answered, figures.missing) == (10, 9, 1)
    yes, no = figures.shares
    assert (yes.stations, no.stations) == (4, 5)
    assert yes.share == pytest.approx(4 / 9) and no.share == pytest.approx(5 / 9)
    assert yes.estimate.share == pytest.approx(11.5 / 30)
    assert yes.estimate.margin == pytest.approx(0.322455, abs=1e-6)
    assert no.estimate.share == pytest.approx(1 - 11.5 / 30)
    assert figures.by_region[1] == {"reporting": 5, "answered": 4, "missing": 1,
                                    "shares": {"yes": (3, 0.75), "no": (1, 0.25)}}
    assert figures.sample_by_stratum == {"1": 4, "2": 5}
    # Below the minimum of sampled stations in total, no estimate is given.
    withheld = statistics.process_statistics(rows, {"q": ["yes", "no"]}, population={"1": 10, "2": 20})
    assert withheld["questions"][0].withheld and withheld["questions"][0].shares[0].estimate is None


@pytest.mark.django_db
def test_the_statistics_page_shows_shares_and_margins_from_the_database(client, counting):
    region = counting["station"].commission.region
    commission = CommissionFactory(region=region)
    stations = [counting["station"], *StationFactory.create_batch(3, commission=commission)]
    answers = ["no", "yes", "yes", "yes"]
    problems = [["carousel", "stuffing"], ["none"], [], []]
    for station, value, ticked in zip(stations, answers, problems, strict=True):
        observer = ObserverFactory(organisation=counting["coordinator"].organisation)
        deployment = DeploymentFactory(observer=observer, election=counting["election"], station=station)
        services.submit_answers(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                version_id=counting["version"].pk,
                                answers={"observers-allowed": value, "problems": ticked})
    rows = selectors.process_counts(counting["checklist"], {region.pk})
    result = statistics.process_statistics(rows, selectors.categorical_questions(counting["checklist"]))
    allowed = result["questions"][0]
    assert [(share.value, share.stations, share.share) for share in allowed.shares] == [("yes", 3, 0.75),
                                                                                         ("no", 1, 0.25)]
    ticked = result["questions"][2]  # several answers per station: shares of the 2 stations that answered
    assert (ticked.key, ticked.answered, ticked.missing) == ("problems", 2, 2)
    assert [(share.value, share.stations, share.share) for share in ticked.shares] == [
        ("carousel", 1, 0.5), ("stuffing", 1, 0.5), ("none", 1, 0.5)]
    client.force_login(counting["coordinator"])
    page = client.get(f"/checklists/{counting['election'].slug}/statistics/", headers={"Accept-Language": "en"})
    text = page.content.decode()
    assert "4 stations sent this checklist." in text and ">75.0<" in text
    export = client.get(f"/checklists/{counting['election'].slug}/statistics/{counting['checklist'].pk}.csv")
    assert "observers-allowed" in export.getvalue().decode()
    drill = client.get(f"/checklists/{counting['election'].slug}/statistics/{counting['checklist'].pk}/"
                       f"observers-allowed/no/")
    assert f"· {counting['station'].code}<" in drill.content.decode()


@pytest.mark.django_db
def test_a_coordinator_of_another_region_sees_nothing_of_these_answers(client, counting):
    services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(),
                            deployment_id=counting["deployment"].pk, version_id=counting["version"].pk,
                            answers={"observers-allowed": "yes"})
    other_region = Region.objects.create(country="KZ", code="far", name="Far away")
    rows = selectors.process_counts(counting["checklist"], {other_region.pk})
    assert rows == []


@pytest.mark.django_db
def test_the_sample_drawn_twice_with_the_same_seed_is_identical_and_marks_deployments(client, counting):
    regions = [counting["station"].commission.region, CommissionFactory().region]
    for region, count in zip(regions, (9, 20), strict=True):
        StationFactory.create_batch(count, commission=CommissionFactory(region=region))
    first = services.draw_sample(user=counting["coordinator"], election_id=counting["election"].pk, size=6, seed=7)
    second = services.draw_sample(user=counting["coordinator"], election_id=counting["election"].pk, size=6, seed=7)
    ids = lambda sample: sorted(SampledStation.objects.filter(sample=sample).values_list("station_id", flat=True))  # noqa: E731
    assert ids(first) == ids(second) == sorted(services.redraw(first))
    # 10 and 20 stations (the fixture's one is in the first region): 6 * 10/30 = 2 and 6 * 20/30 = 4.
    assert [(item["stations"], item["sampled"]) for item in second.strata] == [(10, 2), (20, 4)]
    assert QuickCountSample.objects.filter(is_current=True).get() == second
    assert second.drawn_by == counting["coordinator"] and second.seed == 7
    counting["deployment"].refresh_from_db()
    assert counting["deployment"].in_random_sample == (counting["station"].pk in ids(second))
    # A deployment made after the draw takes its flag from the drawn sample, whatever was asked by hand.
    outside = next(pk for pk in services.Station.objects.values_list("id", flat=True) if pk not in ids(second))
    late = DeploymentFactory(election=counting["election"], station_id=outside, in_random_sample=True)
    late.refresh_from_db()
    assert late.in_random_sample is False
    client.force_login(counting["coordinator"])
    page = client.get(f"/checklists/{counting['election'].slug}/sample/", headers={"Accept-Language": "en"})
    assert "seed 7" in page.content.decode()


@pytest.mark.django_db
def test_each_organisation_counts_its_own_newest_report_of_a_station(counting):
    counting["checklist"].organisation = None  # a checklist shared by every NGO (written by an administrator)
    counting["checklist"].save()
    services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(),
                            deployment_id=counting["deployment"].pk, version_id=counting["version"].pk,
                            answers={"observers-allowed": "no"})
    other = DeploymentFactory(election=counting["election"], station=counting["station"])  # another NGO, later
    services.submit_answers(observer=other.observer, client_id=uuid.uuid4(), deployment_id=other.pk,
                            version_id=counting["version"].pk, answers={"observers-allowed": "yes"})
    region = {counting["station"].commission.region_id}
    questions = selectors.categorical_questions(counting["checklist"])

    def shares(**scope):
        result = statistics.process_statistics(selectors.process_counts(counting["checklist"], region, **scope),
                                               questions)
        return [(share.value, share.stations) for share in result["questions"][0].shares]

    assert shares(organisation_id=counting["coordinator"].organisation_id) == [("yes", 0), ("no", 1)]
    assert shares() == [("yes", 1), ("no", 0)]  # nationally the station counts once, by its newest report


@pytest.mark.django_db
def test_exports_neutralise_cells_a_spreadsheet_would_run_as_formulas(client, counting):
    region = counting["station"].commission.region
    region.name = "=HYPERLINK(\"http://x\")"
    region.save()
    services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(),
                            deployment_id=counting["deployment"].pk, version_id=counting["version"].pk,
                            answers={"observers-allowed": "yes"})
    client.force_login(counting["coordinator"])
    url = f"/checklists/{counting['election'].slug}/statistics/{counting['checklist'].pk}"
    text = client.get(f"{url}.csv").getvalue().decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    workbook = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").content))
    cells = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "'=HYPERLINK(\"http://x\")" in cells and not any(cell.startswith("=") for cell in cells)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading", "method"), [
    ("ru", "Статистика процесса", "стратифицированная оценка отношения; 95% погрешность"),
    ("kk", "Үдеріс статистикасы", "стратификацияланған қатынас бағасы; 95% қателік"),
])
def test_the_statistics_page_reads_in_russian_and_kazakh(client, counting, language, heading, method):
    client.force_login(counting["coordinator"])
    text = client.get(f"/checklists/{counting['election'].slug}/statistics/",
                      headers={"Accept-Language": language}).content.decode()
    assert f"<h1>{heading}</h1>" in text and method in text


@pytest.mark.django_db
def test_a_region_breaks_down_by_district_on_the_page_in_the_exports_and_the_drill_down(client, counting):
    """Nation, region, district, station: the same counts at each level, in the coordinator's scope."""
    region = counting["station"].commission.region
    first_district = counting["station"].commission
    second_district = CommissionFactory(region=region, name="Second district zq")
    stations = [counting["station"], StationFactory(commission=first_district),
                *StationFactory.create_batch(2, commission=second_district)]
    for station, value in zip(stations, ["no", "yes", "yes", "no"], strict=True):
        observer = ObserverFactory(organisation=counting["coordinator"].organisation)
        deployment = DeploymentFactory(observer=observer, election=counting["election"], station=station)
        services.submit_answers(observer=observer, client_id=uuid.uuid4(), deployment_id=deployment.pk,
                                version_id=counting["version"].pk, answers={"observers-allowed": value})
    rows = selectors.process_counts(counting["checklist"], {region.pk}, by_district=True)
    result = statistics.process_statistics(rows, selectors.categorical_questions(counting["checklist"]))
    allowed = result["questions"][0]
    assert {district: (data["answered"], data["shares"]["no"]) for district, data in allowed.by_region.items()} == {
        first_district.pk: (2, (1, 0.5)), second_district.pk: (2, (1, 0.5))}

    client.force_login(counting["coordinator"])
    url = f"/checklists/{counting['election'].slug}/statistics/"
    national = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert f'?checklist={counting["checklist"].pk}&amp;region={region.pk}' in national  # the region opens its districts
    page = client.get(url, {"checklist": counting["checklist"].pk, "region": region.pk},
                      headers={"Accept-Language": "en"})
    text = page.content.decode()
    assert "Per district" in text and "Second district zq" in text and first_district.name in text
    assert "4 stations sent this checklist." in text

    export = client.get(f"{url}{counting['checklist'].pk}.csv", {"region": region.pk},
                        headers={"Accept-Language": "en"})
    table = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert table[0][:2] == ["Region", "District"]
    second = [row for row in table if row[1] == "Second district zq" and row[2] == "observers-allowed"]
    assert sorted((row[4].lower(), row[5]) for row in second) == [("no", "1"), ("yes", "1")]

    drill = client.get(f"{url}{counting['checklist'].pk}/observers-allowed/no/", {"commission": second_district.pk},
                       headers={"Accept-Language": "en"}).content.decode()
    assert f"· {stations[3].code}<" in drill and f"· {counting['station'].code}<" not in drill

    other = CoordinatorFactory()  # a coordinator of another region asks for this one: nothing of it
    client.force_login(other)
    page = client.get(url, {"checklist": counting["checklist"].pk, "region": region.pk})
    assert page.status_code in (200, 404) and "Second district zq" not in page.content.decode()
