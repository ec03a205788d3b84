"""The evidence app's part of an observer's personal data (observers.privacy).

Export: every file they sent, by SHA-256, with what was read from it. Erasure: the phone model and
GPS position read from their originals (an original another observer also sent keeps its
metadata: it is theirs too) and the file names of their unfinished uploads. Kept: the files, their
hashes, the copies and the evidence log, whose chain hashes its entries as they were written
(evidence/chain.py), so erasure never touches it and verification still holds.
"""

from django.db.models import Exists, OuterRef

from .models import EvidenceFile, Original, Upload


def _iso(moment):
    return moment.isoformat() if moment else None


def export(observer):
    files = EvidenceFile.objects.filter(uploaded_by=observer).select_related("original", "station", "election")
    return [{
        "id": evidence.pk, "sha256": evidence.original.sha256, "purpose": evidence.purpose,
        "filename": evidence.filename, "received_at": _iso(evidence.created_at),
        "station": evidence.station.code if evidence.station else None,
        "election": evidence.election.name if evidence.election else None,
        "captured_at": _iso(evidence.original.captured_at), "device": evidence.original.device,
        "latitude": str(evidence.original.latitude) if evidence.original.latitude is not None else None,
        "longitude": str(evidence.original.longitude) if evidence.original.longitude is not None else None,
    } for evidence in files.order_by("pk")]


def erase(observer):
    others = EvidenceFile.objects.filter(original=OuterRef("pk")).exclude(uploaded_by=observer)
    (Original.objects.filter(submissions__uploaded_by=observer).annotate(shared=Exists(others))
     .filter(shared=False).update(device="", latitude=None, longitude=None))
    Upload.objects.filter(uploaded_by=observer).update(filename="")
