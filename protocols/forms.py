import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Election
from evidence.forms import EvidenceField
from evidence.models import Purpose

from .models import DELIMITER_CHOICES, ResultSource
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
    # Radio buttons with none checked: the reviewer chooses; nothing is decided for them.
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("confirm", _("Confirmed: the photo shows the observer's figures")),
        ("observer_error", _("Observer error: the photo shows the official figures")),
        ("resolve", _("Resolved (explained or corrected)")),
    ])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=SHORT_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


class ResultsFileForm(forms.Form):
    """The admin's upload of an official results file (per station, or commission summaries)."""

    file = forms.FileField(label=_("File"), help_text=_("CSV or JSON, or a zip holding one, or an Excel workbook (.xlsx)."))
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.order_by("-date", "name"))
    source = forms.ModelChoiceField(label=_("Source (its column mapping)"),
                                    queryset=ResultSource.objects.order_by("name"))
    create_stations = forms.BooleanField(label=_("Create stations the file names that do not exist yet"),
                                         required=False)
    dry_run = forms.BooleanField(label=_("Preview only: read and match, write nothing"), required=False)
    skip_refused = forms.BooleanField(label=_("Import the other rows when some are refused"), required=False,
                                      help_text=_("The refused rows are listed with the import."))
    confirm = forms.BooleanField(label=_("Confirm: create the new stations although the country has stations"),
                                 required=False)


class MappingProposalForm(forms.Form):
    """A new publication's file, read for its header only, and the election whose protocol it fills."""

    file = forms.FileField(label=_("File"), help_text=_("CSV, or a zip holding one, or an Excel workbook (.xlsx): only its header row is read."))
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.order_by("-date", "name"))


class ResultSourceMappingForm(forms.Form):
    """The proposed mapping, to correct and save as a result source."""

    code = forms.SlugField(label=_("code"), max_length=60)
    name = forms.CharField(label=_("name"), max_length=200)
    format = forms.ChoiceField(label=_("format"), choices=ResultSource.Format.choices, initial=ResultSource.Format.CSV,
                               required=False)
    encoding = forms.CharField(label=_("text encoding"), max_length=40, initial="utf-8", required=False,
                               help_text=_("Proposed from the file's bytes: utf-8, or windows-1251 when they are not "
                                           "UTF-8; correct it if the names below look garbled."))
    delimiter = forms.ChoiceField(label=_("field delimiter"), choices=DELIMITER_CHOICES, initial=",", required=False)
    region_column = forms.CharField(label=_("region column"), max_length=200)
    commission_column = forms.CharField(label=_("commission column"), max_length=200)
    station_column = forms.CharField(label=_("station column"), max_length=200, required=False)
    station_pattern = forms.CharField(label=_("station number pattern"), max_length=200, required=False)
    fallback_station_label = forms.CharField(label=_("label of a unit without a station number"), max_length=40,
                                             required=False)
    line_columns = forms.JSONField(label=_("line columns"), widget=forms.Textarea(attrs={"rows": 14}),
                                   help_text=_("Protocol line code for each column; correct or remove any."))
    ignore_columns = forms.JSONField(label=_("columns to ignore"), required=False, initial=list)

    def clean_format(self):
        return self.cleaned_data["format"] or ResultSource.Format.CSV

    def clean_encoding(self):
        return self.cleaned_data["encoding"].strip() or "utf-8"

    def clean_delimiter(self):
        return self.cleaned_data["delimiter"] or ","

    def clean_line_columns(self):
        value = self.cleaned_data["line_columns"]
        if not isinstance(value, dict) or not all(isinstance(code, str) for code in value.values()):
            raise forms.ValidationError(_("Give each column with its line code, e.g. {\"Число избирателей\": \"L1\"}."),
                                        code="bad_line_columns")
        return value
