from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from config.limits import SHORT_TEXT

from . import geo, pseudonyms
from .models import Accreditation, ApiToken, CheckIn, Deployment, User


class SignUpSerializer(serializers.Serializer):
    invitation_code = serializers.CharField(max_length=40)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True, default="",
                                   help_text=_("Where the coordinator's decision is written to (optional)."))
    document = serializers.FileField()


class NewObserverSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32)


class ObserverSerializer(serializers.ModelSerializer):
    accreditation_status = serializers.CharField(source="accreditation.status", read_only=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "phone", "role", "organisation",
                  "accreditation_status"]


class AccreditationSerializer(serializers.ModelSerializer):
    observer = ObserverSerializer(read_only=True)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = Accreditation
        fields = ["id", "observer", "organisation", "status", "reason", "submitted_at", "decided_at",
                  "has_document", "document_sha256"]

    def get_has_document(self, accreditation) -> bool:
        return bool(accreditation.document)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject", "revoke"])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT)


class DocumentSerializer(serializers.Serializer):
    document = serializers.FileField()


class DeploymentSerializer(serializers.ModelSerializer):
    station_code = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    station_address = serializers.CharField(source="station.address", read_only=True)
    region = serializers.IntegerField(source="station.commission.region_id", read_only=True)
    checked_in = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deployment
        fields = ["id", "observer", "election", "station", "station_code", "station_name", "station_address",
                  "region", "in_random_sample", "assigned_by", "created_at", "checked_in"]
        read_only_fields = fields


class DeploymentCreateSerializer(serializers.Serializer):
    """What a deployment request carries; an observer picking a station leaves out `observer`."""

    observer = serializers.IntegerField(required=False)
    election = serializers.IntegerField()
    station = serializers.IntegerField()
    in_random_sample = serializers.BooleanField(required=False, default=False)


class DeploymentImportSerializer(serializers.Serializer):
    election = serializers.IntegerField()
    file = serializers.FileField()


class CheckInSerializer(serializers.ModelSerializer):
    client_id = serializers.UUIDField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                        required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True)

    distance_band = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = ["id", "client_id", "deployment", "kind", "recorded_at", "device_time", "latitude", "longitude",
                  "accuracy_m", "distance_m", "distance_band", "far_from_station"]
        read_only_fields = ["recorded_at", "distance_m", "far_from_station"]
        extra_kwargs = {"deployment": {"queryset": Deployment.objects.all()}}

    # Where and when (by the phone's clock) an observer stood tells who they are: only those who may
    # know it (observers.pseudonyms.sees_identity) read them; everyone else gets the distance band.
    PRIVATE_FIELDS = ("device_time", "latitude", "longitude", "accuracy_m", "distance_m")

    def get_distance_band(self, check_in) -> str | None:
        return geo.distance_band(check_in.distance_m)

    def to_representation(self, check_in):
        data = super().to_representation(check_in)
        request = self.context.get("request")
        viewer = request.user if request is not None else None
        if not pseudonyms.sees_identity(viewer, check_in.deployment.observer):
            data.update(dict.fromkeys(self.PRIVATE_FIELDS))
        return data


class TokenRequestSerializer(AuthTokenSerializer):
    """Username and password (DRF's checks, with the failed-login signal), and the code of the
    second factor when the user has one."""

    username = serializers.CharField(label=_("Username"), max_length=150, write_only=True)
    password = serializers.CharField(label=_("Password"), max_length=128, style={"input_type": "password"},
                                     trim_whitespace=False, write_only=True)
    code = serializers.CharField(label=_("Code"), max_length=16, required=False, allow_blank=True, write_only=True)
    token = None


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "name", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields
