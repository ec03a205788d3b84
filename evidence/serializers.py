"""How other apps' APIs show an attached evidence file."""

from django.urls import reverse
from rest_framework import serializers


class AttachedEvidenceSerializer(serializers.Serializer):
    """A photo or video attached to a record (an incident, an observer copy); the file itself is
    served by the evidence app under its own permission rules (a thumbnail for whoever may see it)."""

    id = serializers.IntegerField()
    sha256 = serializers.CharField(source="original.sha256")
    kind = serializers.CharField(source="original.kind")
    filename = serializers.CharField()
    captured_at = serializers.DateTimeField(source="original.captured_at", allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()

    def get_thumbnail_url(self, evidence) -> str | None:
        if not evidence.original.thumbnail_key:
            return None
        url = reverse("evidence:file", args=[evidence.pk, "thumbnail"])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
