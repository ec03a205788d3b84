from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Gateway, InboundMessage, hash_token


class SimulatorForm(forms.Form):
    phone = forms.CharField(label=_("Observer's phone"), max_length=32)
    text = forms.CharField(label=_("Message"), max_length=1600, widget=forms.Textarea(attrs={"rows": 3}))


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(InboundMessage.Status.choices))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    observer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SubscriptionForm(forms.Form):
    opted_in = forms.BooleanField(label=_("Send me SMS (accreditation decisions, reminders)"), required=False)
    language = forms.ChoiceField(label=_("Language of the SMS"), choices=settings.LANGUAGES)


class GatewayAdminForm(forms.ModelForm):
    """Secrets are write-only: a new value replaces the stored one, a blank field keeps it, and
    the stored value is never shown."""

    new_signing_key = forms.CharField(label=_("new signing key"), required=False,
                                      widget=forms.PasswordInput(render_value=False))
    new_inbound_token = forms.CharField(label=_("new inbound token"), required=False,
                                        widget=forms.PasswordInput(render_value=False),
                                        help_text=_("Generic provider: stored only as its SHA-256."))
    new_send_password = forms.CharField(label=_("new send API password"), required=False,
                                        widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = Gateway
        fields = ["name", "kind", "organisation", "webhook_slug", "send_url", "send_username", "sends_per_minute",
                  "default_region", "active"]

    def save(self, commit=True):
        gateway = super().save(commit=False)
        if self.cleaned_data.get("new_signing_key"):
            gateway.signing_key = self.cleaned_data["new_signing_key"]
        if self.cleaned_data.get("new_inbound_token"):
            gateway.inbound_token_hash = hash_token(self.cleaned_data["new_inbound_token"])
        if self.cleaned_data.get("new_send_password"):
            gateway.send_password = self.cleaned_data["new_send_password"]
        if commit:
            gateway.save()
        return gateway
