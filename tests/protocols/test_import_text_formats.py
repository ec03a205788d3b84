"""Official files as spreadsheets really save them: another encoding, another delimiter, a
byte-order mark; and files that are not what they claim to be.

A CIK or CEC table opened in Excel set to Russian or Kazakh and saved "as CSV" is Windows-1251 with
semicolons; "Unicode text" is UTF-16 with tabs. Each imports by its source's mapping (data: the
encoding and the delimiter), onto the same stations as the UTF-8 original. A file that cannot be
read is refused with a message that says what to change, and nothing is written; never a 500.
"""

import codecs
import csv
import io
import json
import zipfile

import pytest
from django.core.management import CommandError
from openpyxl import Workbook, load_workbook

from protocols import mapping as source_mapping
from protocols.models import OfficialVersion, ResultImport, ResultSource
from protocols.shipped_sources import RU_2018_CANDIDATES, RU_2018_LINES
from tests.factories import UserFactory
from tests.protocols.test_import_variants import VARIANT_MAPPING, load_mapping, real_rows, ru_election, run

pytestmark = pytest.mark.django_db

STATIONS = 300


def published(rows, *, delimiter=",", encoding="utf-8", bom=b""):
    """The 2018 layout (region, tik, uik, the 20 lines, url) as a spreadsheet would save it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["region", "tik", "uik", *RU_2018_LINES, *RU_2018_CANDIDATES, "url"])
    for region, tik, uik, figures in rows:
        writer.writerow([region, tik, uik, *figures, "http://example.org"])
    return bom + out.getvalue().encode(encoding)


def shipped_mapping(**changes):
    """The shipped 2018 mapping as data, with the file format a spreadsheet gave it."""
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")
    data = {name: getattr(source, name) for name in ("name", "format", "level", "region_column", "commission_column",
                                                      "station_column", "line_columns", "ignore_columns")}
    return {**data, **changes}


def figures_by_station(election):
    return dict(OfficialVersion.objects.filter(election=election, is_latest=True).values_list("station_id", "figures"))


@pytest.fixture
def original():
    """The UTF-8, comma-separated publication of the first stations, imported as shipped."""
    election = ru_election("ru-original")
    run(election, ResultSource.objects.get(code="ru-cik-2018-presidential"), published(real_rows()[:STATIONS]),
        create_stations=True)
    return election


@pytest.mark.parametrize(("saved_as", "mapping"), [
    ({"delimiter": ";", "encoding": "cp1251"}, {"code": "ru-excel-1251", "encoding": "windows-1251", "delimiter": ";"}),
    ({"delimiter": "\t", "encoding": "utf-16-le", "bom": codecs.BOM_UTF16_LE},
     {"code": "ru-excel-unicode", "delimiter": "\t"}),
    ({"encoding": "utf-8", "bom": codecs.BOM_UTF8}, {"code": "ru-utf8-bom"}),
], ids=["windows-1251 with semicolons", "UTF-16 with tabs", "UTF-8 with a mark"])
def test_a_spreadsheets_csv_imports_by_its_mapping_onto_the_same_stations(tmp_path, original, saved_as, mapping):
    source = load_mapping(tmp_path, shipped_mapping(**mapping))
    second = ru_election("ru-second")
    report = run(second, source, published(real_rows()[:STATIONS], **saved_as))
    assert (report.rows, report.stations_matched, report.stations_created, report.problems) == (STATIONS, STATIONS, 0, [])
    assert figures_by_station(second) == figures_by_station(original)


def refused_by_the_api(client, source, data, file_name="r.csv"):
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    election = ru_election("ru-refused")
    response = client.post("/api/official-results/import/", {
        "election": election.slug, "source": source.code, "create_stations": True,
        "file": _named(data, file_name)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert not ResultImport.objects.exists() and not OfficialVersion.objects.exists()
    return response.json()["errors"]


def _named(data, name):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_a_windows_1251_file_read_as_utf8_is_refused_with_what_to_change(client):
    errors = refused_by_the_api(client, ResultSource.objects.get(code="ru-cik-2018-presidential"),
                                published(real_rows()[:20], encoding="cp1251"))
    assert errors[0]["line"] == 1 and "not UTF-8 text" in errors[0]["message"]
    assert "windows-1251" in errors[0]["message"]


def test_text_that_turns_undecodable_further_down_is_refused_at_that_point(client):
    data = published(real_rows()[:200]) + "Край,ТИК,1\n".encode("cp1251")
    errors = refused_by_the_api(client, ResultSource.objects.get(code="ru-cik-2018-presidential"), data)
    assert errors[0]["line"] > 150 and "not UTF-8 text from here on" in errors[0]["message"]


def test_a_semicolon_file_read_with_commas_says_which_delimiter_it_seems_to_use(client, tmp_path):
    errors = refused_by_the_api(client, ResultSource.objects.get(code="ru-cik-2018-presidential"),
                                published(real_rows()[:20], delimiter=";"))
    assert errors[0]["line"] == 1 and "“;”" in errors[0]["message"] and "delimiter" in errors[0]["message"]


@pytest.mark.parametrize(("data", "expected"), [
    (b"{\"stations\": [{\"region\": 1,", "not valid JSON"),
    (b"12", "no list of records"),
    (b"{\"stations\": {\"region\": \"a\"}}", "no list of records"),
    (b"\xff\xfe\x00\x00\x00\xd8\x00\x00", "not UTF-32 text"),
], ids=["cut short", "a number", "stations not a list", "a broken UTF-32 mark"])
def test_a_json_source_refuses_what_is_no_list_of_records(client, tmp_path, data, expected):
    source = load_mapping(tmp_path, {**VARIANT_MAPPING, "code": "ru-json", "format": "json"})
    errors = refused_by_the_api(client, source, data, "r.json")
    assert expected in errors[0]["message"]


@pytest.mark.parametrize(("data", "expected"), [
    (bytes(range(256)) * 40, "not UTF-8 text"),
    (published([(region, tik + "\x00" if number == 3 else tik, uik, figures)
                for number, (region, tik, uik, figures) in enumerate(real_rows()[:5])]), "holds a NUL character"),
    (published(real_rows()[:5]) + b"\"" + b"a" * (csv.field_size_limit() + 10) + b"\"\n", "cannot be read as CSV"),
], ids=["binary", "a NUL", "a field over the size limit"])
def test_a_file_that_is_no_csv_text_is_refused_by_line(client, data, expected):
    errors = refused_by_the_api(client, ResultSource.objects.get(code="ru-cik-2018-presidential"), data)
    assert expected in errors[0]["message"]


def test_mapping_help_proposes_the_encoding_and_delimiter_of_a_spreadsheets_file(client, tmp_path):
    election = ru_election("ru-help")
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    upload = _named(published(real_rows()[:50], delimiter=";", encoding="cp1251"), "excel.csv")
    page = client.post("/admin/protocols/resultsource/propose/", {"file-file": upload, "file-election": election.pk,
                                                                  "propose": "1"})
    assert page.status_code == 200
    initial = page.context["mapping"].initial
    assert (initial["encoding"], initial["delimiter"]) == ("windows-1251", ";")
    assert initial["line_columns"][RU_2018_LINES[0]] == "L1"  # the Cyrillic header read right
    saved = client.post("/admin/protocols/resultsource/propose/", {
        "save": "1", "mapping-code": "ru-excel", "mapping-name": "Excel", "mapping-encoding": initial["encoding"],
        "mapping-delimiter": initial["delimiter"], "mapping-region_column": "region", "mapping-commission_column": "tik",
        "mapping-station_column": "uik", "mapping-line_columns": json.dumps(initial["line_columns"]),
        "mapping-ignore_columns": "[\"url\"]"})
    assert saved.status_code == 302
    source = ResultSource.objects.get(code="ru-excel")
    assert (source.encoding, source.delimiter) == ("windows-1251", ";")
    report = run(election, source, published(real_rows()[:50], delimiter=";", encoding="cp1251"), create_stations=True)
    assert report.rows == 50 and not report.problems


@pytest.mark.parametrize("encoding", ["klingon-8", "base64", "zlib", ""])
def test_an_unknown_or_no_text_encoding_is_refused_when_the_source_is_saved(tmp_path, encoding):
    with pytest.raises(CommandError, match="Unknown encoding"):
        load_mapping(tmp_path, shipped_mapping(code="ru-bad", encoding=encoding))
    assert not ResultSource.objects.filter(code="ru-bad").exists()


@pytest.mark.parametrize(("head", "expected"), [
    ("регион;тик;уик\n1;2;3".encode("cp1251"), ("windows-1251", ";")),
    ("регион,тик,уик\n".encode(), ("utf-8", ",")),
    (codecs.BOM_UTF8 + b"a;b;c", ("utf-8", ";")),
    (codecs.BOM_UTF16_LE + "a\tb\tc".encode("utf-16-le"), ("utf-16", "\t")),
    ("регион|тик".encode()[:-1], ("utf-8", "|")),  # a character cut at the sample's end is no error
    (b"", ("utf-8", ",")),
])
def test_the_text_format_proposed_from_a_files_first_bytes(head, expected):
    assert source_mapping.sniff_text_format(head) == expected


def workbook(rows, *, as_floats=False, blank_row_after=None):
    """The 2018 layout as an Excel workbook's first sheet (figures as numbers, as Excel keeps them)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["region", "tik", "uik", *RU_2018_LINES, *RU_2018_CANDIDATES, "url"])
    for number, (region, tik, uik, figures) in enumerate(rows):
        sheet.append([region, tik, int(uik), *(float(value) if as_floats else int(value) for value in figures),
                      "http://example.org"])
        if number == blank_row_after:
            sheet.append([])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_imports_by_its_mapping_onto_the_same_stations(tmp_path, original):
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    second = ru_election("ru-second")
    report = run(second, source, workbook(real_rows()[:STATIONS], as_floats=True, blank_row_after=10))
    assert (report.rows, report.stations_matched, report.stations_created, report.problems) == (STATIONS, STATIONS, 0, [])
    assert figures_by_station(second) == figures_by_station(original)


