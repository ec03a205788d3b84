"""Admin for the registry. Station lists stay fast at 100,000 rows: no full counts, joins
selected up front, commissions chosen by autocomplete rather than a 10,000-item dropdown."""

from django.contrib import admin

from .models import (
    Commission,
    Contestant,
    ControlRelation,
    Election,
    ProtocolLine,
    ProtocolTemplate,
    Region,
    Station,
    TerritoryAlias,
)


class ProtocolLineInline(admin.TabularInline):
    model = ProtocolLine
    extra = 0


class ControlRelationInline(admin.TabularInline):
    model = ControlRelation
    extra = 0


@admin.register(ProtocolTemplate)
class ProtocolTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country"]
    list_filter = ["country"]
    inlines = [ProtocolLineInline, ControlRelationInline]


class ContestantInline(admin.TabularInline):
    model = Contestant
    extra = 0


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "country", "kind", "status", "public_transparency"]
    list_filter = ["country", "kind", "status", "public_transparency"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["closed_at"]
    inlines = [ContestantInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country"]
    list_filter = ["country"]
    search_fields = ["name", "code"]


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region__country", "region"]
    list_select_related = ["region"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["region"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "commission", "kind", "registered_voters"]
    list_filter = ["commission__region__country", "kind", "commission__region"]
    list_select_related = ["commission"]
    search_fields = ["code", "name", "address", "commission__name"]
    autocomplete_fields = ["commission"]
    show_full_result_count = False


@admin.register(TerritoryAlias)
class TerritoryAliasAdmin(admin.ModelAdmin):
    """The alias table: another spelling of a region's or a commission's name, read by the importer
    as the code it stands for."""

    list_display = ["alias", "canonical", "kind", "region_code", "country"]
    list_filter = ["country", "kind"]
    search_fields = ["alias", "canonical"]

