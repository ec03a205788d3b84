"""Forms of the incident pages. They parse input; the services decide."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.limits import LONG_TEXT, SHORT_TEXT
from evidence.forms import EvidenceField
from evidence.models import Purpose

from .models import COORDINATE_ERRORS, COORDINATE_LIMITS, Complaint, Incident, IncidentCategory, Severity

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return category.name()


class CoordinateField(forms.DecimalField):
    """A latitude or longitude the phone's GPS filled in (a hidden field): within its range, or
    refused with words the observer understands, before anything reaches the database."""

    widget = forms.HiddenInput

    def __init__(self, *, name, **kwargs):
        self.limit, self.message = COORDINATE_LIMITS[name], COORDINATE_ERRORS[name]
        kwargs.setdefault("required", False)
        super().__init__(decimal_places=6, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not -self.limit <= value <= self.limit:
            raise forms.ValidationError(self.message, code="out_of_range")


class IncidentForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    deployment = forms.TypedChoiceField(label=_("Station"), coerce=int)
    category = CategoryChoiceField(label=_("Category"), queryset=IncidentCategory.objects.none(),
                                   empty_label=_("Choose…"))
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=LOCAL_DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    description = forms.CharField(label=_("What happened"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    witnesses = forms.CharField(label=_("Witnesses (optional)"), required=False, max_length=SHORT_TEXT,
                                widget=forms.Textarea(attrs={"rows": 2}))
    latitude = CoordinateField(name="latitude")
    longitude = CoordinateField(name="longitude")
    accuracy = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    evidence = EvidenceField(label=_("Photos and videos"), purpose=Purpose.INCIDENT_MEDIA)

    def __init__(self, *args, deployments=(), categories=None, evidence_files=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["deployment"].choices = [
            (deployment.pk, _("Station %(code)s, %(region)s — %(election)s") % {
                "code": deployment.station.code, "region": deployment.station.commission.region.name,
                "election": deployment.election.name})
            for deployment in deployments]
        self.fields["category"].queryset = categories
        self.fields["evidence"].offer(evidence_files, selected=self["evidence"].value(), targets_by_deployment={
            deployment.pk: {"station": deployment.station_id, "election": deployment.election_id}
            for deployment in deployments})


class IncidentEditForm(forms.Form):
    category = CategoryChoiceField(label=_("Category"), queryset=IncidentCategory.objects.none())
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=LOCAL_DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    description = forms.CharField(label=_("What happened"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    witnesses = forms.CharField(label=_("Witnesses (optional)"), required=False, max_length=SHORT_TEXT,
                                widget=forms.Textarea(attrs={"rows": 2}))
    evidence = EvidenceField(label=_("Photos and videos"), purpose=Purpose.INCIDENT_MEDIA)

    def __init__(self, *args, categories=None, evidence_files=(), station=None, election=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["evidence"].offer(evidence_files, selected=self["evidence"].value(), station=station,
                                      election=election)


class TriageFilterForm(forms.Form):
    region = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    severity = forms.ChoiceField(required=False, choices=[("", _("All severities")), *Severity.choices])
    status = forms.ChoiceField(required=False, choices=[("", _("All statuses")), *Incident.Status.choices])

    def __init__(self, *args, regions=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(region.pk, region.name) for region in regions]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.pk, category.name()) for category in categories]
        labels = {"region": _("Region"), "category": _("Category"), "severity": _("Severity"), "status": _("Status")}
        for name, label in labels.items():
            self.fields[name].widget.attrs["aria-label"] = label


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Incident.Status.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=SHORT_TEXT, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(value, Incident.Status(value).label) for value in targets]


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=SHORT_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintForm(forms.Form):
    """The complaint's language starts on the interface's (Russian in the Russian interface); in
    another interface (English) nothing is preselected: the coordinator picks one."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    language = forms.ChoiceField(label=_("Language of the complaint"), choices=Complaint.Language.choices)
    level = forms.ChoiceField(label=_("Addressed to"), choices=Complaint.Level.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        interface = (get_language() or "")[:2]
        if interface in Complaint.Language.values:
            self.fields["language"].initial = interface
        else:
            self.fields["language"].choices = [("", "—"), *Complaint.Language.choices]


class FilingForm(forms.Form):
    filed_at = forms.DateTimeField(label=_("Filed on"), widget=LOCAL_DATETIME,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    filed_where = forms.CharField(label=_("Where it was filed"), max_length=300)


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label=_("Answer received on"), widget=forms.DateInput(attrs={"type": "date"}))
    answer_text = forms.CharField(label=_("Answer"), required=False, max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    answer_scan = EvidenceField(label=_("Scan of the answer (optional)"), purpose=Purpose.COMPLAINT_ANSWER,
                                multiple=False)

    def __init__(self, *args, evidence_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer_scan"].offer(evidence_files, selected=self["answer_scan"].value())

    def clean_answer_scan(self):
        scans = self.cleaned_data["answer_scan"]
        if len(scans) > 1:
            raise forms.ValidationError(_("Pick one file."))
        return scans[0] if scans else None
