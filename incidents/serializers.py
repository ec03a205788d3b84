from rest_framework import serializers

from .models import Complaint, Incident, IncidentCategory, IncidentEvent, IncidentRevision


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


class IncidentSerializer(serializers.ModelSerializer):
    client_id = serializers.UUIDField()
    deployment = serializers.IntegerField(source="deployment_id", required=False, allow_null=True)
    category = serializers.IntegerField(source="category_id")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                        required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True)
    events = IncidentEventSerializer(many=True, read_only=True)
    revisions = IncidentRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "client_id", "deployment", "category", "occurred_at", "description", "witnesses",
                  "latitude", "longitude", "accuracy_m", "observer", "organisation", "election", "station",
                  "severity", "status", "triage_started_at", "reported_at", "updated_at", "events", "revisions"]
        read_only_fields = ["observer", "organisation", "election", "station", "severity", "status",
                            "triage_started_at", "reported_at", "updated_at"]


class IncidentEditSerializer(serializers.Serializer):
    category = serializers.IntegerField(required=False)
    occurred_at = serializers.DateTimeField(required=False)
    description = serializers.CharField(required=False)
    witnesses = serializers.CharField(required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Incident.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField()


class ComplaintSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "incident", "level", "addressed_to", "language", "created_by", "created_at", "filed_at",
                  "filed_where", "answer_due", "answered_on", "answer_text", "overdue"]
        read_only_fields = ["addressed_to", "created_by", "created_at", "filed_at", "filed_where", "answer_due",
                            "answered_on", "answer_text"]
        read_only_fields = [*read_only_fields, "incident", "level", "language"]

    def get_overdue(self, complaint) -> bool:
        return bool(getattr(complaint, "overdue", False))


class ComplaintCreateSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    language = serializers.ChoiceField(choices=Complaint.Language.choices)
    level = serializers.ChoiceField(choices=Complaint.Level.choices, default=Complaint.Level.PRECINCT)


class FilingSerializer(serializers.Serializer):
    filed_at = serializers.DateTimeField()
    filed_where = serializers.CharField(max_length=300)


class AnswerSerializer(serializers.Serializer):
    answered_on = serializers.DateField()
    answer_text = serializers.CharField(required=False, allow_blank=True, default="")
