"""The evidence API: the tus 1.0 upload endpoints and a read-only list of visible files.

tus (https://tus.io/protocols/resumable-upload), core + creation + termination + checksum +
expiration, under /api/evidence/uploads/:

    OPTIONS  /api/evidence/uploads/        Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm
    POST     /api/evidence/uploads/        Upload-Length, Upload-Metadata (filename, filetype, client_id,
                                           station, election, purpose) -> 201, Location
    HEAD     /api/evidence/uploads/<id>/   -> Upload-Offset, Upload-Length (Evidence-Id once complete)
    PATCH    /api/evidence/uploads/<id>/   Upload-Offset, Content-Type application/offset+octet-stream,
                                           optional Upload-Checksum "sha256 <base64>" -> 204, Upload-Offset
    DELETE   /api/evidence/uploads/<id>/   -> 204 (unfinished uploads only)

Authentication is the session (with the X-CSRFToken header) or a token. The views only translate
headers and statuses; every rule is in evidence/services/.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.views import APIView

from observers import geo

from . import selectors, services, tus

STATUS = {"not_found": 404, "conflict": 409, "locked": 423, "too_large": 413, "unsupported": 415,
          "invalid": 400, "checksum": tus.CHECKSUM_MISMATCH, "completed": 403, "forbidden": 403, "quota": 413}


def tus_response(status, headers=None, message=""):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = tus.VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = str(value)
    return response


def refused(error):
    return tus_response(STATUS[error.reason], message=error.message)


def upload_headers(upload):
    expires = upload.updated_at + datetime.timedelta(hours=settings.EVIDENCE_UPLOAD_EXPIRY_HOURS)
    headers = {"Upload-Offset": upload.offset, "Upload-Length": upload.length,
               "Upload-Expires": http_date(expires.timestamp())}
    if upload.evidence_id:
        headers["Evidence-Id"] = upload.evidence_id
    return headers


class TusView(APIView):
    parser_classes = []  # the body is streamed by the service, never parsed or buffered
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != tus.VERSION:
            raise _VersionMismatch()

    def handle_exception(self, exc):
        if isinstance(exc, _VersionMismatch):
            return tus_response(412, {"Tus-Version": tus.VERSION}, "Tus-Resumable 1.0.0 required")
        if isinstance(exc, services.UploadRefused):
            return refused(exc)
        if isinstance(exc, tus.HeaderError):
            return tus_response(400, message=f"Invalid {exc} header")
        if isinstance(exc, PermissionDenied):
            return tus_response(403, message=str(exc))
        return super().handle_exception(exc)

    def options(self, request, *args, **kwargs):
        return tus_response(204, {
            "Tus-Version": tus.VERSION, "Tus-Extension": ",".join(tus.EXTENSIONS),
            "Tus-Max-Size": services.max_bytes_for(None),
            "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
        })


class _VersionMismatch(Exception):
    pass


class UploadCollection(TusView):
    def post(self, request):
        length = tus.parse_non_negative(request.headers.get("Upload-Length"), "Upload-Length")
        metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
        upload = services.create_upload(user=request.user, length=length, metadata=metadata)
        location = request.build_absolute_uri(reverse("evidence-upload", args=[upload.pk]))
        return tus_response(201, {"Location": location, **upload_headers(upload)})


class UploadResource(TusView):
    def head(self, request, upload_id):
        try:
            upload = services.current_offset(upload_id=upload_id, user=request.user)
        except services.UploadRefused as error:
            return tus_response(STATUS[error.reason])  # HEAD responses carry no body
        return tus_response(200, upload_headers(upload))

    def patch(self, request, upload_id):
        if request.content_type.split(";")[0].strip() != tus.OFFSET_CONTENT_TYPE:
            return tus_response(415, message=f"Content-Type must be {tus.OFFSET_CONTENT_TYPE}")
        offset = tus.parse_non_negative(request.headers.get("Upload-Offset"), "Upload-Offset")
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
        checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
        upload = services.append_chunk(upload_id=upload_id, user=request.user, offset=offset,
                                       stream=request._request, content_length=content_length, checksum=checksum)
        return tus_response(204, upload_headers(upload))

    def delete(self, request, upload_id):
        services.terminate_upload(upload_id=upload_id, user=request.user)
        return tus_response(204)


class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    station = serializers.IntegerField(source="station_id", allow_null=True)
    election = serializers.IntegerField(source="election_id", allow_null=True)
    filename = serializers.CharField()
    created_at = serializers.DateTimeField()
    sha256 = serializers.CharField(source="original.sha256")
    size = serializers.IntegerField(source="original.size")
    media_type = serializers.CharField(source="original.media_type")
    kind = serializers.CharField(source="original.kind")
    processing = serializers.CharField(source="original.processing")
    captured_at = serializers.DateTimeField(source="original.captured_at", allow_null=True)
    # Read from the original's metadata: only for whoever may see the original (evidence.selectors).
    device = serializers.SerializerMethodField()
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    check_in_distance = serializers.SerializerMethodField(
        help_text="The uploader's check-in at the station, as a distance band (\"100-500 m\"); null if none.")
    width = serializers.IntegerField(source="original.width", allow_null=True)
    height = serializers.IntegerField(source="original.height", allow_null=True)
    duration = serializers.FloatField(source="original.duration", allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()

    def _url(self, evidence, which):
        return self.context["request"].build_absolute_uri(reverse("evidence:file", args=[evidence.pk, which]))

    def get_thumbnail_url(self, evidence) -> str | None:
        return self._url(evidence, "thumbnail") if evidence.original.thumbnail_key else None

    def get_web_url(self, evidence) -> str | None:
        return self._url(evidence, "web") if evidence.original.web_key else None

    def _original_readable(self, evidence):
        return selectors.may_read_original(self.context["request"].user, evidence)

    def get_original_url(self, evidence) -> str | None:
        return self._url(evidence, "original") if self._original_readable(evidence) else None

    def get_device(self, evidence) -> str | None:
        return evidence.original.device if self._original_readable(evidence) else None

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True))
    def get_latitude(self, evidence):
        return self._position(evidence, "latitude")

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True))
    def get_longitude(self, evidence):
        return self._position(evidence, "longitude")

    def _position(self, evidence, axis):
        value = getattr(evidence.original, axis)
        if value is None or not self._original_readable(evidence):
            return None
        return f"{value:.6f}"

    def get_check_in_distance(self, evidence) -> str | None:
        return geo.distance_band(getattr(evidence, "check_in_distance_m", None))


@extend_schema(tags=["evidence"])
class EvidenceFileViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence files the user may see: their own (observer), their organisation's (coordinator),
    all (reviewer, admin). `original_url` is null when the user may see copies only, and so are
    the device and position read from the original: the check-in's distance band is all they get."""

    serializer_class = EvidenceFileSerializer
    filterset_fields = ["station", "election", "purpose"]

    def get_queryset(self):
        return selectors.with_check_in_distance(selectors.evidence_visible_to(self.request.user))
