"""Every CSV export is streamed by one helper: the header, then each row, as the rows come."""

import csv
import io

from config.csv_export import stream_csv


def test_a_csv_export_streams_its_header_and_rows_as_a_download():
    produced = []

    def rows():
        for number in range(3):
            produced.append(number)
            yield [number, f"Station, {number}", 'said "no"']

    response = stream_csv(rows(), ["id", "name", "note"], "stations.csv")
    assert response.streaming and produced == []  # nothing is built before it is sent
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stations.csv"'
    text = response.getvalue().decode()
    assert text.startswith("\ufeffid,")  # a byte-order mark: Excel on Windows reads it as UTF-8
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["id", "name", "note"], ["0", "Station, 0", 'said "no"'], ["1", "Station, 1", 'said "no"'],
        ["2", "Station, 2", 'said "no"']]
