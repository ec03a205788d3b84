import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Election
from evidence.forms import EvidenceField
from evidence.models import Purpose

from .models import ResultSource
from .services import MAX_FIGURE


class ProtocolFiguresForm(forms.Form):
    """One number field per protocol line of the election, in the form's order."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, lines, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_codes = []
        for line in lines:
            self.line_codes.append(line.code)
            self.fields[line.code] = forms.IntegerField(
                label=f"{line.number}. {line.labels.get(language) or line.labels['en']}",
                required=False, min_value=0, max_value=MAX_FIGURE,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "data-line": line.code,
                                                "class": "figure", "autocomplete": "off"}),
            )
        self.order_fields(["client_id", *self.line_codes])

    def figures(self):
        return {code: self.cleaned_data[code] for code in self.line_codes if self.cleaned_data.get(code) is not None}

    def figure_fields(self):
        return [self[code] for code in self.line_codes]


class ObserverCopyForm(ProtocolFiguresForm):
    """The station protocol: its figures, a comment, and the photos of its pages, uploaded in
    place (the typed figures stay on the page) and ticked to attach."""

    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=SHORT_TEXT,
                              widget=forms.Textarea(attrs={"rows": 2}))
    evidence = EvidenceField(label=_("Photos of the protocol"), purpose=Purpose.PROTOCOL_PHOTO, photos_only=True,
                             add_label=_("Take or add photos of the protocol pages"),
                             help_text=_("Photograph every page, signatures and stamp included. Ticked photos are "
                                         "sent with the figures."))

    def __init__(self, *args, photos=(), deployment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].offer(photos, selected=self["evidence"].value(),
                                      station=deployment.station_id if deployment else None,
                                      election=deployment.election_id if deployment else None)


class DecisionForm(forms.Form):
    # Made when the page is drawn: a double click, or the same form sent again, records one decision.
    # Not required: a page drawn before it existed still sends, and the flag's state guard holds.
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        ("confirm", _("Confirmed: the photo shows the observer's figures")),
        ("observer_error", _("Observer error: the photo shows the official figures")),
        ("resolve", _("Resolved (explained or corrected)")),
    ])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=SHORT_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


class ResultsFileForm(forms.Form):
    """The admin's upload of an official results file (per station, or commission summaries)."""

    file = forms.FileField(label=_("File"), help_text=_("CSV or JSON, or a zip holding one."))
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.order_by("-date", "name"))
    source = forms.ModelChoiceField(label=_("Source (its column mapping)"),
                                    queryset=ResultSource.objects.order_by("name"))
    create_stations = forms.BooleanField(label=_("Create stations the file names that do not exist yet"),
                                         required=False)
