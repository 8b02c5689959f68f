"""Admin for tickets and the check-in log: read-mostly, searchable by booking number and name."""

from django.contrib import admin

from attendance.models import CheckIn, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["booking", "issued_at", "issued_by", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason", "issued_at"]
    search_fields = ["booking__id", "booking__resident__kana_key", "booking__resident__name_key"]
    list_select_related = ["booking", "issued_by"]
    raw_id_fields = ["booking"]
    readonly_fields = ["token", "issued_at", "issued_by", "revoked_at", "revoked_by"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["at", "result", "channel", "session", "resident", "device", "by", "undone_at"]
    list_filter = ["result", "channel", "at"]
    date_hierarchy = "at"
    search_fields = ["booking__id", "resident__kana_key", "resident__name_key", "device"]
    list_select_related = ["session__course", "resident", "by"]
    raw_id_fields = ["ticket", "booking", "session", "resident", "original"]

    def has_change_permission(self, request, obj=None):
        # The log is evidence of who checked in whom; it is not edited by hand.
        return False
