"""Every CSV export of the site goes through `stream_csv`: one header row, then the rows as they
come, streamed so a national export never sits whole in memory.

The file opens with a UTF-8 byte-order mark: without it Excel on Windows reads the bytes in the
machine's legacy code page and garbles Cyrillic. The rows are made in the requester's language
(the one active when the response was made), even when the server streams them later. The
helpers below give every export the same cells: times in the election's time zone, yes/no words.
"""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.cells import csv_row, xlsx_row

BOM = "\ufeff"


class _Line:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, value):
        return value


def csv_lines(rows, header):
    """The byte-order mark and the header, then the rows, as CSV text lines (an iterator), every
    formula-like text cell neutralised (config.cells)."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(csv_row([str(name) for name in header]))
    for row in rows:
        yield writer.writerow(csv_row(row))


def _in_language(lines, language):
    with translation.override(language):
        yield from lines


def stream_csv(rows, header, filename):
    """A download of `filename` (UTF-8 CSV with a byte-order mark) made of `header` and `rows`
    (an iterable of sequences), in the language active now."""
    lines = _in_language(csv_lines(rows, header), translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows, header, filename, sheet_name):
    """The same table as an XLSX download: one sheet, text cells never formulas (config.cells)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])
    sheet.append(xlsx_row(sheet, [str(name) for name in header]))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def local_time(moment, zone):
    """An instant as "2027-03-21 20:15" in `zone` (the election's), "" for none."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_date(day):
    return day.isoformat() if day else ""


def yes_no(value):
    return _("yes") if value else _("no")


def with_zone(label, zone):
    """A time column's header naming its zone: "Reported at (Asia/Almaty)"."""
    return f"{label} ({getattr(zone, 'key', zone)})"
