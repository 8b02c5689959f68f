"""Admin for surveys: read-mostly. Surveys are built on the survey pages (versioning lives in
services.py), so questions and answers are not edited here."""

from django.contrib import admin

from surveys.models import ImportBatch, Invitation, Response, Survey


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ["title", "status", "version", "public_link", "created_at"]
    list_filter = ["status"]
    search_fields = ["title"]


@admin.register(Response)
class ResponseAdmin(ReadOnly):
    list_display = ["survey", "version", "channel", "submitted_at", "age_band", "gender"]
    list_filter = ["channel", "survey"]
    list_select_related = ["survey"]
    raw_id_fields = ["booking", "invitation", "resident", "session", "course", "venue", "batch"]
    exclude = ["answers_hash"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    list_display = ["survey", "booking", "created_at"]
    list_select_related = ["survey"]
    raw_id_fields = ["booking", "resident"]
    exclude = ["token"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ["filename", "survey", "encoding", "imported_rows", "skipped_rows", "created_at"]
    list_select_related = ["survey"]
    exclude = ["content"]
