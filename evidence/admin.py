"""Evidence in the admin: read-only. Originals and the log are never edited or deleted here."""

from django.contrib import admin

from observers.admin import ReadOnlyAdmin

from .models import EvidenceFile, EvidenceLogEntry, Original, Upload


@admin.register(EvidenceLogEntry)
class EvidenceLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "action", "evidence", "entry_hash"]
    list_filter = ["action"]


@admin.register(Original)
class OriginalAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "kind", "format_code", "size", "processing", "created_at"]
    list_filter = ["kind", "processing"]
    search_fields = ["sha256"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["pk", "filename", "purpose", "station", "uploaded_by", "created_at"]
    list_filter = ["purpose"]
    raw_id_fields = ["original", "station", "election", "uploaded_by"]


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["id", "uploaded_by", "filename", "offset", "length", "state", "updated_at"]
    list_filter = ["state"]
