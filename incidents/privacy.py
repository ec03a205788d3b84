"""The incidents app's part of an observer's personal data (observers.privacy).

Export: the reports they made. Erasure: the GPS position the phone attached to each report. Kept:
the reports themselves (category, time, description, station), their history and decisions.
"""

from .models import Incident


def export(observer):
    return [{
        "id": incident.pk, "category": incident.category.code, "station": incident.station.code,
        "occurred_at": incident.occurred_at.isoformat(), "reported_at": incident.reported_at.isoformat(),
        "description": incident.description, "witnesses": incident.witnesses, "status": incident.status,
        "latitude": str(incident.latitude) if incident.latitude is not None else None,
        "longitude": str(incident.longitude) if incident.longitude is not None else None,
        "accuracy_m": incident.accuracy_m,
    } for incident in Incident.objects.filter(observer=observer).select_related("category", "station").order_by("pk")]


def erase(observer):
    Incident.objects.filter(observer=observer).update(latitude=None, longitude=None, accuracy_m=None)
