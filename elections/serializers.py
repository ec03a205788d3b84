from rest_framework import serializers

from .models import Contestant, ControlRelation, Election, Region, Station


class ContestantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contestant
        fields = ["id", "ballot_number", "name", "short_name", "kind"]


class ElectionSerializer(serializers.ModelSerializer):
    contestants = ContestantSerializer(many=True, read_only=True)
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Election
        fields = ["id", "slug", "name", "country", "date", "kind", "status", "template", "contestants"]


class ProtocolLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.CharField()
    kind = serializers.CharField()
    label = serializers.CharField()
    ballot_number = serializers.IntegerField(allow_null=True)


class ControlRelationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ControlRelation
        fields = ["expression", "kind", "tolerance", "label_kk", "label_ru", "label_en"]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "country", "code", "name"]


class StationSerializer(serializers.ModelSerializer):
    region = serializers.IntegerField(source="commission.region_id", read_only=True)

    class Meta:
        model = Station
        fields = ["id", "code", "name", "address", "latitude", "longitude", "registered_voters", "commission", "region"]
