"""Admin for observers. Each `get_queryset` goes through the same selectors as the pages, so a
staff account that is also a coordinator sees only its organisation here too.

Who may write here: only platform administrators (superusers and the admin role). A staff
coordinator reads organisations, users and deployments but changes none of them: the admin's
forms would let them pick any organisation, station, role or permission, past the checks that
the coordinator pages make through `observers.services`.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import access_log, selectors, services
from .forms import AdminLoginForm, AdminUserChangeForm, AdminUserCreationForm
from .models import (
    AccessLogEntry,
    Accreditation,
    AccreditationEvent,
    CheckIn,
    Deployment,
    Organisation,
    ReviewAssignment,
    User,
)

# The admin's login counts against the same failed-login limits as the site's.
admin.site.login_form = AdminLoginForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records (check-ins, evidence, figures, flags): shown in the admin, never added, edited
    or deleted there. The apps above use it too."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformAdminWrites:
    """Add, change and delete for platform administrators only; everyone else may only look."""

    def has_add_permission(self, request, *args):
        return request.user.is_platform_admin and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_platform_admin and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_platform_admin and super().has_delete_permission(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(PlatformAdminWrites, admin.ModelAdmin):
    list_display = ["name", "slug", "allow_self_deployment", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["regions"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_platform_admin:
            return queryset
        return queryset.filter(pk=request.user.organisation_id)


@admin.register(User)
class UserAdmin(PlatformAdminWrites, DjangoUserAdmin):
    add_form = AdminUserCreationForm
    form = AdminUserChangeForm
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    list_select_related = ["organisation"]
    filter_horizontal = ["regions", "groups", "user_permissions"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Observation"), {"fields": ["role", "phone", "organisation", "regions"]}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Observation"), {"fields": ["role", "organisation"]}),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_platform_admin:
            return queryset
        return queryset.filter(pk__in=selectors.observers_for(request.user).values("pk"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person = self.get_object(request, object_id)
        if person is not None and request.method == "GET":
            access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=person,
                              target=f"user {person.pk} (admin)")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.role == User.Role.OBSERVER:
            changed = ", ".join(form.changed_data) if change else "created"
            access_log.record(request, action=access_log.Action.CHANGED, subject=obj,
                              target=f"user {obj.pk} (admin): {changed}"[:120])


class AccreditationEventInline(admin.TabularInline):
    model = AccreditationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Accreditation)
class AccreditationAdmin(admin.ModelAdmin):
    """Read-only: decisions go through the coordinator pages, which keep the history."""

    list_display = ["observer", "organisation", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "organisation"]
    list_select_related = ["observer", "organisation"]
    search_fields = ["observer__username", "observer__last_name"]
    readonly_fields = ["observer", "organisation", "status", "document_type", "document_sha256", "reason",
                       "submitted_at", "decided_at", "decided_by"]
    exclude = ["document"]
    inlines = [AccreditationEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.accreditations_for(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        accreditation = self.get_object(request, object_id)
        if accreditation is not None and request.method == "GET":
            access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=accreditation.observer,
                              organisation_id=accreditation.organisation_id,
                              target=f"accreditation {accreditation.pk} (admin)")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Deployment)
class DeploymentAdmin(PlatformAdminWrites, admin.ModelAdmin):
    list_display = ["observer", "station", "election", "in_random_sample", "created_at"]
    list_filter = ["election", "in_random_sample", "organisation"]
    list_select_related = ["observer", "station", "election"]
    raw_id_fields = ["observer", "station", "assigned_by"]
    search_fields = ["observer__username", "station__code"]

    def get_queryset(self, request):
        return selectors.deployments_for(request.user)


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["deployment", "kind", "recorded_at", "distance_m", "far_from_station"]
    list_filter = ["kind", "far_from_station"]
    list_select_related = ["deployment__observer", "deployment__station"]
    readonly_fields = [field.name for field in CheckIn._meta.fields]

    def get_queryset(self, request):
        return selectors.check_ins_for(request.user)


@admin.register(AccessLogEntry)
class AccessLogAdmin(ReadOnlyAdmin):
    """The access log, read-only (it is append-only): administrators, their organisation's entries."""

    list_display = ["at", "actor", "action", "subject", "target", "client_address"]
    list_filter = ["action"]
    list_select_related = ["actor", "subject"]
    readonly_fields = [field.name for field in AccessLogEntry._meta.fields]

    def has_module_permission(self, request):
        return access_log.may_see(request.user)

    def has_view_permission(self, request, obj=None):
        return access_log.may_see(request.user)

    def get_queryset(self, request):
        return access_log.entries_for(request.user)
class ReviewAssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = ReviewAssignment
        fields = ["reviewer", "election", "region", "station"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = User.objects.filter(role=User.Role.REVIEWER, organisation__isnull=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("region")) == bool(data.get("station")):
            raise forms.ValidationError(_("Choose either a region or a station."))
        return data


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(PlatformAdminWrites, admin.ModelAdmin):
    """Administrators assign any organisation's reviewers (coordinators do it on their own page,
    observers:review-assignments, within their regions)."""

    form = ReviewAssignmentAdminForm
    list_display = ["reviewer", "organisation", "election", "region", "station", "assigned_by", "assigned_at"]
    list_filter = ["election", "organisation"]
    list_select_related = ["reviewer", "organisation", "election", "region", "station", "assigned_by"]
    raw_id_fields = ["station"]
    search_fields = ["reviewer__username", "station__code", "region__name"]

    def get_queryset(self, request):
        return services.assignments_managed_by(request.user)

    def save_model(self, request, obj, form, change):
        obj.organisation_id = obj.reviewer.organisation_id
        obj.assigned_by = obj.assigned_by or request.user
        super().save_model(request, obj, form, change)
