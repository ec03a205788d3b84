"""Admin for incidents: categories are data an administrator edits; reports are read, not rewritten."""

from django.contrib import admin

from . import selectors
from .models import Complaint, Incident, IncidentCategory, NotificationSetting


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "name_en", "default_severity", "urgent", "active", "position"]
    list_editable = ["default_severity", "urgent", "active", "position"]


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ["organisation", "email_enabled", "webhook_url"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "category", "station", "status", "severity", "reported_at"]
    list_filter = ["status", "severity", "category"]
    readonly_fields = [field.name for field in Incident._meta.fields]

    def get_queryset(self, request):
        return selectors.incidents_for(request.user)

    def has_add_permission(self, request):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["id", "addressed_to", "language", "filed_at", "answer_due", "answered_on"]
    readonly_fields = [field.name for field in Complaint._meta.fields]

    def get_queryset(self, request):
        return selectors.complaints_for(request.user)

    def has_add_permission(self, request):
        return False
