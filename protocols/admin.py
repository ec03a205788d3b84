"""Admin for protocols: official sources are editable; figures and flags are records, read-only."""

from django.contrib import admin

from evidence.selectors import evidence_visible_to
from observers.admin import ReadOnlyAdmin

from . import selectors
from .models import (
    Decision,
    Discrepancy,
    ObserverCopy,
    ObserverCopyPhoto,
    OfficialVersion,
    PhotoPublication,
    ResultImport,
    ResultSource,
)


@admin.register(ResultSource)
class ResultSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "format", "url"]


@admin.register(ResultImport)
class ResultImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "election", "source", "imported_at", "rows", "versions_added", "stations_created"]
    list_filter = ["election", "source"]


@admin.register(OfficialVersion)
class OfficialVersionAdmin(ReadOnlyAdmin):
    list_display = ["station", "election", "version", "is_latest", "imported_at"]
    list_filter = ["election", "is_latest"]
    list_select_related = ["station", "election"]
    show_full_result_count = False


class ObserverCopyPhotoInline(admin.TabularInline):
    """The photos attached to a version: a record, like the version itself."""

    model = ObserverCopyPhoto
    extra = 0
    can_delete = False
    readonly_fields = ["evidence"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ObserverCopy)
class ObserverCopyAdmin(ReadOnlyAdmin):
    list_display = ["station", "observer", "election", "version", "is_latest", "submitted_at"]
    list_filter = ["election", "is_latest"]
    list_select_related = ["station", "observer", "election"]
    inlines = [ObserverCopyPhotoInline]

    def get_queryset(self, request):
        return selectors.copies_for(request.user)


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    readonly_fields = ["status", "comment", "reviewer", "decided_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["station", "election", "kind", "severity", "status", "created_at"]
    list_filter = ["election", "kind", "severity", "status"]
    list_select_related = ["station", "election"]
    inlines = [DecisionInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.discrepancies_for(request.user)


@admin.register(PhotoPublication)
class PhotoPublicationAdmin(ReadOnlyAdmin):
    """The record of every publish and take-down decision; decisions are made on the review and
    station pages (protocols.services), never edited here."""

    list_display = ["evidence", "published", "is_latest", "decided_by", "decided_at"]
    list_filter = ["published", "is_latest"]
    list_select_related = ["evidence", "decided_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(evidence__in=evidence_visible_to(request.user))
