"""The observers' REST API: the same actions as the pages, for the offline-first phone app."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import access_log, selectors, services, throttling, tokens, two_factor
from .models import ApiToken, User
from .serializers import (
    AccreditationSerializer,
    ApiTokenSerializer,
    CheckInSerializer,
    DecisionSerializer,
    DeploymentCreateSerializer,
    DeploymentImportSerializer,
    DeploymentSerializer,
    DocumentSerializer,
    NewObserverSerializer,
    ObserverSerializer,
    SignUpSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from .views import document as document_view


class SignUpView(APIView):
    """An observer signs up with their NGO's invitation code and a photo of their document."""

    permission_classes = [AllowAny]
    throttle_classes = [throttling.SignUpThrottle]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=SignUpSerializer, responses={201: ObserverSerializer})
    def post(self, request):
        serializer = SignUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.sign_up(**serializer.validated_data, language=request.LANGUAGE_CODE)
        return Response(ObserverSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """A token for a username and password (and the second factor's code, for staff and anyone
    who enrolled one), refused (429) while this username from this address is locked out
    (observers.throttling). The token expires (API_TOKEN_LIFETIME_DAYS) and is shown once."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else None
        wait = throttling.login_retry_after(request, username)
        if wait is not None:
            raise Throttled(wait=wait, detail=throttling.wait_message(wait))
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor.required_for(user):
            if not two_factor.is_enrolled(user) and not two_factor.backup_codes_left(user):
                raise PermissionDenied(_("Set up your second factor on the website first (Account, Two-factor)."))
            if two_factor.verify_code(user=user, code=serializer.validated_data.get("code")) is None:
                throttling.count_login_failure(request, username)
                raise ValidationError({"code": [_("Give the current code of your authenticator app, or a backup code.")]})
        token, key = tokens.issue(user=user, name=request.headers.get("User-Agent", ""))
        return Response(TokenSerializer({"token": key, "expires_at": token.expires_at}).data)


class LogoutView(APIView):
    """Revoke the token this call is made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.revoke(user=request.user, reason="logout", token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own unexpired, unrevoked tokens; DELETE revokes one."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built without a user
            return ApiToken.objects.none()
        return tokens.active_for(self.request.user).order_by("-created_at")

    def perform_destroy(self, instance):
        tokens.revoke(user=self.request.user, reason="revoked by owner", token_id=instance.pk)


class MeView(APIView):
    @extend_schema(responses=ObserverSerializer)
    def get(self, request):
        return Response(ObserverSerializer(request.user).data)


class ObserverViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Observers the user may see; coordinators create observers of their organisation."""

    serializer_class = ObserverSerializer
    filterset_fields = ["accreditation__status"]

    def get_queryset(self):
        return selectors.observers_for(self.request.user).order_by("id")

    def retrieve(self, request, *args, **kwargs):
        observer = self.get_object()
        access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=observer,
                          target=f"user {observer.pk}")
        return Response(self.get_serializer(observer).data)

    @extend_schema(request=NewObserverSerializer, responses={201: ObserverSerializer})
    def create(self, request):
        serializer = NewObserverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.create_observer(coordinator=request.user, **serializer.validated_data)
        return Response(ObserverSerializer(user).data, status=status.HTTP_201_CREATED)


class AccreditationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AccreditationSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.accreditations_for(self.request.user).order_by("-submitted_at")

    def retrieve(self, request, *args, **kwargs):
        accreditation = self.get_object()
        access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=accreditation.observer,
                          organisation_id=accreditation.organisation_id, target=f"accreditation {accreditation.pk}")
        return Response(self.get_serializer(accreditation).data)

    @extend_schema(request=DecisionSerializer, responses=AccreditationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        accreditation = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accreditation = services.decide_accreditation(
            accreditation_id=accreditation.pk, coordinator=request.user, **serializer.validated_data)
        return Response(AccreditationSerializer(accreditation).data)

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        accreditation = self.get_object()  # a malformed or unknown ID answers 404, never a 500
        return document_view(request._request, accreditation.pk)

    @extend_schema(request=DocumentSerializer, responses=AccreditationSerializer)
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def resubmit(self, request):
        """The observer sends a new photo of their document (after a rejection, or while waiting)."""
        if request.user.role != User.Role.OBSERVER:
            raise PermissionDenied
        serializer = DocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accreditation = services.resubmit_document(observer=request.user, document=serializer.validated_data["document"])
        return Response(AccreditationSerializer(accreditation).data)


class DeploymentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Coordinators deploy observers; an observer may pick a station when the NGO allows it."""

    serializer_class = DeploymentSerializer
    filterset_fields = ["election", "station", "observer", "in_random_sample"]

    def get_queryset(self):
        return selectors.deployments_for(self.request.user).order_by("id")

    @extend_schema(request=DeploymentCreateSerializer, responses={201: DeploymentSerializer})
    def create(self, request):
        if request.user.role != User.Role.OBSERVER:
            services.ensure_coordinator(request.user)  # a reviewer or anyone else: 403 before any parsing
        serializer = DeploymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if request.user.role == User.Role.OBSERVER:
            deployment = services.self_deploy(observer=request.user, election_id=data["election"],
                                              station_id=data["station"])
        else:
            if "observer" not in data:
                return Response({"observer": [_("This field is required.")]}, status=status.HTTP_400_BAD_REQUEST)
            deployment = services.deploy(coordinator=request.user, observer_id=data["observer"],
                                         election_id=data["election"], station_id=data["station"],
                                         in_random_sample=data["in_random_sample"])
        deployment = self.get_queryset().get(pk=deployment.pk)
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeploymentImportSerializer, responses={201: dict})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request):
        services.ensure_coordinator(request.user)
        serializer = DeploymentImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            text = serializer.validated_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return Response({"file": [_("The file is not UTF-8 text.")]}, status=status.HTTP_400_BAD_REQUEST)
        created, existing = services.deploy_from_csv(
            coordinator=request.user, election_id=serializer.validated_data["election"], csv_text=text)
        return Response({"created": created, "already_deployed": existing}, status=status.HTTP_201_CREATED)


class CheckInViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Check-ins; POST is idempotent by the phone's client_id (a retry answers 200, not 201)."""

    serializer_class = CheckInSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    filterset_fields = ["deployment", "kind", "far_from_station"]

    def get_queryset(self):
        return selectors.check_ins_for(self.request.user).order_by("-recorded_at")

    def create(self, request):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record, created = services.record_check_in(
            observer=request.user, deployment_id=data["deployment"].pk, client_id=data["client_id"],
            kind=data["kind"], latitude=data.get("latitude"), longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"), device_time=data.get("device_time"))
        return Response(CheckInSerializer(record, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
