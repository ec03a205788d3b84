"""Form fields of the evidence app that higher apps put on their pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.parsing import is_whole_number

PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic"
VIDEO_TYPES = "video/mp4,video/quicktime,video/webm"


class EvidenceField(forms.TypedMultipleChoiceField):
    """IDs of evidence files to attach, picked among the user's uploads or just uploaded on the page.

    It offers `files` (EvidenceFile objects, shown with thumbnails by `picker_template`, which
    uploads in place through static/js/evidence-upload.js) but accepts any ID: whether the user may
    attach it is the attaching service's rule, in one place (`evidence.services.own_evidence`).
    """

    picker_template = "evidence/_evidence_picker.html"

    def __init__(self, *, purpose, multiple=True, photos_only=False, add_label=None, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.purpose = purpose  # what a file uploaded from the picker is sent as
        self.multiple = multiple
        self.accept = PHOTO_TYPES if photos_only else f"{PHOTO_TYPES},{VIDEO_TYPES}"
        self.add_label = add_label or (
            _("Upload the scan") if not multiple else _("Take or add photos") if photos_only
            else _("Take or add photos and videos"))
        self.files, self.selected, self.upload_target, self.targets_by_deployment = [], set(), {}, None

    def valid_value(self, value):
        return is_whole_number(str(value))

    def offer(self, files, *, selected=(), station=None, election=None, targets_by_deployment=None):
        """Files to show with a checkbox; which are ticked; what uploads from the page are sent for
        (a station and election, or per deployment: {deployment id: {"station": id, "election": id}})."""
        self.files = list(files)
        self.choices = [(item.pk, item.filename or item.pk) for item in self.files]
        self.selected = {int(value) for value in (selected or ()) if is_whole_number(str(value))}
        self.upload_target = {"station": station or "", "election": election or ""}
        self.targets_by_deployment = targets_by_deployment
