from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read only: no one adds, edits or deletes access-log rows by hand."""

    list_display = ["at", "username", "roles", "action", "what", "resident_count", "row_count"]
    list_filter = ["action"]
    search_fields = ["username", "what"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLog._meta.fields]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
