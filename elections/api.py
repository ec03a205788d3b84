"""Read-only API of the registry: what an observer's app needs to know to fill a protocol."""

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors
from .models import Region, Station
from .serializers import (
    ControlRelationSerializer,
    ElectionSerializer,
    ProtocolLineSerializer,
    RegionSerializer,
    StationSerializer,
)


class ElectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ElectionSerializer
    lookup_field = "slug"
    filterset_fields = ["country", "status", "kind"]

    def get_queryset(self):
        return selectors.visible_elections().prefetch_related("contestants").select_related("template")

    @extend_schema(responses=ProtocolLineSerializer(many=True))
    @action(detail=True, url_path="protocol-lines", pagination_class=None)
    def protocol_lines(self, request, slug=None):
        """The protocol's lines for this election, vote lines expanded per contestant."""
        language = (get_language() or "en")[:2]
        data = [
            {
                "code": line.code,
                "number": line.number,
                "kind": line.kind,
                "label": line.labels.get(language) or line.labels["en"],
                "ballot_number": line.ballot_number,
            }
            for line in selectors.election_lines(self.get_object())
        ]
        return Response(ProtocolLineSerializer(data, many=True).data)

    @extend_schema(responses=ControlRelationSerializer(many=True))
    @action(detail=True, url_path="control-relations", pagination_class=None)
    def control_relations(self, request, slug=None):
        relations = self.get_object().template.relations.all()
        return Response(ControlRelationSerializer(relations, many=True).data)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    queryset = Region.objects.all()
    filterset_fields = ["country"]


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer
    queryset = Station.objects.select_related("commission").order_by("id")
    filterset_fields = {
        "commission": ["exact"],
        "commission__region": ["exact"],
        "commission__region__country": ["exact"],
        "code": ["exact"],
    }
