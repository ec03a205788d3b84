import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from elections.models import Commission, Region, Station
from elections.services import StationImportError, import_stations

HEADER = "region_code,region_name,commission_code,commission_name,station_code,station_name,address,latitude,longitude,registered_voters\n"
GOOD = HEADER + (
    "ALA,Almaty,ALA-01,Almaty commission 1,101,School No. 5,Abay street 1,43.24,76.89,1500\n"
    "ALA,Almaty,ALA-01,Almaty commission 1,102,School No. 6,Abay street 2,43.25,76.90,1700\n"
    "AST,Astana,AST-01,Astana commission 1,201,Gymnasium No. 1,Respublika 10,51.17,71.45,2100\n"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_import_creates_the_territory():
    report = import_stations(country="KZ", csv_file=io.StringIO(GOOD))
    assert (report.regions, report.commissions, report.stations_created, report.stations_updated) == (2, 2, 3, 0)
    station = Station.objects.get(code="102")
    assert station.commission.region.name == "Almaty"
    assert station.registered_voters == 1700
    assert str(station.latitude) == "43.250000"


def test_reimporting_updates_in_place_and_never_duplicates():
    import_stations(country="KZ", csv_file=io.StringIO(GOOD))
    changed = GOOD.replace("School No. 6,Abay street 2,43.25,76.90,1700", "School No. 60,New street,43.25,76.90,1800")
    report = import_stations(country="KZ", csv_file=io.StringIO(changed))
    assert (report.stations_created, report.stations_updated) == (0, 3)
    assert Station.objects.count() == 3
    assert Region.objects.count() == 2 and Commission.objects.count() == 2
    station = Station.objects.get(code="102")
    assert (station.name, station.address, station.registered_voters) == ("School No. 60", "New street", 1800)


def test_a_bad_row_is_reported_with_its_line_and_nothing_is_written():
    bad = GOOD + "AST,Astana,AST-01,Astana commission 1,202,School,Street,91.5,71.45,many\n"
    with pytest.raises(StationImportError) as refused:
        import_stations(country="KZ", csv_file=io.StringIO(bad))
    lines = {line for line, _message in refused.value.errors}
    assert lines == {5}
    messages = " ".join(message for _line, message in refused.value.errors)
    assert "latitude" in messages and "registered_voters" in messages
    assert Station.objects.count() == 0 and Region.objects.count() == 0


def test_duplicate_station_and_missing_columns_are_refused():
    duplicate = GOOD + "ALA,Almaty,ALA-01,Almaty commission 1,101,Again,Street,,,10\n"
    with pytest.raises(StationImportError) as refused:
        import_stations(country="KZ", csv_file=io.StringIO(duplicate))
    assert refused.value.errors[0][0] == 5
    assert "line 2" in refused.value.errors[0][1]
    with pytest.raises(StationImportError) as refused:
        import_stations(country="KZ", csv_file=io.StringIO("region_code,station_code\nA,1\n"))
    assert refused.value.errors[0][0] == 1 and "region_name" in refused.value.errors[0][1]


def test_command_reports_bad_lines_and_fails(tmp_path, capsys):
    path = tmp_path / "stations.csv"
    path.write_text(HEADER + "ALA,Almaty,ALA-01,Almaty commission 1,,No code,Street,,,10\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_stations", str(path), "--country", "KZ")
    assert "line 2: station_code is empty" in capsys.readouterr().err
    assert Station.objects.count() == 0


def test_command_imports_a_file(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    out = io.StringIO()
    call_command("import_stations", str(path), "--country", "KZ", stdout=out)
    assert "3 stations created" in out.getvalue()
    assert Station.objects.count() == 3


def refused_lines(text):
    """(line, message) pairs of a refused file; the database is left empty."""
    with pytest.raises(StationImportError) as refused:
        import_stations(country="KZ", csv_file=io.StringIO(text, newline=""))
    assert Station.objects.count() == 0 and Region.objects.count() == 0
    return refused.value.errors


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "1e2", "43,24", "٤٣", "4_3", "sNaN"])
def test_a_latitude_that_is_not_a_plain_number_is_refused_on_its_line(value):
    errors = refused_lines(GOOD + f'AST,Astana,AST-01,Astana commission 1,202,School,Street,"{value}",71.45,10\n')
    assert errors == [(5, f"latitude is not a number: “{value}”")]


def test_a_longitude_out_of_range_is_refused_on_its_line():
    errors = refused_lines(GOOD + "AST,Astana,AST-01,Astana commission 1,202,School,Street,51.1,-180.5,10\n")
    assert errors == [(5, "longitude must lie between -180 and 180")]


@pytest.mark.parametrize("value", ["²", "١٥٠٠", "-5", "+5", "1 500", "15.0"])
def test_registered_voters_must_be_plain_ascii_digits(value):
    errors = refused_lines(GOOD + f"AST,Astana,AST-01,Astana commission 1,202,School,Street,,,{value}\n")
    assert errors == [(5, f"registered_voters must be a whole number, not “{value}”")]


def test_registered_voters_beyond_the_database_integer_are_refused_on_their_line():
    errors = refused_lines(GOOD + "AST,Astana,AST-01,Astana commission 1,202,School,Street,,,99999999999\n")
    assert errors == [(5, "registered_voters cannot exceed 2147483647")]
    report = import_stations(country="KZ", csv_file=io.StringIO(
        HEADER + "AST,Astana,AST-01,Astana commission 1,202,School,Street,,,2147483647\n"))
    assert report.stations_created == 1 and Station.objects.get().registered_voters == 2**31 - 1


@pytest.mark.parametrize(("column", "limit"), [("station_code", 40), ("region_code", 100), ("commission_code", 100),
                                               ("region_name", 200), ("station_name", 200), ("address", 300)])
def test_values_longer_than_their_field_are_refused_on_their_line(column, limit):
    row = {"region_code": "AST", "region_name": "Astana", "commission_code": "AST-01",
           "commission_name": "Astana commission 1", "station_code": "202", "station_name": "School",
           "address": "Street", "latitude": "", "longitude": "", "registered_voters": "10"}
    row[column] = "x" * (limit + 1)
    errors = refused_lines(GOOD + ",".join(row.values()) + "\n")
    assert errors == [(5, f"{column} is longer than {limit} characters")]
    row[column] = "x" * limit  # exactly the field's length is stored
    import_stations(country="KZ", csv_file=io.StringIO(HEADER + ",".join(row.values()) + "\n"))
    assert Station.objects.count() == 1


def test_line_numbers_count_the_lines_of_quoted_multi_line_fields():
    text = HEADER + (
        'ALA,Almaty,ALA-01,Almaty commission 1,101,School No. 5,"Abay street 1\nsecond floor\nroom 3",43.24,76.89,1500\n'
        "\n"
        "ALA,Almaty,ALA-01,Almaty commission 1,102,School No. 6,Abay street 2,NaN,76.90,1700\n"
    )
    assert refused_lines(text) == [(6, "latitude is not a number: “NaN”")]
    fixed = text.replace("NaN", "43.25")
    import_stations(country="KZ", csv_file=io.StringIO(fixed, newline=""))
    assert Station.objects.get(code="101").address == "Abay street 1\nsecond floor\nroom 3"


def test_a_row_the_csv_reader_cannot_read_is_refused_with_its_line():
    huge = "x" * 200_000  # beyond the csv module's field size limit
    errors = refused_lines(GOOD + f'AST,Astana,AST-01,Astana commission 1,202,School,"{huge}",,,10\n')
    assert errors[0][0] == 5 and "cannot be read as CSV" in errors[0][1]
