"""The importer's fast CSV reading and the preview's figure check agree with the import exactly.

The reader splits quote-free lines itself (most lines of a national file) and hands the others to
csv.reader: the rows and line numbers must be csv.reader's, whatever the file. The preview checks
figures without converting them: it must refuse exactly the rows the import refuses, with the same
messages.
"""

import csv
import io
import random

import pytest

from protocols.models import ResultSource
from protocols.official_import import ResultImportError, _CsvRows, import_official_results
from protocols.shipped_sources import RU_2018_CANDIDATES, RU_2018_LINES
from tests.protocols.test_import_variants import real_rows, ru_election

pytestmark = pytest.mark.django_db


def rows_of(reader_class, text):
    reader = reader_class(io.StringIO(text, newline=""))
    return [(row, reader.line_num) for row in reader]


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n", "a,b\r\n1,2\r\n\r\n3,4", '"x\ny",2\n3,4\n', 'a,"b""c",d\n\n\n,\n', "a\rb\rc", "", "\n", "a,b",
    " a , b \n", '"a\r\nb",c\r\nd,e\r\n', 'x,"unterminated\nmore\n', 'a"b,c\nd,e\n', "a,\0b\nc\n"])
def test_the_reader_gives_csv_readers_rows_and_line_numbers(text):
    try:
        expected = rows_of(csv.reader, text)
    except csv.Error as error:
        with pytest.raises(csv.Error, match=str(error)):
            rows_of(_CsvRows, text)
        return
    assert rows_of(_CsvRows, text) == expected


def test_the_reader_agrees_with_csv_reader_on_random_texts():
    generator = random.Random(2018)
    for _ in range(3000):
        text = "".join(generator.choice(["a", ",", '"', "\n", "\r", "\r\n", " ", "1"])
                       for _ in range(generator.randint(0, 40)))
        assert rows_of(_CsvRows, text) == rows_of(csv.reader, text), text


def file_with(figures_by_row):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["region", "tik", "uik", *RU_2018_LINES, *RU_2018_CANDIDATES, "url"])
    for (region, tik, uik, real), figures in zip(real_rows(), figures_by_row, strict=False):
        writer.writerow([region, tik, uik, *(figures if figures is not None else real), "u"])
    return out.getvalue().encode()


def test_the_preview_refuses_exactly_the_rows_and_messages_the_import_refuses():
    figures = [None] * 12
    real = list(real_rows()[0][3])
    figures[1] = [" 12", *real[1:]]                   # int() takes spaces: accepted by both
    figures[2] = ["0000000001", *real[1:]]            # ten digits, the value 1: accepted
    figures[3] = ["1000000000", *real[1:]]            # a billion: refused
    figures[4] = ["-1", *real[1:]]                    # negative: refused
    figures[5] = ["1,5", *real[1:]]                   # a comma inside a quoted figure: refused
    figures[6] = ["", *real[1:]]                      # one empty: refused
    figures[7] = [""] * len(real)                     # blank row: not published
    figures[8] = ["x", *real[1:]]                     # not a number: refused
    figures[9] = ["+7", *real[1:]]                    # int() takes a sign: accepted
    data = file_with(figures)
    election = ru_election("ru-reader")
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")

    def run(**options):
        return import_official_results(election=election, source=source, stream=io.BytesIO(data),
                                       file_name="r.csv", create_stations=True, **options)

    preview = run(dry_run=True)
    with pytest.raises(ResultImportError) as refused:
        run()
    assert preview.problems == refused.value.errors
    assert sorted({line for line, _message in preview.problems}) == [5, 6, 7, 8, 10]
    assert preview.rows_blank == 1 and preview.rows == 12 - 5
