"""The coordinators' form editor (a checklist and a formset of its questions), import, sample, messages.

The editor's forms only turn what was typed into a checklist document (services.export_document's
format); services.validate_document decides whether it is a valid checklist, in one place.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import IncidentCategory, Severity

from . import sampling
from .models import Checklist, Message, Question

LANGUAGE_NAMES = (("en", _("English")), ("ru", _("Russian")), ("kk", _("Kazakh")))


class ChecklistForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=Checklist.Kind.choices)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_ru = forms.CharField(label=_("Title (Russian)"), max_length=200, required=False)
    title_kk = forms.CharField(label=_("Title (Kazakh)"), max_length=200, required=False)


class QuestionForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500)
    text_ru = forms.CharField(label=_("Question (Russian)"), max_length=500, required=False)
    text_kk = forms.CharField(label=_("Question (Kazakh)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: value | English | Russian | Kazakh"))
    min_value = forms.IntegerField(label=_("Smallest number"), required=False)
    max_value = forms.IntegerField(label=_("Largest number"), required=False)
    show_if_key = forms.CharField(label=_("Shown only if question (key)"), max_length=60, required=False)
    show_if_value = forms.CharField(label=_("has the answer"), max_length=60, required=False)
    critical_values = forms.CharField(label=_("Critical answers (comma-separated)"), max_length=300, required=False)
    critical_severity = forms.ChoiceField(label=_("Severity"), choices=[("", "—"), *Severity.choices], required=False)
    critical_category = forms.ChoiceField(label=_("Incident category"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["critical_category"].choices = [("", "—"), *(
            (category.code, category.name()) for category in IncidentCategory.objects.filter(active=True))]

    def document(self):
        data = self.cleaned_data
        item = {"key": data["key"], "kind": data["kind"], "required": data["required"],
                "text": {lang: data[f"text_{lang}"] for lang in ("kk", "ru", "en")}}
        choices = []
        for line in (data.get("choices") or "").splitlines():
            parts = [part.strip() for part in line.split("|")]
            if parts and parts[0]:
                parts += [""] * 3
                choices.append({"value": parts[0], "label": {"en": parts[1], "ru": parts[2], "kk": parts[3]}})
        if choices:
            item["choices"] = choices
        item["min"], item["max"] = data.get("min_value"), data.get("max_value")
        if data.get("show_if_key"):
            item["show_if"] = {"key": data["show_if_key"], "value": data.get("show_if_value", "")}
        values = [value.strip() for value in (data.get("critical_values") or "").split(",") if value.strip()]
        if values:
            item["critical"] = {"values": values, "severity": data.get("critical_severity") or "high",
                                "category": data.get("critical_category")}
        return item

    @staticmethod
    def initial_from(item):
        """A document's question as this form's initial data."""
        return {
            "key": item["key"], "kind": item["kind"], "required": item.get("required", False),
            **{f"text_{lang}": item["text"].get(lang, "") for lang in ("kk", "ru", "en")},
            "choices": "\n".join(" | ".join([c["value"], c["label"].get("en", ""), c["label"].get("ru", ""),
                                              c["label"].get("kk", "")]) for c in item.get("choices", [])),
            "min_value": item.get("min"), "max_value": item.get("max"),
            "show_if_key": (item.get("show_if") or {}).get("key", ""),
            "show_if_value": (item.get("show_if") or {}).get("value", ""),
            "critical_values": ", ".join((item.get("critical") or {}).get("values", [])),
            "critical_severity": (item.get("critical") or {}).get("severity", ""),
            "critical_category": (item.get("critical") or {}).get("category", ""),
        }


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True, max_num=200, absolute_max=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Checklist file (JSON)"))


class SampleForm(forms.Form):
    size = forms.IntegerField(label=_("Number of stations"), min_value=2, required=False)
    margin = forms.DecimalField(label=_("Or the wanted 95% margin, in percentage points"), min_value=0.1,
                                max_value=50, decimal_places=2, required=False)
    allocation = forms.ChoiceField(label=_("Strata sizes proportional to"), choices=(
        (sampling.BY_STATIONS, _("stations")), (sampling.BY_VOTERS, _("registered voters"))))
    seed = forms.IntegerField(label=_("Seed (empty: a random one, recorded)"), min_value=0, max_value=2**62,
                              required=False)

    def clean(self):
        data = super().clean()
        if data.get("size") is None and data.get("margin") is None:
            raise forms.ValidationError(_("Give the number of stations or the wanted margin."), code="size")
        return data


class MessageForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    audience = forms.ChoiceField(label=_("To"), choices=Message.Audience.choices)
    region = forms.TypedChoiceField(label=_("Region"), coerce=int, required=False)
    station_code = forms.CharField(label=_("Station number"), required=False, max_length=40)
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    email_copy = forms.BooleanField(label=_("Also send it by e-mail"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—"), *((region.pk, region.name) for region in regions)]
