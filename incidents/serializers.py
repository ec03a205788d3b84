from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.limits import LONG_TEXT, SHORT_TEXT
from config.pagination import excerpt
from evidence.serializers import AttachedEvidenceSerializer

from . import selectors
from .models import (
    COORDINATE_ERRORS,
    COORDINATE_LIMITS,
    Complaint,
    ComplaintRevision,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentRevision,
)


class IncidentCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentCategory
        fields = ["id", "code", "name_kk", "name_ru", "name_en", "description", "default_severity", "urgent"]


class IncidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvent
        fields = ["id", "from_status", "to_status", "comment", "actor", "at"]


class IncidentRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentRevision
        fields = ["id", "previous", "changed_by", "changed_at"]


def coordinate_field(name):
    """A latitude or longitude, refused outside its range with the same words as the page's form."""
    limit, message = COORDINATE_LIMITS[name], COORDINATE_ERRORS[name]
    return serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, required=False, allow_null=True,
        error_messages={"min_value": message, "max_value": message, "max_whole_digits": message,
                        "max_digits": message})


class IncidentSerializer(serializers.ModelSerializer):
    client_id = serializers.UUIDField()
    deployment = serializers.IntegerField(source="deployment_id", required=False, allow_null=True)
    category = serializers.IntegerField(source="category_id")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    latitude = coordinate_field("latitude")
    longitude = coordinate_field("longitude")
    evidence_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), write_only=True, required=False, default=list,
        help_text="IDs of the observer's own evidence files (purpose incident_media) to attach, as the evidence "
                  "upload answers them (Evidence-Id header, /api/evidence/files/).")
    evidence = serializers.SerializerMethodField()
    events = IncidentEventSerializer(many=True, read_only=True)
    revisions = IncidentRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "client_id", "deployment", "category", "occurred_at", "description", "witnesses",
                  "latitude", "longitude", "accuracy_m", "evidence_ids", "evidence", "observer", "organisation",
                  "election", "station", "severity", "status", "triage_started_at", "reported_at", "updated_at",
                  "events", "revisions"]
        read_only_fields = ["observer", "organisation", "election", "station", "severity", "status",
                            "triage_started_at", "reported_at", "updated_at"]

    @extend_schema_field(AttachedEvidenceSerializer(many=True))
    def get_evidence(self, incident):
        """The attached files the requesting user may see (all of them for the author and the coordinators),
        from the prefetch of `selectors.visible_attachments` when the view made it."""
        request = self.context.get("request")
        if request is None:
            return []
        if "attachments" in getattr(incident, "_prefetched_objects_cache", {}):
            files = [attachment.evidence for attachment in incident.attachments.all()]
        else:
            files = selectors.incident_evidence(incident, request.user)
        return AttachedEvidenceSerializer(files, many=True, context=self.context).data


class IncidentEditSerializer(serializers.Serializer):
    category = serializers.IntegerField(required=False)
    occurred_at = serializers.DateTimeField(required=False)
    description = serializers.CharField(required=False, max_length=LONG_TEXT)
    witnesses = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    evidence_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                         help_text="The whole new list of attached evidence IDs (own uploads).")


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Incident.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=SHORT_TEXT)


class ComplaintRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintRevision
        fields = ["id", "part", "previous", "recorded", "changed_by", "changed_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    revisions = ComplaintRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "client_id", "incident", "level", "addressed_to", "language", "created_by", "created_at", "filed_at",
                  "filed_where", "answer_due", "answered_on", "answer_text", "answer_scan", "overdue", "revisions"]
        read_only_fields = ["client_id", "addressed_to", "created_by", "created_at", "filed_at", "filed_where", "answer_due",
                            "answered_on", "answer_text", "answer_scan"]
        read_only_fields = [*read_only_fields, "incident", "level", "language"]

    def get_overdue(self, complaint) -> bool:
        return bool(getattr(complaint, "overdue", False))


class ComplaintCreateSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(help_text="Made by the client: a re-sent request drafts one complaint (200).")
    incident = serializers.IntegerField()
    language = serializers.ChoiceField(choices=Complaint.Language.choices)
    level = serializers.ChoiceField(choices=Complaint.Level.choices, default=Complaint.Level.PRECINCT)


class FilingSerializer(serializers.Serializer):
    filed_at = serializers.DateTimeField()
    filed_where = serializers.CharField(max_length=300)


class AnswerSerializer(serializers.Serializer):
    answered_on = serializers.DateField()
    answer_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT)
    answer_scan = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="ID of the coordinator's own evidence file (purpose complaint_answer): the scan of the answer.")


class IncidentSummarySerializer(IncidentSerializer):
    """An incident in a list: the start of the account (`description_excerpt`, EXCERPT_LENGTH
    characters), without witnesses, events and revisions; /api/incidents/<id>/ has them whole."""

    description_excerpt = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*(name for name in IncidentSerializer.Meta.fields
                    if name not in ("description", "witnesses", "events", "revisions", "evidence_ids")),
                  "description_excerpt"]

    def get_description_excerpt(self, incident) -> str:
        return excerpt(incident.description)


class ComplaintSummarySerializer(ComplaintSerializer):
    """A complaint in a list: the start of the answer, without the revisions."""

    answer_excerpt = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*(name for name in ComplaintSerializer.Meta.fields if name not in ("answer_text", "revisions")),
                  "answer_excerpt"]

    def get_answer_excerpt(self, complaint) -> str:
        return excerpt(complaint.answer_text)
