"""Admin for protocols: official sources are editable; figures and flags are records, read-only."""

import csv
import io
import itertools
import secrets

from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from elections import selectors as election_selectors
from evidence.selectors import evidence_visible_to
from observers.admin import ReadOnlyAdmin

from . import mapping as source_mapping
from . import selectors
from . import services as protocol_services
from .forms import MappingProposalForm, ResultsFileForm, ResultSourceMappingForm
from .models import (
    Decision,
    Discrepancy,
    ObserverCopy,
    ObserverCopyPhoto,
    OfficialVersion,
    PhotoPublication,
    ResultImport,
    ResultSource,
)
from .official_import import (
    HEADER_SEARCH_ROWS,
    PROBLEMS_SHOWN,
    WORKBOOK_ERRORS,
    ConfirmationNeeded,
    ResultImportError,
    import_official_results,
    open_results_file,
    open_text,
    problems_csv,
    xlsx_table,
)

PROBLEMS_CACHE_SECONDS = 3600
HEAD_BYTES = 64 * 1024  # enough for a header row, to propose the file's encoding and delimiter


def _header_of(upload):
    """(header row, format, encoding, delimiter) of an uploaded workbook, CSV (or the CSV inside a
    zip): a CSV's encoding and delimiter proposed from its first bytes."""
    if upload.name.lower().endswith(".xlsx"):
        try:
            first, rows = xlsx_table(upload)
            header = source_mapping.likely_header([first, *itertools.islice(rows, HEADER_SEARCH_ROWS - 1)])
        except WORKBOOK_ERRORS:
            raise ResultImportError([(1, _("The file cannot be read as an Excel workbook (.xlsx)."))]) from None
        if not header:
            raise ResultImportError([(1, _("The file has no header row."))])
        return header, ResultSource.Format.XLSX, "utf-8", ","
    with open_results_file(upload, upload.name) as stream:
        buffered = io.BufferedReader(stream, buffer_size=HEAD_BYTES)  # peek gives at most its buffer
        encoding, delimiter = source_mapping.sniff_text_format(buffered.peek(HEAD_BYTES)[:HEAD_BYTES])
        text, _encoding = open_text(buffered, encoding)
        try:
            header = source_mapping.likely_header(list(itertools.islice(csv.reader(text, delimiter=delimiter),
                                                                        HEADER_SEARCH_ROWS)))
        except (csv.Error, UnicodeDecodeError):
            raise ResultImportError([(1, _("The file's first row cannot be read as CSV text."))]) from None
    if not header:
        raise ResultImportError([(1, _("The file has no header row."))])
    return header, ResultSource.Format.CSV, encoding, delimiter


def propose_from_header(election, header):
    """protocols.mapping.propose_mapping with the election's count lines (every language's wording)
    and its contestants' names on their vote lines."""
    names = dict(election.contestants.values_list("ballot_number", "name"))
    lines, contestants = [], []
    for line in election_selectors.election_lines(election):
        if line.ballot_number is None:
            lines.append((line.code, list(line.labels.values())))
        elif line.ballot_number in names:
            contestants.append((line.code, names[line.ballot_number]))
    return source_mapping.propose_mapping(header, lines, contestants)