def test_a_workbooks_refused_row_is_named_by_its_sheet_row(tmp_path, original):
    rows = list(real_rows()[:20])
    region, tik, uik, figures = rows[4]
    rows[4] = (region, tik, uik, ["1.5", *figures[1:]])
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    preview = run(ru_election("ru-second"), source, workbook(rows, as_floats=True), dry_run=True)
    assert [line for line, _message in preview.problems] == [6]  # the header is row 1, the fifth station row 6


def zipped_csv():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("results.csv", published(real_rows()[:5]))
    return out.getvalue()


@pytest.mark.parametrize("data", [b"PK\x03\x04 not a workbook", published(real_rows()[:5]), zipped_csv()],
                         ids=["a broken zip", "a CSV", "a zip that holds no workbook"])
def test_a_file_that_is_no_workbook_is_refused_for_an_excel_source(client, tmp_path, data):
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    errors = refused_by_the_api(client, source, data, "r.xlsx")
    assert "Excel workbook" in errors[0]["message"]


def test_mapping_help_reads_a_workbooks_header_and_proposes_its_format(client):
    election = ru_election("ru-help")
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    page = client.post("/admin/protocols/resultsource/propose/", {
        "file-file": _named(workbook(real_rows()[:5]), "cec.xlsx"), "file-election": election.pk, "propose": "1"})
    initial = page.context["mapping"].initial
    assert initial["format"] == "xlsx" and initial["line_columns"][RU_2018_LINES[0]] == "L1"


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n > 1 else b"&lol;" * 10)
                             for n in range(1, 10))
                  + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                  + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')


