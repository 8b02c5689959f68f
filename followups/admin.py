from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from followups.models import FollowUp, Status
from followups.services import followup_retry


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["created_at", "hook", "call", "status", "attempts", "not_before"]
    list_filter = ["status", "hook"]
    search_fields = ["call", "hook"]
    readonly_fields = [f.name for f in FollowUp._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Run the selected failed follow-ups again"))
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
        for pk in failed:
            followup_retry(followup_id=pk)
        self.message_user(
            request,
            ngettext(
                "%(count)d follow-up will run again.",
                "%(count)d follow-ups will run again.",
                len(failed),
            )
            % {"count": len(failed)},
            messages.SUCCESS,
        )
