"""Every CSV export of the site goes through `stream_csv`: one header row, then the rows as they
come, streamed so a national export never sits whole in memory."""

import csv

from django.http import StreamingHttpResponse

from config.cells import csv_row


class _Line:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, value):
        return value


def csv_lines(rows, header):
    """The header and the rows as CSV text lines (an iterator), every formula-like text cell
    neutralised (config.cells)."""
    writer = csv.writer(_Line())
    yield writer.writerow(csv_row(header))
    for row in rows:
        yield writer.writerow(csv_row(row))


def stream_csv(rows, header, filename):
    """A download of `filename` (UTF-8 CSV) made of `header` and `rows` (an iterable of sequences)."""
    response = StreamingHttpResponse(csv_lines(rows, header), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