def test_a_workbook_with_an_entity_expansion_bomb_is_refused_without_expanding_it(client, tmp_path):
    # openpyxl parses a workbook's XML with defusedxml (pinned for this): entities are refused.
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    honest = zipfile.ZipFile(io.BytesIO(workbook(real_rows()[:2])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bomb:
        for name in honest.namelist():
            bomb.writestr(name, BILLION_LAUGHS if name == "xl/worksheets/sheet1.xml" else honest.read(name))
    errors = refused_by_the_api(client, source, out.getvalue(), "bomb.xlsx")
    assert "Excel workbook" in errors[0]["message"]


def zipped(name, data):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("name", "packed"), [
    ("bomb.zip", lambda data: zipped("results.csv", data)),
    ("big.csv", lambda data: data),
], ids=["a zip bomb", "a plain file"])
def test_a_file_larger_than_allowed_once_unpacked_is_refused_before_it_is_read(client, settings, name, packed):
    settings.RESULTS_FILE_MAX_BYTES = 1 << 20
    data = published(real_rows()[:10]) + b"0" * (3 << 20)  # 3 MB of one line, packed to a few KB
    errors = refused_by_the_api(client, ResultSource.objects.get(code="ru-cik-2018-presidential"), packed(data), name)
    assert "larger than 1 MB once unpacked" in errors[0]["message"]


def test_a_workbook_larger_than_allowed_once_unpacked_is_refused(client, settings, tmp_path):
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    data = workbook(real_rows()[:2000])
    settings.RESULTS_FILE_MAX_BYTES = len(data)  # its parts unpack to several times that
    errors = refused_by_the_api(client, source, data, "big.xlsx")
    assert "once unpacked" in errors[0]["message"]


TITLE = "Сведения о результатах выборов Президента Российской Федерации, 18 марта 2018 года"


def test_a_header_below_a_title_and_notes_is_found_and_lines_stay_the_files(tmp_path, original):
    rows = list(real_rows()[:STATIONS])
    region, tik, uik, figures = rows[9]
    rows[9] = (region, tik, uik, ["x", *figures[1:]])
    data = f"{TITLE}\n\nДанные ЦИК;по состоянию на 19.03.2018\n".encode("cp1251") + published(
        rows, delimiter=";", encoding="cp1251")
    source = load_mapping(tmp_path, shipped_mapping(code="ru-titled", encoding="windows-1251", delimiter=";"))
    preview = run(ru_election("ru-second"), source, data, dry_run=True)
    assert preview.rows == STATIONS - 1 and preview.stations_matched == STATIONS - 1
    assert [line for line, _message in preview.problems] == [4 + 10]  # three lines above the header on line 4


def test_a_workbooks_header_below_a_title_is_found(tmp_path, original):
    book = load_workbook(io.BytesIO(workbook(real_rows()[:STATIONS], as_floats=True)))
    book.active.insert_rows(1, 2)
    book.active["A1"] = TITLE
    out = io.BytesIO()
    book.save(out)
    source = load_mapping(tmp_path, shipped_mapping(code="ru-xlsx", format="xlsx"))
    second = ru_election("ru-second")
    report = run(second, source, out.getvalue())
    assert (report.rows, report.stations_created, report.problems) == (STATIONS, 0, [])
    assert figures_by_station(second) == figures_by_station(original)


def test_mapping_help_finds_the_header_below_a_title(client):
    election = ru_election("ru-help")
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    data = f"{TITLE}\n\n".encode("cp1251") + published(real_rows()[:20], delimiter=";", encoding="cp1251")
    page = client.post("/admin/protocols/resultsource/propose/", {
        "file-file": _named(data, "titled.csv"), "file-election": election.pk, "propose": "1"})
    initial = page.context["mapping"].initial
    assert (initial["encoding"], initial["delimiter"], initial["region_column"]) == ("windows-1251", ";", "region")
    assert initial["line_columns"][RU_2018_LINES[0]] == "L1"


def grouped(value, separator):
    """A figure as a spreadsheet shows it: digits in groups of three."""
    return f"{int(value):,}".replace(",", separator)


def test_figures_shown_in_groups_of_three_digits_read_as_their_numbers(tmp_path, original):
    rows = list(real_rows()[:STATIONS])
    for index, separator in ((0, "\u00a0"), (1, " "), (2, "\u202f")):
        region, tik, uik, figures = rows[index]
        rows[index] = (region, tik, uik, [grouped(value, separator) for value in figures])
    region, tik, uik, figures = rows[3]
    rows[3] = (region, tik, uik, ["22 56", *figures[1:]])  # not groups of three: no number
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")
    second = ru_election("ru-second")
    preview = run(second, source, published(rows), dry_run=True)
    assert [line for line, _message in preview.problems] == [5] and "“22 56”" in preview.problems[0][1]
    report = run(second, source, published(rows), skip_refused=True)
    assert report.rows == STATIONS - 1 and report.problems == preview.problems
    assert figures_by_station(second) == {station: figures for station, figures in figures_by_station(original).items()
                                          if station in figures_by_station(second)}
    assert rows[0][3][0] == "2\u00a0256"  # the first station's voters, as the spreadsheet showed them


def test_figures_a_table_library_wrote_as_decimals_read_as_their_numbers(original):
    # pandas makes a column with an empty cell (a blank row) a column of decimals: "2256.0"
    rows = [(region, tik, uik, [""] * len(figures) if index == 7 else [f"{value}.0" for value in figures])
            for index, (region, tik, uik, figures) in enumerate(real_rows()[:STATIONS])]
    region, tik, uik, figures = rows[3]
    rows[3] = (region, tik, uik, ["2256.5", *figures[1:]])  # a fraction is no count
    second = ru_election("ru-second")
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")
    report = run(second, source, published(rows), skip_refused=True)
    assert [line for line, _message in report.problems] == [5] and "“2256.5”" in report.problems[0][1]
    assert (report.rows, report.rows_blank) == (STATIONS - 1, 1)
    expected = figures_by_station(original)
    assert figures_by_station(second) == {station: expected[station] for station in figures_by_station(second)}
    assert len(figures_by_station(second)) == STATIONS - 2
