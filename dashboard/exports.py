"""Exports of the dashboard's tables: CSV, XLSX and GeoJSON, each scoped like the pages.

A table travels further than the page (it is shared, forwarded, opened in Excel): headers and
labels in the requester's language, times in the election's time zone with the zone named, a
status column for every flag and incident (a withdrawn flag says so), names rather than IDs, and
observers by their pseudonym only (observers.pseudonyms).
"""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

from config.csv_export import local_time, stream_csv, with_zone, xlsx_response
from elections import selectors as election_selectors
from incidents.models import Incident, IncidentCategory, Severity
from observers import pseudonyms
from protocols.models import Discrepancy


def table_response(name, header, rows, file_format):
    """The same table as CSV or XLSX (rows made in the active language)."""
    if file_format == "xlsx":
        return xlsx_response(rows, header, f"{name}.xlsx", name)
    return stream_csv(rows, header, f"{name}.csv")


def geojson_response(name, points):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                 "properties": {"id": pk, "code": code, "state": state}}
                for pk, code, latitude, longitude, state in points]
    response = HttpResponse(json.dumps({"type": "FeatureCollection", "features": features}),
                            content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
    return response


def coverage_header(figures):
    labels = {"stations": _("Stations"), "deployed": _("Observers deployed"), "checked_in": _("Checked in"),
              "protocols": _("Protocols received"), "protocols_with_photos": _("Protocols with photos"),
              "official": _("Official results"), "open_flags": _("Open flags"),
              "not_published": _("Results not published")}
    for value, label in Severity.choices:
        labels[f"incidents_{value}"] = _("Incidents: %(label)s") % {"label": label}
    return [_("Election"), _("Region"), *[labels[figure] for figure in figures]]


def results_header():
    return [_("Election"), _("Contestant"), _("Official"), _("Observers"), _("Official, same stations")]


def flags_table(election, rows):
    """(header, rows) of flags: (region, station, kind, severity, status, flagged at) each."""
    zone = election_selectors.time_zone(election)
    kinds, severities = dict(Discrepancy.Kind.choices), dict(Discrepancy.Severity.choices)
    statuses = dict(Discrepancy.Status.choices)
    header = [_("Election"), _("Region"), _("Station"), _("Flag"), _("Severity"), _("Status"),
              with_zone(_("Flagged at"), zone)]

    def made():
        for region, station, kind, severity, status, flagged_at in rows:
            yield [election.name, region, station, str(kinds.get(kind, kind)), str(severities.get(severity, severity)),
                   str(statuses.get(status, status)), local_time(flagged_at, zone)]

    return header, made()


def incidents_table(election, rows):
    """(header, rows) of incidents: (id, region, commission, station, category ID, severity, status,
    occurred at, reported at, observer's pseudonym code) each; the observer by pseudonym only."""
    zone = election_selectors.time_zone(election)
    categories = {category.pk: category for category in IncidentCategory.objects.all()}
    severities, statuses = dict(Severity.choices), dict(Incident.Status.choices)
    header = [_("Incident"), _("Election"), _("Region"), _("Territorial commission"), _("Station"), _("Category"),
              _("Severity"), _("Status"), with_zone(_("Occurred at"), zone), with_zone(_("Reported at"), zone),
              _("Observer")]

    def made():
        for pk, region, commission, station, category, severity, status, occurred, reported, code in rows:
            category = categories.get(category)
            yield [pk, election.name, region, commission, station, category.name() if category else "",
                   str(severities.get(severity, severity)), str(statuses.get(status, status)),
                   local_time(occurred, zone), local_time(reported, zone), pseudonyms.pseudonym_label(code)]

    return header, made()
