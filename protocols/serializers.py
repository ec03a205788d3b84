from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.limits import SHORT_TEXT
from evidence.serializers import AttachedEvidenceSerializer

from . import selectors
from .models import CommissionProtocol, Decision, Discrepancy, ObserverCopy, OfficialVersion, ResultImport


class ObserverCopyInputSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    deployment = serializers.IntegerField()
    figures = serializers.DictField(child=serializers.IntegerField(min_value=0, allow_null=True))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    evidence_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False,
        help_text="IDs of the observer's own photos of this protocol (purpose protocol_photo, sent for the "
                  "deployment's station and election), as the evidence upload answers them (Evidence-Id header). "
                  "Left out: a correction keeps the previous version's photos; [] attaches none.")


class DiscrepancyPhotoSerializer(AttachedEvidenceSerializer):
    copy = serializers.IntegerField(help_text="The compared observer copy the photo is attached to.")


def _photos_of(copy, context):
    request = context.get("request")
    if copy is None or request is None:
        return []
    return selectors.attached_photos(copy, request.user)


class ObserverCopySerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    class Meta:
        model = ObserverCopy
        fields = ["id", "client_id", "deployment", "observer", "election", "station", "version", "is_latest",
                  "figures", "comment", "warnings", "photos", "submitted_at"]
        read_only_fields = fields

    @extend_schema_field(AttachedEvidenceSerializer(many=True))
    def get_photos(self, copy):
        """The photos of the protocol attached to this version that the requesting user may see."""
        return AttachedEvidenceSerializer(_photos_of(copy, self.context), many=True, context=self.context).data


class CommissionProtocolInputSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    election = serializers.IntegerField()
    commission = serializers.IntegerField()
    figures = serializers.DictField(child=serializers.IntegerField(min_value=0, allow_null=True))


class CommissionProtocolSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionProtocol
        fields = ["id", "client_id", "observer", "result_import", "election", "commission", "version", "is_latest",
                  "figures", "submitted_at", "checked_at"]
        read_only_fields = fields


class OfficialVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficialVersion
        fields = ["id", "election", "station", "version", "is_latest", "figures", "imported_at", "result_import"]
        read_only_fields = fields


class ResultImportInputSerializer(serializers.Serializer):
    election = serializers.SlugField()
    source = serializers.SlugField()
    file = serializers.FileField()
    create_stations = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)
    skip_refused = serializers.BooleanField(default=False)
    confirm = serializers.BooleanField(default=False)


class ResultImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultImport
        fields = ["id", "election", "source", "file_name", "sha256", "imported_at", "rows", "stations_created",
                  "versions_added", "rows_refused", "rows_blank", "problem_count", "unused_columns"]
        read_only_fields = fields


class ReviewDecisionSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Decision
        fields = ["status", "comment", "reviewer", "decided_at"]
        read_only_fields = fields


class DiscrepancySerializer(serializers.ModelSerializer):
    decisions = ReviewDecisionSerializer(many=True, read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True, default=None)
    region = serializers.SerializerMethodField(help_text=_("The station's region, or the commission's."))
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Discrepancy
        fields = ["id", "election", "station", "station_code", "region", "kind", "severity", "status", "deltas",
                  "detail", "observer_copy", "other_copy", "official_version", "previous_official", "commission",
                  "commission_protocol", "photos", "created_at",
                  "updated_at", "decisions"]
        read_only_fields = fields

    @extend_schema_field(DiscrepancyPhotoSerializer(many=True))
    def get_photos(self, discrepancy):
        """The photos attached to the observer copies the flag compares (observer_copy's first)."""
        photos = []
        for copy in (discrepancy.observer_copy, discrepancy.other_copy):
            for photo in _photos_of(copy, self.context):
                photo.copy = copy.pk
                photos.append(photo)
        return DiscrepancyPhotoSerializer(photos, many=True, context=self.context).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_region(self, discrepancy):
        if discrepancy.station_id:
            return discrepancy.station.commission.region_id
        return discrepancy.commission.region_id if discrepancy.commission_id else None


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "observer_error", "resolve"])
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)
    client_id = serializers.UUIDField(required=False, allow_null=True, default=None,
                                      help_text=_("Made by the client: a re-sent decision is recorded once."))


class DiscrepancySummarySerializer(DiscrepancySerializer):
    """A flag in a list: without the reviewers' decisions (the detail has them)."""

    class Meta(DiscrepancySerializer.Meta):
        fields = [name for name in DiscrepancySerializer.Meta.fields if name != "decisions"]
        read_only_fields = fields
