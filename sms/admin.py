from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import GatewayAdminForm
from .models import Gateway, InboundMessage, OutboundMessage, Subscription


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    form = GatewayAdminForm
    list_display = ["name", "kind", "organisation", "webhook_slug", "active", "has_secret"]
    list_filter = ["kind", "active"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "organisation", "active", "webhook_slug", "default_region"]}),
        (_("Inbound"), {"fields": ["new_signing_key", "new_inbound_token"]}),
        (_("Outbound"), {"fields": ["send_url", "send_username", "new_send_password", "sends_per_minute"]}),
    ]

    @admin.display(boolean=True, description=_("secret set"))
    def has_secret(self, gateway):
        return bool(gateway.signing_key or gateway.inbound_token_hash)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["observer", "opted_in", "language"]
    list_filter = ["opted_in", "language"]
    raw_id_fields = ["observer"]


class ReadOnly(admin.ModelAdmin):
    """Messages are records: seen in the admin, never edited there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnly):
    list_display = ["received_at", "sender", "observer", "status", "text"]
    list_filter = ["status", "gateway"]
    search_fields = ["sender", "text"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnly):
    list_display = ["created_at", "phone", "kind", "status", "attempts", "text"]
    list_filter = ["status", "kind"]