def _csv_download(text, name):
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(ResultSource)
class ResultSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "format", "url"]

    def get_urls(self):
        upload = path("import/", self.admin_site.admin_view(self.import_view), name="protocols_resultsource_import")
        propose = path("propose/", self.admin_site.admin_view(self.propose_view), name="protocols_resultsource_propose")
        problems = path("import/problems/<str:token>.csv", self.admin_site.admin_view(self.problems_view),
                        name="protocols_resultsource_problems")
        return [upload, propose, problems, *super().get_urls()]

    def propose_view(self, request):
        """Mapping help: a new file's header matched to the election's protocol lines by their wording and
        to its contestants by name, shown as a mapping to correct and save as a source."""
        if not request.user.is_platform_admin:
            raise PermissionDenied
        upload = MappingProposalForm(request.POST or None, request.FILES or None, prefix="file")
        mapping = ResultSourceMappingForm(request.POST if "save" in request.POST else None, prefix="mapping")
        scores, unmatched = {}, []
        if "save" in request.POST and mapping.is_valid():
            try:
                source, _created = protocol_services.save_result_source(data={
                    key: value for key, value in mapping.cleaned_data.items() if value is not None})
            except ValueError as error:
                mapping.add_error(None, str(error))
            else:
                self.message_user(request, _("The mapping was saved as the source “%(name)s”.") % {"name": source.name},
                                  messages.SUCCESS)
                return redirect("admin:protocols_resultsource_change", source.pk)
        elif request.method == "POST" and upload.is_valid():
            election = upload.cleaned_data["election"]
            try:
                header, file_format, encoding, delimiter = _header_of(upload.cleaned_data["file"])
            except ResultImportError as error:
                upload.add_error("file", error.errors[0][1])
            else:
                proposal = propose_from_header(election, header)
                scores, unmatched = proposal.scores, proposal.unmatched
                mapping = ResultSourceMappingForm(prefix="mapping", initial={
                    "code": f"{election.slug}-source"[:60], "name": election.name, "format": file_format,
                    "encoding": encoding, "delimiter": delimiter,
                    "region_column": proposal.region_column, "commission_column": proposal.commission_column,
                    "station_column": proposal.station_column, "line_columns": proposal.line_columns,
                    "ignore_columns": []})
        return TemplateResponse(request, "admin/protocols/resultsource/propose.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Propose a mapping"),
            "upload": upload, "mapping": mapping, "scores": sorted(scores.items()), "unmatched": unmatched,
        })

    def problems_view(self, request, token):
        """Every problem of a refused file or a preview, as CSV (kept an hour after the upload)."""
        if not request.user.is_platform_admin:
            raise PermissionDenied
        text = cache.get(f"result-import-problems:{request.user.pk}:{token}")
        if text is None:
            raise Http404
        return _csv_download(text, "problems.csv")

    def import_view(self, request):
        """Upload an official results file: the importer the command and the API use, all rows or
        none; a refused file is shown with its problems by line, and nothing is written."""
        if not request.user.is_platform_admin:
            raise PermissionDenied
        form = ResultsFileForm(request.POST or None, request.FILES or None,
                               initial={"source": request.GET.get("source")})
        problems, preview, confirmation = [], None, None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with open_results_file(data["file"], data["file"].name) as stream:
                    report = import_official_results(election=data["election"], source=data["source"], stream=stream,
                                                     file_name=data["file"].name,
                                                     create_stations=data["create_stations"], user=request.user,
                                                     dry_run=data["dry_run"], confirm=data["confirm"],
                                                     skip_refused=data["skip_refused"])
            except ResultImportError as error:
                problems, preview = error.errors, error.report
            except ConfirmationNeeded as needed:
                preview, confirmation = needed.report, str(needed)
            else:
                if report.dry_run:
                    problems, preview = report.problems, report
                else:
                    return self._imported(request, report)
        token = None
        if problems:
            token = secrets.token_urlsafe(16)
            cache.set(f"result-import-problems:{request.user.pk}:{token}", problems_csv(problems),
                      PROBLEMS_CACHE_SECONDS)
        return TemplateResponse(request, "admin/protocols/resultsource/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Import official results"),
            "form": form, "problems": problems[:PROBLEMS_SHOWN], "problem_count": len(problems),
            "rows_refused": len({line for line, _message in problems}), "preview": preview,
            "confirmation": confirmation, "problems_token": token,
        })

    def _imported(self, request, report):
        self.message_user(request, _(
            "%(rows)s rows read: %(added)s new versions, %(unchanged)s unchanged, %(created)s stations "
            "created.") % {"rows": report.rows, "added": report.versions_added, "unchanged": report.unchanged,
                           "created": report.stations_created}, messages.SUCCESS)
        if report.problems:
            self.message_user(request, _("%(refused)s rows refused (%(problems)s problems): see the import's "
                                         "problem list.") % {"refused": report.rows_refused,
                                                              "problems": report.problem_count},
                              messages.WARNING)
        return redirect("admin:protocols_resultimport_changelist")


@admin.register(ResultImport)
class ResultImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "election", "source", "imported_at", "rows", "versions_added", "stations_created",
                    "rows_blank", "rows_refused", "problem_count", "problems_link"]
    list_filter = ["election", "source"]
    exclude = ["problems_csv"]

    def get_urls(self):
        return [path("<int:pk>/problems.csv", self.admin_site.admin_view(self.problems_view),
                     name="protocols_resultimport_problems"), *super().get_urls()]

    @admin.display(description=_("problems"))
    def problems_link(self, obj):
        if not obj.problem_count:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:protocols_resultimport_problems", args=[obj.pk]),
                           _("CSV"))

    def problems_view(self, request, pk):
        """Every problem of the import (refused rows included), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result_import = ResultImport.objects.filter(pk=pk).only("problems_csv").first()
        if result_import is None:
            raise Http404
        return _csv_download(result_import.problems_csv or problems_csv([]), f"import-{pk}-problems.csv")


@admin.register(OfficialVersion)
class OfficialVersionAdmin(ReadOnlyAdmin):
    list_display = ["station", "election", "version", "is_latest", "imported_at"]
    list_filter = ["election", "is_latest"]
    list_select_related = ["station", "election"]
    show_full_result_count = False


class ObserverCopyPhotoInline(admin.TabularInline):
    """The photos attached to a version: a record, like the version itself."""

    model = ObserverCopyPhoto
    extra = 0
    can_delete = False
    readonly_fields = ["evidence"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ObserverCopy)
class ObserverCopyAdmin(ReadOnlyAdmin):
    list_display = ["station", "observer", "election", "version", "is_latest", "submitted_at"]
    list_filter = ["election", "is_latest"]
    list_select_related = ["station", "observer", "election"]
    inlines = [ObserverCopyPhotoInline]

    def get_queryset(self, request):
        return selectors.copies_for(request.user)


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    readonly_fields = ["status", "comment", "reviewer", "decided_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["station", "election", "kind", "severity", "status", "created_at"]
    list_filter = ["election", "kind", "severity", "status"]
    list_select_related = ["station", "election"]
    inlines = [DecisionInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.discrepancies_for(request.user)


@admin.register(PhotoPublication)
class PhotoPublicationAdmin(ReadOnlyAdmin):
    """The record of every publish and take-down decision; decisions are made on the review and
    station pages (protocols.services), never edited here."""

    list_display = ["evidence", "published", "is_latest", "decided_by", "decided_at"]
    list_filter = ["published", "is_latest"]
    list_select_related = ["evidence", "decided_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(evidence__in=evidence_visible_to(request.user))
