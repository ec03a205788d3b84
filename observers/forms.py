"""Forms of the observer and coordinator pages. They parse input; the services decide."""

import uuid

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Election, Region, Station

from . import throttling
from .models import CheckIn, User


def show_service_errors(form, error):
    """Put a service's ValidationError on the form, next to the field it concerns (errors about
    something the form has no field for go on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class RateLimitedLogin:
    """Refuses to check any password while this address or this username has spent its budget of
    failed logins (observers.throttling); the failures themselves are counted by a signal."""

    def clean(self):
        wait = throttling.login_retry_after(self.request, self.cleaned_data.get("username"))
        if wait is not None:
            self.retry_after = wait
            raise ValidationError(throttling.wait_message(wait), code="rate_limited")
        return super().clean()


class LoginForm(RateLimitedLogin, AuthenticationForm):
    retry_after = None


class AdminLoginForm(RateLimitedLogin, AdminAuthenticationForm):
    retry_after = None


PHOTO_INPUT = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})


class SignUpForm(forms.Form):
    invitation_code = forms.CharField(label=_("Invitation code of your organisation"), max_length=40)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    document = forms.FileField(label=_("Photo of your accreditation document"), widget=PHOTO_INPUT)


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Photo of your accreditation document"), widget=PHOTO_INPUT)


class NewObserverForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Temporary password"), widget=forms.PasswordInput)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject")), ("revoke", _("Revoke"))])
    reason = forms.CharField(label=_("Reason (the observer sees it)"), required=False, max_length=SHORT_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CheckInForm(forms.Form):
    """The phone fills latitude/longitude/accuracy from the browser's geolocation, if allowed."""

    deployment = forms.IntegerField(widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    kind = forms.ChoiceField(choices=CheckIn.Kind.choices, widget=forms.HiddenInput)
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                   widget=forms.HiddenInput)
    accuracy = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        return None if value is None else round(value, 6)

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        return None if value is None else round(value, 6)


class StationByNumber(forms.Form):
    """A station chosen by region and number: 10,000 stations do not fit in a dropdown."""

    def clean(self):
        data = super().clean()
        if data.get("region") and data.get("station_code"):
            stations = list(Station.objects.filter(commission__region=data["region"], code=data["station_code"])[:2])
            if len(stations) != 1:
                raise forms.ValidationError(_("There is no single station with this number in this region."))
            data["station"] = stations[0]
        return data


class DeployForm(StationByNumber):
    observer = forms.ModelChoiceField(label=_("Observer"), queryset=User.objects.none())
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    station_code = forms.CharField(label=_("Station number"), max_length=40)
    in_random_sample = forms.BooleanField(label=_("Part of the random sample (quick count)"), required=False)

    def __init__(self, *args, observers, elections, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = observers
        self.fields["observer"].label_from_instance = lambda user: f"{user.get_full_name()} ({user.username})"
        self.fields["election"].queryset = elections
        self.fields["region"].queryset = regions


class DeploymentImportForm(forms.Form):
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    file = forms.FileField(label=_("CSV file: username, region_code, station_code[, in_random_sample]"))

    def __init__(self, *args, elections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections


class SelfDeployForm(StationByNumber):
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    station_code = forms.CharField(label=_("Station number"), max_length=40)

    def __init__(self, *args, elections, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections
        self.fields["region"].queryset = regions
