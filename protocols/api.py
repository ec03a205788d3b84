"""REST API for protocols: observers' copies, official results, discrepancies and decisions."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.pagination import SummaryList
from elections.models import Election

from . import selectors, services
from .models import Discrepancy, ResultSource
from .official_import import (
    ConfirmationNeeded,
    ResultImportError,
    import_official_results,
    open_results_file,
    problems_csv,
)
from .serializers import (
    CommissionProtocolInputSerializer,
    CommissionProtocolSerializer,
    DecideSerializer,
    DiscrepancySerializer,
    DiscrepancySummarySerializer,
    ObserverCopyInputSerializer,
    ObserverCopySerializer,
    OfficialVersionSerializer,
    ResultImportInputSerializer,
    ResultImportSerializer,
)


class ObserverCopyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Observers' copies of protocols. POST is idempotent by client_id (a re-send answers 200)."""

    serializer_class = ObserverCopySerializer
    filterset_fields = ["election", "station", "deployment", "is_latest"]

    def get_queryset(self):
        return selectors.copies_for(self.request.user).prefetch_related(
            selectors.copy_photos(self.request.user)).order_by("-submitted_at", "-id")

    @extend_schema(request=ObserverCopyInputSerializer, responses={201: ObserverCopySerializer})
    def create(self, request):
        serializer = ObserverCopyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        copy, created = services.submit_copy(observer=request.user, deployment_id=data["deployment"],
                                             client_id=data["client_id"], figures=data["figures"],
                                             comment=data["comment"], evidence_ids=data.get("evidence_ids"))
        return Response(self.get_serializer(copy).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CommissionProtocolViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Observers' copies of territorial commissions' summary protocols (tabulation check)."""

    serializer_class = CommissionProtocolSerializer
    filterset_fields = ["election", "commission", "is_latest"]

    def get_queryset(self):
        return selectors.commission_protocols_for(self.request.user).order_by("-submitted_at", "-id")

    @extend_schema(request=CommissionProtocolInputSerializer, responses={201: CommissionProtocolSerializer})
    def create(self, request):
        serializer = CommissionProtocolInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        summary, created = services.submit_commission_protocol(
            observer=request.user, election_id=data["election"], commission_id=data["commission"],
            client_id=data["client_id"], figures=data["figures"])
        return Response(CommissionProtocolSerializer(summary).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OfficialVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published per-station results, every version kept. Public data: any signed-in user."""

    serializer_class = OfficialVersionSerializer
    filterset_fields = ["election", "station", "is_latest"]

    def get_queryset(self):
        return selectors.official_versions().order_by("id")

    @extend_schema(request=ResultImportInputSerializer, responses={201: ResultImportSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        """Import a results file (administrators only): all rows or none."""
        if not request.user.is_platform_admin:
            raise PermissionDenied
        serializer = ResultImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        election = get_object_or_404(Election, slug=data["election"])
        source = get_object_or_404(ResultSource, code=data["source"])
        try:
            with open_results_file(data["file"], data["file"].name) as stream:
                report = import_official_results(election=election, source=source, stream=stream,
                                                 file_name=data["file"].name, create_stations=data["create_stations"],
                                                 user=request.user, dry_run=data["dry_run"], confirm=data["confirm"],
                                                 skip_refused=data["skip_refused"])
        except ResultImportError as error:
            # The first hundred problems by line, every one counted, the full list as CSV text.
            return Response({"errors": [{"line": line, "message": message} for line, message in error.errors[:100]],
                             "problem_count": len(error.errors), "problems_csv": problems_csv(error.errors),
                             "preview": error.report.as_dict() if error.report else None},
                            status=status.HTTP_400_BAD_REQUEST)
        except ConfirmationNeeded as needed:
            return Response({"detail": str(needed), "confirmation_needed": True, "preview": needed.report.as_dict()},
                            status=status.HTTP_409_CONFLICT)
        if report.dry_run:
            return Response({"preview": report.as_dict()}, status=status.HTTP_200_OK)
        result_import = source.imports.get(pk=report.result_import_id)
        return Response(ResultImportSerializer(result_import).data, status=status.HTTP_201_CREATED)


class DiscrepancyFilter(django_filters.FilterSet):
    # An ID, in the range of the database's integers: a huge number is a 400, not an overflow.
    region = django_filters.NumberFilter(method="in_region", label=_("Region (a station's, or a commission's)"),
                                         min_value=1, max_value=2**63 - 1, decimal_places=0)

    class Meta:
        model = Discrepancy
        fields = {"election": ["exact"], "kind": ["exact"], "severity": ["exact"], "status": ["exact"],
                  "station__commission__region": ["exact"]}

    def in_region(self, queryset, name, value):
        return queryset.filter(selectors.in_region(value))


class DiscrepancyViewSet(SummaryList, viewsets.ReadOnlyModelViewSet):
    """Flags of the cross-check, most severe and oldest first (the list without the decisions)."""

    serializer_class = DiscrepancySerializer
    list_serializer_class = DiscrepancySummarySerializer
    filterset_class = DiscrepancyFilter

    def get_queryset(self):
        user = self.request.user
        decisions = () if getattr(self, "action", None) == "list" else ("decisions__reviewer",)
        return selectors.discrepancies_for(user).prefetch_related(
            *decisions, selectors.copy_photos(user, "observer_copy__photo_attachments"),
            selectors.copy_photos(user, "other_copy__photo_attachments"),
        ).order_by("-severity_rank", "created_at", "id")

    @extend_schema(request=DecideSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        discrepancy = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decide(discrepancy_id=discrepancy.pk, reviewer=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=discrepancy.pk)).data)
