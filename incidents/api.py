"""The incidents REST API: the same actions as the pages, for the offline-first phone app."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.pagination import SummaryList

from . import complaint_document, deadlines, selectors, services
from .serializers import (
    AnswerSerializer,
    CommentSerializer,
    ComplaintCreateSerializer,
    ComplaintSerializer,
    ComplaintSummarySerializer,
    FilingSerializer,
    IncidentCategorySerializer,
    IncidentEditSerializer,
    IncidentEventSerializer,
    IncidentSerializer,
    IncidentSummarySerializer,
    TransitionSerializer,
)


class IncidentCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IncidentCategorySerializer

    def get_queryset(self):
        return selectors.categories()


class IncidentViewSet(SummaryList, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Incidents the user may see; POST is idempotent by the phone's client_id (a retry answers 200).
    The list gives each incident's summary (an excerpt of the account); the detail gives it whole."""

    serializer_class = IncidentSerializer
    list_serializer_class = IncidentSummarySerializer
    filterset_fields = ["status", "severity", "category", "station__commission__region"]

    def get_queryset(self):
        histories = () if getattr(self, "action", None) == "list" else ("events", "revisions")
        return selectors.incidents_for(self.request.user).prefetch_related(
            *histories, selectors.visible_attachments(self.request.user)).order_by("-reported_at", "-id")

    def _shown(self, incident):
        return IncidentSerializer(self.get_queryset().get(pk=incident.pk), context=self.get_serializer_context()).data

    def create(self, request):
        serializer = IncidentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident, created = services.report_incident(
            observer=request.user, client_id=data["client_id"], deployment_id=data.get("deployment_id"),
            category_id=data["category_id"], occurred_at=data.get("occurred_at"), description=data["description"],
            witnesses=data.get("witnesses", ""), latitude=data.get("latitude"), longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"), evidence_ids=data.get("evidence_ids", []))
        return Response(self._shown(incident),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=IncidentEditSerializer, responses=IncidentSerializer)
    def partial_update(self, request, pk=None):
        """The author corrects their report until triage starts; the previous values are kept."""
        incident = self.get_object()
        serializer = IncidentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "category" in changes:
            changes["category_id"] = changes.pop("category")
        incident = services.edit_incident(observer=request.user, incident_id=incident.pk, **changes)
        return Response(self._shown(incident))

    @extend_schema(request=TransitionSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        incident = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.change_status(coordinator=request.user, incident_id=incident.pk,
                                          **serializer.validated_data)
        return Response(self._shown(incident))

    @extend_schema(request=CommentSerializer, responses={201: IncidentEventSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        incident = self.get_object()
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.add_comment(coordinator=request.user, incident_id=incident.pk,
                                     comment=serializer.validated_data["comment"])
        return Response(IncidentEventSerializer(event).data, status=status.HTTP_201_CREATED)


class ComplaintViewSet(SummaryList, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The complaints register; coordinators draft complaints and record filing and answer. The
    list gives each complaint's summary (an excerpt of the answer, no revisions)."""

    serializer_class = ComplaintSerializer
    list_serializer_class = ComplaintSummarySerializer

    def get_queryset(self):
        return selectors.complaints_for(self.request.user).prefetch_related("revisions").order_by("-created_at", "-id")

    def _marked(self, complaint):
        complaint.overdue = deadlines.is_overdue(complaint.answer_due, complaint.answered_on, timezone.localdate())
        return ComplaintSerializer(complaint).data

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().prefetch_related(None))
        today = timezone.localdate()
        for complaint in page:
            complaint.overdue = deadlines.is_overdue(complaint.answer_due, complaint.answered_on, today)
        return self.get_paginated_response(ComplaintSummarySerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self._marked(self.get_object()))

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer, 200: ComplaintSerializer})
    def create(self, request):
        """Draft a complaint; idempotent by client_id: a re-send answers 200 with the same complaint."""
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident = selectors.incidents_for(request.user).filter(pk=data["incident"]).first()
        if incident is None:
            return Response({"incident": [_("Unknown incident.")]}, status=status.HTTP_400_BAD_REQUEST)
        complaint, created = services.create_complaint(
            coordinator=request.user, client_id=data["client_id"], incident_id=incident.pk,
            language=data["language"], level=data["level"])
        return Response(self._marked(complaint), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=FilingSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def filing(self, request, pk=None):
        complaint = self.get_object()
        serializer = FilingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.record_filing(coordinator=request.user, complaint_id=complaint.pk,
                                           **serializer.validated_data)
        return Response(self._marked(complaint))

    @extend_schema(request=AnswerSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        complaint = self.get_object()
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = services.record_answer(coordinator=request.user, complaint_id=complaint.pk,
                                           answered_on=data["answered_on"], answer_text=data["answer_text"],
                                           answer_scan_id=data["answer_scan"])
        return Response(self._marked(complaint))

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        complaint = self.get_object()
        response = HttpResponse(complaint_document.render_pdf(services.complaint_facts(complaint)),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="complaint-{complaint.pk}.pdf"'
        return response
