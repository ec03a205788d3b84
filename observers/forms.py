"""Forms of the observer and coordinator pages. They parse input; the services decide."""

import uuid

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Election, Region, Station

from . import services, throttling
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


# No `capture` attribute: with it Android opens the camera only, and an observer whose document is
# already a photo or a scan in the gallery could not pick it. Without it the phone offers both.
PHOTO_INPUT = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})


class SignUpForm(forms.Form):
    invitation_code = forms.CharField(
        label=_("Invitation code of your organisation"), max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False,
                             help_text=_("We write to you there when your coordinator has decided."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
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


DECISION_LABELS = {"approve": _("Approve"), "reject": _("Reject"), "revoke": _("Revoke")}


class DecisionForm(forms.Form):
    """The coordinator's decision, chosen explicitly (nothing preselected) among the moves the
    accreditation's status allows (observers.services.decisions_for): revoke only once approved."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[])
    reason = forms.CharField(label=_("Reason (the observer sees it)"), required=False, max_length=SHORT_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(decision, DECISION_LABELS[decision]) for decision in decisions]


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


def observer_label(user):
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


def station_label(station):
    return " · ".join(part for part in (station.code, station.name, station.address,
                                        station.commission.region.name) if part)


class DeployForm(forms.Form):
    """An observer and a station, each found by typing (static/js/deploy-search.js asks the
    scoped JSON look-ups and fills the hidden IDs). Without the script the typed text is read
    as a username and a station number. No "random sample" box: deployments follow the drawn
    sample (checklists.services.draw_sample and mark_deployment_from_sample)."""

    observer_query = forms.CharField(label=_("Observer"), max_length=150, widget=forms.TextInput(attrs={
        "autocomplete": "off", "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        "data-search": "observer"}), help_text=_("Type a name or a username, then pick from the list."))
    observer = forms.ModelChoiceField(queryset=User.objects.none(), required=False, widget=forms.HiddenInput)
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    station_query = forms.CharField(label=_("Station"), max_length=300, widget=forms.TextInput(attrs={
        "autocomplete": "off", "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        "data-search": "station"}), help_text=_("Type the station's number, name or address, then pick from the list."))
    station = forms.ModelChoiceField(queryset=Station.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, observers, elections, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = observers
        self.fields["election"].queryset = elections
        self.fields["station"].queryset = stations.select_related("commission__region")
        self._stations = stations

    def clean(self):
        data = super().clean()
        if not data.get("observer") and data.get("observer_query"):
            found = list(self.fields["observer"].queryset.filter(username__iexact=data["observer_query"].strip())[:2])
            if len(found) != 1:
                self.add_error("observer_query", _("Pick the observer from the list."))
            else:
                data["observer"] = found[0]
        if not data.get("station") and data.get("station_query"):
            found = list(self._stations.filter(code=data["station_query"].strip())[:2])
            if len(found) != 1:
                self.add_error("station_query", _("Pick the station from the list."))
            else:
                data["station"] = found[0]
        return data

    def chosen_station(self):
        """The station the form names (picked or typed), to show it before saving."""
        if self.is_bound:
            return self.cleaned_data.get("station") if hasattr(self, "cleaned_data") else None
        return self.initial.get("station")


class DeploymentImportForm(forms.Form):
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    file = forms.FileField(label=_("CSV file: username, region_code, station_code[, in_random_sample]"))

    def __init__(self, *args, elections, **kwargs):
        # Its own prefix: the deploy form on the same page has an election field too (one id_election).
        kwargs.setdefault("prefix", "import")
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


class EraseForm(forms.Form):
    """Erasing cannot be undone: the administrator types the observer's pseudonym code to confirm."""

    confirm = forms.CharField(label=_("Type the observer's pseudonym code to confirm"), max_length=12,
                              help_text=_("The code after “Observer” in the title, for example 7F3A."))

    def __init__(self, *args, code="", **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip().upper()
        if value != self.code.upper():
            raise ValidationError(_("This is not the observer's pseudonym code: nothing was erased."))
        return value
class ReviewAssignmentForm(StationByNumber):
    """A reviewer given a whole region of an election, or one station of it (its number)."""

    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=User.objects.none())
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.none())
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    station_code = forms.CharField(label=_("Station number"), max_length=40, required=False,
                                   help_text=_("Leave empty to assign the whole region."))

    def __init__(self, *args, reviewers, elections, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers
        self.fields["reviewer"].label_from_instance = lambda user: f"{user.get_full_name() or user.username} ({user.username})"
        self.fields["election"].queryset = elections
        self.fields["region"].queryset = regions


class SafeUsername:
    """The admin's user forms check a username as sign-up does: a safe alphabet (NFKC, one
    script), not taken, and not confusable with a taken one (observers.services.check_username)."""

    def clean_username(self):
        return services.check_username(self.cleaned_data.get("username", ""), exclude_pk=self.instance.pk)


class AdminUserCreationForm(SafeUsername, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


class AdminUserChangeForm(SafeUsername, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
