"""Exports of the dashboard's tables: CSV, XLSX and GeoJSON, each scoped like the pages."""

import io
import json

from django.http import HttpResponse
from openpyxl import Workbook

from config.cells import xlsx_row
from config.csv_export import stream_csv


def table_response(name, header, rows, file_format):
    """The same table as CSV or XLSX."""
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(name[:31])
        sheet.append(xlsx_row(sheet, header))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        return stream_csv(rows, header, f"{name}.csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def geojson_response(name, points):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                 "properties": {"id": pk, "code": code, "state": state}}
                for pk, code, latitude, longitude, state in points]
    response = HttpResponse(json.dumps({"type": "FeatureCollection", "features": features}),
                            content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
    return response
