"""Result sources: how an official results file maps onto stations and lines, kept as data."""


from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import ResultSource

# --- Result sources (mappings) -------------------------------------------------------------


RESULT_SOURCE_FIELDS = ("name", "format", "encoding", "delimiter", "level", "region_column", "commission_column", "station_column",
                        "line_columns", "station_pattern", "fallback_station_label", "region_pattern",
                        "commission_pattern", "skip_rows", "ignore_columns", "url", "create_stations")


def save_result_source(*, data):
    """Create or update a result source (a mapping) from plain data, e.g. a JSON file, keyed by its
    code; checked like the admin's form. Returns (source, created)."""
    if not isinstance(data, dict) or not data.get("code"):
        raise ValueError(_("A source needs a code."))
    unknown = sorted(set(data) - {"code", *RESULT_SOURCE_FIELDS})
    if unknown:
        raise ValueError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    source = ResultSource.objects.filter(code=data["code"]).first()
    created = source is None
    source = source or ResultSource(code=data["code"])
    for name in RESULT_SOURCE_FIELDS:
        if name in data:
            setattr(source, name, data[name])
    try:
        source.full_clean()
    except ValidationError as error:
        raise ValueError("; ".join(f"{field}: {' '.join(messages)}"
                                   for field, messages in error.message_dict.items())) from None
    source.save()
    return source, created
