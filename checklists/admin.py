from django.contrib import admin

from .models import Checklist, ChecklistVersion, Message, Question, QuickCountSample, Submission


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ["checklist", "number", "created_at"]
    inlines = [QuestionInline]


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "kind", "election", "organisation"]
    list_filter = ["election", "kind"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["checklist", "station", "observer", "is_latest", "submitted_at"]
    list_filter = ["checklist", "is_latest"]
    readonly_fields = [field.name for field in Submission._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuickCountSample)
class QuickCountSampleAdmin(admin.ModelAdmin):
    list_display = ["election", "size", "seed", "allocation", "drawn_by", "drawn_at", "is_current"]
    readonly_fields = [field.name for field in QuickCountSample._meta.fields]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["election", "organisation", "sender", "audience", "sent_at"]
