"""Admin for incidents: categories are data an administrator edits; reports are read, not rewritten."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Complaint, Incident, IncidentCategory, NotificationSetting


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "name_en", "default_severity", "urgent", "active", "position"]
    list_editable = ["default_severity", "urgent", "active", "position"]


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ["organisation", "email_enabled", "webhook_url"]
    readonly_fields = ["webhook_secret"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "category", "station", "status", "severity", "reported_at"]
    list_filter = ["status", "severity", "category"]
    readonly_fields = [*(field.name for field in Incident._meta.fields), "evidence_package"]

    def get_queryset(self, request):
        return selectors.incidents_for(request.user)

    @admin.display(description=_("evidence package"))
    def evidence_package(self, incident):
        return format_html('<a href="{}">{}</a>', reverse("incidents:package", args=[incident.pk]),
                           _("Download the ZIP of the originals"))

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
