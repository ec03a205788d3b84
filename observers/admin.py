from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["regions"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
